// Unit names beside their codes: the org tree (GET /api/v1/org-units), read once per page load.
import { api } from './api.js';
import { esc } from './fmt.js';

let cached = null;

/** Map code → {code, name, level, parent} of the units the caller may read. */
export async function loadUnits() {
  cached ??= api('/api/v1/org-units').then((r) => new Map(r.items.map((u) => [u.code, u])))
    .catch((err) => { cached = null; throw err; });
  return cached;
}

/** "名称 code" as HTML; the code alone when the unit is unknown. */
export function unitHtml(units, code) {
  const u = units.get(code);
  return u ? `${esc(u.name)} <span class="muted code">${esc(code)}</span>` : `<span class="code">${esc(code)}</span>`;
}

export function unitText(units, code) {
  const u = units.get(code);
  return u ? `${u.name}（${code}）` : code;
}

/** <option>s of the units the caller may see, optionally only some levels. */
export function unitOptions(units, user, { levels = null, selected = '' } = {}) {
  return [...units.values()].filter((u) => user.maySee(u.code) && (!levels || levels.includes(u.level)))
    .sort((a, b) => a.code.localeCompare(b.code))
    .map((u) => `<option value="${esc(u.code)}"${u.code === selected ? ' selected' : ''}>${esc(u.name)} (${esc(u.code)})</option>`)
    .join('');
}
