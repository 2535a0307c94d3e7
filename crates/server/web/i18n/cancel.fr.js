// The meeting page of the cancel and confirm links (web/cancel.js): texts in French.
export default {
  pageTitle: 'Votre rendez-vous', skip: 'Aller au contenu', loading: 'Chargement…', details: 'Détails du rendez-vous', topic: 'Sujet',
  when: 'Date et heure', type: 'Type de rendez-vous', branch: 'Agence', joinLink: 'Lien de connexion', join: 'Rejoindre le rendez-vous',
  advisors: 'Avec', state: 'Statut', instructions: 'Avant votre rendez-vous', t_in_person: 'En personne', t_online: 'En ligne',
  t_phone: 'Par téléphone', st_scheduled: 'Planifié', st_cancelled: 'Annulé', st_completed: 'Terminé',
  cancelTitle: 'Annuler le rendez-vous', cancel: 'Annuler ce rendez-vous',
  confirmQ: 'Voulez-vous vraiment annuler ce rendez-vous\u00a0?', confirm: 'Oui, l’annuler', keep: 'Le conserver',
  cancelling: 'Annulation en cours…', kept: 'Votre rendez-vous est maintenu.', cancelled: 'Votre rendez-vous est annulé',
  cancelledHint: 'Vous pouvez prendre un nouveau rendez-vous à tout moment.', bookAgain: 'Prendre un nouveau rendez-vous',
  tooLate: 'Ce rendez-vous ne peut plus être annulé.', invalid: 'Ce lien n’est pas valide.',
  notCancelled: 'Le rendez-vous n’a pas pu être annulé.', failed: 'Une erreur est survenue',
  netError: 'Erreur réseau. Vérifiez votre connexion et réessayez.', yourTime: '{time} chez vous ({tz})',
  st_pending: 'En attente de votre confirmation', st_expired: 'Expiré', confirmTitle: 'Confirmez votre rendez-vous',
  confirmHint: 'Ce rendez-vous a été demandé sur notre page de réservation avec votre adresse e-mail. Confirmez-le pour le réserver\u00a0; si vous ne l’avez pas demandé, fermez cette page et rien ne sera réservé.',
  confirmButton: 'Confirmer ce rendez-vous', confirming: 'Confirmation en cours…', booked: 'Votre rendez-vous est réservé',
  bookedHint: 'La confirmation vous est envoyée par e-mail, avec le lien d’annulation.', calendar: 'Ajouter à mon agenda (.ics)',
  cancelLink: 'Annuler ce rendez-vous', expired: 'Cette demande n’a pas été confirmée à temps et l’horaire a été libéré. Vous pouvez réserver à nouveau.'
};
