// The chat widget (web/widget): texts in French.
export default {
  rateQ: 'Comment s’est passée votre discussion ?', rate1: '1 – Très mal', rate2: '2 – Mal', rate3: '3 – Correctement', rate4: '4 – Bien', rate5: '5 – Très bien',
  rateComment: 'Un commentaire ? (facultatif)', rateSend: 'Envoyer ma note', rateThanks: 'Merci pour votre note.', rateChoose: 'Choisissez une note de 1 à 5.',
  preview: 'Ceci est un aperçu : rien n’est envoyé.',
  launch: 'Discuter avec nous', send: 'Envoyer', end: 'Terminer la discussion', close: 'Fermer',
  closeChat: 'Fermer la discussion', accept: 'Accepter', start: 'Démarrer la discussion',
  pos: 'Vous êtes le numéro {n} dans la file', eta: 'Attente estimée : environ {m} min',
  wait: 'En attente d’un conseiller…', joined: '{name} a rejoint la discussion',
  ended: 'Discussion terminée', again: 'Démarrer une nouvelle discussion',
  req: 'Ce champ est obligatoire.', net: 'Connexion perdue. Reconnexion…',
  fail: 'Une erreur est survenue. Veuillez réessayer.', typing: 'Le conseiller écrit…',
  msg: 'Message', ph: 'Écrivez votre message…', choose: 'Choisir…', agent: 'Conseiller',
  invite: 'Invitation à discuter', too_long: 'Votre message est trop long.',
  rate_limited: 'Vous envoyez des messages trop vite.',
  bad_email: 'Saisissez une adresse e-mail valide.',
  bad_phone: 'Saisissez un numéro de téléphone international valide (par exemple +33 6 12 34 56 78).',
  bad_choice: 'Choisissez l’une des options.', long_answer: 'Cette réponse est trop longue.',
  transcript: 'Télécharger la transcription'
};
