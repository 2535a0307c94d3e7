// The home page (web/home.js): texts in Spanish.
export default {
  lead: 'Centro de contacto omnicanal autoalojado.',
  signIn: 'Iniciar sesión', email: 'Correo electrónico', password: 'Contraseña', signInButton: 'Iniciar sesión',
  signedInAs: 'Sesión iniciada como', roles: 'Roles:', signOut: 'Cerrar sesión',
  wrong: 'Correo electrónico o contraseña incorrectos.', failed: 'No se pudo iniciar sesión.', tooMany: 'Demasiados intentos: vuelva a intentarlo en unos minutos.',
  apiToken: 'Token de API', forEveryone: 'Para clientes', bookLink: 'Reservar una cita con un asesor',
  forIntegrators: 'Para integradores', apiLink: 'Referencia de la API (OpenAPI 3)',
  supervisor: 'Abrir el panel en directo (supervisión)',
  adminCenter: 'Abrir el centro de administración', adminReadOnly: 'Abrir el centro de administración (solo lectura)',
  workspace: 'Abrir el espacio de trabajo del agente', outbox: 'Mensajes de las citas (bandeja de salida, JSON)', voice: 'Estado de la voz (JSON)',
  role_admin: 'administrador', role_supervisor: 'supervisor', role_agent: 'agente'
};
