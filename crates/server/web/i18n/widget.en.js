// The chat widget (web/widget): texts in English.
export default {
  rateQ: 'How was your chat?', rate1: '1 – Very poor', rate2: '2 – Poor', rate3: '3 – OK', rate4: '4 – Good', rate5: '5 – Very good',
  rateComment: 'Anything to add? (optional)', rateSend: 'Send my rating', rateThanks: 'Thank you for your rating.', rateChoose: 'Choose a rating from 1 to 5.',
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
