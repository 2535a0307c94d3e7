// The chat widget (web/widget): texts in English.
export default {
  preview: 'This is a preview: nothing is sent.',
  launch: 'Chat with us', send: 'Send', end: 'End chat', close: 'Close', closeChat: 'Close chat',
  accept: 'Accept', start: 'Start chat', pos: 'You are number {n} in line',
  eta: 'Estimated wait: about {m} min', wait: 'Waiting for an agent…', joined: '{name} joined the chat',
  ended: 'Chat ended', again: 'Start a new chat', req: 'This field is required.',
  net: 'Connection lost. Reconnecting…', fail: 'Something went wrong. Please try again.',
  typing: 'The agent is typing…', msg: 'Message', ph: 'Type your message…', choose: 'Choose…',
  agent: 'Agent', invite: 'Chat invitation',
  too_long: 'Your message is too long.', rate_limited: 'You are sending messages too quickly.',
  bad_email: 'Enter a valid email address.',
  bad_phone: 'Enter a valid international phone number (for example +1 415 555 0100).',
  bad_choice: 'Choose one of the options.', long_answer: 'This answer is too long.',
  transcript: 'Download transcript'
};
