// Alerts: the counts of GET /api/v1/alerts/summary (the one definition of firing), the unresolved alerts in
// groups of unit × type (as subscriptions group them by default; each group expands to its alerts), and a
// full-width table grouped by unit, filtered by type, unit, severity and status; acknowledge and silence for
// the roles that may (silences: POST/GET/DELETE /api/v1/silences). The API filters the table (type, unit,
// severity, status). Every count uses the API's `status`, never the raw `state`.
import { api, qs } from '../api.js';
import { ACK_ROLES, SILENCE_ROLES } from '../auth.js';
import { dateTime, empty, esc } from '../fmt.js';
import { label, t } from '../i18n.js';
import { actorText } from '../trail.js';
import { groupsCard, loadGroups, wireGroups } from './alert_groups.js';
import { loadUnits, unitHtml, unitOptions } from '../units.js';

const STATES = ['firing', 'suppressed', 'acknowledged', 'resolved'];
const SEVERITIES = ['critical', 'warning', 'info'];
const TYPES = ['RecoveryWarningIssued', 'ErrorReported', 'TicketEscalated', 'ArrearsRiskDetected', 'ScoresPublished',
  'CalendarYearMissing'];
const DURATIONS = [['1h', 3600], ['4h', 14400], ['24h', 86400], ['7d', 604800]];

function select(id, values, current, prefix) {
  return `<select id="${id}"><option value="">${esc(t('al.all'))}</option>${values.map((v) =>
    `<option value="${v}"${v === current ? ' selected' : ''}>${esc(label(prefix, v))}</option>`).join('')}</select>`;
}

// Whether an active silence matches the alert (equality matchers on type, unit, severity or a label; a
// regular-expression matcher is left to the service, which records such alerts as silenced).
function silencedBy(a, silences) {
  const labels = { ...a.labels, type: a.type, unit: a.unit, severity: a.severity };
  return silences.some((s) => s.matchers.every((m) => !m.is_regex && labels[m.name] === m.value));
}

// the API's one status (firing = state firing, not silenced, not inhibited); `state` only for an older API
const statusOf = (a) => a.status || a.state;

function row(a, may, silences) {
  const buttons = [
    may.ack && a.state === 'firing' ? `<button class="btn ack" type="button" data-id="${esc(a.id)}">${esc(t('al.ack'))}</button>` : '',
    may.silence && a.state !== 'resolved' ? `<button class="btn secondary silence" type="button" data-id="${esc(a.id)}"
      data-type="${esc(a.type)}" data-unit="${esc(a.unit)}">${esc(t('al.silence'))}</button>` : '',
  ].join(' ');
  return `<tr class="alert" data-id="${esc(a.id)}" data-state="${esc(a.state)}" data-status="${esc(statusOf(a))}"
    data-type="${esc(a.type)}">
    <td><span class="badge ${esc(a.severity)}">${esc(label('sev', a.severity))}</span></td>
    <td class="type nowrap">${esc(label('type', a.type))}</td><td class="summary">${esc(a.summary)}${
      silencedBy(a, silences) ? ` <span class="badge silenced">${esc(t('al.isSilenced'))}</span>` : ''}</td>
    <td class="state nowrap">${esc(label('alstate', statusOf(a)))}</td><td class="num">${a.count}</td>
    <td class="nowrap">${dateTime(a.last_seen)}</td><td>${esc(a.acked_by ? actorText(a.acked_by) : '')}</td>
    <td class="nowrap">${buttons}</td></tr>`;
}

function grouped(items, units, may, silences) {
  const byUnit = new Map();
  for (const a of items) byUnit.set(a.unit, [...(byUnit.get(a.unit) || []), a]);
  return [...byUnit.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([unit, list]) =>
    `<tbody class="unit-group" data-unit="${esc(unit)}"><tr class="group-head"><th colspan="8">${unitHtml(units, unit)}
      <span class="muted">${esc(t('al.groupCount', { n: list.length, f: list.filter((a) => statusOf(a) === 'firing').length }))}</span>
      </th></tr>${list.map((a) => row(a, may, silences)).join('')}</tbody>`).join('');
}

function silenceForm() {
  return `<div id="silence-dialog" class="card dialog" hidden><h2>${esc(t('al.silenceTitle'))}</h2>
    <p id="silence-what" class="muted"></p>
    <form id="silence-form" class="form"><div class="form-error error" hidden></div>
      <label>${esc(t('al.silenceFor'))} <select name="duration">${DURATIONS.map(([k, s]) =>
        `<option value="${s}">${esc(t(`al.dur.${k}`))}</option>`).join('')}</select></label>
      <label class="field wide">${esc(t('field.comment'))}<input name="comment" maxlength="1000"></label>
      <p><button class="btn" type="submit" id="silence-submit">${esc(t('al.silence'))}</button>
        <button class="btn secondary" type="button" id="silence-cancel">${esc(t('cancel'))}</button></p></form></div>`;
}

function silencesCard(silences, may) {
  if (!silences.length) return '';
  return `<section class="card"><h2>${esc(t('al.silences'))}</h2><table id="silences"><thead><tr>
    <th>${esc(t('al.matchers'))}</th><th>${esc(t('al.until'))}</th><th>${esc(t('field.comment'))}</th><th>${esc(t('al.by'))}</th>
    <th></th></tr></thead><tbody>${silences.map((s) => `<tr data-id="${esc(s.id)}"><td>${s.matchers.map((m) =>
      `<span class="badge">${esc(t(`al.m.${m.name}`) === `al.m.${m.name}` ? m.name : t(`al.m.${m.name}`))} = ${esc(
        m.name === 'type' ? label('type', m.value) : m.value)}</span>`).join(' ')}</td>
      <td>${dateTime(s.ends_at)}</td><td>${esc(s.comment)}</td><td>${esc(actorText(s.created_by))}</td>
      <td>${may.silence ? `<button class="btn secondary unsilence" type="button" data-id="${esc(s.id)}">${esc(t('al.unsilence'))}</button>` : ''}</td>
      </tr>`).join('')}</tbody></table></section>`;
}

