// Informes históricos (web/supervisor/reports.js): textos en español.
export default {
  pageTitle: 'Switchboard · Informes', title: 'Informes de Switchboard', skip: 'Ir al contenido',
  sections: 'Secciones', live: 'Panel en directo', reports: 'Informes', planner: 'Planificador de personal', adminCenter: 'Centro de administración', home: 'Inicio',
  signedOutTitle: 'Inicie sesión primero', signedOut: 'Los informes son para supervisores y administradores.', signInLink: 'Iniciar sesión en la página de inicio.',
  notAllowed: 'Solo los supervisores y administradores pueden leer los informes.', apiToken: 'Token de API',
  heading: 'Informes históricos', intro: 'Cifras de los elementos de trabajo enrutados en los días elegidos, contadas en la hora en que ocurrió cada evento. Los días son los de la zona horaria de los informes ({zone}). Definiciones: docs/reports.md.',
  from: 'Desde', to: 'Hasta', by: 'Una fila por', by_queue: 'cola', by_agent: 'agente', by_channel: 'canal', by_day: 'día', by_hour: 'hora',
  queue: 'Cola', anyQueue: 'Todas las colas', channel: 'Canal', anyChannel: 'Todos los canales',
  slSeconds: 'Umbral del nivel de servicio (segundos)', shortSeconds: 'Abandonos cortos en menos de (segundos)',
  show: 'Mostrar', download: 'Descargar CSV', loading: 'Leyendo el informe…', failed: 'No se pudo leer el informe.',
  netError: 'Error de red: compruebe la conexión e inténtelo de nuevo.', checkForm: 'Revise los campos marcados.',
  empty: 'No pasó nada en estos días.', total: 'Total',
  chartVolume: 'Gráfico de ofrecidos, atendidos y abandonados por fila. La tabla siguiente tiene las mismas cifras.',
  chartSl: 'Gráfico del nivel de servicio por fila. La tabla siguiente tiene las mismas cifras.',
  col_name: 'Fila', col_offered: 'Ofrecidos', col_answered: 'Atendidos', col_abandoned: 'Abandonados', col_short: 'de ellos cortos',
  col_sl: 'Nivel de servicio', col_asa: 'Velocidad media de respuesta', col_aht: 'Tiempo medio de gestión', col_transfers: 'Transferencias recibidas / enviadas',
  col_missed: 'Rechazadas / vencidas', col_callbacks: 'Devoluciones de llamada pedidas', col_csat: 'Satisfacción (valoraciones)',
  caption: 'Elementos de trabajo del {from} al {to}, una fila por {by}.',
  err_invalid: 'No es válido aquí.', err_inconsistent: 'Periodo demasiado largo: un año como máximo (un mes por hora).', err_order: 'No debe ser anterior al primer día.',
  actHeading: 'Otros canales', actCaption: 'Invitaciones, citas, mensajes de las citas y devoluciones de llamada del {from} al {to}, contados el día en que ocurrió cada uno.', col_day: 'Día',
  act_invitations: 'Invitaciones al chat mostradas / aceptadas / cerradas / caducadas', act_meetings: 'Citas reservadas / canceladas / celebradas / sin presentarse',
  act_emails: 'Correos enviados / omitidos / fallidos', act_sms: 'SMS enviados / omitidos / fallidos', act_callbacks: 'Devoluciones de llamada pedidas / completadas / fallidas'
};
