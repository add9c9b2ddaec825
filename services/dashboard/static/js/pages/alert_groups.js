// Alert groups (issue 16): the headline counts of GET /api/v1/alerts/summary — the one definition of firing
// — and the unresolved alerts (GET /api/v1/alerts?state=firing|suppressed|acknowledged, every page) in groups
// of unit × type, the default `group_by` of subscriptions, each counted by the API's `status` and expandable
// to its alerts. The groups' firing counts must add up to the summary's; when alerts change between the calls
// the page says so instead of showing two numbers that disagree silently.
import { api, qs } from '../api.js';
import { dateTime, empty, esc } from '../fmt.js';
import { label, t } from '../i18n.js';
import { unitHtml, unitText } from '../units.js';

const ACTIVE = ['firing', 'suppressed', 'acknowledged'];
const SEVERITY_ORDER = ['critical', 'warning', 'info'];
const PAGE = 500;
const MAX_PAGES = 40;  // 20 000 alerts per status: beyond that the page says the groups are incomplete

async function everyAlert(status, unit) {
  const items = [];
  let cursor = '';
  for (let i = 0; i < MAX_PAGES; i += 1) {
    const page = await api(`/api/v1/alerts${qs({ state: status, unit, limit: PAGE, cursor })}`);
    items.push(...page.items);
    if (!page.next_cursor) return { items, complete: true };
    cursor = page.next_cursor;
  }
  return { items, complete: false };
}

/** The summary and the unresolved alerts of the unit's subtree (all units when empty), grouped by unit × type. */
export async function loadGroups(unit) {
  const [summary, ...lists] = await Promise.all([api(`/api/v1/alerts/summary${qs({ unit })}`),
    ...ACTIVE.map((s) => everyAlert(s, unit))]);
  const byKey = new Map();
  for (const a of lists.flatMap((l) => l.items)) {
    const key = `${a.unit}|${a.type}`;
    if (!byKey.has(key)) byKey.set(key, { key, unit: a.unit, type: a.type, alerts: [], firing: 0, suppressed: 0, acknowledged: 0 });
    const g = byKey.get(key);
    g.alerts.push(a);
    g[a.status] += 1;
  }
  const groups = [...byKey.values()].map((g) => ({ ...g,
    top: SEVERITY_ORDER.find((sev) => g.alerts.some((a) => a.severity === sev)) || 'info' }))
    .sort((a, b) => b.firing - a.firing || a.unit.localeCompare(b.unit) || a.type.localeCompare(b.type));
  return { summary, groups, complete: lists.every((l) => l.complete) };
}

function kpis(summary) {
  const box = (id, status, cls = '') => `<div class="kpi ${cls}" id="${id}" data-n="${summary[status].total}">
    <div class="l">${esc(label('alstate', status))}</div><div class="v">${summary[status].total}</div></div>`;
  return `<div class="kpis" id="alert-summary">${box('kpi-firing', 'firing', 'headline')}${box('kpi-suppressed',
    'suppressed')}${box('kpi-acknowledged', 'acknowledged')}${box('kpi-resolved', 'resolved')}</div>`;
}

function groupRow(g, units) {
  return `<tr class="group" data-key="${esc(g.key)}" data-unit="${esc(g.unit)}" data-type="${esc(g.type)}"
      data-firing="${g.firing}" data-suppressed="${g.suppressed}" data-acknowledged="${g.acknowledged}">
    <td>${unitHtml(units, g.unit)} · <span class="nowrap">${esc(label('type', g.type))}</span></td>
    <td class="num firing">${g.firing}</td><td class="num">${g.suppressed}</td><td class="num">${g.acknowledged}</td>
    <td class="num">${g.alerts.length}</td><td><span class="badge ${esc(g.top)}">${esc(label('sev', g.top))}</span></td>
    <td class="nowrap"><button class="btn secondary expand" type="button" aria-expanded="false">${esc(t('ag.expand'))}</button>
      <a href="#" class="to-table">${esc(t('ag.toTable'))}</a></td></tr>`;
}

function members(g) {
  return `<tr class="group-members" data-key="${esc(g.key)}"><td colspan="7"><table class="inner"><tbody>${g.alerts.map((a) =>
    `<tr class="group-alert" data-id="${esc(a.id)}" data-status="${esc(a.status)}">
      <td><span class="badge ${esc(a.severity)}">${esc(label('sev', a.severity))}</span></td><td>${esc(a.summary)}</td>
      <td class="nowrap">${esc(label('alstate', a.status))}</td><td class="num">${a.count}</td>
      <td class="nowrap">${dateTime(a.last_seen)}</td></tr>`).join('')}</tbody></table></td></tr>`;
}

export function groupsCard({ summary, groups, complete }, units) {
  const added = groups.reduce((s, g) => s + g.firing, 0);
  const warn = !complete || added !== summary.firing.total
    ? `<p class="warn-box" id="groups-mismatch">${esc(t('ag.mismatch', { a: added, b: summary.firing.total }))}</p>` : '';
  const table = groups.length ? `<div class="scroll"><table id="alert-groups"><thead><tr><th>${esc(t('ag.unitType'))}</th>
    <th class="num">${esc(label('alstate', 'firing'))}</th><th class="num">${esc(label('alstate', 'suppressed'))}</th>
    <th class="num">${esc(label('alstate', 'acknowledged'))}</th><th class="num">${esc(t('ag.active'))}</th>
    <th>${esc(t('ag.top'))}</th><th></th></tr></thead><tbody>${groups.map((g) => groupRow(g, units)).join('')}</tbody></table></div>`
    : empty(t('ag.none'));
  return `${kpis(summary)}<section class="card" id="groups-card"><h2>${esc(t('ag.title'))}
    <span class="muted" id="groups-count">${esc(t('ag.groups', { n: groups.length }))}</span></h2>
    <p class="muted" title="${esc(summary.definition)}">${esc(t('ag.hint', { d: t('ag.definition') }))} ${esc(t('ag.scope'))}</p>
    ${warn}${table}</section>`;
}

export function wireGroups(main, { groups }, units, showInTable) {
  const byKey = new Map(groups.map((g) => [g.key, g]));
  main.querySelectorAll('#alert-groups tr.group').forEach((tr) => {
    const g = byKey.get(tr.dataset.key);
    const button = tr.querySelector('button.expand');
    button.title = unitText(units, g.unit);
    button.addEventListener('click', () => {
      const open = tr.nextElementSibling?.classList.contains('group-members');
      if (open) tr.nextElementSibling.remove(); else tr.insertAdjacentHTML('afterend', members(g));
      button.textContent = t(open ? 'ag.expand' : 'ag.collapse');
      button.setAttribute('aria-expanded', String(!open));
    });
    tr.querySelector('a.to-table').addEventListener('click', (ev) => { ev.preventDefault(); showInTable(g); });
  });
}
