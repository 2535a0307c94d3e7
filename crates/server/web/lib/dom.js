// Building the page. Nothing here parses HTML: every string becomes a Text
// node or an attribute value.

export const $ = (id) => document.getElementById(id);

// createElement with attributes (functions become listeners) and children
// (strings become Text nodes through append, never HTML; arrays are
// flattened; null and false are left out).
export function h(tag, attrs, ...kids) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (typeof v === 'function') el.addEventListener(k, v);
    else if (v != null && v !== false) el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const kid of kids.flat(Infinity)) if (kid != null && kid !== false) el.append(kid);
  return el;
}

// Conditional elements sit after a placeholder comment and are in the tree
// only while shown (tests wait for their presence): `slot(el)` gives the
// placeholder to put where `el` belongs, `put(el, on)` shows or removes it.
export function slot(el) { return (el.sbSlot = document.createComment('')); }
export function put(el, on) {
  if (on && !el.isConnected && el.sbSlot) el.sbSlot.after(el);
  else if (!on && el.parentNode) el.remove();
}

// Every element of the page with an id, by camelCased id
// (confirm-cancel → confirmCancel, step-1 → step1), into `into`.
export function byId(into) {
  for (const el of document.querySelectorAll('[id]')) into[el.id.replace(/-(\w)/g, (_, c) => c.toUpperCase())] = el;
  return into;
}
