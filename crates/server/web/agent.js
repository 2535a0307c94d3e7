/* Switchboard agent workspace, served at /agent.js (page: /agent, styles:
 * /agent.css). Contract: docs/workspace.md and the agent side of docs/chat.md.
 * Plain modern JavaScript, no dependencies, no build step.
 *
 * Safety: everything that comes from the server (names, messages, survey
 * answers, context values, URLs, notes, case titles…) is inserted as text
 * (textContent / append(string)), never parsed as HTML; a link gets its href
 * through setAttribute only when it is an absolute http(s) URL. */
(() => {
  'use strict';

  // ================================================================ texts
  const I18N = {
    en: {
      title: 'Agent workspace', skip: 'Skip to the workspace', signinTitle: 'Sign in to the agent workspace',
      email: 'Email', password: 'Password', signin: 'Sign in', signout: 'Sign out', signedInAs: 'Signed in as',
      badLogin: 'Wrong email or password.', signinFailed: 'Sign-in failed.', notAgent: 'Only agents can use the workspace.',
      expired: 'Your session has ended. Please sign in again.',
      presence: 'Presence', p_available: 'Available', p_busy: 'Busy', p_do_not_disturb: 'Do not disturb',
      p_away: 'Away', p_offline: 'Offline', presenceFailed: 'Presence not changed: {e}',
      c_connecting: 'Connecting…', c_online: 'Connected', c_reconnecting: 'Reconnecting…', c_offline: 'Offline',
      offers: 'Offers', sessions: 'Sessions', noSessions: 'No open sessions. Accepted work opens here.',
      ch_chat: 'Chat', ch_voice: 'Voice', ch_callback: 'Callback', ch_email: 'Email', ch_sms: 'SMS', ch_phone: 'Phone',
      newVisitor: 'New visitor', offerLabel: '{channel} offer: {name}', queue: 'Queue', waited: 'Waiting',
      expiresIn: 'Expires in', expiring: 'Expiring…', accept: 'Accept', reject: 'Reject',
      proactive: 'Proactive', callback: 'Callback', rule: 'Rule', phone: 'Phone',
      conversation: 'Conversation', messages: 'Messages', typing: 'The visitor is typing…', message: 'Message',
      composerPh: 'Type a message (/ for canned responses)', send: 'Send', canned: 'Canned',
      cannedSearch: 'Search canned responses', cannedList: 'Canned responses', cannedNone: 'No canned responses',
      endChat: 'End chat', wrapUp: 'Wrap-up done', transfer: 'Transfer', transferTo: 'Transfer to queue',
      cancel: 'Cancel', transferred: 'Transferred to {queue}.', closedItem: 'Work item closed.',
      visitorEnded: 'The visitor ended the chat', chatEnded: 'The chat has ended', agent: 'Agent',
      visitor: 'Visitor', system: 'Switchboard', notSent: 'Not sent: {e}', retry: 'Retry', tooLong: 'The message is too long (4,000 characters at most).',
      loading: 'Loading…', loadFailed: 'Could not load: {e}', noChat: 'This work item has no chat.',
      connLost: 'connection lost', failed: 'Something went wrong', netError: 'network error',
      summary: 'Customer summary', customer: 'Customer', name: 'Name', account: 'Account', jobTitle: 'Job title',
      personTitle: 'Title', relationship: 'Relationship type', city: 'City', category: 'Category',
      preferredChannel: 'Preferred channel', noContact: 'No contact linked.', changeContact: 'Change contact',
      searchContacts: 'Search contacts', search: 'Search', link: 'Link', noResults: 'No matches.', linked: 'Contact linked.',
      convSummary: 'Conversation summary', channel: 'Channel', waitTime: 'Wait time', skills: 'Skills',
      started: 'Started', page: 'Page', proactiveRule: 'Proactive rule',
      survey: 'Pre-chat survey', journey: 'Self-service', visitorDetails: 'Visitor details', additional: 'Additional details',
      noSurvey: 'No answers.', noJourney: 'No self-service activity.', noVisitor: 'No visitor details.',
      notVerifiedClaims: 'Not verified: claims to be', authenticated: 'Authenticated', yes: 'Yes', no: 'No', browser: 'Browser', os: 'Operating system',
      device: 'Device', location: 'Location', language: 'Language', timeZone: 'Time zone',
      j_page: 'Page visit', j_search: 'Search', j_article: 'Article', j_action: 'Action',
      case: 'Case', caseTitle: 'Title', priority: 'Priority', status: 'Status', product: 'Product', owner: 'Owner',
      noCase: 'No case linked.', createCase: 'Create case', linkCase: 'Link existing', editCase: 'Edit',
      create: 'Create', save: 'Save', pickCase: 'Case', caseCreated: 'Case created.', caseLinked: 'Case linked.',
      caseSaved: 'Case saved.', needTitle: 'A title is required.',
      pr_low: 'Low', pr_normal: 'Normal', pr_high: 'High', pr_urgent: 'Urgent',
      st_active: 'Active', st_resolved: 'Resolved', st_cancelled: 'Cancelled',
      recentCases: 'Recent cases', noCases: 'No cases.',
      meetings: 'Meetings', noMeetings: 'No meetings.', bookMeeting: 'Book a meeting', topic: 'Topic',
      meetingType: 'Meeting type', branch: 'Branch', day: 'Day', findTimes: 'Find times', noTimes: 'No free times that day.',
      freeTimes: 'Free times', notes: 'Customer notes', book: 'Book', cancelMeeting: 'Cancel meeting',
      mt_in_person: 'In person', mt_online: 'Online', mt_phone: 'By phone',
      ms_scheduled: 'Scheduled', ms_cancelled: 'Cancelled', ms_completed: 'Completed', joinLink: 'Join link',
      timeline: 'Timeline', filter: 'Show', sc_all: 'All', sc_customer: 'Customer', sc_case: 'Case',
      sc_conversation: 'Conversation', loadMore: 'Load more', noActivity: 'Nothing yet.',
      quickNote: 'Quick note', addNote: 'Add note', by: 'by {name}',
      k_note: 'Note', k_conversation: 'Conversation', k_call: 'Call', k_callback: 'Callback', k_email: 'Email',
      k_sms: 'SMS', k_meeting: 'Meeting', k_case_event: 'Case event',
      script: 'Agent script', noScript: 'No script for this work.', s_instruction: 'Instruction', s_macro: 'Macro',
      s_subscript: 'Sub-script', markDone: 'Mark done', run: 'Run', runAgainShort: 'Run again', runAgain: 'This macro already ran. Run it again?', open: 'Open', back: 'Back to {name}',
      done: 'Done', progress: '{n} of {total} done', stepDone: 'Step “{title}” done.', ran: 'Ran “{title}”.',
      opened: 'Opened:', badUrl: 'The macro gave no usable web address.', running: 'Running…',
      call: 'Call', callKind: 'Type', ck_inbound: 'Inbound call', ck_callback: 'Callback', callNo: 'Number',
      callStateL: 'State', call_waiting: 'Waiting in the queue', call_ringing_agent: 'Ringing your phone',
      call_connected: 'Connected', call_ended: 'Ended', talkTime: 'Talk time', callEnded: 'Call ended',
      callBy_customer: 'the customer hung up', callBy_agent: 'the agent hung up', callBy_system: 'ended by Switchboard',
      noCallInfo: 'No call details for this work item.', unknownCaller: 'Unknown caller',
      createContact: 'Create contact', firstName: 'First name', lastName: 'Last name',
      contactCreated: 'Contact created and linked.'
    },
    fr: {
      title: 'Espace conseiller', skip: 'Aller à l’espace de travail', signinTitle: 'Connexion à l’espace conseiller',
      email: 'E-mail', password: 'Mot de passe', signin: 'Se connecter', signout: 'Se déconnecter', signedInAs: 'Connecté en tant que',
      badLogin: 'E-mail ou mot de passe incorrect.', signinFailed: 'La connexion a échoué.', notAgent: 'Seuls les conseillers peuvent utiliser cet espace.',
      expired: 'Votre session a expiré. Veuillez vous reconnecter.',
      presence: 'Présence', p_available: 'Disponible', p_busy: 'Occupé', p_do_not_disturb: 'Ne pas déranger',
      p_away: 'Absent', p_offline: 'Hors ligne', presenceFailed: 'Présence inchangée : {e}',
      c_connecting: 'Connexion…', c_online: 'Connecté', c_reconnecting: 'Reconnexion…', c_offline: 'Hors ligne',
      offers: 'Propositions', sessions: 'Sessions', noSessions: 'Aucune session ouverte. Le travail accepté s’ouvre ici.',
      ch_chat: 'Chat', ch_voice: 'Appel', ch_callback: 'Rappel', ch_email: 'E-mail', ch_sms: 'SMS', ch_phone: 'Téléphone',
      newVisitor: 'Nouveau visiteur', offerLabel: 'Proposition {channel} : {name}', queue: 'File', waited: 'Attente',
      expiresIn: 'Expire dans', expiring: 'Expiration…', accept: 'Accepter', reject: 'Refuser',
      proactive: 'Proactif', callback: 'Rappel', rule: 'Règle', phone: 'Téléphone',
      conversation: 'Conversation', messages: 'Messages', typing: 'Le visiteur écrit…', message: 'Message',
      composerPh: 'Écrivez un message (/ pour les réponses types)', send: 'Envoyer', canned: 'Réponses types',
      cannedSearch: 'Rechercher une réponse type', cannedList: 'Réponses types', cannedNone: 'Aucune réponse type',
      endChat: 'Terminer le chat', wrapUp: 'Clôture terminée', transfer: 'Transférer', transferTo: 'Transférer vers la file',
      cancel: 'Annuler', transferred: 'Transféré vers {queue}.', closedItem: 'Élément de travail clôturé.',
      visitorEnded: 'Le visiteur a terminé le chat', chatEnded: 'Le chat est terminé', agent: 'Conseiller',
      visitor: 'Visiteur', system: 'Switchboard', notSent: 'Non envoyé : {e}', retry: 'Réessayer', tooLong: 'Le message est trop long (4 000 caractères au plus).',
      loading: 'Chargement…', loadFailed: 'Chargement impossible : {e}', noChat: 'Cet élément de travail n’a pas de chat.',
      connLost: 'connexion perdue', failed: 'Une erreur est survenue', netError: 'erreur réseau',
      summary: 'Résumé client', customer: 'Client', name: 'Nom', account: 'Compte', jobTitle: 'Fonction',
      personTitle: 'Civilité', relationship: 'Type de relation', city: 'Ville', category: 'Catégorie',
      preferredChannel: 'Canal préféré', noContact: 'Aucun contact lié.', changeContact: 'Changer de contact',
      searchContacts: 'Rechercher des contacts', search: 'Rechercher', link: 'Lier', noResults: 'Aucun résultat.', linked: 'Contact lié.',
      convSummary: 'Résumé de la conversation', channel: 'Canal', waitTime: 'Temps d’attente', skills: 'Compétences',
      started: 'Début', page: 'Page', proactiveRule: 'Règle proactive',
      survey: 'Questionnaire', journey: 'Libre-service', visitorDetails: 'Visiteur', additional: 'Informations complémentaires',
      noSurvey: 'Aucune réponse.', noJourney: 'Aucune activité en libre-service.', noVisitor: 'Aucune information sur le visiteur.',
      notVerifiedClaims: 'Non vérifié : se présente comme', authenticated: 'Authentifié', yes: 'Oui', no: 'Non', browser: 'Navigateur', os: 'Système',
      device: 'Appareil', location: 'Localisation', language: 'Langue', timeZone: 'Fuseau horaire',
      j_page: 'Page visitée', j_search: 'Recherche', j_article: 'Article', j_action: 'Action',
      case: 'Dossier', caseTitle: 'Titre', priority: 'Priorité', status: 'Statut', product: 'Produit', owner: 'Responsable',
      noCase: 'Aucun dossier lié.', createCase: 'Créer un dossier', linkCase: 'Lier un dossier existant', editCase: 'Modifier',
      create: 'Créer', save: 'Enregistrer', pickCase: 'Dossier', caseCreated: 'Dossier créé.', caseLinked: 'Dossier lié.',
      caseSaved: 'Dossier enregistré.', needTitle: 'Le titre est obligatoire.',
      pr_low: 'Basse', pr_normal: 'Normale', pr_high: 'Haute', pr_urgent: 'Urgente',
      st_active: 'Actif', st_resolved: 'Résolu', st_cancelled: 'Annulé',
      recentCases: 'Dossiers récents', noCases: 'Aucun dossier.',
      meetings: 'Rendez-vous', noMeetings: 'Aucun rendez-vous.', bookMeeting: 'Prendre un rendez-vous', topic: 'Sujet',
      meetingType: 'Type de rendez-vous', branch: 'Agence', day: 'Jour', findTimes: 'Voir les créneaux', noTimes: 'Aucun créneau libre ce jour-là.',
      freeTimes: 'Créneaux libres', notes: 'Remarques du client', book: 'Réserver', cancelMeeting: 'Annuler le rendez-vous',
      mt_in_person: 'En agence', mt_online: 'En ligne', mt_phone: 'Par téléphone',
      ms_scheduled: 'Prévu', ms_cancelled: 'Annulé', ms_completed: 'Terminé', joinLink: 'Lien de connexion',
      timeline: 'Chronologie', filter: 'Afficher', sc_all: 'Tout', sc_customer: 'Client', sc_case: 'Dossier',
      sc_conversation: 'Conversation', loadMore: 'Voir plus', noActivity: 'Rien pour l’instant.',
      quickNote: 'Note rapide', addNote: 'Ajouter la note', by: 'par {name}',
      k_note: 'Note', k_conversation: 'Conversation', k_call: 'Appel', k_callback: 'Rappel', k_email: 'E-mail',
      k_sms: 'SMS', k_meeting: 'Rendez-vous', k_case_event: 'Événement du dossier',
      script: 'Script conseiller', noScript: 'Aucun script pour ce travail.', s_instruction: 'Consigne', s_macro: 'Macro',
      s_subscript: 'Sous-script', markDone: 'Marquer comme fait', run: 'Exécuter', runAgainShort: 'Exécuter à nouveau', runAgain: 'Cette macro a déjà été exécutée. L’exécuter à nouveau ?', open: 'Ouvrir', back: 'Retour à {name}',
      done: 'Fait', progress: '{n} sur {total} faits', stepDone: 'Étape « {title} » faite.', ran: '« {title} » exécutée.',
      opened: 'Ouvert :', badUrl: 'La macro n’a pas donné d’adresse web utilisable.', running: 'Exécution…',
      call: 'Appel', callKind: 'Type', ck_inbound: 'Appel entrant', ck_callback: 'Rappel', callNo: 'Numéro',
      callStateL: 'État', call_waiting: 'En attente dans la file', call_ringing_agent: 'Votre téléphone sonne',
      call_connected: 'En communication', call_ended: 'Terminé', talkTime: 'Durée de communication', callEnded: 'Appel terminé',
      callBy_customer: 'le client a raccroché', callBy_agent: 'le conseiller a raccroché', callBy_system: 'terminé par Switchboard',
      noCallInfo: 'Aucun détail d’appel pour cet élément de travail.', unknownCaller: 'Appelant inconnu',
      createContact: 'Créer un contact', firstName: 'Prénom', lastName: 'Nom',
      contactCreated: 'Contact créé et lié.'
    },
    es: {
      title: 'Espacio del agente', skip: 'Ir al espacio de trabajo', signinTitle: 'Iniciar sesión en el espacio del agente',
      email: 'Correo electrónico', password: 'Contraseña', signin: 'Iniciar sesión', signout: 'Cerrar sesión', signedInAs: 'Sesión iniciada como',
      badLogin: 'Correo o contraseña incorrectos.', signinFailed: 'No se pudo iniciar sesión.', notAgent: 'Solo los agentes pueden usar este espacio.',
      expired: 'Tu sesión ha terminado. Vuelve a iniciar sesión.',
      presence: 'Presencia', p_available: 'Disponible', p_busy: 'Ocupado', p_do_not_disturb: 'No molestar',
      p_away: 'Ausente', p_offline: 'Desconectado', presenceFailed: 'Presencia sin cambiar: {e}',
      c_connecting: 'Conectando…', c_online: 'Conectado', c_reconnecting: 'Reconectando…', c_offline: 'Sin conexión',
      offers: 'Ofertas', sessions: 'Sesiones', noSessions: 'No hay sesiones abiertas. El trabajo aceptado se abre aquí.',
      ch_chat: 'Chat', ch_voice: 'Llamada', ch_callback: 'Devolución de llamada', ch_email: 'Correo', ch_sms: 'SMS', ch_phone: 'Teléfono',
      newVisitor: 'Nuevo visitante', offerLabel: 'Oferta de {channel}: {name}', queue: 'Cola', waited: 'Esperando',
      expiresIn: 'Caduca en', expiring: 'Caducando…', accept: 'Aceptar', reject: 'Rechazar',
      proactive: 'Proactivo', callback: 'Devolución de llamada', rule: 'Regla', phone: 'Teléfono',
      conversation: 'Conversación', messages: 'Mensajes', typing: 'El visitante está escribiendo…', message: 'Mensaje',
      composerPh: 'Escribe un mensaje (/ para respuestas predefinidas)', send: 'Enviar', canned: 'Predefinidas',
      cannedSearch: 'Buscar respuestas predefinidas', cannedList: 'Respuestas predefinidas', cannedNone: 'No hay respuestas predefinidas',
      endChat: 'Finalizar chat', wrapUp: 'Cierre terminado', transfer: 'Transferir', transferTo: 'Transferir a la cola',
      cancel: 'Cancelar', transferred: 'Transferido a {queue}.', closedItem: 'Elemento de trabajo cerrado.',
      visitorEnded: 'El visitante finalizó el chat', chatEnded: 'El chat ha finalizado', agent: 'Agente',
      visitor: 'Visitante', system: 'Switchboard', notSent: 'No enviado: {e}', retry: 'Reintentar', tooLong: 'El mensaje es demasiado largo (4.000 caracteres como máximo).',
      loading: 'Cargando…', loadFailed: 'No se pudo cargar: {e}', noChat: 'Este elemento de trabajo no tiene chat.',
      connLost: 'conexión perdida', failed: 'Algo salió mal', netError: 'error de red',
      summary: 'Resumen del cliente', customer: 'Cliente', name: 'Nombre', account: 'Cuenta', jobTitle: 'Cargo',
      personTitle: 'Tratamiento', relationship: 'Tipo de relación', city: 'Ciudad', category: 'Categoría',
      preferredChannel: 'Canal preferido', noContact: 'Ningún contacto vinculado.', changeContact: 'Cambiar contacto',
      searchContacts: 'Buscar contactos', search: 'Buscar', link: 'Vincular', noResults: 'Sin resultados.', linked: 'Contacto vinculado.',
      convSummary: 'Resumen de la conversación', channel: 'Canal', waitTime: 'Tiempo de espera', skills: 'Habilidades',
      started: 'Inicio', page: 'Página', proactiveRule: 'Regla proactiva',
      survey: 'Encuesta previa', journey: 'Autoservicio', visitorDetails: 'Datos del visitante', additional: 'Datos adicionales',
      noSurvey: 'Sin respuestas.', noJourney: 'Sin actividad de autoservicio.', noVisitor: 'Sin datos del visitante.',
      notVerifiedClaims: 'No verificado: dice ser', authenticated: 'Autenticado', yes: 'Sí', no: 'No', browser: 'Navegador', os: 'Sistema operativo',
      device: 'Dispositivo', location: 'Ubicación', language: 'Idioma', timeZone: 'Zona horaria',
      j_page: 'Página visitada', j_search: 'Búsqueda', j_article: 'Artículo', j_action: 'Acción',
      case: 'Caso', caseTitle: 'Título', priority: 'Prioridad', status: 'Estado', product: 'Producto', owner: 'Responsable',
      noCase: 'Ningún caso vinculado.', createCase: 'Crear caso', linkCase: 'Vincular existente', editCase: 'Editar',
      create: 'Crear', save: 'Guardar', pickCase: 'Caso', caseCreated: 'Caso creado.', caseLinked: 'Caso vinculado.',
      caseSaved: 'Caso guardado.', needTitle: 'El título es obligatorio.',
      pr_low: 'Baja', pr_normal: 'Normal', pr_high: 'Alta', pr_urgent: 'Urgente',
      st_active: 'Activo', st_resolved: 'Resuelto', st_cancelled: 'Cancelado',
      recentCases: 'Casos recientes', noCases: 'Sin casos.',
      meetings: 'Citas', noMeetings: 'Sin citas.', bookMeeting: 'Reservar una cita', topic: 'Tema',
      meetingType: 'Tipo de cita', branch: 'Sucursal', day: 'Día', findTimes: 'Buscar horarios', noTimes: 'No hay horarios libres ese día.',
      freeTimes: 'Horarios libres', notes: 'Notas del cliente', book: 'Reservar', cancelMeeting: 'Cancelar la cita',
      mt_in_person: 'En la sucursal', mt_online: 'En línea', mt_phone: 'Por teléfono',
      ms_scheduled: 'Programada', ms_cancelled: 'Cancelada', ms_completed: 'Completada', joinLink: 'Enlace',
      timeline: 'Cronología', filter: 'Mostrar', sc_all: 'Todo', sc_customer: 'Cliente', sc_case: 'Caso',
      sc_conversation: 'Conversación', loadMore: 'Cargar más', noActivity: 'Nada todavía.',
      quickNote: 'Nota rápida', addNote: 'Añadir nota', by: 'por {name}',
      k_note: 'Nota', k_conversation: 'Conversación', k_call: 'Llamada', k_callback: 'Devolución de llamada', k_email: 'Correo',
      k_sms: 'SMS', k_meeting: 'Reunión', k_case_event: 'Evento del caso',
      script: 'Guion del agente', noScript: 'No hay guion para este trabajo.', s_instruction: 'Instrucción', s_macro: 'Macro',
      s_subscript: 'Subguion', markDone: 'Marcar como hecho', run: 'Ejecutar', runAgainShort: 'Ejecutar de nuevo', runAgain: 'Esta macro ya se ejecutó. ¿Ejecutarla de nuevo?', open: 'Abrir', back: 'Volver a {name}',
      done: 'Hecho', progress: '{n} de {total} hechos', stepDone: 'Paso «{title}» hecho.', ran: '«{title}» ejecutada.',
      opened: 'Abierto:', badUrl: 'La macro no dio una dirección web utilizable.', running: 'Ejecutando…',
      call: 'Llamada', callKind: 'Tipo', ck_inbound: 'Llamada entrante', ck_callback: 'Devolución de llamada', callNo: 'Número',
      callStateL: 'Estado', call_waiting: 'En espera en la cola', call_ringing_agent: 'Sonando en tu teléfono',
      call_connected: 'Conectada', call_ended: 'Finalizada', talkTime: 'Duración', callEnded: 'Llamada finalizada',
      callBy_customer: 'el cliente colgó', callBy_agent: 'el agente colgó', callBy_system: 'finalizada por Switchboard',
      noCallInfo: 'No hay datos de llamada para este elemento de trabajo.', unknownCaller: 'Llamante desconocido',
      createContact: 'Crear contacto', firstName: 'Nombre', lastName: 'Apellidos',
      contactCreated: 'Contacto creado y vinculado.'
    }
  };
  // Texts of the browsing features (search, customer tabs, case list, past
  // conversations), merged into the table above.
  const I18N_BROWSE = {
    en: {
      searchLabel: 'Search customers and cases', searchPh: 'Search contacts, accounts, cases (/)',
      searchResults: 'Search results', g_contacts: 'Contacts', g_accounts: 'Accounts', g_cases: 'Cases',
      searchCount: '{n} results. Use the arrow keys to choose, Enter to open.', searchCountOne: 'One result. Use the arrow keys to choose it, Enter to open.', searching: 'Searching…',
      views: 'Views', casesView: 'Cases', historyView: 'Past conversations', closeTab: 'Close',
      closeTabNamed: 'Close {name}', customerTab: 'Customer', customerRecord: 'Customer record',
      noConversationHere: 'Customer record only: no conversation is open and nothing is routed.',
      accountNoContacts: 'This account has no contacts yet.', caseNoCustomer: 'This case names no customer.',
      openCase: 'Make current', openCaseNamed: 'Make “{title}” the current case', currentCase: 'Current',
      any: 'Any', ownerAnyone: 'Anyone', ownerMe: 'Me', searchText: 'Text', apply: 'Apply',
      caseFilters: 'Case filters', updated: 'Updated', casesCount: '{n} cases shown.', casesCountOne: 'One case shown.', customerCol: 'Customer',
      transcript: 'Transcript', pickConversation: 'Choose a conversation to read its transcript.',
      duration: 'Duration', endedAt: 'Ended', endedBy: 'Ended by', openCustomer: 'Open customer',
      noPast: 'No past conversations.', noMessages: 'No messages.', showTranscript: 'Transcript',
      showTranscriptNamed: 'Transcript of {name}, {when}', number: 'Number', pastCount: '{n} conversations shown.', pastCountOne: 'One conversation shown.',
      eb_visitor: 'the customer', eb_customer: 'the customer', eb_agent: 'the agent', eb_system: 'Switchboard',
      eb_timeout: 'inactivity', callState: 'Call state', cs_waiting: 'Waiting', cs_ringing_agent: 'Ringing',
      cs_connected: 'Connected', cs_ended: 'Ended'
    },
    fr: {
      searchLabel: 'Rechercher des clients et des dossiers', searchPh: 'Rechercher contacts, comptes, dossiers (/)',
      searchResults: 'Résultats de la recherche', g_contacts: 'Contacts', g_accounts: 'Comptes', g_cases: 'Dossiers',
      searchCount: '{n} résultats. Flèches pour choisir, Entrée pour ouvrir.', searchCountOne: 'Un résultat. Flèches pour le choisir, Entrée pour ouvrir.', searching: 'Recherche…',
      views: 'Vues', casesView: 'Dossiers', historyView: 'Conversations passées', closeTab: 'Fermer',
      closeTabNamed: 'Fermer {name}', customerTab: 'Client', customerRecord: 'Fiche client',
      noConversationHere: 'Fiche client seule : aucune conversation ouverte, rien n’est routé.',
      accountNoContacts: 'Ce compte n’a pas encore de contact.', caseNoCustomer: 'Ce dossier ne désigne aucun client.',
      openCase: 'Rendre courant', openCaseNamed: 'Faire de « {title} » le dossier courant', currentCase: 'Courant',
      any: 'Tous', ownerAnyone: 'N’importe qui', ownerMe: 'Moi', searchText: 'Texte', apply: 'Appliquer',
      caseFilters: 'Filtres des dossiers', updated: 'Mis à jour', casesCount: '{n} dossiers affichés.', casesCountOne: 'Un dossier affiché.', customerCol: 'Client',
      transcript: 'Transcription', pickConversation: 'Choisissez une conversation pour lire sa transcription.',
      duration: 'Durée', endedAt: 'Fin', endedBy: 'Terminée par', openCustomer: 'Ouvrir le client',
      noPast: 'Aucune conversation passée.', noMessages: 'Aucun message.', showTranscript: 'Transcription',
      showTranscriptNamed: 'Transcription de {name}, {when}', number: 'Numéro', pastCount: '{n} conversations affichées.', pastCountOne: 'Une conversation affichée.',
      eb_visitor: 'le client', eb_customer: 'le client', eb_agent: 'le conseiller', eb_system: 'Switchboard',
      eb_timeout: 'inactivité', callState: 'État de l’appel', cs_waiting: 'En attente', cs_ringing_agent: 'Sonnerie',
      cs_connected: 'En ligne', cs_ended: 'Terminé'
    },
    es: {
      searchLabel: 'Buscar clientes y casos', searchPh: 'Buscar contactos, cuentas, casos (/)',
      searchResults: 'Resultados de la búsqueda', g_contacts: 'Contactos', g_accounts: 'Cuentas', g_cases: 'Casos',
      searchCount: '{n} resultados. Flechas para elegir, Intro para abrir.', searchCountOne: 'Un resultado. Flechas para elegirlo, Intro para abrir.', searching: 'Buscando…',
      views: 'Vistas', casesView: 'Casos', historyView: 'Conversaciones anteriores', closeTab: 'Cerrar',
      closeTabNamed: 'Cerrar {name}', customerTab: 'Cliente', customerRecord: 'Ficha del cliente',
      noConversationHere: 'Solo la ficha del cliente: no hay conversación abierta y no se enruta nada.',
      accountNoContacts: 'Esta cuenta aún no tiene contactos.', caseNoCustomer: 'Este caso no indica ningún cliente.',
      openCase: 'Hacer actual', openCaseNamed: 'Hacer de «{title}» el caso actual', currentCase: 'Actual',
      any: 'Todos', ownerAnyone: 'Cualquiera', ownerMe: 'Yo', searchText: 'Texto', apply: 'Aplicar',
      caseFilters: 'Filtros de casos', updated: 'Actualizado', casesCount: '{n} casos mostrados.', casesCountOne: 'Un caso mostrado.', customerCol: 'Cliente',
      transcript: 'Transcripción', pickConversation: 'Elige una conversación para leer su transcripción.',
      duration: 'Duración', endedAt: 'Fin', endedBy: 'Finalizada por', openCustomer: 'Abrir cliente',
      noPast: 'No hay conversaciones anteriores.', noMessages: 'Sin mensajes.', showTranscript: 'Transcripción',
      showTranscriptNamed: 'Transcripción de {name}, {when}', number: 'Número', pastCount: '{n} conversaciones mostradas.', pastCountOne: 'Una conversación mostrada.',
      eb_visitor: 'el cliente', eb_customer: 'el cliente', eb_agent: 'el agente', eb_system: 'Switchboard',
      eb_timeout: 'inactividad', callState: 'Estado de la llamada', cs_waiting: 'En espera', cs_ringing_agent: 'Sonando',
      cs_connected: 'Conectada', cs_ended: 'Finalizada'
    }
  };
  Object.keys(I18N_BROWSE).forEach((l) => Object.assign(I18N[l], I18N_BROWSE[l]));
  const supported = (l) => {
    l = String(l || '').toLowerCase().split(/[-_]/)[0];
    return I18N[l] ? l : null;
  };
  const lang = supported(new URLSearchParams(location.search).get('lang')) ||
    (navigator.languages || []).concat(navigator.language).map(supported).find(Boolean) || 'en';
  function t(key, vars) {
    const s = I18N[lang][key] || I18N.en[key] || key;
    return s.replace(/\{(\w+)\}/g, (_, k) => (vars && vars[k] != null ? String(vars[k]) : ''));
  }
  const label = (prefix, v) => (v == null || v === '' ? '' : (I18N.en[prefix + v] ? t(prefix + v) : String(v)));

  // ============================================================= helpers
  const enc = encodeURIComponent;
  const $ = (id) => document.getElementById(id);
  // createElement with attributes (functions become listeners) and children
  // (strings become Text nodes through append, never HTML).
  function h(tag, attrs, ...kids) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (typeof v === 'function') el.addEventListener(k, v);
      else if (v != null && v !== false) el.setAttribute(k, v === true ? '' : String(v));
    }
    for (const kid of kids.flat(Infinity)) if (kid != null && kid !== false) el.append(kid);
    return el;
  }
  // Conditional elements sit after a placeholder comment and are in the tree
  // only while shown (tests wait for their presence).
  function slot(el) { return (el.sbSlot = document.createComment('')); }
  function put(el, on) {
    if (on && !el.isConnected && el.sbSlot) el.sbSlot.after(el);
    else if (!on && el.parentNode) el.remove();
  }
  // Any value as display text.
  function str(v) {
    if (v == null) return '';
    if (typeof v === 'object') {
      if (Array.isArray(v)) return v.map(str).join(', ');
      return Object.entries(v).map(([k, x]) => k + ': ' + str(x)).join(', ');
    }
    return String(v);
  }
  const dash = (v) => (str(v) === '' ? '—' : str(v));
  // An absolute http(s) URL, or null.
  function safeUrl(u) {
    if (typeof u !== 'string' || !/^https?:\/\//i.test(u.trim())) return null;
    try {
      const url = new URL(u.trim());
      return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null;
    } catch (e) { return null; }
  }
  function link(u, text) {
    const href = safeUrl(u);
    const shown = str(text) || str(u);
    if (!href) return h('span', { class: 'url' }, shown);
    const a = h('a', { target: '_blank', rel: 'noopener noreferrer' }, shown);
    a.setAttribute('href', href);
    return a;
  }
  function date(at) {
    const d = new Date(at);
    return at && !isNaN(d) ? d : null;
  }
  function when(at) {
    const d = date(at);
    return d ? d.toLocaleString(lang, { dateStyle: 'medium', timeStyle: 'short' }) : '';
  }
  function clock(at) {
    const d = date(at);
    return d ? d.toLocaleTimeString(lang, { hour: '2-digit', minute: '2-digit' }) : '';
  }
  function timeEl(at, text) {
    const d = date(at);
    return d ? h('time', { datetime: d.toISOString(), title: d.toLocaleString(lang) }, text || when(at)) : null;
  }
  function dur(s) {
    s = Math.max(0, Math.floor(Number(s) || 0));
    const p = (n) => String(n).padStart(2, '0');
    const hh = Math.floor(s / 3600), mm = Math.floor((s % 3600) / 60), ss = s % 60;
    return hh ? hh + ':' + p(mm) + ':' + p(ss) : mm + ':' + p(ss);
  }
  function rid() {
    const c = window.crypto;
    if (c && c.randomUUID) return c.randomUUID();
    return Date.now().toString(36) + Math.random().toString(36).slice(2) + Math.random().toString(36).slice(2);
  }
  let uid = 0;
  const nextId = (p) => 'sb-' + p + '-' + ++uid;
  function personName(c) {
    if (!c) return '';
    return [c.first_name, c.last_name].map(str).filter(Boolean).join(' ') || str(c.name);
  }
  const chan = (c) => label('ch_', c);
  // Definition list rows: [label, value (string or node), testid?, key?].
  function dl(rows, cls) {
    return h('dl', { class: cls || 'facts' }, rows.filter(Boolean).map(([k, v, testid, key]) =>
      h('div', { 'data-testid': testid || null, 'data-key': key || null },
        h('dt', null, k), h('dd', null, v instanceof Node ? v : dash(v)))));
  }
  function listOf(data) {
    if (Array.isArray(data)) return data;
    if (data && typeof data === 'object') {
      for (const k of ['items', 'canned_responses', 'queues', 'results', 'data']) if (Array.isArray(data[k])) return data[k];
    }
    return [];
  }

  // ============================================================= network
  let csrf = null;
  let me = null;
  let signedIn = false;

  function problem(data, status) {
    if (data && typeof data === 'object') {
      const d = data.detail || data.title || data.message;
      if (d) return String(d);
    }
    return t('failed') + (status ? ' (HTTP ' + status + ')' : '');
  }
  async function api(method, path, body, retried, extra) {
    const headers = Object.assign({ Accept: 'application/json' }, extra || {});
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (method !== 'GET' && csrf) headers['X-CSRF-Token'] = csrf;
    let r;
    try {
      r = await fetch(path, {
        method, credentials: 'same-origin', headers,
        body: body === undefined ? undefined : JSON.stringify(body)
      });
    } catch (e) {
      return { ok: false, status: 0, data: null, error: t('netError') };
    }
    let data = null;
    if (r.status !== 204) {
      try { data = await r.json(); } catch (e) { data = null; }
    }
    if (r.status === 401 && path !== '/api/v1/session' && signedIn) sessionLost();
    // A stale CSRF token (signed in again in another tab): fetch it once more.
    if (r.status === 403 && method !== 'GET' && !retried && /csrf/i.test(problem(data))) {
      const s = await api('GET', '/api/v1/session');
      if (s.ok && s.data && s.data.csrf_token) {
        csrf = s.data.csrf_token;
        return api(method, path, body, true, extra);
      }
    }
    return { ok: r.ok, status: r.status, data, error: r.ok ? '' : problem(data, r.status) };
  }

  // ========================================================= page chrome
  const ui = {};
  let noticeT = 0;
  function notice(text, isError) {
    clearTimeout(noticeT);
    ui.notice.textContent = text || '';
    ui.notice.classList.toggle('error', !!isError);
    if (text) noticeT = setTimeout(() => { ui.notice.textContent = ''; }, 8000);
  }
  const PRESENCES = ['available', 'busy', 'do_not_disturb', 'away', 'offline'];
  let presence = null;
  function showPresence(status) {
    if (!PRESENCES.includes(status)) return;
    presence = status;
    ui.presence.value = status;
    ui.presence.setAttribute('data-value', status);
  }
  async function changePresence() {
    const want = ui.presence.value;
    const before = presence;
    const r = await api('PUT', '/api/v1/me/presence', { status: want });
    if (r.ok) showPresence((r.data && r.data.status) || want);
    else {
      if (before) showPresence(before);
      notice(t('presenceFailed', { e: r.error }), true);
    }
  }
  function setConn(state) {
    ui.conn.setAttribute('data-state', state);
    ui.conn.textContent = t('c_' + state);
  }

  // ============================================================ sign in
  function showSignin(message) {
    ui.me.hidden = true;
    ui.workspace.hidden = true;
    ui.signin.hidden = false;
    ui.signinError.textContent = message || '';
  }
  function start(info) {
    if (!info || !info.agent) {
      showSignin(t('notAgent'));
      return;
    }
    csrf = info.csrf_token || csrf;
    me = info.agent;
    signedIn = true;
    ui.name.textContent = str(me.name);
    ui.signin.hidden = true;
    ui.signinError.textContent = '';
    ui.me.hidden = false;
    ui.workspace.hidden = false;
    renderEmpty();
    api('GET', '/api/v1/me/presence').then((r) => { if (r.ok && r.data) showPresence(r.data.status); });
    backoff = 500;
    connect();
  }
  // Forget everything held in the page (signed out, or the session ended).
  function teardown() {
    signedIn = false;
    csrf = null;
    me = null;
    clearTimeout(retryT);
    const s = ws;
    ws = null;
    wsLive = false;
    if (s) { try { s.close(); } catch (e) { /* already closed */ } }
    commands = [];
    lastId = null;
    everReady = false;
    for (const id of Array.from(toasts.keys())) removeToast(id);
    for (const id of Array.from(sessions.keys())) closeSession(id);
    if (ui.search) { closeSearch(); ui.search.value = ''; } // browsing
    setConn('offline');
  }
  function sessionLost() {
    teardown();
    showSignin(t('expired'));
  }
  async function signIn(e) {
    e.preventDefault();
    ui.signinError.textContent = '';
    const email = ui.email.value.trim();
    const password = ui.password.value;
    if (!email || !password) {
      (email ? ui.password : ui.email).focus();
      return;
    }
    ui.signinSubmit.disabled = true;
    const r = await api('POST', '/api/v1/session', { email, password });
    ui.signinSubmit.disabled = false;
    if (r.ok) {
      ui.password.value = '';
      start(r.data);
      // The form just vanished: focus the first thing an agent does here.
      if (signedIn) ui.presence.focus();
    } else {
      ui.signinError.textContent = r.status === 401 ? t('badLogin') : r.error || t('signinFailed');
      ui.password.focus();
    }
  }
  async function signOut() {
    ui.signout.disabled = true;
    await api('DELETE', '/api/v1/session');
    ui.signout.disabled = false;
    teardown();
    showSignin('');
    ui.email.focus();
  }

  // ============================================================ socket
  let ws = null, wsLive = false, lastId = null, backoff = 500, retryT = 0, fails = 0, everReady = false;
  // Commands awaiting their answer: the server answers each, in order.
  let commands = [];

  function connect() {
    if (!signedIn) return;
    clearTimeout(retryT);
    setConn(everReady ? 'reconnecting' : 'connecting');
    const url = (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/api/v1/ws' +
      (lastId != null ? '?after=' + enc(lastId) : '');
    let s;
    try { s = new WebSocket(url); } catch (e) { retry(); return; }
    ws = s;
    s.onmessage = (ev) => {
      if (ws !== s) return;
      let m;
      try { m = JSON.parse(ev.data); } catch (e) { return; }
      if (m && typeof m === 'object') onEvent(m);
    };
    s.onclose = () => {
      if (ws !== s) return;
      ws = null;
      wsLive = false;
      const lost = commands;
      commands = [];
      lost.forEach((c) => { try { (c.lost || c.fail || (() => {}))(t('connLost')); } catch (e) { console.error(e); } });
      sessions.forEach((S) => { S.typingOn = false; clearTimeout(S.idleT); });
      retry();
    };
    s.onerror = () => { /* a close follows */ };
  }
  function retry() {
    if (!signedIn) return;
    setConn(everReady ? 'reconnecting' : 'connecting');
    fails++;
    const delay = backoff;
    backoff = Math.min(backoff * 2, 10000);
    retryT = setTimeout(async () => {
      if (!signedIn) return;
      // Repeated failures may mean the session is gone (api() then signs out).
      if (fails >= 3) {
        const r = await api('GET', '/api/v1/session');
        if (!signedIn || r.status === 401) return;
      }
      connect();
    }, delay);
  }
  // Sends a command when the socket is open; false when it is not.
  function command(cmd, handlers) {
    if (!ws || ws.readyState !== WebSocket.OPEN) return false;
    try { ws.send(JSON.stringify(cmd)); } catch (e) { return false; }
    commands.push(Object.assign({ type: cmd.type }, handlers || {}));
    return true;
  }

  function onEvent(m) {
    if (typeof m.id === 'number' && (lastId == null || m.id > lastId)) lastId = m.id;
    const item = m.work_item_id;
    switch (m.type) {
      case 'ready':
        if (typeof m.last_id === 'number' && (lastId == null || m.last_id > lastId)) lastId = m.last_id;
        onReady(m);
        break;
      case 'resync':
        // Too far behind: start from now; the ready that follows holds the state.
        if (typeof m.last_id === 'number') lastId = m.last_id;
        break;
      case 'offered': showToast(m, Date.now()); break;
      case 'offer_expired': case 'offer_rescinded': case 'offer_declined':
        removeToast(item);
        break;
      case 'assigned': {
        // The offer's details (channel, customer, conversation) name the tab at once.
        const T = toasts.get(item);
        removeToast(item);
        openSession(item, T ? Object.assign({}, T.data, { status: 'assigned' }) : m);
        break;
      }
      case 'wrap_up': {
        const S = sessions.get(item);
        if (S) { S.wrapUp = true; renderChatState(S); }
        break;
      }
      case 'closed': case 'abandoned': case 'transferred':
        removeToast(item);
        if (sessions.has(item)) closeSession(item);
        break;
      case 'presence': showPresence(m.presence || m.status); break;
      case 'chat_message': withChat(m.conversation_id, (S) => addMessage(S, m)); break;
      case 'chat_typing':
        if (m.sender !== 'agent') withChat(m.conversation_id, (S) => visitorTyping(S, !!m.typing));
        break;
      case 'chat_joined': withChat(m.conversation_id, (S) => loadMessages(S)); break;
      case 'conversation_ended': withChat(m.conversation_id, (S) => markEnded(S, m.by)); break;
      case 'chat_resync': sessions.forEach((S) => { if (S.convId) loadMessages(S); }); break;
      case 'ack': case 'error': {
        const c = commands.shift();
        if (!c) break;
        try {
          if (m.type === 'ack') { if (c.ok) c.ok(m.result || {}); }
          else if (c.fail) c.fail(str(m.message) || t('failed'));
        } catch (e) { console.error(e); }
        break;
      }
      default: break;
    }
  }
  function withChat(conversationId, fn) {
    sessions.forEach((S) => { if (S.convId && S.convId === conversationId) fn(S); });
  }
  function onReady(m) {
    const resumed = everReady;
    everReady = true;
    wsLive = true;
    fails = 0;
    backoff = 500;
    setConn('online');
    const items = Array.isArray(m.work_items) ? m.work_items : [];
    const offered = new Set();
    for (const it of items) {
      if (!it || !it.id) continue;
      if (it.status === 'offered') {
        offered.add(it.id);
        if (!toasts.has(it.id)) showToast(offerFromView(it), Date.now());
      } else if (it.status === 'assigned' || it.status === 'wrap_up') {
        removeToast(it.id);
        const S = openSession(it.id, it);
        if (it.status === 'wrap_up' && S) { S.wrapUp = true; renderChatState(S); }
      }
    }
    // The list is the truth: offers it does not hold are gone.
    for (const id of Array.from(toasts.keys())) if (!offered.has(id)) removeToast(id);
    // Chat events are not replayed across a reconnect: read back what was missed.
    if (resumed) sessions.forEach((S) => { if (S.convId && S.historyLoaded) loadMessages(S); });
  }

  // ============================================================= toasts
  const toasts = new Map(); // work item id → toast record
  function offerFromView(it) {
    const arrived = date(it.arrived_at);
    return {
      work_item_id: it.id, channel: it.channel, kind: it.kind, customer_name: it.customer_name,
      queue_name: it.queue_name, deadline: it.offer_deadline, attributes: it.attributes || {},
      waited_seconds: arrived ? Math.max(0, (Date.now() - arrived.getTime()) / 1000) : 0
    };
  }
  function showToast(o, receivedAt) {
    const id = o.work_item_id;
    if (!id) return;
    removeToast(id, true);
    const attrs = o.attributes || {};
    const T = { id, data: o, receivedAt };
    const phoneCall = o.channel === 'voice' || o.channel === 'callback';
    const name = str(o.customer_name) ||
      (phoneCall ? str(attrs.caller || attrs.callback_number || attrs.phone) || t('unknownCaller') : t('newVisitor'));
    T.wait = h('span', { role: 'timer' });
    T.countdown = h('span', { role: 'timer', class: 'countdown' });
    T.err = h('p', { class: 'error', role: 'alert' });
    T.rule = h('span');
    T.accept = h('button', { type: 'button', class: 'primary', 'data-testid': 'toast-accept', click: () => answerOffer(T, true) }, t('accept'));
    T.reject = h('button', { type: 'button', 'data-testid': 'toast-reject', click: () => answerOffer(T, false) }, t('reject'));
    const badges = [];
    const rows = [[t('queue'), str(o.queue_name)], [t('waited'), T.wait], [t('expiresIn'), T.countdown]];
    if (o.kind === 'proactive') {
      badges.push(h('span', { class: 'badge proactive', 'data-testid': 'toast-badge', 'data-badge': 'proactive' }, t('proactive')));
      rows.push([t('rule'), T.rule]);
      const rule = o.conversation && o.conversation.proactive_rule;
      T.rule.textContent = rule ? str(rule.name) : '';
      if (!rule && attrs.conversation_id) {
        // An offer restored from `ready` comes without its conversation.
        api('GET', '/api/v1/conversations/' + enc(attrs.conversation_id)).then((r) => {
          const rl = r.ok && r.data && r.data.proactive_rule;
          if (rl) T.rule.textContent = str(rl.name);
        });
      }
    }
    if (o.kind === 'callback' || o.channel === 'callback') {
      badges.push(h('span', { class: 'badge callback', 'data-testid': 'toast-badge', 'data-badge': 'callback' }, t('callback')));
      rows.push([t('phone'), str(attrs.phone || attrs.callback_number)]);
    } else if (o.channel === 'voice' && attrs.caller) {
      // A live call: accepting rings the agent's registered phone.
      rows.push([t('phone'), str(attrs.caller)]);
    }
    T.el = h('section', { class: 'toast', 'data-testid': 'toast', 'data-work-item': id, 'data-kind': o.kind || null,
      'aria-label': t('offerLabel', { channel: chan(o.channel), name }) },
      h('div', { class: 'toast-head' },
        h('h2', null, h('span', { class: 'chan' }, chan(o.channel)), ' · ',
          h('span', { class: 'toast-name', 'data-testid': 'toast-name' }, name)),
        badges),
      dl(rows, 'facts compact'),
      slot(T.err),
      h('div', { class: 'actions' }, T.accept, T.reject));
    toasts.set(id, T);
    ui.toasts.append(T.el);
    tickToast(T);
  }
  function tickToast(T) {
    const o = T.data;
    T.wait.textContent = dur((Number(o.waited_seconds) || 0) + (Date.now() - T.receivedAt) / 1000);
    const d = date(o.deadline);
    if (!d) { T.countdown.textContent = '—'; return; }
    const left = (d.getTime() - Date.now()) / 1000;
    T.countdown.textContent = left > 0 ? dur(Math.ceil(left)) : t('expiring');
    T.el.classList.toggle('urgent', left <= 10);
  }
  function removeToast(id, quiet) {
    const T = toasts.get(id);
    if (!T) return;
    toasts.delete(id);
    const hadFocus = T.el.contains(document.activeElement);
    T.el.remove();
    if (hadFocus && !quiet) {
      const next = ui.toasts.querySelector('[data-testid=toast-accept]');
      const S = current && sessions.get(current);
      if (next) next.focus();
      else if (S) S.tab.focus();
      else ui.main.focus();
    }
  }
  function toastError(T, message) {
    T.err.textContent = message;
    put(T.err, true);
    T.accept.disabled = false;
    T.reject.disabled = false;
  }
  function answerOffer(T, accept) {
    const id = T.id;
    T.accept.disabled = true;
    T.reject.disabled = true;
    put(T.err, false);
    if (accept) wantFocus.add(id);
    const done = (result) => {
      if (accept) {
        removeToast(id);
        if (!result || !result.status || result.status === 'assigned') openSession(id, Object.assign({}, T.data, result || {}));
      } else removeToast(id);
    };
    const fail = (message) => { wantFocus.delete(id); if (toasts.get(id) === T) toastError(T, message); };
    const sent = command({ type: accept ? 'accept' : 'reject', work_item_id: id }, {
      ok: done, fail,
      lost: () => { if (toasts.get(id) === T) { T.accept.disabled = false; T.reject.disabled = false; } }
    });
    if (!sent) {
      api('POST', '/api/v1/work-items/' + enc(id) + (accept ? '/accept' : '/reject')).then((r) => {
        if (r.ok) done(r.data); else fail(r.error);
      });
    }
  }

  // =========================================================== sessions
  const sessions = new Map(); // work item id → session record
  const wantFocus = new Set(); // accepted here: focus the session when it opens
  let current = null;

  function renderEmpty() {
    put(ui.empty, sessions.size === 0);
  }
  function openSession(id, hint) {
    if (!id || !signedIn) return null;
    const focus = wantFocus.delete(id);
    let S = sessions.get(id);
    if (S) {
      if (focus) selectSession(id, true);
      return S;
    }
    hint = hint || {};
    const n = ++uid;
    S = {
      id, n, hint, summary: null, item: hint, convId: (hint.attributes && hint.attributes.conversation_id) || null,
      seqs: new Map(), lastSeq: 0, pending: new Map(), ended: false, wrapUp: hint.status === 'wrap_up', endedBy: null,
      typingOn: false, typingAt: 0, idleT: 0, visitorTypingT: 0, historyLoaded: false, loadingMsgs: false, reloadMsgs: false,
      convTab: 'survey', tlScope: 'all', tlItems: [], tlCursor: null, tlToken: 0, caseForm: null,
      done: new Set(), scriptStack: [], scriptStatus: '', focusComposer: focus, chatBuilt: false, canned: null
    };
    const tabId = 'sb-tab-' + n, panelId = 'sb-panel-' + n;
    S.tabName = h('span', { class: 'tab-name' });
    S.tabChan = h('span', { class: 'tab-chan' });
    S.tab = h('button', { type: 'button', role: 'tab', id: tabId, 'aria-controls': panelId, 'aria-selected': 'false',
      tabindex: '-1', 'data-testid': 'session-tab', 'data-work-item': id,
      click: () => selectSession(id, false) }, S.tabName, ' ', S.tabChan);
    S.ui = {};
    S.ui.conv = h('section', { class: 'pane conv', 'aria-label': t('conversation') }, h('p', { class: 'muted' }, t('loading')));
    S.ui.summary = h('section', { class: 'pane summary', 'data-testid': 'summary', 'aria-label': t('summary') },
      h('p', { class: 'muted' }, t('loading')));
    S.ui.script = h('section', { class: 'pane script', 'data-testid': 'script', 'aria-label': t('script') });
    S.panel = h('section', { role: 'tabpanel', id: panelId, 'aria-labelledby': tabId, class: 'session',
      'data-testid': 'session', 'data-work-item': id, hidden: true },
      h('div', { class: 'session-grid' }, S.ui.conv, S.ui.summary, S.ui.script));
    sessions.set(id, S);
    ui.tabs.append(S.tab);
    ui.panels.append(S.panel);
    updateTabLabel(S);
    renderEmpty();
    if (focus || !current) selectSession(id, focus);
    if (S.convId) buildChat(S);
    loadSummary(S);
    return S;
  }
  function updateTabLabel(S) {
    const sum = S.summary;
    const name = (sum && sum.customer && personName(sum.customer.contact)) || str(S.item.customer_name) ||
      str(S.hint.customer_name) || (isCall(S) && callNumber(S)) || t('newVisitor');
    const channel = (sum && sum.work_item && sum.work_item.channel) || S.item.channel || S.hint.channel;
    S.tabName.textContent = name;
    S.tabChan.textContent = chan(channel);
    S.displayName = name;
    if (S.ui.convTitle) S.ui.convTitle.textContent = name;
  }
  function selectSession(id, focusTab) {
    const S = sessions.get(id);
    if (!S) return;
    current = id;
    sessions.forEach((x) => {
      const on = x === S;
      x.tab.setAttribute('aria-selected', String(on));
      x.tab.tabIndex = on ? 0 : -1;
      x.panel.hidden = !on;
    });
    S.tab.removeAttribute('data-unread');
    if (focusTab) S.tab.focus();
  }
  function closeSession(id) {
    const S = sessions.get(id);
    if (!S) return;
    const tabs = Array.from(sessions.keys());
    const i = tabs.indexOf(id);
    const hadFocus = S.panel.contains(document.activeElement) || S.tab === document.activeElement;
    if (S.typingOn) command({ type: 'typing', conversation_id: S.convId, typing: false });
    clearTimeout(S.idleT);
    clearTimeout(S.visitorTypingT);
    clearTimeout(S.callT);
    S.closed = true;
    sessions.delete(id);
    S.tab.remove();
    S.panel.remove();
    if (current === id) {
      current = null;
      const next = tabs[i + 1] || tabs[i - 1];
      if (next && sessions.has(next)) selectSession(next, hadFocus);
      else if (hadFocus && signedIn) ui.main.focus();
    }
    renderEmpty();
  }
  function tabKeys(e) {
    const list = e.currentTarget;
    const tabs = Array.from(list.querySelectorAll(':scope > [role=tab]'));
    const i = tabs.indexOf(document.activeElement);
    if (i < 0) return;
    let j = null;
    if (e.key === 'ArrowRight' || e.key === 'ArrowDown') j = (i + 1) % tabs.length;
    else if (e.key === 'ArrowLeft' || e.key === 'ArrowUp') j = (i - 1 + tabs.length) % tabs.length;
    else if (e.key === 'Home') j = 0;
    else if (e.key === 'End') j = tabs.length - 1;
    if (j == null) return;
    e.preventDefault();
    tabs[j].focus();
    tabs[j].click();
  }

  // ====================================================== conversation
  function buildChat(S) {
    if (S.chatBuilt) return;
    S.chatBuilt = true;
    const u = S.ui;
    const panelId = nextId('canned');
    u.convTitle = h('h2', { class: 'conv-title' }, S.displayName || '');
    u.endBtn = h('button', { type: 'button', 'data-testid': 'end-chat', click: () => endChat(S) }, t('endChat'));
    u.wrapBtn = h('button', { type: 'button', class: 'primary', 'data-testid': 'wrap-up', click: () => wrapUp(S) }, t('wrapUp'));
    u.transferBtn = h('button', { type: 'button', 'data-testid': 'transfer', 'aria-expanded': 'false',
      click: () => toggleTransfer(S) }, t('transfer'));
    u.transfer = transferForm(S);
    u.endedNote = h('p', { class: 'ended-note', role: 'status', 'data-testid': 'ended' });
    u.list = h('div', { class: 'messages', role: 'log', 'aria-live': 'polite', 'aria-label': t('messages'),
      'data-testid': 'messages', tabindex: '0' });
    u.typing = h('p', { class: 'typing', 'data-testid': 'typing' }, t('typing'));
    u.chatErr = h('p', { class: 'error', role: 'alert' });
    const composerId = nextId('composer');
    u.composer = h('textarea', { id: composerId, rows: '3', maxlength: '4000', placeholder: t('composerPh'),
      'data-testid': 'composer',
      input: () => composerInput(S), keydown: (e) => composerKey(S, e) });
    u.sendBtn = h('button', { type: 'button', class: 'primary', 'data-testid': 'send', click: () => send(S) }, t('send'));
    // aria-controls names the canned panel only while it is in the page.
    u.cannedBtn = h('button', { type: 'button', 'data-testid': 'canned-button', 'aria-expanded': 'false',
      click: () => toggleCanned(S) }, t('canned'));
    u.canned = cannedPanel(S, panelId);
    u.compose = h('div', { class: 'compose' },
      slot(u.canned),
      h('label', { for: composerId, class: 'sr-only' }, t('message')),
      u.composer,
      h('div', { class: 'compose-actions' }, u.cannedBtn, u.sendBtn));
    u.conv.textContent = '';
    u.conv.append(
      h('div', { class: 'conv-head' }, u.convTitle,
        h('div', { class: 'actions' }, u.transferBtn, slot(u.endBtn), slot(u.wrapBtn))),
      slot(u.transfer),
      u.list,
      slot(u.typing),
      slot(u.endedNote),
      slot(u.chatErr),
      slot(u.compose));
    renderChatState(S);
    loadMessages(S);
    if (S.focusComposer && current === S.id) { S.focusComposer = false; u.composer.focus(); }
  }
  // A work item without a chat (a callback, a voice call): its facts (for
  // a call, the live call panel), transfer, close.
  function buildNonChat(S) {
    if (S.chatBuilt || S.nonChatBuilt) return;
    S.nonChatBuilt = true;
    const u = S.ui;
    const item = (S.summary && S.summary.work_item) || S.item;
    const attrs = item.attributes || {};
    u.convTitle = h('h2', { class: 'conv-title' }, S.displayName || '');
    u.wrapBtn = h('button', { type: 'button', class: 'primary', 'data-testid': 'wrap-up', click: () => wrapUp(S) }, t('wrapUp'));
    u.transferBtn = h('button', { type: 'button', 'data-testid': 'transfer', 'aria-expanded': 'false',
      click: () => toggleTransfer(S) }, t('transfer'));
    u.transfer = transferForm(S);
    u.chatErr = h('p', { class: 'error', role: 'alert' });
    const phone = attrs.phone || attrs.callback_number || attrs.caller;
    u.conv.textContent = '';
    u.conv.append(
      h('div', { class: 'conv-head' }, u.convTitle, h('div', { class: 'actions' }, u.transferBtn, u.wrapBtn)),
      slot(u.transfer),
      isCall(S) ? callPanel(S) : h('p', { class: 'muted' }, t('noChat')),
      dl([[t('channel'), chan(item.channel)], phone && !isCall(S) ? [t('phone'), str(phone)] : null,
        [t('queue'), str(item.queue_name)], [t('started'), when(item.arrived_at)]]),
      slot(u.chatErr));
    // Accepted here: focus the call (not "Wrap-up done", which would end a
    // live call on a stray key press), or the button for other items.
    if (S.focusComposer && current === S.id) { S.focusComposer = false; (u.call || u.wrapBtn).focus(); }
    if (isCall(S)) loadCall(S);
  }

  // ---------------------------------------------------------------- call
  // A voice call or a callback (GET /api/v1/work-items/{id}/call): its
  // number, its state, a timer while connected and, once over, how long it
  // lasted and who hung up. Read again every 1.5 s until it has ended.
  const CALL_STATES = ['waiting', 'ringing_agent', 'connected', 'ended'];
  function isCall(S) {
    const item = (S.summary && S.summary.work_item) || S.item || {};
    const ch = item.channel || S.hint.channel;
    return !S.convId && (ch === 'voice' || ch === 'callback');
  }
  function callNumber(S) {
    const item = (S.summary && S.summary.work_item) || S.item || {};
    const attrs = item.attributes || {};
    return str((S.call && S.call.number) || attrs.caller || attrs.callback_number || attrs.phone);
  }
  function callPanel(S) {
    const u = S.ui;
    const id = nextId('call');
    u.callKind = h('span', { 'data-testid': 'call-kind' });
    u.callNumber = h('span', { 'data-testid': 'call-number' });
    u.callState = h('span', { 'data-testid': 'call-state' });
    u.callTimer = h('span', { role: 'timer', 'data-testid': 'call-timer' });
    u.callTimerRow = h('div', null, h('dt', null, t('talkTime')), h('dd', null, u.callTimer));
    u.callEnded = h('p', { class: 'call-ended', role: 'status', 'data-testid': 'call-ended' });
    u.callNone = h('p', { class: 'muted', 'data-testid': 'call-none' }, t('noCallInfo'));
    u.call = h('section', { class: 'call', 'data-testid': 'call-panel', 'data-state': 'unknown', 'aria-labelledby': id,
      tabindex: '-1' },
      h('h3', { id }, t('call')),
      h('dl', { class: 'facts' },
        h('div', null, h('dt', null, t('callKind')), h('dd', null, u.callKind)),
        h('div', null, h('dt', null, t('callNo')), h('dd', null, u.callNumber)),
        h('div', null, h('dt', null, t('callStateL')), h('dd', null, u.callState)),
        slot(u.callTimerRow)),
      slot(u.callEnded), slot(u.callNone));
    renderCall(S);
    return u.call;
  }
  async function loadCall(S) {
    clearTimeout(S.callT);
    if (S.closed) return;
    const r = await api('GET', '/api/v1/work-items/' + enc(S.id) + '/call');
    if (S.closed) return;
    if (r.ok && r.data) {
      const was = S.call && S.call.state;
      S.call = r.data;
      renderCall(S);
      if (S.call.state !== 'ended') S.callT = setTimeout(() => loadCall(S), 1500);
      else if (was && was !== 'ended') refreshTimeline(S); // the call's record
    } else if (r.status === 404) {
      S.call = null;
      S.callMissing = true;
      renderCall(S);
    } else S.callT = setTimeout(() => loadCall(S), 3000);
  }
  function renderCall(S) {
    const u = S.ui, c = S.call;
    if (!u.call) return;
    const state = c && CALL_STATES.includes(c.state) ? c.state : null;
    u.call.setAttribute('data-state', state || 'unknown');
    const item = (S.summary && S.summary.work_item) || S.item || {};
    const kind = (c && c.kind) || (item.kind === 'callback' || item.channel === 'callback' ? 'callback' : 'inbound');
    u.callKind.textContent = t('ck_' + kind) || kind;
    u.callNumber.textContent = dash(callNumber(S));
    u.callState.textContent = state ? t('call_' + state) : '—';
    put(u.callTimerRow, state === 'connected');
    tickCall(S);
    if (state === 'ended') {
      let secs = c.duration_seconds;
      const a = date(c.answered_at), e = date(c.ended_at);
      if (secs == null && a && e) secs = (e - a) / 1000;
      u.callEnded.textContent = [t('callEnded'), secs != null ? dur(secs) : null,
        c.ended_by ? label('callBy_', c.ended_by) : null].filter(Boolean).join(' · ');
    }
    put(u.callEnded, state === 'ended');
    put(u.callNone, !!S.callMissing && !c);
    updateTabLabel(S);
  }
  function tickCall(S) {
    const c = S.call;
    if (!c || c.state !== 'connected' || !S.ui.callTimer) return;
    const a = date(c.answered_at);
    S.ui.callTimer.textContent = a ? dur((Date.now() - a.getTime()) / 1000) : '—';
  }
  // Links the call to a contact (an existing one, or one just created).
  async function linkCallContact(S, contactId) {
    const r = await api('PUT', '/api/v1/work-items/' + enc(S.id) + '/call/contact', { contact_id: contactId });
    if (S.closed) return r;
    if (r.ok && r.data && r.data.state) { S.call = r.data; renderCall(S); }
    if (r.ok) await loadSummary(S);
    return r;
  }
  function createContactForm(S) {
    const form = h('form', { class: 'stack-form', 'data-testid': 'contact-create-form' });
    const field = (lbl, control) => { const id = nextId('cc'); control.id = id; return [h('label', { for: id }, lbl), control]; };
    const first = h('input', { type: 'text', maxlength: '200', autocomplete: 'off', 'data-testid': 'contact-create-first' });
    const last = h('input', { type: 'text', maxlength: '200', autocomplete: 'off', 'data-testid': 'contact-create-last' });
    const email = h('input', { type: 'email', maxlength: '320', autocomplete: 'off', 'data-testid': 'contact-create-email' });
    const phone = h('input', { type: 'tel', maxlength: '40', autocomplete: 'off', 'data-testid': 'contact-create-phone' });
    phone.value = callNumber(S);
    const err = formError();
    const submit = h('button', { type: 'submit', class: 'primary', 'data-testid': 'contact-create-submit' }, t('create'));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const body = {};
      [['first_name', first], ['last_name', last], ['email', email], ['phone', phone]].forEach(([k, el]) => {
        if (el.value.trim()) body[k] = el.value.trim();
      });
      submit.disabled = true;
      err.textContent = '';
      const r = await api('POST', '/api/v1/contacts', body);
      if (S.closed) return;
      if (!r.ok || !r.data || !r.data.id) { submit.disabled = false; err.textContent = r.error; first.focus(); return; }
      const l = await linkCallContact(S, r.data.id);
      if (S.closed) return;
      submit.disabled = false;
      if (l.ok) notice(t('contactCreated')); else err.textContent = l.error;
    });
    form.append(...field(t('firstName'), first), ...field(t('lastName'), last), ...field(t('email'), email),
      ...field(t('phone'), phone), err, h('div', { class: 'card-actions' }, submit));
    setTimeout(() => first.focus());
    return form;
  }
  // For a call: "Change contact" and, while none is linked, "Create contact".
  function callContactActions(S, hasContact) {
    const box = h('div', { class: 'changer' });
    const changer = contactChanger(S);
    if (hasContact) return changer;
    const toggle = h('button', { type: 'button', 'data-testid': 'create-contact', 'aria-expanded': 'false', click: () => {
      const on = !box.isConnected;
      box.textContent = '';
      if (on) box.append(createContactForm(S));
      put(box, on);
      toggle.setAttribute('aria-expanded', String(on));
    } }, t('createContact'));
    changer.append(toggle, slot(box));
    return changer;
  }
  function chatError(S, message) {
    if (!S.ui.chatErr) return;
    S.ui.chatErr.textContent = message || '';
    put(S.ui.chatErr, !!message);
  }
  function renderChatState(S) {
    const u = S.ui;
    if (!S.chatBuilt) return;
    const over = S.ended || S.wrapUp;
    put(u.endBtn, !over);
    put(u.wrapBtn, over);
    put(u.compose, !over);
    if (over) {
      put(u.typing, false);
      u.endedNote.textContent = S.endedBy === 'visitor' ? t('visitorEnded') : t('chatEnded');
      closeCanned(S);
    }
    put(u.endedNote, over);
  }
  function markEnded(S, by) {
    if (S.ended && S.endedBy) return;
    const hadFocus = S.ui.compose && S.ui.compose.contains(document.activeElement);
    // The end wrote the chat's transcript on the customer's timeline.
    if (!S.ended) refreshTimeline(S);
    S.ended = true;
    S.endedBy = by || S.endedBy || null;
    if (S.typingOn) stopTyping(S);
    renderChatState(S);
    if (hadFocus) S.ui.wrapBtn.focus();
  }
  function visitorTyping(S, on) {
    if (!S.ui.typing) return;
    clearTimeout(S.visitorTypingT);
    put(S.ui.typing, on && !S.ended);
    if (on) S.visitorTypingT = setTimeout(() => put(S.ui.typing, false), 20000);
  }

  // ------------------------------------------------------------ messages
  async function loadMessages(S) {
    if (!S.convId || S.closed) return;
    if (S.loadingMsgs) { S.reloadMsgs = true; return; }
    S.loadingMsgs = true;
    let more = true;
    while (more && !S.closed) {
      const r = await api('GET', '/api/v1/conversations/' + enc(S.convId) + '/messages?after=' + S.lastSeq);
      if (S.closed) break;
      if (!r.ok) { chatError(S, t('loadFailed', { e: r.error })); break; }
      const list = (r.data && r.data.messages) || [];
      list.forEach((m) => addMessage(S, m));
      S.historyLoaded = true;
      more = list.length >= 500;
    }
    S.loadingMsgs = false;
    if (S.reloadMsgs) { S.reloadMsgs = false; loadMessages(S); }
  }
  function messageRow(S, m) {
    const sender = ['visitor', 'agent', 'system'].includes(m.sender) ? m.sender : 'system';
    const who = sender === 'agent' ? str(m.name) || t('agent')
      : sender === 'visitor' ? str(m.name) || S.displayName || t('visitor') : t('system');
    const bubble = h('div', { class: 'msg ' + sender, 'data-testid': 'message', 'data-sender': sender }, str(m.body));
    const row = h('div', { class: 'msg-row ' + sender },
      sender === 'agent' ? h('div', { class: 'msg-name' }, who) : h('span', { class: 'sr-only' }, who + ': '),
      bubble,
      m.at ? h('div', { class: 'msg-time' }, timeEl(m.at, clock(m.at))) : null);
    row.sbBubble = bubble;
    row.sbSeq = null;
    return row;
  }
  function placeRow(S, row) {
    const list = S.ui.list;
    const nearBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
    const seq = row.sbSeq;
    let before = null;
    if (seq != null) {
      let r = list.lastElementChild;
      while (r && (r.sbSeq == null || r.sbSeq > seq)) { before = r; r = r.previousElementSibling; }
    }
    list.insertBefore(row, before);
    if (nearBottom || row.classList.contains('agent')) list.scrollTop = list.scrollHeight;
  }
  function addMessage(S, m) {
    if (!S.ui.list || !m || typeof m.seq !== 'number' || S.seqs.has(m.seq)) return;
    let row = m.client_id ? S.pending.get(m.client_id) : null;
    if (row) {
      S.pending.delete(m.client_id);
      row.classList.remove('pending', 'failed');
      row.sbBubble.removeAttribute('data-pending');
      if (row.sbRetry) { row.sbRetry.remove(); row.sbRetry = null; }
      if (m.at && !row.querySelector('time')) row.append(h('div', { class: 'msg-time' }, timeEl(m.at, clock(m.at))));
      row.remove();
    } else row = messageRow(S, m);
    row.sbSeq = m.seq;
    row.sbBubble.setAttribute('data-seq', String(m.seq));
    S.seqs.set(m.seq, row);
    if (m.seq > S.lastSeq) S.lastSeq = m.seq;
    placeRow(S, row);
    if (m.sender === 'visitor') {
      visitorTyping(S, false);
      if (current !== S.id) S.tab.setAttribute('data-unread', 'true');
    }
  }
  function send(S) {
    const ta = S.ui.composer;
    const body = ta.value.trim();
    if (!body || S.ended || S.wrapUp || !S.convId) return;
    if (body.length > 4000) { chatError(S, t('tooLong')); return; }
    chatError(S, '');
    ta.value = '';
    closeCanned(S);
    stopTyping(S);
    const clientId = rid();
    const row = messageRow(S, { sender: 'agent', name: me && me.name, body });
    row.classList.add('pending');
    row.sbBubble.setAttribute('data-pending', 'true');
    S.pending.set(clientId, row);
    placeRow(S, row);
    deliver(S, clientId, body);
    ta.focus();
  }
  function deliver(S, clientId, body) {
    const sent = command({ type: 'send_message', conversation_id: S.convId, body, client_id: clientId }, {
      ok: (msg) => addMessage(S, Object.assign({ client_id: clientId }, msg)),
      fail: (message) => sendFailed(S, clientId, body, message),
      lost: () => restSend(S, clientId, body)
    });
    if (!sent) restSend(S, clientId, body);
  }
  async function restSend(S, clientId, body) {
    if (S.closed) return;
    const r = await api('POST', '/api/v1/conversations/' + enc(S.convId) + '/messages', { body, client_id: clientId });
    if (!r.ok) { sendFailed(S, clientId, body, r.error); return; }
    const msg = r.data && (r.data.message || r.data);
    if (msg && typeof msg.seq === 'number') addMessage(S, Object.assign({ client_id: clientId }, msg));
  }
  function sendFailed(S, clientId, body, message) {
    const row = S.pending.get(clientId);
    if (!row || S.closed) return;
    row.classList.add('failed');
    if (row.sbRetry) row.sbRetry.remove();
    row.sbRetry = h('div', { class: 'msg-failed', role: 'alert' }, t('notSent', { e: message }), ' ',
      h('button', { type: 'button', class: 'link', click: () => {
        if (row.sbRetry) { row.sbRetry.remove(); row.sbRetry = null; }
        row.classList.remove('failed');
        deliver(S, clientId, body);
      } }, t('retry')));
    row.append(row.sbRetry);
  }
  // Typing indicator to the visitor: true at most every 2 s while typing, false after 3 s idle.
  function typed(S) {
    if (!S.convId || S.ended || S.wrapUp) return;
    const now = Date.now();
    if (now - S.typingAt >= 2000) {
      S.typingAt = now;
      S.typingOn = true;
      command({ type: 'typing', conversation_id: S.convId, typing: true });
    }
    clearTimeout(S.idleT);
    S.idleT = setTimeout(() => stopTyping(S), 3000);
  }
  function stopTyping(S) {
    clearTimeout(S.idleT);
    if (!S.typingOn) return;
    S.typingOn = false;
    S.typingAt = 0;
    command({ type: 'typing', conversation_id: S.convId, typing: false });
  }
  function composerInput(S) {
    const ta = S.ui.composer;
    if (ta.value === '') stopTyping(S); else typed(S);
    // "/code" right before the caret: suggest canned responses.
    const before = ta.value.slice(0, ta.selectionStart);
    const m = /(^|\s)\/([^\s/]*)$/.exec(before);
    if (m) {
      S.slashStart = before.length - m[2].length - 1;
      openCanned(S, 'slash', m[2]);
    } else if (S.canned && S.canned.mode === 'slash') closeCanned(S);
  }
  function composerKey(S, e) {
    const c = S.canned;
    if (c && c.mode === 'slash') {
      if (e.key === 'Escape') { e.preventDefault(); closeCanned(S); return; }
      if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
        const items = cannedButtons(S);
        if (items.length) { e.preventDefault(); items[e.key === 'ArrowDown' ? 0 : items.length - 1].focus(); }
        return;
      }
      if ((e.key === 'Enter' && !e.shiftKey && !e.isComposing) || e.key === 'Tab') {
        const pick = c.items.find((x) => str(x.code).toLowerCase() === (c.q || '').toLowerCase()) || c.items[0];
        if (pick) { e.preventDefault(); insertCanned(S, pick); return; }
      }
    }
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      send(S);
    }
  }

  // ------------------------------------------------------ canned responses
  function cannedPanel(S, id) {
    const searchId = nextId('canned-q');
    const u = S.ui;
    u.cannedSearch = h('input', { id: searchId, type: 'search', autocomplete: 'off', 'data-testid': 'canned-search',
      input: () => fetchCanned(S, u.cannedSearch.value.trim()),
      keydown: (e) => {
        if (e.key === 'Escape') { e.preventDefault(); closeCanned(S, true); }
        else if (e.key === 'ArrowDown') { const b = cannedButtons(S)[0]; if (b) { e.preventDefault(); b.focus(); } }
      } });
    u.cannedSearchRow = h('div', { class: 'canned-search' }, h('label', { for: searchId }, t('cannedSearch')), u.cannedSearch);
    u.cannedList = h('ul', { class: 'canned-list', 'aria-label': t('cannedList') });
    u.cannedEmpty = h('p', { class: 'muted' }, t('cannedNone'));
    return h('div', { id, class: 'canned', 'data-testid': 'canned-panel',
      keydown: (e) => {
        if (e.target === u.cannedSearch) return;
        const items = cannedButtons(S);
        const i = items.indexOf(document.activeElement);
        if (e.key === 'Escape') { e.preventDefault(); closeCanned(S, true); }
        else if (i >= 0 && (e.key === 'ArrowDown' || e.key === 'ArrowUp')) {
          e.preventDefault();
          const j = i + (e.key === 'ArrowDown' ? 1 : -1);
          if (j >= 0 && j < items.length) items[j].focus();
          else if (j < 0) (S.canned && S.canned.mode === 'search' ? u.cannedSearch : u.composer).focus();
        }
      } },
    slot(u.cannedSearchRow), u.cannedList, slot(u.cannedEmpty));
  }
  function cannedButtons(S) {
    return Array.from(S.ui.cannedList.querySelectorAll('[data-testid=canned-item]'));
  }
  function toggleCanned(S) {
    if (S.canned && S.canned.mode === 'search') closeCanned(S, true);
    else {
      openCanned(S, 'search', '');
      S.ui.cannedSearch.value = '';
      S.ui.cannedSearch.focus();
    }
  }
  function openCanned(S, mode, q) {
    const u = S.ui;
    if (!S.canned || S.canned.mode !== mode) S.canned = { mode, q: null, items: [], token: 0, t: 0 };
    put(u.cannedSearchRow, mode === 'search');
    put(u.canned, true);
    u.composer.setAttribute('aria-controls', u.canned.id);
    u.cannedBtn.setAttribute('aria-controls', u.canned.id);
    u.cannedBtn.setAttribute('aria-expanded', String(mode === 'search'));
    fetchCanned(S, q);
  }
  function closeCanned(S, focusBack) {
    if (!S.canned) return;
    clearTimeout(S.canned.t);
    const mode = S.canned.mode;
    S.canned = null;
    put(S.ui.canned, false);
    S.ui.composer.removeAttribute('aria-controls');
    S.ui.cannedBtn.removeAttribute('aria-controls');
    S.ui.cannedBtn.setAttribute('aria-expanded', 'false');
    if (focusBack) (mode === 'search' ? S.ui.cannedBtn : S.ui.composer).focus();
  }
  function fetchCanned(S, q) {
    const c = S.canned;
    if (!c || c.q === q) return;
    c.q = q;
    clearTimeout(c.t);
    const token = ++c.token;
    c.t = setTimeout(async () => {
      const r = await api('GET', '/api/v1/canned-responses?q=' + enc(q));
      if (S.canned !== c || c.token !== token) return;
      c.items = r.ok ? listOf(r.data) : [];
      renderCanned(S, r.ok ? '' : r.error);
    }, 120);
  }
  function renderCanned(S, error) {
    const u = S.ui, c = S.canned;
    u.cannedList.textContent = '';
    c.items.forEach((x) => {
      u.cannedList.append(h('li', null, h('button', { type: 'button', class: 'canned-item', 'data-testid': 'canned-item',
        'data-code': str(x.code), click: () => insertCanned(S, x) },
      h('span', { class: 'canned-code' }, '/' + str(x.code)), ' ',
      h('span', { class: 'canned-title' }, str(x.title)),
      h('span', { class: 'canned-body' }, str(x.body)))));
    });
    u.cannedEmpty.textContent = error || t('cannedNone');
    put(u.cannedEmpty, !c.items.length);
  }
  function insertCanned(S, x) {
    const ta = S.ui.composer;
    const body = str(x.body);
    let start = ta.selectionStart, end = ta.selectionEnd;
    if (S.canned && S.canned.mode === 'slash' && S.slashStart != null && S.slashStart <= start) start = S.slashStart;
    if (document.activeElement !== ta && S.canned && S.canned.mode === 'search' && start === 0 && end === 0) {
      start = end = ta.value.length; // nothing selected: append
    }
    ta.value = ta.value.slice(0, start) + body + ta.value.slice(end);
    const caret = start + body.length;
    closeCanned(S);
    S.slashStart = null;
    ta.focus();
    ta.setSelectionRange(caret, caret);
    typed(S);
  }

  // ------------------------------------------------- end, wrap-up, transfer
  async function endChat(S) {
    if (!S.convId) return;
    S.ui.endBtn.disabled = true;
    const r = await api('POST', '/api/v1/conversations/' + enc(S.convId) + '/end');
    S.ui.endBtn.disabled = false;
    if (r.ok) { chatError(S, ''); markEnded(S, 'agent'); S.ui.wrapBtn.focus(); }
    else chatError(S, r.error);
  }
  // "Wrap-up done" means the agent is done with this item. An item still
  // assigned (a call or callback: nothing ended it into wrap-up) would only
  // *enter* wrap-up on its first close and keep the agent busy for the
  // whole wrap-up time with the tab gone; the second close ends that
  // wrap-up at once, so the next waiting item is offered now.
  async function wrapUp(S) {
    S.ui.wrapBtn.disabled = true;
    const path = '/api/v1/work-items/' + enc(S.id) + '/close';
    let r = await api('POST', path);
    if (r.ok && r.data && r.data.status === 'wrap_up') r = await api('POST', path);
    S.ui.wrapBtn.disabled = false;
    if (r.ok) { closeSession(S.id); notice(t('closedItem')); }
    else chatError(S, r.error);
  }
  function transferForm(S) {
    const selId = nextId('queue');
    const u = S.ui;
    u.queueSel = h('select', { id: selId, 'data-testid': 'transfer-queue', required: true });
    return h('form', { class: 'inline-form transfer', 'data-testid': 'transfer-form', submit: (e) => { e.preventDefault(); transfer(S); } },
      h('label', { for: selId }, t('transferTo')), u.queueSel,
      h('button', { type: 'submit', class: 'primary', 'data-testid': 'transfer-submit' }, t('transfer')),
      h('button', { type: 'button', click: () => toggleTransfer(S, false) }, t('cancel')));
  }
  async function toggleTransfer(S, on) {
    const u = S.ui;
    on = on == null ? !u.transfer.isConnected : on;
    put(u.transfer, on);
    u.transferBtn.setAttribute('aria-expanded', String(on));
    if (!on) { u.transferBtn.focus(); return; }
    u.queueSel.textContent = '';
    u.queueSel.append(h('option', { value: '' }, t('loading')));
    u.queueSel.focus();
    const r = await api('GET', '/api/v1/queues');
    if (!r.ok) { chatError(S, r.error); return; }
    const item = (S.summary && S.summary.work_item) || S.item;
    u.queueSel.textContent = '';
    listOf(r.data).filter((q) => q && q.id && q.id !== item.queue_id).forEach((q) => {
      u.queueSel.append(h('option', { value: q.id }, str(q.name) || q.id));
    });
  }
  async function transfer(S) {
    const u = S.ui;
    const queueId = u.queueSel.value;
    if (!queueId) return;
    const queueName = u.queueSel.selectedOptions[0] ? u.queueSel.selectedOptions[0].textContent : '';
    const r = await api('POST', '/api/v1/work-items/' + enc(S.id) + '/transfer', { queue_id: queueId });
    if (r.ok) { closeSession(S.id); notice(t('transferred', { queue: queueName })); }
    else chatError(S, r.error);
  }

  // ============================================================= summary
  async function loadSummary(S) {
    if (S.kind === 'customer') return loadCustomer(S); // a customer tab (browsing)
    const r = await api('GET', '/api/v1/work-items/' + enc(S.id) + '/summary');
    if (S.closed) return;
    if (!r.ok || !r.data) {
      if (!S.convId && (S.item.channel || S.hint.channel) !== 'chat') buildNonChat(S);
      S.ui.summary.textContent = '';
      S.ui.summary.append(h('p', { class: 'error', role: 'alert' }, t('loadFailed', { e: r.error })),
        h('button', { type: 'button', 'data-testid': 'summary-retry', click: () => loadSummary(S) }, t('retry')));
      return;
    }
    const sum = r.data;
    S.summary = sum;
    if (sum.work_item) S.item = Object.assign({}, S.item, sum.work_item);
    const conv = sum.conversation;
    if (conv && conv.id && !S.convId) S.convId = conv.id;
    updateTabLabel(S);
    if (S.convId) buildChat(S); else buildNonChat(S);
    if (conv && conv.status === 'ended') markEnded(S, conv.ended_by);
    if (sum.work_item && sum.work_item.status === 'wrap_up') { S.wrapUp = true; renderChatState(S); }
    renderSummary(S);
    renderScriptFromSummary(S);
  }
  // Re-renders a pane, keeping the focus on the same control when it is still there.
  function rerender(pane, fill) {
    const a = document.activeElement;
    const inside = a && pane.contains(a);
    const keep = inside ? a.getAttribute('data-testid') : null;
    const card = inside && a.closest('[data-testid^=section-]');
    const cardId = card ? card.getAttribute('data-testid') : null;
    const scroll = pane.scrollTop;
    pane.textContent = '';
    fill();
    pane.scrollTop = scroll;
    if (!inside) return;
    const by = (id, sub) => (id ? pane.querySelector('[data-testid="' + CSS.escape(id) + '"]' + (sub || '')) : null);
    // The same control, else the first control of the same card, else the pane's first.
    const el = by(keep) || by(cardId, ' button:not(:disabled)') || pane.querySelector('button:not(:disabled)');
    if (el) el.focus();
  }
  function renderSummary(S) {
    rerender(S.ui.summary, () => {
      S.ui.summary.append(...[h('h2', { class: 'pane-title' }, t('summary')),
        customerSection(S), conversationSection(S), caseSection(S), recentCasesSection(S), meetingsSection(S), timelineSection(S)].filter(Boolean));
    });
  }
  function section(testid, title, ...kids) {
    const id = nextId('h');
    return h('section', { class: 'card', 'data-testid': testid, 'aria-labelledby': id }, h('h3', { id }, title), kids);
  }

  // ------------------------------------------------------------ customer
  function customerSection(S) {
    const sum = S.summary;
    const cust = sum.customer || {};
    const c = cust.contact, acct = cust.account;
    const name = personName(c) || str(S.item.customer_name) || t(isCall(S) ? 'unknownCaller' : 'newVisitor');
    const nameEl = h('span', { 'data-testid': 'customer-name' }, name);
    const kids = [];
    kids.push(dl([
      [t('name'), nameEl, null, 'name'],
      [t('account'), acct ? str(acct.name) : '', null, 'account'],
      c ? [t('jobTitle'), c.job_title, null, 'job_title'] : null,
      c ? [t('personTitle'), c.title, null, 'title'] : null,
      c ? [t('relationship'), c.relationship_type, null, 'relationship_type'] : null,
      c ? [t('city'), c.city, null, 'city'] : null,
      c ? [t('category'), c.category, null, 'category'] : null,
      c ? [t('preferredChannel'), chan(c.preferred_channel), null, 'preferred_channel'] : null,
      c && c.email ? [t('email'), c.email, null, 'email'] : null,
      c && c.phone ? [t('phone'), c.phone, null, 'phone'] : null
    ]));
    if (!c) kids.push(h('p', { class: 'muted' }, t('noContact')));
    // Issue 13: what an unverified visitor typed is a claim, never an identity.
    const idn = sum.conversation && sum.conversation.identity;
    if (idn && !idn.verified) {
      const claimed = [idn.claimed_email, idn.claimed_phone].filter(Boolean).map(str).join(', ');
      if (claimed) kids.push(h('p', { class: 'warning', 'data-testid': 'unverified-claim' }, t('notVerifiedClaims') + ' ' + claimed));
    }
    if (sum.conversation && sum.conversation.id) kids.push(contactChanger(S));
    else if (isCall(S)) kids.push(callContactActions(S, !!c));
    return section('section-customer', t('customer'), kids);
  }
  function contactChanger(S) {
    const inputId = nextId('contact-q');
    const results = h('ul', { class: 'results', 'data-testid': 'contact-results', 'aria-live': 'polite' });
    const input = h('input', { id: inputId, type: 'search', autocomplete: 'off', 'data-testid': 'contact-search' });
    const form = h('form', { class: 'inline-form', role: 'search', 'data-testid': 'contact-form', submit: async (e) => {
      e.preventDefault();
      const q = input.value.trim();
      results.textContent = '';
      const r = await api('GET', '/api/v1/contacts?q=' + enc(q));
      if (S.closed) return;
      results.textContent = '';
      if (!r.ok) { results.append(h('li', { class: 'error' }, r.error)); return; }
      const items = listOf(r.data);
      if (!items.length) results.append(h('li', { class: 'muted' }, t('noResults')));
      items.forEach((c) => {
        const nm = personName(c) || str(c.email) || c.id;
        results.append(h('li', { 'data-testid': 'contact-result', 'data-contact': c.id },
          h('span', null, nm, c.email && nm !== str(c.email) ? h('span', { class: 'muted' }, ' · ' + str(c.email)) : null),
          h('button', { type: 'button', 'data-testid': 'contact-link', 'aria-label': t('link') + ': ' + nm,
            click: () => linkContact(S, c.id) }, t('link'))));
      });
    } },
    h('label', { for: inputId }, t('searchContacts')), input,
    h('button', { type: 'submit' }, t('search')));
    const box = h('div', { class: 'changer' }, form, results);
    const toggle = h('button', { type: 'button', 'data-testid': 'change-contact', 'aria-expanded': 'false', click: () => {
      const on = !box.isConnected;
      put(box, on);
      toggle.setAttribute('aria-expanded', String(on));
      if (on) input.focus();
    } }, t('changeContact'));
    return h('div', { class: 'card-actions' }, toggle, slot(box));
  }
  async function linkContact(S, contactId) {
    const conv = S.summary && S.summary.conversation;
    if (!conv && isCall(S)) {
      const r = await linkCallContact(S, contactId);
      if (r.ok) notice(t('linked')); else notice(r.error, true);
      return;
    }
    if (!conv) return;
    const r = await api('PUT', '/api/v1/conversations/' + enc(conv.id) + '/contact', { contact_id: contactId });
    if (r.ok) { notice(t('linked')); loadSummary(S); } else notice(r.error, true);
  }

  // -------------------------------------------------------- conversation
  function skillsText(skills) {
    if (!Array.isArray(skills)) return str(skills);
    return skills.map((s) => {
      if (s == null || typeof s !== 'object') return str(s);
      const n = str(s.name || s.skill_name || s.skill || s.skill_id);
      const lv = s.min != null ? s.min : s.level;
      return lv != null ? n + ' (' + str(lv) + ')' : n;
    }).filter(Boolean).join(', ');
  }
  function conversationSection(S) {
    const sum = S.summary;
    const conv = sum.conversation;
    const item = sum.work_item || S.item;
    if (!conv) return null;
    const rows = [
      [t('channel'), chan(conv.channel || item.channel), null, 'channel'],
      [t('waitTime'), conv.wait_seconds != null ? dur(conv.wait_seconds) : '', null, 'wait'],
      [t('skills'), skillsText(conv.skills), null, 'skills'],
      [t('queue'), str(item.queue_name), null, 'queue'],
      [t('started'), timeEl(conv.started_at) || '', null, 'started']
    ];
    if (conv.proactive || conv.proactive_rule) {
      rows.push([t('proactiveRule'), conv.proactive_rule ? str(conv.proactive_rule.name) : '', 'proactive-rule', 'proactive_rule']);
    }
    if (conv.url) rows.push([t('page'), link(conv.url), null, 'url']);
    const context = conv.context && typeof conv.context === 'object' ? Object.entries(conv.context) : [];
    const tabs = [
      ['survey', t('survey'), 'tab-survey', () => surveyPanel(conv)],
      ['journey', t('journey'), 'tab-journey', () => journeyPanel(conv)],
      ['visitor', t('visitorDetails'), 'tab-visitor', () => visitorPanel(conv)]
    ];
    if (context.length) tabs.push(['context', t('additional'), 'tab-context', () => contextPanel(context)]);
    if (!tabs.some((x) => x[0] === S.convTab)) S.convTab = 'survey';
    return section('section-conversation', t('convSummary'), dl(rows), innerTabs(S, tabs));
  }
  function innerTabs(S, tabs) {
    const list = h('div', { role: 'tablist', class: 'subtabs', 'aria-label': t('convSummary'), keydown: tabKeys });
    const panels = [];
    const buttons = [];
    tabs.forEach(([key, title, testid, fill]) => {
      const tabId = nextId('st'), panelId = nextId('sp');
      const on = key === S.convTab;
      const panel = h('div', { role: 'tabpanel', id: panelId, 'aria-labelledby': tabId, class: 'subpanel',
        'data-testid': 'panel-' + key, tabindex: '0', hidden: !on }, fill());
      const b = h('button', { type: 'button', role: 'tab', id: tabId, 'aria-controls': panelId, 'aria-selected': String(on),
        tabindex: on ? '0' : '-1', 'data-testid': testid, click: () => {
          S.convTab = key;
          buttons.forEach((x, i) => {
            const sel = x === b;
            x.setAttribute('aria-selected', String(sel));
            x.tabIndex = sel ? 0 : -1;
            panels[i].hidden = !sel;
          });
        } }, title);
      buttons.push(b);
      panels.push(panel);
      list.append(b);
    });
    return h('div', { class: 'subtabs-wrap' }, list, panels);
  }
  function surveyPanel(conv) {
    const survey = Array.isArray(conv.survey) ? conv.survey : [];
    if (!survey.length) return h('p', { class: 'muted' }, t('noSurvey'));
    return h('dl', { class: 'facts' }, survey.map((q) =>
      h('div', { 'data-testid': 'survey-answer', 'data-question': str(q.id) },
        h('dt', null, str(q.label) || str(q.id)), h('dd', null, dash(q.answer)))));
  }
  function journeyPanel(conv) {
    const items = (Array.isArray(conv.journey) ? conv.journey.slice() : []).map((j, i) => [j, i]);
    if (!items.length) return h('p', { class: 'muted' }, t('noJourney'));
    // Newest first (stable for equal or missing times).
    items.sort((a, b) => {
      const ta = date(a[0].at), tb = date(b[0].at);
      return ta && tb && ta.getTime() !== tb.getTime() ? tb - ta : a[1] - b[1];
    });
    return h('ol', { class: 'journey' }, items.map(([j]) => {
      const kind = str(j.kind);
      const what = j.url ? link(j.url, j.title) : str(j.title);
      return h('li', { 'data-testid': 'journey-item', 'data-kind': kind },
        h('span', { class: 'j-kind' }, label('j_', kind)),
        what ? h('span', { class: 'j-what' }, what) : null,
        j.detail != null && str(j.detail) !== '' ? h('span', { class: 'j-detail' }, str(j.detail)) : null,
        timeEl(j.at));
    }));
  }
  function visitorPanel(conv) {
    const v = conv.visitor;
    if (!v) return h('p', { class: 'muted' }, t('noVisitor'));
    const browser = [str(v.browser), str(v.browser_version)].filter(Boolean).join(' ');
    const where = [str(v.city), str(v.country)].filter(Boolean).join(', ');
    const row = (k, title, value) => [title, value, 'visitor-detail', k];
    return dl([
      row('authenticated', t('authenticated'), v.authenticated ? t('yes') : t('no')),
      row('browser', t('browser'), browser),
      row('os', t('os'), v.os),
      v.device ? row('device', t('device'), v.device) : null,
      row('location', t('location'), where),
      row('language', t('language'), v.language),
      v.time_zone ? row('time_zone', t('timeZone'), v.time_zone) : null
    ]);
  }
  function contextPanel(entries) {
    return dl(entries.map(([k, v]) => [k, str(v), 'context-item', k]));
  }

  // ---------------------------------------------------------------- case
  const PRIORITIES = ['low', 'normal', 'high', 'urgent'];
  const STATUSES = ['active', 'resolved', 'cancelled'];
  function select(id, testid, values, prefix, chosen) {
    return h('select', { id, 'data-testid': testid },
      values.map((v) => h('option', { value: v, selected: v === chosen }, t(prefix + v))));
  }
  function caseSection(S) {
    const sum = S.summary;
    const kase = sum.case;
    const contact = sum.customer && sum.customer.contact;
    const account = sum.customer && sum.customer.account;
    const conv = sum.conversation;
    const recent = Array.isArray(sum.recent_cases) ? sum.recent_cases : [];
    const kids = [];
    if (kase) {
      kids.push(dl([
        [t('caseTitle'), h('span', { 'data-testid': 'case-title' }, str(kase.title))],
        [t('priority'), label('pr_', kase.priority), 'case-priority'],
        [t('status'), label('st_', kase.status), 'case-status'],
        [t('product'), str(kase.product_name || kase.product_id)],
        [t('owner'), str(kase.owner_name)]
      ]));
    } else kids.push(h('p', { class: 'muted', 'data-testid': 'no-case' }, t('noCase')));
    const forms = h('div', { class: 'case-forms' });
    const show = (which, builder) => {
      S.caseForm = S.caseForm === which ? null : which;
      forms.textContent = '';
      buttons.forEach((b) => b.setAttribute('aria-expanded', String(b.sbForm === S.caseForm)));
      if (S.caseForm) builder();
    };
    const buttons = [];
    const btn = (which, testid, title, builder) => {
      const b = h('button', { type: 'button', 'data-testid': testid, 'aria-expanded': 'false', click: () => show(which, builder) }, title);
      b.sbForm = which;
      buttons.push(b);
      return b;
    };
    const actions = h('div', { class: 'card-actions' });
    if (contact || account) actions.append(btn('create', 'case-create', t('createCase'), () => forms.append(createCaseForm(S))));
    const linkable = recent.filter((c) => c && c.id && (!kase || c.id !== kase.id));
    if (conv && linkable.length) actions.append(btn('link', 'case-link', t('linkCase'), () => forms.append(linkCaseForm(S, linkable))));
    if (kase) actions.append(btn('edit', 'case-edit', t('editCase'), () => forms.append(editCaseForm(S, kase))));
    kids.push(actions, forms);
    S.caseForm = null;
    return section('section-case', t('case'), kids);
  }
  function formError() { return h('p', { class: 'error', role: 'alert' }); }
  function createCaseForm(S) {
    const titleId = nextId('ct'), prId = nextId('cp');
    const title = h('input', { id: titleId, type: 'text', maxlength: '500', required: true, 'data-testid': 'case-form-title' });
    const pr = select(prId, 'case-form-priority', PRIORITIES, 'pr_', 'normal');
    const err = formError();
    const submit = h('button', { type: 'submit', class: 'primary', 'data-testid': 'case-form-submit' }, t('create'));
    const form = h('form', { class: 'stack-form', 'data-testid': 'case-form', submit: async (e) => {
      e.preventDefault();
      const sum = S.summary;
      const v = title.value.trim();
      if (!v) { err.textContent = t('needTitle'); title.focus(); return; }
      const contact = sum.customer && sum.customer.contact;
      const account = sum.customer && sum.customer.account;
      const body = { title: v, priority: pr.value };
      if (contact) body.contact_id = contact.id; else if (account) body.account_id = account.id;
      submit.disabled = true;
      const r = await api('POST', '/api/v1/cases', body);
      if (!r.ok || !r.data) { submit.disabled = false; err.textContent = r.error; return; }
      if (S.kind === 'customer') S.caseId = r.data.id; // a customer tab: the new case is current
      if (sum.conversation && sum.conversation.id) {
        const l = await api('PUT', '/api/v1/conversations/' + enc(sum.conversation.id) + '/case', { case_id: r.data.id });
        if (!l.ok) notice(l.error, true);
      }
      submit.disabled = false;
      notice(t('caseCreated'));
      await loadSummary(S);
    } },
    h('label', { for: titleId }, t('caseTitle')), title,
    h('label', { for: prId }, t('priority')), pr,
    err, h('div', { class: 'card-actions' }, submit));
    setTimeout(() => title.focus());
    return form;
  }
  function linkCaseForm(S, cases) {
    const selId = nextId('cl');
    const sel = h('select', { id: selId, 'data-testid': 'case-link-select' },
      cases.map((c) => h('option', { value: c.id }, str(c.title) + (c.status ? ' (' + label('st_', c.status) + ')' : ''))));
    const err = formError();
    const form = h('form', { class: 'stack-form', 'data-testid': 'case-link-form', submit: async (e) => {
      e.preventDefault();
      const conv = S.summary.conversation;
      const r = await api('PUT', '/api/v1/conversations/' + enc(conv.id) + '/case', { case_id: sel.value });
      if (!r.ok) { err.textContent = r.error; return; }
      notice(t('caseLinked'));
      await loadSummary(S);
    } },
    h('label', { for: selId }, t('pickCase')), sel, err,
    h('div', { class: 'card-actions' }, h('button', { type: 'submit', class: 'primary', 'data-testid': 'case-link-submit' }, t('link'))));
    setTimeout(() => sel.focus());
    return form;
  }
  function editCaseForm(S, kase) {
    const prId = nextId('ep'), stId = nextId('es');
    const pr = select(prId, 'case-edit-priority', PRIORITIES, 'pr_', kase.priority);
    const st = select(stId, 'case-edit-status', STATUSES, 'st_', kase.status);
    const err = formError();
    const form = h('form', { class: 'stack-form', 'data-testid': 'case-edit-form', submit: async (e) => {
      e.preventDefault();
      const r = await api('PATCH', '/api/v1/cases/' + enc(kase.id), { priority: pr.value, status: st.value });
      if (!r.ok) { err.textContent = r.error; return; }
      notice(t('caseSaved'));
      await loadSummary(S);
    } },
    h('label', { for: prId }, t('priority')), pr,
    h('label', { for: stId }, t('status')), st, err,
    h('div', { class: 'card-actions' }, h('button', { type: 'submit', class: 'primary', 'data-testid': 'case-edit-submit' }, t('save'))));
    setTimeout(() => pr.focus());
    return form;
  }
  function recentCasesSection(S) {
    const recent = Array.isArray(S.summary.recent_cases) ? S.summary.recent_cases : [];
    const body = recent.length
      ? h('ul', { class: 'cases' }, recent.map((c) => h('li', { 'data-testid': 'recent-case', 'data-case': str(c.id) },
        h('span', { class: 'case-name' }, str(c.title)),
        h('span', { class: 'muted' }, ' · ' + [label('st_', c.status), label('pr_', c.priority)].filter(Boolean).join(' · ')),
        c.updated_at ? [' · ', timeEl(c.updated_at)] : null)))
      : h('p', { class: 'muted' }, t('noCases'));
    return section('section-recent-cases', t('recentCases'), body);
  }

  // ------------------------------------------------------------ meetings
  // The customer's meetings, and booking one for them (docs/scheduling.md):
  // staff cancellations send the customer nothing.
  function meetingsSection(S) {
    const contact = S.summary.customer && S.summary.customer.contact;
    if (!contact) return null;
    const u = S.ui;
    u.mtList = h('ul', { class: 'meetings', 'data-testid': 'meetings', 'aria-live': 'polite' });
    u.mtErr = h('p', { class: 'error', role: 'alert' });
    u.mtForm = h('div', { class: 'meeting-form' });
    const open = h('button', { type: 'button', 'data-testid': 'meeting-book-open', 'aria-expanded': 'false', click: () => {
      const on = open.getAttribute('aria-expanded') !== 'true';
      open.setAttribute('aria-expanded', String(on));
      u.mtForm.textContent = '';
      if (on) bookingForm(S, contact, () => { open.setAttribute('aria-expanded', 'false'); u.mtForm.textContent = ''; });
    } }, t('bookMeeting'));
    fetchMeetings(S, contact);
    return section('section-meetings', t('meetings'), u.mtList, slot(u.mtErr), open, u.mtForm);
  }
  function meetingError(S, r) {
    put(S.ui.mtErr, !r.ok);
    if (!r.ok) S.ui.mtErr.textContent = r.error;
    return r.ok;
  }
  async function fetchMeetings(S, contact) {
    const r = await api('GET', '/api/v1/contacts/' + enc(contact.id) + '/meetings');
    if (S.closed || !meetingError(S, r)) return;
    const list = S.ui.mtList;
    list.textContent = '';
    const all = listOf(r.data);
    if (!all.length) list.append(h('li', { class: 'muted' }, t('noMeetings')));
    all.forEach((m) => {
      const place = m.branch ? str(m.branch.name) : m.join_url ? link(m.join_url, t('joinLink')) : null;
      const li = h('li', { 'data-testid': 'meeting', 'data-meeting': str(m.id), 'data-state': str(m.state) },
        h('span', { class: 'case-name' }, str(m.topic && m.topic.name)), ' · ', timeEl(m.start),
        h('span', { class: 'muted' }, ' · ' + [label('mt_', m.meeting_type), label('ms_', m.state)].filter(Boolean).join(' · ')),
        place ? [' · ', place] : null);
      if (m.state === 'scheduled') {
        li.append(' ', h('button', { type: 'button', 'data-testid': 'meeting-cancel', click: async (e) => {
          e.target.disabled = true;
          const c = await api('POST', '/api/v1/meetings/' + enc(m.id) + '/staff-cancel', {});
          if (S.closed) return;
          if (meetingError(S, c)) { fetchMeetings(S, contact); fetchTimeline(S, S.tlScope, null); } else e.target.disabled = false;
        } }, t('cancelMeeting')));
      }
      list.append(li);
    });
  }
  async function bookingForm(S, contact, done) {
    const u = S.ui;
    if (!S.mtProps) {
      const r = await api('GET', '/api/v1/scheduling/properties');
      if (S.closed || !meetingError(S, r)) return;
      S.mtProps = r.data;
    }
    const props = S.mtProps;
    const topics = Array.isArray(props.topics) ? props.topics : [];
    const branches = Array.isArray(props.branches) ? props.branches : [];
    const field = (lbl, control) => { const id = nextId('m'); control.id = id; return h('div', { class: 'field' }, h('label', { for: id }, lbl), control); };
    const topic = h('select', { 'data-testid': 'meeting-topic' }, topics.map((x) => h('option', { value: str(x.id) }, str(x.name))));
    const type = h('select', { 'data-testid': 'meeting-type' });
    const branch = h('select', { 'data-testid': 'meeting-branch' }, branches.map((b) => h('option', { value: str(b.id) }, str(b.name))));
    const branchField = field(t('branch'), branch);
    const day = h('input', { type: 'date', 'data-testid': 'meeting-date' });
    const today = new Date();
    day.value = [today.getFullYear(), String(today.getMonth() + 1).padStart(2, '0'), String(today.getDate()).padStart(2, '0')].join('-');
    const slots = h('div', { class: 'slots', role: 'group', 'aria-label': t('freeTimes'), 'data-testid': 'meeting-slots' });
    const notes = h('textarea', { 'data-testid': 'meeting-notes', maxlength: '2000', rows: '2' });
    const bookBtn = h('button', { type: 'submit', 'data-testid': 'meeting-book', disabled: true }, t('book'));
    let chosen = null;
    const key = rid();
    const types = () => {
      const tp = topics.find((x) => str(x.id) === topic.value);
      type.textContent = '';
      (tp && Array.isArray(tp.meeting_types) ? tp.meeting_types : []).forEach((mt) => type.append(h('option', { value: mt }, label('mt_', mt))));
      branchField.hidden = type.value !== 'in_person';
    };
    topic.addEventListener('change', types);
    type.addEventListener('change', () => { branchField.hidden = type.value !== 'in_person'; });
    types();
    const find = h('button', { type: 'button', 'data-testid': 'meeting-find', click: async () => {
      slots.textContent = '';
      chosen = null;
      bookBtn.disabled = true;
      const from = new Date(day.value + 'T00:00:00');
      if (isNaN(from)) return;
      const to = new Date(from.getTime() + 24 * 3600 * 1000);
      const q = new URLSearchParams({ topic_id: topic.value, meeting_type: type.value, from: from.toISOString(), to: to.toISOString(),
        time_zone: Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC', limit: '96' });
      if (type.value === 'in_person') q.set('branch_id', branch.value);
      const r = await api('GET', '/api/v1/scheduling/slots?' + q);
      if (S.closed || !meetingError(S, r)) return;
      const found = r.data && Array.isArray(r.data.slots) ? r.data.slots : [];
      if (!found.length) slots.append(h('p', { class: 'muted' }, t('noTimes')));
      found.forEach((sl) => {
        const b = h('button', { type: 'button', 'data-testid': 'meeting-slot', 'data-start': str(sl.start), 'aria-pressed': 'false', click: () => {
          chosen = sl.start;
          slots.querySelectorAll('button').forEach((x) => x.setAttribute('aria-pressed', String(x === b)));
          bookBtn.disabled = false;
        } }, clock(sl.start));
        slots.append(b);
      });
    } }, t('findTimes'));
    const form = h('form', { class: 'stack-form', 'data-testid': 'meeting-form', submit: async (e) => {
      e.preventDefault();
      if (!chosen) return;
      bookBtn.disabled = true;
      const body = { contact_id: contact.id, topic_id: topic.value, meeting_type: type.value, start: chosen };
      if (type.value === 'in_person') body.branch_id = branch.value;
      if (notes.value.trim()) body.customer_notes = notes.value;
      const r = await api('POST', '/api/v1/meetings', body, false, { 'Idempotency-Key': key });
      if (S.closed) return;
      if (!meetingError(S, r)) { bookBtn.disabled = false; return; }
      done();
      fetchMeetings(S, contact);
      fetchTimeline(S, S.tlScope, null);
    } }, field(t('topic'), topic), field(t('meetingType'), type), branchField, field(t('day'), day), find, slots,
      field(t('notes'), notes), bookBtn);
    u.mtForm.append(form);
    topic.focus();
  }

  // ------------------------------------------------------------ timeline
  const SCOPES = ['all', 'customer', 'case', 'conversation'];
  function timelineSection(S) {
    const sum = S.summary;
    const contact = sum.customer && sum.customer.contact;
    const u = S.ui;
    u.tlList = h('ol', { class: 'timeline', 'data-testid': 'timeline', 'aria-live': 'polite' });
    u.tlMore = h('button', { type: 'button', 'data-testid': 'timeline-more', click: () => fetchTimeline(S, S.tlScope, S.tlCursor) }, t('loadMore'));
    u.tlEmpty = h('p', { class: 'muted' }, t('noActivity'));
    u.tlErr = h('p', { class: 'error', role: 'alert' });
    const filters = h('div', { class: 'filters', role: 'group', 'aria-label': t('filter') });
    u.tlFilters = SCOPES.map((scope) => {
      const disabled = !contact || (scope === 'conversation' && !sum.conversation);
      const b = h('button', { type: 'button', 'data-testid': 'timeline-filter', 'data-scope': scope,
        'aria-pressed': String(scope === S.tlScope), disabled, click: () => {
          if (S.tlScope === scope) return;
          S.tlScope = scope;
          u.tlFilters.forEach((x) => x.setAttribute('aria-pressed', String(x === b)));
          fetchTimeline(S, scope, null);
        } }, t('sc_' + scope));
      filters.append(b);
      return b;
    });
    const kids = [filters];
    if (contact) kids.push(noteForm(S));
    kids.push(slot(u.tlErr), u.tlList, slot(u.tlEmpty), slot(u.tlMore));
    const sec = section('section-timeline', t('timeline'), kids);
    if (S.tlScope === 'all' || !contact) {
      S.tlScope = 'all';
      u.tlFilters.forEach((x) => x.setAttribute('aria-pressed', String(x.getAttribute('data-scope') === 'all')));
      const tl = sum.timeline || {};
      S.tlItems = [];
      S.tlCursor = tl.next_cursor || null;
      S.tlToken++;
      appendTimeline(S, listOf(tl), false);
    } else fetchTimeline(S, S.tlScope, null);
    return sec;
  }
  async function fetchTimeline(S, scope, cursor) {
    const sum = S.summary;
    const contact = sum.customer && sum.customer.contact;
    if (!contact) return;
    const q = new URLSearchParams({ scope });
    if (scope === 'case' && sum.case) q.set('case_id', sum.case.id);
    if ((scope === 'conversation' || scope === 'all') && sum.conversation) q.set('conversation_id', sum.conversation.id);
    if (cursor) q.set('cursor', cursor);
    const token = ++S.tlToken;
    const u = S.ui;
    u.tlMore.disabled = true;
    const r = await api('GET', '/api/v1/contacts/' + enc(contact.id) + '/timeline?' + q);
    if (S.closed || token !== S.tlToken) return;
    u.tlMore.disabled = false;
    put(u.tlErr, !r.ok);
    if (!r.ok) { u.tlErr.textContent = r.error; return; }
    if (!cursor) { S.tlItems = []; u.tlList.textContent = ''; }
    S.tlCursor = (r.data && r.data.next_cursor) || null;
    appendTimeline(S, listOf(r.data), false);
  }
  // The timeline as it is now, keeping the chosen filter (after anything
  // that wrote activities).
  function refreshTimeline(S) {
    if (S.closed || !S.summary || !S.ui.tlList) return;
    fetchTimeline(S, S.tlScope, null);
  }
  function appendTimeline(S, items, atTop) {
    const u = S.ui;
    items.forEach((a) => {
      if (a.id && S.tlItems.some((x) => x.id === a.id)) return;
      const li = timelineItem(a);
      if (atTop) { S.tlItems.unshift(a); u.tlList.prepend(li); } else { S.tlItems.push(a); u.tlList.append(li); }
    });
    put(u.tlEmpty, !S.tlItems.length);
    put(u.tlMore, !!S.tlCursor);
  }
  function timelineItem(a) {
    const kind = str(a.kind);
    const author = str(a.author_name || a.author);
    const at = a.occurred_at || a.created_at || a.at;
    return h('li', { class: 'tl-item', 'data-testid': 'timeline-item', 'data-kind': kind },
      h('div', { class: 'tl-head' }, h('span', { class: 'tl-kind' }, label('k_', kind)),
        author ? h('span', { class: 'tl-author' }, t('by', { name: author })) : null, timeEl(at)),
      a.subject ? h('strong', { class: 'tl-subject' }, str(a.subject)) : null,
      a.body ? h('p', { class: 'tl-body' }, str(a.body)) : null);
  }
  function noteForm(S) {
    const id = nextId('note');
    const input = h('textarea', { id, rows: '2', maxlength: '10000', 'data-testid': 'note-input' });
    const err = formError();
    const submit = h('button', { type: 'submit', 'data-testid': 'note-submit' }, t('addNote'));
    return h('form', { class: 'stack-form note-form', 'data-testid': 'note-form', submit: async (e) => {
      e.preventDefault();
      const body = input.value.trim();
      if (!body) { input.focus(); return; }
      const sum = S.summary;
      const payload = { kind: 'note', contact_id: sum.customer.contact.id, body };
      if (sum.case) payload.case_id = sum.case.id;
      if (sum.conversation) payload.conversation_id = sum.conversation.id;
      submit.disabled = true;
      const r = await api('POST', '/api/v1/activities', payload);
      submit.disabled = false;
      if (!r.ok) { err.textContent = r.error; return; }
      err.textContent = '';
      input.value = '';
      const a = r.data && typeof r.data === 'object' && r.data.kind ? r.data
        : { kind: 'note', body, author_name: me && me.name, occurred_at: new Date().toISOString() };
      appendTimeline(S, [a], true);
    } },
    h('label', { for: id }, t('quickNote')), input, err, h('div', { class: 'card-actions' }, submit));
  }

  // ============================================================== script
  // Done steps are keyed by script and step: step ids are unique only
  // within one script.
  const doneKey = (scriptId, stepId) => String(scriptId) + '/' + String(stepId);
  function doneFrom(S, progress, scriptId) {
    const p = progress && (progress.progress || progress);
    if (!p) return;
    const sid = p.script_id || scriptId;
    if (Array.isArray(p.done) && sid) p.done.forEach((d) => S.done.add(doneKey(sid, d)));
    if (p.by_script && typeof p.by_script === 'object') {
      Object.keys(p.by_script).forEach((k) => {
        const list = p.by_script[k];
        if (Array.isArray(list)) list.forEach((d) => S.done.add(doneKey(k, d)));
      });
    }
  }
  function renderScriptFromSummary(S) {
    const sc = S.summary.script;
    const root = sc && (sc.script || null);
    if (sc && sc.progress) doneFrom(S, sc.progress, root && root.id);
    if (!root) S.scriptStack = [];
    else if (!S.scriptStack.length || S.scriptStack[0].id !== root.id) S.scriptStack = [root];
    else S.scriptStack[0] = root;
    renderScript(S);
  }
  function renderScript(S) {
    const pane = S.ui.script;
    rerender(pane, () => {
      pane.append(h('h2', { class: 'pane-title' }, t('script')));
      const sc = S.scriptStack[S.scriptStack.length - 1];
      if (!sc) { pane.append(h('p', { class: 'muted' }, t('noScript'))); return; }
      if (S.scriptStack.length > 1) {
        const parent = S.scriptStack[S.scriptStack.length - 2];
        pane.append(h('button', { type: 'button', class: 'link back', 'data-testid': 'script-back', click: () => {
          S.scriptStack.pop();
          renderScript(S);
          const first = pane.querySelector('[data-testid=script-step] button');
          if (first) first.focus();
        } }, '← ' + t('back', { name: str(parent.name) })));
      }
      const steps = Array.isArray(sc.steps) ? sc.steps : [];
      const n = steps.filter((s) => S.done.has(doneKey(sc.id, s.id))).length;
      pane.append(h('h3', { 'data-testid': 'script-name', 'data-script': str(sc.id) }, str(sc.name)),
        h('p', { class: 'muted', 'data-testid': 'script-progress' }, t('progress', { n, total: steps.length })),
        h('ol', { class: 'steps' }, steps.map((step) => scriptStep(S, sc, step))));
      S.ui.scriptStatus = h('p', { class: 'status', role: 'status', 'data-testid': 'status' }, S.scriptStatus);
      pane.append(S.ui.scriptStatus);
    });
  }
  const ICONS = { instruction: 'ℹ', macro: '⚡', subscript: '↳' };
  function scriptStep(S, sc, step) {
    const kind = str(step.kind);
    const done = S.done.has(doneKey(sc.id, step.id));
    const kids = [
      h('div', { class: 'step-head' },
        h('span', { class: 'step-icon', 'aria-hidden': 'true' }, done ? '✓' : ICONS[kind] || '•'),
        h('span', { class: 'step-kind' }, label('s_', kind)),
        done ? h('span', { class: 'step-check', 'data-testid': 'step-check' }, '✓ ' + t('done')) : null),
      h('strong', { class: 'step-title' }, str(step.title))
    ];
    if (kind === 'instruction') {
      if (step.instruction) kids.push(h('p', { class: 'step-text' }, str(step.instruction)));
      if (!done) kids.push(h('button', { type: 'button', 'data-testid': 'step-done', click: (e) => stepDone(S, sc, step, e.currentTarget) }, t('markDone')));
    } else if (kind === 'macro') {
      kids.push(h('button', { type: 'button', class: done ? '' : 'primary', 'data-testid': 'step-run',
        click: (e) => { if (!done || window.confirm(t('runAgain'))) runMacro(S, sc, step, e.currentTarget); } }, done ? t('runAgainShort') : t('run')));
    } else if (kind === 'subscript') {
      kids.push(h('button', { type: 'button', 'data-testid': 'step-open', click: (e) => openSubscript(S, step, e.currentTarget) }, t('open')));
    }
    return h('li', { class: 'step' + (done ? ' done' : ''), 'data-testid': 'script-step', 'data-step': str(step.id),
      'data-kind': kind, 'data-done': String(done) }, kids);
  }
  function scriptStatus(S, ...parts) {
    parts = parts.filter((p) => p instanceof Node || str(p) !== '');
    S.scriptStatus = parts.map((p) => (p instanceof Node ? p.textContent : str(p))).join(' ');
    if (S.ui.scriptStatus) {
      S.ui.scriptStatus.textContent = '';
      parts.forEach((p, i) => S.ui.scriptStatus.append(...(i ? [' ', p] : [p])));
    }
  }
  async function stepDone(S, sc, step, button) {
    button.disabled = true;
    const r = await api('POST', '/api/v1/work-items/' + enc(S.id) + '/script-steps', { script_id: sc.id, step_id: step.id });
    if (S.closed) return;
    button.disabled = false;
    if (!r.ok) { scriptStatus(S, r.error); return; }
    S.done.add(doneKey(sc.id, step.id));
    doneFrom(S, r.data, sc.id);
    S.scriptStatus = t('stepDone', { title: str(step.title) });
    renderScript(S);
  }
  async function runMacro(S, sc, step, button) {
    button.disabled = true;
    scriptStatus(S, t('running'));
    const r = await api('POST', '/api/v1/work-items/' + enc(S.id) + '/macros', { script_id: sc.id, step_id: step.id });
    if (S.closed) return;
    button.disabled = false;
    if (!r.ok) { scriptStatus(S, r.error); return; }
    const res = r.data || {};
    S.done.add(doneKey(sc.id, step.id));
    doneFrom(S, res.progress, sc.id);
    const action = typeof res.action === 'string' ? res.action
      : (res.action && res.action.type) || (step.action && step.action.type) || '';
    S.scriptStatus = t('ran', { title: str(step.title) });
    renderScript(S);
    if (action === 'open_url') {
      const url = safeUrl(res.url);
      if (url) {
        window.open(url, '_blank', 'noopener');
        scriptStatus(S, t('ran', { title: str(step.title) }), t('opened'), link(url));
      } else scriptStatus(S, t('badUrl'));
    } else if (action === 'create_case') {
      scriptStatus(S, t('caseCreated'), res.case && res.case.title ? str(res.case.title) : '');
      await loadSummary(S);
    } else if (action === 'set_case_field' || action === 'link_contact') {
      await loadSummary(S);
    } else {
      // Every run records a note ("Macro: …"): show it now, not after the
      // next filter click. (send_message's text arrives on the socket.)
      refreshTimeline(S);
    }
  }
  async function openSubscript(S, step, button) {
    button.disabled = true;
    const r = await api('GET', '/api/v1/agent-scripts/' + enc(step.script_id));
    if (S.closed) return;
    button.disabled = false;
    if (!r.ok || !r.data) { scriptStatus(S, r.error); return; }
    const d = r.data;
    const sc = d.script && Array.isArray(d.script.steps) ? d.script : d;
    if (d.progress) doneFrom(S, d.progress);
    S.scriptStack.push(sc);
    S.scriptStatus = '';
    renderScript(S);
    const back = S.ui.script.querySelector('[data-testid=script-back]');
    if (back) back.focus();
  }

  // ============================================================ browsing
  // What an agent reaches without an offer (docs/workspace.md, "Browsing"):
  // the header's search (contacts, accounts, cases), customer tabs (the
  // summary of a contact without a conversation: nothing is routed and it
  // is not work), the case list with filters, and past conversations with
  // their transcripts. Customer tabs and views live in `sessions` beside
  // the work sessions, under keys that are not work item ids.
  const browse = { token: 0, timer: 0, options: [], active: -1 };
  const supervises = () => !!me && Array.isArray(me.roles) && me.roles.some((r) => r === 'admin' || r === 'supervisor');

  function initBrowse() {
    Object.assign(ui, {
      search: $('search'), searchPop: $('search-pop'), searchList: $('search-results'), searchStatus: $('search-status'),
      openCases: $('open-cases'), openHistory: $('open-history')
    });
    ui.search.placeholder = t('searchPh');
    ui.search.addEventListener('input', searchSoon);
    ui.search.addEventListener('keydown', searchKeys);
    ui.search.addEventListener('blur', () => setTimeout(() => {
      if (document.activeElement !== ui.search) closeSearch();
    }, 150));
    // Choosing with the mouse keeps the focus in the box.
    ui.searchList.addEventListener('mousedown', (e) => e.preventDefault());
    ui.openCases.addEventListener('click', () => openView('cases'));
    ui.openHistory.addEventListener('click', () => openView('history'));
    // "/" anywhere but in a text field goes to the search.
    document.addEventListener('keydown', (e) => {
      if (e.key !== '/' || e.ctrlKey || e.metaKey || e.altKey || !signedIn) return;
      const el = e.target;
      if (el && (el.isContentEditable || /^(INPUT|TEXTAREA)$/.test(el.tagName))) return;
      e.preventDefault();
      ui.search.focus();
      ui.search.select();
    });
  }

  // -------------------------------------------------------------- search
  function searchSoon() {
    clearTimeout(browse.timer);
    const q = ui.search.value.trim();
    if (!q) { closeSearch(); return; }
    browse.timer = setTimeout(() => runSearch(q), 200);
  }
  async function runSearch(q) {
    clearTimeout(browse.timer);
    const token = ++browse.token;
    ui.searchPop.hidden = false;
    ui.searchStatus.textContent = t('searching');
    const qs = '?q=' + enc(q) + '&limit=5';
    const answers = await Promise.all(['contacts', 'accounts', 'cases'].map((p) => api('GET', '/api/v1/' + p + qs)));
    if (token !== browse.token || !signedIn) return;
    const [contacts, accounts, cases] = answers;
    renderSearch([
      ['contacts', contacts, (c) => ({
        text: personName(c) || str(c.email) || str(c.phone) || c.id,
        detail: [c.email, c.phone].map(str).filter(Boolean).join(' · '),
        open: () => openCustomer(c.id, null, personName(c))
      })],
      ['accounts', accounts, (a) => ({
        text: str(a.name) || a.id, detail: str(a.city), open: () => openAccount(a.id, null)
      })],
      ['cases', cases, (k) => ({
        text: str(k.title) || k.id,
        detail: [str(k.contact_name), label('st_', k.status)].filter(Boolean).join(' · '),
        open: () => openCase(k)
      })]
    ], answers.find((r) => !r.ok));
  }
  function renderSearch(groups, failed) {
    ui.searchList.textContent = '';
    browse.options = [];
    browse.active = -1;
    ui.search.removeAttribute('aria-activedescendant');
    groups.forEach(([key, r, fmt]) => {
      const items = r.ok ? listOf(r.data) : [];
      if (!items.length) return;
      const title = t('g_' + key);
      const group = h('div', { role: 'group', class: 'search-group', 'aria-label': title, 'data-group': key },
        h('div', { class: 'search-group-title', 'aria-hidden': 'true' }, title));
      items.forEach((x) => {
        const f = fmt(x);
        const opt = h('div', { role: 'option', id: nextId('opt'), class: 'search-option', 'aria-selected': 'false',
          'data-testid': 'search-option', 'data-kind': key, 'data-id': str(x.id),
          click: () => pickOption(browse.options.indexOf(opt)) },
        h('span', { class: 'opt-text' }, f.text), f.detail ? h('span', { class: 'opt-detail' }, f.detail) : null);
        opt.sbOpen = f.open;
        browse.options.push(opt);
        group.append(opt);
      });
      ui.searchList.append(group);
    });
    const n = browse.options.length;
    ui.searchList.hidden = !n;
    ui.search.setAttribute('aria-expanded', String(n > 0));
    ui.searchStatus.textContent = failed ? t('loadFailed', { e: failed.error })
      : n ? t(n === 1 ? 'searchCountOne' : 'searchCount', { n }) : t('noResults');
    ui.searchStatus.classList.toggle('error', !!failed);
  }
  function searchKeys(e) {
    const n = browse.options.length;
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      if (ui.searchPop.hidden) { if (ui.search.value.trim()) runSearch(ui.search.value.trim()); return; }
      if (!n) return;
      const d = e.key === 'ArrowDown' ? 1 : -1;
      setActive(browse.active < 0 ? (d > 0 ? 0 : n - 1) : (browse.active + d + n) % n);
    } else if (e.key === 'Enter') {
      e.preventDefault();
      if (browse.active >= 0) pickOption(browse.active);
      else if (ui.search.value.trim()) runSearch(ui.search.value.trim());
    } else if (e.key === 'Escape') {
      if (!ui.searchPop.hidden) { e.preventDefault(); closeSearch(); }
      else if (ui.search.value) { e.preventDefault(); ui.search.value = ''; }
    }
  }
  function setActive(i) {
    browse.active = i;
    browse.options.forEach((o, j) => {
      o.setAttribute('aria-selected', String(j === i));
      o.classList.toggle('active', j === i);
    });
    const o = browse.options[i];
    if (o) {
      ui.search.setAttribute('aria-activedescendant', o.id);
      o.scrollIntoView({ block: 'nearest' });
    } else ui.search.removeAttribute('aria-activedescendant');
  }
  function closeSearch() {
    clearTimeout(browse.timer);
    browse.token++;
    browse.options = [];
    browse.active = -1;
    ui.searchPop.hidden = true;
    ui.searchList.textContent = '';
    ui.searchStatus.textContent = '';
    ui.search.setAttribute('aria-expanded', 'false');
    ui.search.removeAttribute('aria-activedescendant');
  }
  function pickOption(i) {
    const o = browse.options[i];
    if (!o) return;
    const open = o.sbOpen;
    closeSearch();
    open();
  }

  // -------------------------------------------------------- opening things
  async function openAccount(accountId, caseId) {
    // An account opens on its primary contact: its first one.
    const r = await api('GET', '/api/v1/contacts?account_id=' + enc(accountId) + '&limit=1');
    const c = r.ok ? listOf(r.data)[0] : null;
    if (c) openCustomer(c.id, caseId, personName(c));
    else notice(r.ok ? t('accountNoContacts') : r.error, true);
  }
  function openCase(k) {
    if (k.contact_id) openCustomer(k.contact_id, k.id, k.contact_name);
    else if (k.account_id) openAccount(k.account_id, k.id);
    else notice(t('caseNoCustomer'), true);
  }
  // A tab beside the work sessions (same tablist, same keys), closed by its
  // own button.
  function browseTab(S, testid, grid) {
    const tabId = 'sb-tab-' + S.n, panelId = 'sb-panel-' + S.n;
    S.tabName = h('span', { class: 'tab-name' });
    S.tabChan = h('span', { class: 'tab-chan' });
    S.tab = h('button', { type: 'button', role: 'tab', id: tabId, 'aria-controls': panelId, 'aria-selected': 'false',
      tabindex: '-1', 'data-testid': 'browse-tab', 'data-tab': S.id, click: () => selectSession(S.id, false) },
    S.tabName, ' ', S.tabChan);
    S.panel = h('section', { role: 'tabpanel', id: panelId, 'aria-labelledby': tabId, class: 'session browse',
      'data-testid': testid, 'data-tab': S.id, hidden: true }, grid);
    sessions.set(S.id, S);
    ui.tabs.append(S.tab);
    ui.panels.append(S.panel);
    renderEmpty();
    selectSession(S.id, true);
  }
  function closeButton(S) {
    return h('button', { type: 'button', 'data-testid': 'tab-close', click: () => {
      closeSession(S.id);
      if (!current) ui.search.focus();
    } }, t('closeTab'));
  }
  function browseRecord(key, kind) {
    return { id: key, n: ++uid, kind, ui: {}, hint: {}, item: {}, summary: null, convId: null, seqs: new Map(),
      pending: new Map(), tlScope: 'all', tlItems: [], tlCursor: null, tlToken: 0, caseForm: null, done: new Set(),
      scriptStack: [], convTab: 'survey', ended: true, token: 0 };
  }

  // ------------------------------------------------------- customer tabs
  function openCustomer(contactId, caseId, name) {
    if (!contactId || !signedIn) return null;
    const key = 'contact:' + contactId;
    let S = sessions.get(key);
    if (S) {
      selectSession(key, true);
      if (caseId && caseId !== S.caseId) { S.caseId = caseId; loadCustomer(S); }
      return S;
    }
    S = browseRecord(key, 'customer');
    S.contactId = contactId;
    S.caseId = caseId || null;
    S.displayName = str(name);
    const u = S.ui;
    u.head = h('h2', { class: 'conv-title', 'data-testid': 'customer-tab-name' }, S.displayName || t('loading'));
    u.pastList = h('ul', { class: 'past-list', 'data-testid': 'customer-past' });
    u.pastTranscript = h('div', { class: 'transcript', 'data-testid': 'transcript' });
    u.conv = h('section', { class: 'pane conv customer-side', 'aria-label': t('customerRecord') },
      h('div', { class: 'conv-head' }, u.head, h('div', { class: 'actions' }, closeButton(S))),
      h('div', { class: 'side-body' },
        h('p', { class: 'muted', 'data-testid': 'no-conversation' }, t('noConversationHere')),
        h('h3', null, t('historyView')), u.pastList, u.pastTranscript));
    u.summary = h('section', { class: 'pane summary', 'data-testid': 'summary', 'aria-label': t('summary') },
      h('p', { class: 'muted' }, t('loading')));
    browseTab(S, 'customer-tab', h('div', { class: 'session-grid customer-grid' }, u.conv, u.summary));
    S.tabName.textContent = S.displayName || t('customerTab');
    S.tabChan.textContent = t('customerTab');
    loadCustomer(S);
    return S;
  }
  async function loadCustomer(S) {
    const q = S.caseId ? '?case_id=' + enc(S.caseId) : '';
    const r = await api('GET', '/api/v1/contacts/' + enc(S.contactId) + '/summary' + q);
    if (S.closed) return;
    if (r.status === 422 && S.caseId) { S.caseId = null; loadCustomer(S); return; } // the case moved away
    if (!r.ok || !r.data) {
      S.ui.summary.textContent = '';
      S.ui.summary.append(h('p', { class: 'error', role: 'alert' }, t('loadFailed', { e: r.error })),
        h('button', { type: 'button', click: () => loadCustomer(S) }, t('retry')));
      return;
    }
    S.summary = r.data;
    const c = r.data.customer && r.data.customer.contact;
    const name = personName(c) || str(c && (c.email || c.phone)) || t('customerTab');
    S.displayName = name;
    S.item = { customer_name: name };
    S.tabName.textContent = name;
    S.ui.head.textContent = name;
    renderSummary(S);
    caseOpeners(S);
    loadCustomerPast(S);
  }
  // Recent cases become the tab's current case on request.
  function caseOpeners(S) {
    const currentId = S.summary.case && S.summary.case.id;
    S.ui.summary.querySelectorAll('[data-testid=recent-case]').forEach((li) => {
      const id = li.getAttribute('data-case');
      if (!id) return;
      const title = li.querySelector('.case-name') ? li.querySelector('.case-name').textContent : '';
      li.append(' ', id === currentId
        ? h('span', { class: 'badge', 'data-testid': 'current-case' }, t('currentCase'))
        : h('button', { type: 'button', class: 'link', 'data-testid': 'recent-case-open',
          'aria-label': t('openCaseNamed', { title }), click: async () => {
            S.caseId = id;
            await loadCustomer(S);
            const sec = S.ui.summary.querySelector('[data-testid=section-case] h3');
            if (sec) { sec.tabIndex = -1; sec.focus(); }
          } }, t('openCase')));
    });
  }
  async function loadCustomerPast(S) {
    const rows = await pastRows(S, { contact_id: S.contactId, limit: '20' }, null);
    if (S.closed || !rows) return;
    const list = S.ui.pastList;
    list.textContent = '';
    if (!rows.items.length) list.append(h('li', { class: 'muted' }, t('noPast')));
    rows.items.forEach((row) => list.append(h('li', { 'data-testid': 'past-item', 'data-id': row.id },
      h('button', { type: 'button', class: 'link', 'data-testid': 'past-open',
        'aria-label': t('showTranscriptNamed', { name: chan(row.channel), when: when(row.started_at) }),
        click: () => showTranscript(S, row, S.ui.pastTranscript) }, chan(row.channel) + ' · ' + when(row.started_at)),
      row.duration != null ? h('span', { class: 'muted' }, ' · ' + dur(row.duration)) : null)));
  }

  // ----------------------------------------------------------- past work
  function convRow(c) {
    return { type: 'chat', id: c.id, channel: c.channel || 'chat', name: str(c.contact_name) || t('newVisitor'),
      contact_id: c.contact_id || null, started_at: c.started_at, ended_at: c.ended_at, duration: c.duration_seconds,
      agent: str(c.agent_name), ended_by: c.ended_by, status: c.status };
  }
  function callRow(k) {
    return { type: 'call', id: k.work_item_id, channel: k.kind === 'callback' ? 'callback' : 'voice',
      name: str(k.contact_name) || str(k.number), number: k.number, contact_id: k.contact_id || null,
      started_at: k.started_at, ended_at: k.ended_at, duration: k.duration_seconds, agent_id: k.agent_id,
      ended_by: k.ended_by, state: k.state };
  }
  // Ended conversations (and calls, where the server lists them), newest
  // first. `state` keeps both cursors between pages.
  async function pastRows(state, params, more) {
    const conv = new URLSearchParams(Object.assign({ status: 'ended' }, params));
    const calls = new URLSearchParams(params);
    if (!supervises() && me) calls.set('agent_id', me.id);
    if (more) {
      if (state.convCursor) conv.set('cursor', state.convCursor);
      if (state.callCursor) calls.set('cursor', state.callCursor);
    }
    const wantConv = !more || !!state.convCursor;
    const wantCalls = !state.noCalls && (!more || !!state.callCursor);
    const [a, b] = await Promise.all([
      wantConv ? api('GET', '/api/v1/conversations?' + conv) : null,
      wantCalls ? api('GET', '/api/v1/calls?' + calls) : null
    ]);
    if (a && !a.ok) return { items: [], error: a.error };
    const items = a ? listOf(a.data).map(convRow) : [];
    state.convCursor = a ? (a.data && a.data.next_cursor) || null : null;
    if (b && b.ok) {
      listOf(b.data).filter((k) => k && k.state === 'ended').forEach((k) => items.push(callRow(k)));
      state.callCursor = (b.data && b.data.next_cursor) || null;
    } else {
      state.callCursor = null;
      if (b) state.noCalls = true; // no call list on this server (or not for us)
    }
    await nameCalls(items);
    items.sort((x, y) => String(y.started_at).localeCompare(String(x.started_at)));
    return { items, error: '' };
  }
  // Calls come with a number and a contact id: name the known callers.
  const contactNames = new Map();
  async function nameCalls(items) {
    const ids = Array.from(new Set(items.filter((x) => x.type === 'call' && x.contact_id && !contactNames.has(x.contact_id))
      .map((x) => x.contact_id)));
    await Promise.all(ids.map(async (id) => {
      const r = await api('GET', '/api/v1/contacts/' + enc(id));
      contactNames.set(id, r.ok && r.data ? personName(r.data) || str(r.data.email) : '');
    }));
    items.forEach((x) => { if (x.type === 'call' && x.contact_id && contactNames.get(x.contact_id)) x.name = contactNames.get(x.contact_id); });
  }
  async function showTranscript(S, row, pane) {
    pane.textContent = '';
    const title = h('h3', { tabindex: '-1', 'data-testid': 'transcript-title' }, row.name + ' · ' + chan(row.channel));
    const facts = [
      [t('started'), timeEl(row.started_at) || ''],
      [t('endedAt'), timeEl(row.ended_at) || ''],
      [t('duration'), row.duration != null ? dur(row.duration) : ''],
      row.agent ? [t('agent'), row.agent] : null,
      row.ended_by ? [t('endedBy'), label('eb_', row.ended_by)] : null,
      row.type === 'call' ? [t('number'), str(row.number)] : null
    ];
    pane.append(title, dl(facts, 'facts compact'));
    if (row.contact_id && !(S.kind === 'customer' && S.contactId === row.contact_id)) {
      pane.append(h('div', { class: 'card-actions' }, h('button', { type: 'button', 'data-testid': 'transcript-customer',
        click: () => openCustomer(row.contact_id, null, row.name) }, t('openCustomer'))));
    }
    title.focus();
    if (row.type !== 'chat') return;
    const list = h('ol', { class: 'transcript-list', 'data-testid': 'transcript-messages', 'aria-label': t('transcript') });
    pane.append(list);
    let after = 0;
    for (;;) {
      const r = await api('GET', '/api/v1/conversations/' + enc(row.id) + '/messages?after=' + after);
      if (S.closed || !pane.contains(list)) return;
      if (!r.ok) { pane.append(h('p', { class: 'error', role: 'alert' }, t('loadFailed', { e: r.error }))); return; }
      const msgs = (r.data && r.data.messages) || [];
      msgs.forEach((m) => {
        const sender = ['visitor', 'agent', 'system'].includes(m.sender) ? m.sender : 'system';
        const who = sender === 'agent' ? str(m.name) || t('agent')
          : sender === 'visitor' ? str(m.name) || row.name || t('visitor') : t('system');
        list.append(h('li', { class: 'msg-row ' + sender, 'data-testid': 'transcript-message', 'data-sender': sender },
          h('div', { class: 'msg-name' }, who, ' ', m.at ? timeEl(m.at, clock(m.at)) : null),
          h('div', { class: 'msg ' + sender }, str(m.body))));
        if (typeof m.seq === 'number' && m.seq > after) after = m.seq;
      });
      if (msgs.length < 500) break;
    }
    if (!list.children.length) list.append(h('li', { class: 'muted' }, t('noMessages')));
  }

  // --------------------------------------------------------------- views
  function openView(kind) {
    if (!signedIn) return;
    const key = 'view:' + kind;
    if (sessions.has(key)) { selectSession(key, true); return; }
    const S = browseRecord(key, kind);
    const title = t(kind === 'cases' ? 'casesView' : 'historyView');
    S.ui.body = h('div', { class: 'view-body' });
    browseTab(S, kind === 'cases' ? 'cases-view' : 'history-view',
      h('div', { class: 'view' }, h('div', { class: 'conv-head view-head' }, h('h2', null, title),
        h('div', { class: 'actions' }, closeButton(S))), S.ui.body));
    S.tabName.textContent = title;
    if (kind === 'cases') buildCases(S); else buildHistory(S);
  }
  function labelled(text, control) {
    const id = nextId('bf');
    control.id = id;
    return h('div', { class: 'field' }, h('label', { for: id }, text), control);
  }
  function buildCases(S) {
    const opts = (values, prefix, first) => [h('option', { value: '' }, first)]
      .concat(values.map((v) => h('option', { value: v }, t(prefix + v))));
    const f = S.cf = {
      status: h('select', { 'data-testid': 'cases-status' }, opts(STATUSES, 'st_', t('any'))),
      priority: h('select', { 'data-testid': 'cases-priority' }, opts(PRIORITIES, 'pr_', t('any'))),
      owner: h('select', { 'data-testid': 'cases-owner' }, h('option', { value: '' }, t('ownerAnyone')),
        h('option', { value: 'me' }, t('ownerMe'))),
      q: h('input', { type: 'search', maxlength: '200', autocomplete: 'off', 'data-testid': 'cases-q' })
    };
    f.status.value = 'active';
    [f.status, f.priority, f.owner].forEach((x) => x.addEventListener('change', () => loadCases(S, false)));
    const form = h('form', { class: 'filters-form', role: 'search', 'aria-label': t('caseFilters'), 'data-testid': 'cases-filters',
      submit: (e) => { e.preventDefault(); loadCases(S, false); } },
    labelled(t('status'), f.status), labelled(t('priority'), f.priority), labelled(t('owner'), f.owner),
    labelled(t('searchText'), f.q), h('button', { type: 'submit', class: 'primary', 'data-testid': 'cases-apply' }, t('apply')));
    S.ui.count = h('p', { class: 'muted', role: 'status', 'data-testid': 'cases-count' });
    S.ui.rows = h('tbody');
    S.ui.more = h('button', { type: 'button', 'data-testid': 'cases-more', click: () => loadCases(S, true) }, t('loadMore'));
    const head = [t('caseTitle'), t('customerCol'), t('priority'), t('status'), t('owner'), t('updated')];
    S.ui.body.append(form, S.ui.count,
      h('div', { class: 'table-wrap' }, h('table', { class: 'list', 'data-testid': 'cases-table' },
        h('caption', { class: 'sr-only' }, t('casesView')),
        h('thead', null, h('tr', null, head.map((x) => h('th', { scope: 'col' }, x)))), S.ui.rows)),
      slot(S.ui.more));
    loadCases(S, false);
  }
  async function loadCases(S, more) {
    const f = S.cf;
    const q = new URLSearchParams({ limit: '50' });
    if (f.status.value) q.set('status', f.status.value);
    if (f.priority.value) q.set('priority', f.priority.value);
    if (f.owner.value) q.set('owner_id', f.owner.value);
    if (f.q.value.trim()) q.set('q', f.q.value.trim());
    if (more && S.cursor) q.set('cursor', S.cursor);
    const token = ++S.token;
    const r = await api('GET', '/api/v1/cases?' + q);
    if (S.closed || token !== S.token) return;
    S.ui.count.classList.toggle('error', !r.ok);
    if (!r.ok) { S.ui.count.textContent = t('loadFailed', { e: r.error }); return; }
    if (!more) { S.ui.rows.textContent = ''; S.shown = 0; }
    listOf(r.data).forEach((k) => {
      S.shown++;
      S.ui.rows.append(h('tr', { 'data-testid': 'case-row', 'data-case': str(k.id) },
        h('td', null, h('button', { type: 'button', class: 'link', 'data-testid': 'case-open', click: () => openCase(k) }, str(k.title))),
        h('td', null, dash(k.contact_name)), h('td', null, label('pr_', k.priority)), h('td', null, label('st_', k.status)),
        h('td', null, dash(k.owner_name)), h('td', null, timeEl(k.updated_at) || '')));
    });
    S.cursor = (r.data && r.data.next_cursor) || null;
    put(S.ui.more, !!S.cursor);
    S.ui.count.textContent = S.shown ? t(S.shown === 1 ? 'casesCountOne' : 'casesCount', { n: S.shown }) : t('noCases');
  }
  function buildHistory(S) {
    S.ui.count = h('p', { class: 'muted', role: 'status', 'data-testid': 'history-count' });
    S.ui.rows = h('tbody');
    S.ui.more = h('button', { type: 'button', 'data-testid': 'history-more', click: () => loadHistory(S, true) }, t('loadMore'));
    S.ui.transcript = h('section', { class: 'pane transcript', 'data-testid': 'transcript', 'aria-label': t('transcript') },
      h('p', { class: 'muted' }, t('pickConversation')));
    const head = [t('customerCol'), t('channel'), t('started'), t('duration')]
      .concat(supervises() ? [t('agent')] : [], [t('transcript')]);
    S.ui.body.append(h('div', { class: 'history-grid' },
      h('div', { class: 'history-list' }, S.ui.count,
        h('div', { class: 'table-wrap' }, h('table', { class: 'list', 'data-testid': 'history-table' },
          h('caption', { class: 'sr-only' }, t('historyView')),
          h('thead', null, h('tr', null, head.map((x) => h('th', { scope: 'col' }, x)))), S.ui.rows)),
        slot(S.ui.more)),
      S.ui.transcript));
    S.past = {};
    S.rowsShown = [];
    loadHistory(S, false);
  }
  async function loadHistory(S, more) {
    const token = ++S.token;
    const res = await pastRows(S.past, { limit: '25' }, more);
    if (S.closed || token !== S.token) return;
    S.ui.count.classList.toggle('error', !!res.error);
    if (res.error) { S.ui.count.textContent = t('loadFailed', { e: res.error }); return; }
    S.rowsShown = (more ? S.rowsShown : []).concat(res.items);
    S.rowsShown.sort((x, y) => String(y.started_at).localeCompare(String(x.started_at)));
    S.ui.rows.textContent = '';
    S.rowsShown.forEach((row) => {
      const cells = [
        h('td', null, row.name), h('td', null, chan(row.channel)), h('td', null, timeEl(row.started_at) || ''),
        h('td', null, row.duration != null ? dur(row.duration) : '—')
      ];
      if (supervises()) cells.push(h('td', null, dash(row.agent)));
      cells.push(h('td', null, h('button', { type: 'button', class: 'link', 'data-testid': 'history-open',
        'aria-label': t('showTranscriptNamed', { name: row.name, when: when(row.started_at) }),
        click: () => showTranscript(S, row, S.ui.transcript) }, t('showTranscript'))));
      S.ui.rows.append(h('tr', { 'data-testid': 'history-row', 'data-id': row.id, 'data-type': row.type }, cells));
    });
    put(S.ui.more, !!(S.past.convCursor || S.past.callCursor));
    const n = S.rowsShown.length;
    S.ui.count.textContent = n ? t(n === 1 ? 'pastCountOne' : 'pastCount', { n }) : t('noPast');
  }

  // ================================================================ boot
  function tick() {
    toasts.forEach(tickToast);
    sessions.forEach(tickCall);
  }
  async function boot() {
    document.documentElement.lang = lang;
    document.title = 'Switchboard · ' + t('title');
    document.querySelectorAll('[data-i18n]').forEach((el) => { el.textContent = t(el.getAttribute('data-i18n')); });
    document.querySelectorAll('[data-i18n-label]').forEach((el) => el.setAttribute('aria-label', t(el.getAttribute('data-i18n-label'))));
    Object.assign(ui, {
      main: $('main'), me: $('me'), name: $('agent-name'), presence: $('presence'), conn: $('connection'),
      signout: $('signout'), signin: $('signin'), signinForm: $('signin-form'), email: $('email'),
      password: $('password'), signinSubmit: document.querySelector('[data-testid=signin-submit]'),
      signinError: $('signin-error'), workspace: $('workspace'), notice: $('notice'), toasts: $('toasts'),
      tabs: $('tabs'), panels: $('panels'), empty: $('empty')
    });
    slot(ui.empty);
    PRESENCES.forEach((p) => ui.presence.append(h('option', { value: p }, t('p_' + p))));
    ui.presence.value = '';
    ui.presence.addEventListener('change', changePresence);
    ui.signinForm.addEventListener('submit', signIn);
    ui.signout.addEventListener('click', signOut);
    ui.tabs.addEventListener('keydown', tabKeys);
    initBrowse();
    setConn('offline');
    setInterval(tick, 1000);
    const r = await api('GET', '/api/v1/session');
    if (r.ok && r.data && r.data.agent) start(r.data);
    else showSignin(r.ok && r.data && !r.data.agent ? t('notAgent') : '');
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', boot, { once: true });
  else boot();
})();
