// The meeting page of the cancel and confirm links (web/cancel.js): texts in Spanish.
export default {
  pageTitle: 'Su cita', skip: 'Ir al contenido', loading: 'Cargando…', details: 'Detalles de la cita', topic: 'Tema',
  when: 'Fecha y hora', type: 'Tipo de cita', branch: 'Sucursal', joinLink: 'Enlace para unirse', join: 'Unirse a la cita',
  advisors: 'Con', state: 'Estado', instructions: 'Antes de su cita', t_in_person: 'En persona', t_online: 'En línea',
  t_phone: 'Por teléfono', st_scheduled: 'Programada', st_cancelled: 'Cancelada', st_completed: 'Completada',
  cancelTitle: 'Cancelar la cita', cancel: 'Cancelar esta cita', confirmQ: '¿Seguro que desea cancelar esta cita?',
  confirm: 'Sí, cancelarla', keep: 'Mantenerla', cancelling: 'Cancelando…', kept: 'Su cita sigue reservada.',
  cancelled: 'Su cita está cancelada', cancelledHint: 'Puede reservar una nueva cita cuando lo desee.', bookAgain: 'Reservar una nueva cita',
  tooLate: 'Esta cita ya no se puede cancelar.', invalid: 'Este enlace no es válido.',
  notCancelled: 'No se pudo cancelar la cita.', failed: 'Algo salió mal',
  netError: 'Error de red. Compruebe su conexión e inténtelo de nuevo.', yourTime: '{time} en su zona ({tz})',
  st_pending: 'Pendiente de su confirmación', st_expired: 'Caducada', confirmTitle: 'Confirme su cita',
  confirmHint: 'Esta cita se solicitó en nuestra página de reservas con su dirección de correo electrónico. Confírmela para reservarla; si usted no la ha solicitado, cierre esta página y no se reservará nada.',
  confirmButton: 'Confirmar esta cita', confirming: 'Confirmando…', booked: 'Su cita está reservada',
  bookedHint: 'Le enviamos la confirmación por correo electrónico, con el enlace para cancelar.', calendar: 'Añadir al calendario (.ics)',
  cancelLink: 'Cancelar esta cita', expired: 'Esta solicitud no se confirmó a tiempo y el horario quedó libre. Puede reservar de nuevo.'
};
