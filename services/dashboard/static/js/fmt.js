// Numbers for Chinese readers: percent with two decimals, 万元 for large amounts, Shanghai dates.
import { lang, t } from './i18n.js';

const DASH = '—';

export function esc(value) {
  return String(value ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;',
    "'": '&#39;' }[c]));
}

export function score(x) {
  return x == null ? DASH : Number(x).toFixed(2);
}

export function pct(ratio) {
  return ratio == null ? DASH : `${(Number(ratio) * 100).toFixed(2)}%`;
}

function grouped(x, digits) {
  return Number(x).toLocaleString(lang() === 'en' ? 'en-US' : 'zh-CN',
    { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

export function money(yuan) {
  if (yuan == null) return DASH;
  const x = Number(yuan);
  if (lang() === 'en') return `¥${grouped(x, 2)}`;
  return Math.abs(x) >= 10000 ? `${grouped(x / 10000, 2)} 万元` : `${grouped(x, 2)} 元`;
}

export function delta(x) {
  if (x == null || Number.isNaN(x)) return `<span class="muted">${DASH}</span>`;
  const cls = x > 0 ? 'up' : x < 0 ? 'down' : '';
  const sign = x > 0 ? '+' : x < 0 ? '−' : '±';
  return `<span class="${cls}">${sign}${Math.abs(x).toFixed(2)}</span>`;
}

export function dateTime(iso) {
  if (!iso) return DASH;
  return new Date(iso).toLocaleString(lang() === 'en' ? 'en-GB' : 'zh-CN',
    { timeZone: 'Asia/Shanghai', hour12: false, year: 'numeric', month: '2-digit', day: '2-digit',
      hour: '2-digit', minute: '2-digit' });
}

export function lightDot(light) {
  const l = light || 'none';
  return `<span class="dot ${esc(l)}"></span>${esc(t(`light.${l}`))}`;
}

export function empty(text = t('empty')) {
  return `<div class="empty">${esc(text)}</div>`;
}

/** A rate as a percentage with the counts behind it: 99.17%（1,190 / 1,200）. */
export function rate(ratio, numerator, denominator) {
  if (ratio == null) return DASH;
  if (numerator == null || denominator == null) return pct(ratio);
  return `${pct(ratio)}（${grouped(numerator, 0)} / ${grouped(denominator, 0)}）`;
}

/** The two inputs of a ratio indicator, ordered numerator first (the API keeps them in a JSON object). */
export function ratioInputs(value, inputs) {
  const entries = Object.entries(inputs || {});
  if (value == null || entries.length !== 2 || entries.some(([, v]) => v == null)) return null;
  const [[, a], [, b]] = entries;
  if (b && Math.abs(a / b - value) < 1e-9) return [a, b];
  if (a && Math.abs(b / a - value) < 1e-9) return [b, a];
  return null;
}
