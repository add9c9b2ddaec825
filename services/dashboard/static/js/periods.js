// Months: which ones are scored (read from the revisions API, so the page never asks for an unscored month).
import { api } from './api.js';

export function shift(period, months) {
  const [y, m] = period.split('-').map(Number);
  const n = y * 12 + (m - 1) + months;
  return `${Math.floor(n / 12)}-${String((n % 12) + 1).padStart(2, '0')}`;
}

export function thisMonth() {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit' })
    .formatToParts(new Date());
  const get = (type) => parts.find((p) => p.type === type).value;
  return `${get('year')}-${get('month')}`;
}

let cached = null;

/** Scored months, newest first, among the 13 months up to next month. */
export async function scoredPeriods() {
  if (cached) return cached;
  const start = shift(thisMonth(), 1);
  const months = Array.from({ length: 13 }, (_, i) => shift(start, -i));
  const runs = await Promise.all(months.map((p) => api(`/api/v1/periods/${p}/revisions`)));
  cached = months.filter((_, i) => runs[i].items.length > 0);
  return cached;
}

export function periodSelect(periods, current) {
  return `<select id="period">${periods.map((p) => `<option value="${p}"${p === current ? ' selected' : ''}>${p}</option>`)
    .join('')}</select>`;
}

/** The month a page opens on: for a caller restricted to some units, the newest month in which one of
 *  its own units has a score (not the newest month scored anywhere); else the newest scored month. */
export async function landingPeriod(periods, user) {
  if (user.seesAll) return periods[0];
  for (const p of periods) {
    const items = (await api(`/api/v1/scores?period=${p}`)).items;
    if (items.some((i) => i.score != null)) return p;
  }
  return periods[0];
}
