// The home page (web/home.js): texts in English.
export default {
  lead: 'Self-hosted omnichannel contact center.',
  signIn: 'Sign in', email: 'Email', password: 'Password', signInButton: 'Sign in',
  signedInAs: 'Signed in as', roles: 'Roles:', signOut: 'Sign out',
  wrong: 'Wrong email or password.', failed: 'Sign-in failed.', tooMany: 'Too many attempts: try again in a few minutes.',
  apiToken: 'API token', forEveryone: 'For customers', bookLink: 'Book a meeting with an advisor',
  forIntegrators: 'For integrators', apiLink: 'API reference (OpenAPI 3)',
  supervisor: 'Open the live dashboard (supervision)',
  adminCenter: 'Open the admin center', adminReadOnly: 'Open the admin center (read-only)',
  workspace: 'Open the agent workspace', outbox: 'Meeting messages (outbox, JSON)', voice: 'Voice status (JSON)',
  role_admin: 'admin', role_supervisor: 'supervisor', role_agent: 'agent'
};
