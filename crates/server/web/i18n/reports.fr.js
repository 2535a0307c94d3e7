// Rapports historiques (web/supervisor/reports.js) : textes en français.
export default {
  pageTitle: 'Switchboard · Rapports', title: 'Rapports Switchboard', skip: 'Aller au contenu',
  sections: 'Sections', live: 'Tableau de bord en direct', reports: 'Rapports', planner: 'Planification des effectifs', adminCenter: 'Centre d’administration', home: 'Accueil',
  signedOutTitle: 'Connectez-vous d’abord', signedOut: 'Les rapports sont réservés aux superviseurs et aux administrateurs.', signInLink: 'Se connecter sur la page d’accueil.',
  notAllowed: 'Seuls les superviseurs et les administrateurs peuvent lire les rapports.', apiToken: 'Jeton d’API',
  heading: 'Rapports historiques', intro: 'Chiffres des éléments de travail routés sur les jours choisis, comptés dans l’heure où chaque événement a eu lieu. Les jours sont ceux du fuseau des rapports ({zone}). Définitions : docs/reports.md.',
  from: 'Du', to: 'Au', by: 'Une ligne par', by_queue: 'file', by_agent: 'agent', by_channel: 'canal', by_day: 'jour', by_hour: 'heure',
  queue: 'File', anyQueue: 'Toutes les files', channel: 'Canal', anyChannel: 'Tous les canaux',
  slSeconds: 'Seuil du niveau de service (secondes)', shortSeconds: 'Abandons courts en moins de (secondes)',
  show: 'Afficher', download: 'Télécharger le CSV', loading: 'Lecture du rapport…', failed: 'Le rapport n’a pas pu être lu.',
  netError: 'Erreur réseau : vérifiez la connexion et réessayez.', checkForm: 'Vérifiez les champs signalés.',
  empty: 'Rien ne s’est passé ces jours-là.', total: 'Total',
  chartVolume: 'Graphique des éléments présentés, répondus et abandonnés par ligne. Le tableau ci-dessous donne les mêmes chiffres.',
  chartSl: 'Graphique du niveau de service par ligne. Le tableau ci-dessous donne les mêmes chiffres.',
  col_name: 'Ligne', col_offered: 'Présentés', col_answered: 'Répondus', col_abandoned: 'Abandonnés', col_short: 'dont courts',
  col_sl: 'Niveau de service', col_asa: 'Délai moyen de réponse', col_aht: 'Durée moyenne de traitement', col_transfers: 'Transferts reçus / émis',
  col_missed: 'Refusés / expirés', col_callbacks: 'Rappels demandés', col_csat: 'Satisfaction (notes)',
  caption: 'Éléments de travail du {from} au {to}, une ligne par {by}.',
  err_invalid: 'Valeur non valable ici.', err_inconsistent: 'Période trop longue : un an au plus (un mois par heure).', err_order: 'Ne doit pas précéder le premier jour.',
  actHeading: 'Autres canaux', actCaption: 'Invitations, rendez-vous, messages des rendez-vous et rappels du {from} au {to}, comptés le jour où chacun a eu lieu.', col_day: 'Jour',
  act_invitations: 'Invitations au chat montrées / acceptées / fermées / expirées', act_meetings: 'Rendez-vous pris / annulés / tenus / clients absents',
  act_emails: 'E-mails envoyés / non envoyés / en échec', act_sms: 'SMS envoyés / non envoyés / en échec', act_callbacks: 'Rappels demandés / réussis / en échec'
};
