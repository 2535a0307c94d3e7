// Any value as display text: null and undefined are empty, an array its
// items joined, an object its "key: value" pairs.
export function str(v) {
  if (v == null) return '';
  if (typeof v === 'object') {
    if (Array.isArray(v)) return v.map(str).join(', ');
    return Object.entries(v).map(([k, x]) => k + ': ' + str(x)).join(', ');
  }
  return String(v);
}