export async function render(main, params, ctx) {
  const filter = { state: params.state || '', severity: params.severity || '', unit: params.unit || '',
    type: params.type || '' };
  const unitValid = !filter.unit || /^[A-Za-z0-9][A-Za-z0-9_-]*$/.test(filter.unit);
  const [page, units, silences, groups] = await Promise.all([
    unitValid ? api(`/api/v1/alerts${qs({ ...filter, limit: 500 })}`) : { items: [], next_cursor: null },
    loadUnits(), api('/api/v1/silences'), unitValid ? loadGroups(filter.unit) : null]);
  const { items } = page;
  const may = { ack: ctx.user.can(ACK_ROLES), silence: ctx.user.can(SILENCE_ROLES) };
  const notices = { acked: t('al.ackDone'), silenced: t('al.silenced'), unsilenced: t('al.unsilenced') };
  main.innerHTML = `<div class="bar"><h1>${esc(t('al.title'))}</h1>
      <label>${esc(t('al.type'))} ${select('f-type', TYPES, params.type || '', 'type')}</label>
      <label>${esc(t('unit'))} <select id="f-unit"><option value="">${esc(t('al.all'))}</option>${unitOptions(units, ctx.user,
        { selected: filter.unit })}</select></label>
      <label>${esc(t('al.severity'))} ${select('f-severity', SEVERITIES, filter.severity, 'sev')}</label>
      <label>${esc(t('al.state'))} ${select('f-state', STATES, filter.state, 'alstate')}</label>
      <span class="muted" id="al-total">${esc(t('al.total', { n: items.length }))}</span>
      <span id="al-notice" class="up" role="status">${esc(notices[params.notice] || '')}</span></div>
    ${groups ? groupsCard(groups, units) : ''}
    ${silenceForm()}
    <section class="card full">${items.length ? `<table id="alerts" class="alerts"><thead><tr>
      <th>${esc(t('al.severity'))}</th><th>${esc(t('al.type'))}</th><th>${esc(t('al.summary'))}</th>
      <th>${esc(t('al.state'))}</th><th class="num">${esc(t('al.count'))}</th><th>${esc(t('al.last'))}</th>
      <th>${esc(t('al.ackedBy'))}</th><th></th></tr></thead>${grouped(items, units, may, silences)}</table>` : empty()}
      ${page.next_cursor ? `<p class="muted">${esc(t('al.more'))}</p>` : ''}</section>
    ${silencesCard(silences, may)}`;
  const apply = () => ctx.go('alerts', { type: main.querySelector('#f-type').value, state: main.querySelector('#f-state').value,
    severity: main.querySelector('#f-severity').value, unit: main.querySelector('#f-unit').value });
  ['#f-type', '#f-unit', '#f-severity', '#f-state'].forEach((s) => main.querySelector(s).addEventListener('change', apply));
  if (groups) wireGroups(main, groups, units, (g) => ctx.go('alerts', { type: g.type, unit: g.unit }));
  const fail = (err) => {
    main.querySelector('#al-notice').outerHTML = `<span id="al-notice" class="error">${esc(t('failed', { m: err.message }))}</span>`;
  };
  const { notice, ...rest } = params;
  main.querySelectorAll('button.ack').forEach((button) => button.addEventListener('click', async () => {
    button.disabled = true;
    try {
      await api(`/api/v1/alerts/${button.dataset.id}/ack`, { method: 'POST' });
      await render(main, { ...rest, notice: 'acked' }, ctx);
    } catch (err) { button.disabled = false; fail(err); }
  }));
  main.querySelectorAll('button.unsilence').forEach((button) => button.addEventListener('click', async () => {
    button.disabled = true;
    try {
      await api(`/api/v1/silences/${button.dataset.id}`, { method: 'DELETE' });
      await render(main, { ...rest, notice: 'unsilenced' }, ctx);
    } catch (err) { button.disabled = false; fail(err); }
  }));
  wireSilence(main, units, (n) => render(main, { ...rest, notice: n }, ctx));
}

function wireSilence(main, units, rerender) {
  const dialog = main.querySelector('#silence-dialog');
  const form = main.querySelector('#silence-form');
  let target = null;
  main.querySelectorAll('button.silence').forEach((button) => button.addEventListener('click', () => {
    target = { type: button.dataset.type, unit: button.dataset.unit };
    main.querySelector('#silence-what').textContent = `${label('type', target.type)} · ${units.get(target.unit)?.name || ''} ${target.unit}`;
    dialog.hidden = false;
    dialog.scrollIntoView({ block: 'nearest' });
  }));
  main.querySelector('#silence-cancel').addEventListener('click', () => { dialog.hidden = true; });
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const ends = new Date(Date.now() + Number(form.elements.duration.value) * 1000).toISOString();
    const body = { matchers: [{ name: 'type', value: target.type }, { name: 'unit', value: target.unit }], ends_at: ends,
      comment: form.elements.comment.value.trim() };
    try {
      await api('/api/v1/silences', { method: 'POST', body });
      await rerender('silenced');
    } catch (err) {
      const box = form.querySelector('.form-error');
      box.hidden = false;
      box.textContent = err.message;
    }
  });
}
