// The meeting page of the cancel and confirm links (web/cancel.js): texts in English.
export default {
  pageTitle: 'Your meeting', skip: 'Skip to content', loading: 'Loading…', details: 'Meeting details', topic: 'Topic',
  when: 'Date and time', type: 'Meeting type', branch: 'Branch', joinLink: 'Join link', join: 'Join the meeting',
  advisors: 'With', state: 'Status', instructions: 'Before your meeting', t_in_person: 'In person', t_online: 'Online',
  t_phone: 'By phone', st_scheduled: 'Scheduled', st_cancelled: 'Cancelled', st_completed: 'Completed',
  cancelTitle: 'Cancel the meeting', cancel: 'Cancel this meeting', confirmQ: 'Are you sure you want to cancel this meeting?',
  confirm: 'Yes, cancel it', keep: 'Keep it', cancelling: 'Cancelling…', kept: 'Your meeting is still booked.',
  cancelled: 'Your meeting is cancelled', cancelledHint: 'You can book a new meeting at any time.', bookAgain: 'Book a new meeting',
  tooLate: 'This meeting can no longer be cancelled.', invalid: 'This link is not valid.',
  notCancelled: 'The meeting could not be cancelled.', failed: 'Something went wrong',
  netError: 'Network error. Please check your connection and try again.', yourTime: '{time} your time ({tz})',
  st_pending: 'Awaiting your confirmation', st_expired: 'Expired', confirmTitle: 'Confirm your meeting',
  confirmHint: 'This meeting was requested on our booking page with your email address. Confirm it to book it; if you did not ask for it, close this page and nothing will be booked.',
  confirmButton: 'Confirm this meeting', confirming: 'Confirming…', booked: 'Your meeting is booked',
  bookedHint: 'Your confirmation is on its way by email, with the link to cancel.', calendar: 'Add to calendar (.ics)',
  cancelLink: 'Cancel this meeting', expired: 'This request was not confirmed in time and the time was released. You can book again.'
};
