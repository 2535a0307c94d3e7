// The chat widget (web/widget): texts in Spanish.
export default {
  rateQ: '¿Qué tal fue su conversación?', rate1: '1 – Muy mal', rate2: '2 – Mal', rate3: '3 – Regular', rate4: '4 – Bien', rate5: '5 – Muy bien',
  rateComment: '¿Algo que añadir? (opcional)', rateSend: 'Enviar mi valoración', rateThanks: 'Gracias por su valoración.', rateChoose: 'Elija una valoración del 1 al 5.',
  preview: 'Esto es una vista previa: no se envía nada.',
  launch: 'Chatee con nosotros', send: 'Enviar', end: 'Finalizar chat', close: 'Cerrar',
  closeChat: 'Cerrar el chat', accept: 'Aceptar', start: 'Iniciar chat',
  pos: 'Usted es el número {n} en la fila', eta: 'Espera estimada: unos {m} min',
  wait: 'Esperando a un agente…', joined: '{name} se unió al chat', ended: 'Chat finalizado',
  again: 'Iniciar un nuevo chat', req: 'Este campo es obligatorio.',
  net: 'Conexión perdida. Reconectando…', fail: 'Algo salió mal. Inténtelo de nuevo.',
  typing: 'El agente está escribiendo…', msg: 'Mensaje', ph: 'Escriba su mensaje…',
  choose: 'Elija…', agent: 'Agente', invite: 'Invitación al chat',
  too_long: 'Su mensaje es demasiado largo.', rate_limited: 'Está enviando mensajes demasiado rápido.',
  bad_email: 'Escriba una dirección de correo electrónico válida.',
  bad_phone: 'Escriba un número de teléfono internacional válido (por ejemplo, +34 612 345 678).',
  bad_choice: 'Elija una de las opciones.', long_answer: 'Esta respuesta es demasiado larga.',
  transcript: 'Descargar la transcripción'
};
