// What the workspace's modules share.

// The page's elements (by name, filled at boot).
export const ui = {};
// The signed-in agent, whether the page is signed in, and the selected tab.
export const st = { me: null, signedIn: false, current: null };
export const sessions = new Map(); // work item id (or browsing key) → session record
export const toasts = new Map(); // work item id → toast record
export const wantFocus = new Set(); // accepted here: focus the session when it opens
