// The home page (web/home.js): texts in French.
export default {
  lead: 'Centre de contact omnicanal auto-hébergé.',
  signIn: 'Connexion', email: 'E-mail', password: 'Mot de passe', signInButton: 'Se connecter',
  signedInAs: 'Connecté en tant que', roles: 'Rôles :', signOut: 'Se déconnecter',
  wrong: 'E-mail ou mot de passe incorrect.', failed: 'La connexion a échoué.', tooMany: 'Trop de tentatives : réessayez dans quelques minutes.',
  apiToken: 'Jeton d’API', forEveryone: 'Pour les clients', bookLink: 'Prendre rendez-vous avec un conseiller',
  forIntegrators: 'Pour les intégrateurs', apiLink: 'Référence de l’API (OpenAPI 3)',
  supervisor: 'Ouvrir le tableau de bord en direct (supervision)',
  adminCenter: 'Ouvrir le centre d’administration', adminReadOnly: 'Ouvrir le centre d’administration (lecture seule)',
  workspace: 'Ouvrir l’espace de travail agent', outbox: 'Messages des rendez-vous (boîte d’envoi, JSON)', voice: 'État de la voix (JSON)',
  role_admin: 'administrateur', role_supervisor: 'superviseur', role_agent: 'agent'
};
