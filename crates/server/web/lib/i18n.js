// The page's language and its texts. A page hands its table to useTexts
// ({ en, fr, es }: one module per language under web/i18n), picks its
// language with pickLanguage, then reads texts with t.

import { str } from './text.js';

let texts = { en: {} };
// The page's language (a live binding: it follows setLanguage).
export let lang = 'en';

export function useTexts(table) { texts = table; }
export function setLanguage(l) { lang = l; }

// The supported language of a tag ("fr-CA" → "fr"), or null.
export function supported(tag) {
  const l = String(tag || '').toLowerCase().split(/[-_]/)[0];
  return Object.prototype.hasOwnProperty.call(texts, l) ? l : null;
}
// The first supported language among `tags`, else English.
export function pickLanguage(...tags) {
  return tags.map(supported).find(Boolean) || 'en';
}
// The page address's ?lang=.
export const langParam = () => new URLSearchParams(location.search).get('lang');
// The browser's languages, preferred first.
export const browserLanguages = () => (navigator.languages || []).concat(navigator.language);

// A text in the page's language, else in English, else its key; {name}
// placeholders take `vars`' values (missing ones are left empty).
export function t(key, vars) {
  const s = texts[lang][key] || texts.en[key] || key;
  return s.replace(/\{(\w+)\}/g, (_, k) => (vars && vars[k] != null ? String(vars[k]) : ''));
}
// A code's text ("pr_" + "high" → "High"), else the code itself.
export function label(prefix, v) {
  if (v == null || v === '') return '';
  return texts.en[prefix + v] ? t(prefix + v) : str(v);
}
// A record's text in the page's language (its translations[lang][field]),
// else its own (record[field]).
export function loc(rec, field) {
  const tr = rec && rec.translations && typeof rec.translations === 'object' ? rec.translations[lang] : null;
  const v = tr && typeof tr === 'object' ? tr[field] : null;
  return str(typeof v === 'string' && v.trim() ? v : rec && rec[field]);
}
// The page's own markup in its language: <html lang>, data-i18n (text) and
// data-i18n-label (aria-label).
export function translatePage() {
  document.documentElement.lang = lang;
  for (const el of document.querySelectorAll('[data-i18n]')) el.textContent = t(el.getAttribute('data-i18n'));
  for (const el of document.querySelectorAll('[data-i18n-label]')) el.setAttribute('aria-label', t(el.getAttribute('data-i18n-label')));
}
