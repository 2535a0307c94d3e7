// The booking page (web/book.js): texts in English.
export default {
  pageTitle: 'Book a meeting', skip: 'Skip to content', progress: 'Progress', back: 'Back', s1: 'Topic', s2: 'Meeting type', s3: 'Time',
  s4: 'Your details', s5: 'Done', chooseTopic: 'What would you like to talk about?', noTopics: 'No topics can be booked online right now.',
  minutes: '{n} min', chooseType: 'How would you like to meet?', chooseBranch: 'Choose a branch',
  noTypes: 'This topic cannot be booked online right now.', noBranches: 'No branch is available for an in-person meeting.',
  t_in_person: 'In person', t_online: 'Online', t_phone: 'By phone', chooseTime: 'Pick a time',
  tzNote: 'Times are shown in your time zone ({tz}).', prevWeek: 'Previous week', nextWeek: 'Next week', moreSlots: 'More times',
  noSlots: 'No free times this week.', review: 'Check and confirm', topic: 'Topic', duration: 'Duration', when: 'Date and time',
  type: 'Meeting type', branch: 'Branch', joinLink: 'Join link', join: 'Join the meeting', advisors: 'With', instructions: 'Before your meeting',
  yourDetails: 'Your details', required: 'Fields marked * are required.', firstName: 'First name', lastName: 'Last name', email: 'Email',
  phone: 'Phone', phoneHint: 'Optional. International format, for example +33612345678.', notes: 'Anything you would like us to know?',
  notesHint: 'Optional. Up to 2,000 characters.', book: 'Book', booking: 'Booking…', needFirst: 'Please enter your first name.',
  needLast: 'Please enter your last name.', needEmail: 'Please enter your email address.', badEmail: 'Please enter a valid email address.',
  badPhone: 'Please enter the phone number in international format, for example +33612345678.',
  longNotes: 'Please keep your message under 2,000 characters.', checkForm: 'Please check the highlighted fields.',
  taken: 'Sorry, that time has just been taken. Please pick another one.', booked: 'Your meeting is booked', cancelHint: 'Can’t make it?',
  cancelLink: 'Cancel this meeting', again: 'Book another meeting', loading: 'Loading…', failed: 'Something went wrong',
  netError: 'Network error. Please check your connection and try again.',
  tzBranch: 'Times are shown in the branch’s local time ({tz}).', tzMine: 'Your time zone: {tz}.', timeZone: 'Time zone',
  yourTime: '{time} your time ({tz})', calendar: 'Add to calendar (.ics)',
  pending: 'Check your email to confirm', checkEmail: 'We have sent a link to {email}. Open it within 30 minutes to confirm the meeting; until then the time is held for you. Your confirmation and the link to cancel will follow by email.',
  tooMany: 'Too many bookings have been requested for this today. Please try again tomorrow.'
};
