// Presence: the agent's status in the header.

import { api } from '../lib/api.js';
import { t } from '../lib/i18n.js';
import { ui } from './state.js';
import { notice } from './notifications.js';

export const PRESENCES = ['available', 'busy', 'do_not_disturb', 'away', 'offline'];
let presence = null;
export function showPresence(status) {
  if (!PRESENCES.includes(status)) return;
  presence = status;
  ui.presence.value = status;
  ui.presence.setAttribute('data-value', status);
}
export async function changePresence() {
  const want = ui.presence.value;
  const before = presence;
  const r = await api('PUT', '/api/v1/me/presence', { status: want });
  if (r.ok) showPresence((r.data && r.data.status) || want);
  else {
    if (before) showPresence(before);
    notice(t('presenceFailed', { e: r.error }), true);
  }
}
