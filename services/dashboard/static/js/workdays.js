// Working-day countdowns from the official calendar served by GET /api/v1/calendar/years/{year}.
import { api } from './api.js';

export function shanghaiDate(date = new Date()) {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit',
    day: '2-digit' }).format(date);
}

function nextDay(iso) {
  const d = new Date(`${iso}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

export async function loadCalendar(years) {
  const available = new Set((await api('/api/v1/calendar/years')).map((y) => y.year));
  const cal = { years: new Set(), holidays: new Set(), workdays: new Set() };
  await Promise.all([...new Set(years)].filter((y) => available.has(y)).map(async (y) => {
    const detail = await api(`/api/v1/calendar/years/${y}`);
    cal.years.add(y);
    detail.holidays.forEach((d) => cal.holidays.add(d.date));
    detail.workdays.forEach((d) => cal.workdays.add(d.date));
  }));
  return cal;
}

function isWorkday(cal, iso) {
  if (cal.workdays.has(iso)) return true;
  if (cal.holidays.has(iso)) return false;
  const wd = new Date(`${iso}T00:00:00Z`).getUTCDay();
  return wd !== 0 && wd !== 6;
}

/** Working days after `from` up to and including `to` (from < to); null when a year has no calendar. */
function between(cal, from, to) {
  let n = 0;
  for (let d = nextDay(from); d <= to; d = nextDay(d)) {
    if (!cal.years.has(Number(d.slice(0, 4)))) return null;
    if (isWorkday(cal, d)) n += 1;
  }
  return n;
}

/** {kind: 'left'|'today'|'over'|'nocal', n, year} for a deadline (end of its Shanghai day). */
export function countdown(cal, dueIso, today = shanghaiDate()) {
  const due = shanghaiDate(new Date(dueIso));
  const missing = [Number(today.slice(0, 4)), Number(due.slice(0, 4))].find((y) => !cal.years.has(y));
  if (missing) return { kind: 'nocal', year: missing };
  if (due === today) return { kind: 'today', n: 0 };
  if (due > today) {
    const n = between(cal, today, due);
    return n == null ? { kind: 'nocal', year: due.slice(0, 4) } : { kind: 'left', n };
  }
  const n = between(cal, due, today);
  return n == null ? { kind: 'nocal', year: today.slice(0, 4) } : { kind: 'over', n };
}

export function yearsOf(dues, today = shanghaiDate()) {
  return [Number(today.slice(0, 4)), ...dues.map((d) => Number(shanghaiDate(new Date(d)).slice(0, 4)))];
}
