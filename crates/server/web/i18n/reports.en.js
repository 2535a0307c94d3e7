// Historical reports (web/supervisor/reports.js): texts in English.
export default {
  pageTitle: 'Switchboard · Reports', title: 'Switchboard reports', skip: 'Skip to the content',
  sections: 'Sections', live: 'Live dashboard', reports: 'Reports', planner: 'Staffing planner', adminCenter: 'Admin center', home: 'Home',
  signedOutTitle: 'Sign in first', signedOut: 'Reports are for supervisors and admins.', signInLink: 'Sign in on the home page.',
  notAllowed: 'Only supervisors and admins can read reports.', apiToken: 'API token',
  heading: 'Historical reports', intro: 'Figures of the work items routed over the days you choose, counted in the hour each event happened. Days are in the report time zone ({zone}). Definitions: docs/reports.md.',
  from: 'From', to: 'To', by: 'One row per', by_queue: 'queue', by_agent: 'agent', by_channel: 'channel', by_day: 'day', by_hour: 'hour',
  queue: 'Queue', anyQueue: 'All queues', channel: 'Channel', anyChannel: 'All channels',
  slSeconds: 'Service level threshold (seconds)', shortSeconds: 'Short abandons within (seconds)',
  show: 'Show', download: 'Download CSV', loading: 'Reading the report…', failed: 'The report could not be read.',
  netError: 'Network error: check the connection and try again.', checkForm: 'Check the marked fields.',
  empty: 'Nothing happened in these days.', total: 'Total',
  chartVolume: 'Chart of offered, answered and abandoned per row. The table below has the same figures.',
  chartSl: 'Chart of the service level per row. The table below has the same figures.',
  col_name: 'Row', col_offered: 'Offered', col_answered: 'Answered', col_abandoned: 'Abandoned', col_short: 'of which short',
  col_sl: 'Service level', col_asa: 'Avg. speed of answer', col_aht: 'Avg. handle time', col_transfers: 'Transfers in / out',
  col_missed: 'Declined / timed out', col_callbacks: 'Callbacks requested', col_csat: 'CSAT (ratings)',
  caption: 'Work items from {from} to {to}, one row per {by}.',
  err_invalid: 'Not valid here.', err_inconsistent: 'Too long a span: at most a year (a month by hour).', err_order: 'Must not be before the first day.',
  actHeading: 'Other channels', actCaption: 'Invitations, meetings, meeting messages and callbacks from {from} to {to}, counted on the day each happened.', col_day: 'Day',
  act_invitations: 'Chat invitations shown / accepted / closed / expired', act_meetings: 'Meetings booked / cancelled / held / no-shows',
  act_emails: 'Emails sent / skipped / failed', act_sms: 'SMS sent / skipped / failed', act_callbacks: 'Callbacks requested / completed / failed'
};
