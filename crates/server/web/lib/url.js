// Addresses.

export const enc = encodeURIComponent;

// An absolute http(s) URL (or, with `local`, a same-origin path), or null:
// the only hrefs a page gives to links built from data.
export function safeUrl(u, local) {
  if (typeof u !== 'string') return null;
  u = u.trim();
  const rel = !!local && /^\/(?![/\\])/.test(u);
  if (!rel && !/^https?:\/\//i.test(u)) return null;
  try {
    const url = new URL(u, location.origin);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
    return rel && url.origin !== location.origin ? null : url.href;
  } catch (e) { return null; }
}
