// Alerts: filter by state, severity and unit; acknowledge (only for roles that may).
import { api, qs } from '../api.js';
import { ACK_ROLES } from '../auth.js';
import { dateTime, empty, esc } from '../fmt.js';
import { t } from '../i18n.js';

const STATES = ['firing', 'acknowledged', 'resolved'];
const SEVERITIES = ['critical', 'warning', 'info'];

function select(id, values, current, prefix) {
  return `<select id="${id}"><option value="">${esc(t('al.all'))}</option>${values.map((v) =>
    `<option value="${v}"${v === current ? ' selected' : ''}>${esc(t(`${prefix}.${v}`))}</option>`).join('')}</select>`;
}

function row(a, canAck) {
  return `<tr data-id="${esc(a.id)}" data-state="${esc(a.state)}">
    <td><span class="badge ${esc(a.severity)}">${esc(t(`sev.${a.severity}`))}</span></td>
    <td>${esc(a.type)}</td><td>${esc(a.unit)}</td><td>${esc(a.summary)}</td>
    <td class="state">${esc(t(`alstate.${a.state}`))}</td><td class="num">${a.count}</td><td>${dateTime(a.last_seen)}</td>
    <td>${esc(a.acked_by || '')}</td>
    <td>${canAck && a.state === 'firing' ? `<button class="btn ack" type="button" data-id="${esc(a.id)}">${esc(t('al.ack'))}</button>` : ''}</td></tr>`;
}

export async function render(main, params, ctx) {
  const filter = { state: params.state || '', severity: params.severity || '', unit: params.unit || '' };
  const unitValid = !filter.unit || /^[A-Za-z0-9][A-Za-z0-9_-]*$/.test(filter.unit);
  const page = unitValid ? await api(`/api/v1/alerts${qs({ ...filter, limit: 200 })}`) : { items: [], next_cursor: null };
  const canAck = ctx.user.can(ACK_ROLES);
  main.innerHTML = `<div class="bar"><h1>${esc(t('al.title'))}</h1>
      <label>${esc(t('al.state'))} ${select('f-state', STATES, filter.state, 'alstate')}</label>
      <label>${esc(t('al.severity'))} ${select('f-severity', SEVERITIES, filter.severity, 'sev')}</label>
      <label>${esc(t('unit'))} <input id="f-unit" size="12" value="${esc(filter.unit)}"></label>
      <button class="btn" id="f-apply" type="button">${esc(t('al.apply'))}</button>
      <span id="al-notice" class="up" role="status">${esc(params.notice === 'acked' ? t('al.ackDone') : '')}</span></div>
    <section class="card">${page.items.length ? `<div class="scroll"><table id="alerts"><thead><tr>
      <th>${esc(t('al.severity'))}</th><th>${esc(t('al.type'))}</th><th>${esc(t('unit'))}</th><th>${esc(t('al.summary'))}</th>
      <th>${esc(t('al.state'))}</th><th class="num">${esc(t('al.count'))}</th><th>${esc(t('al.last'))}</th>
      <th>${esc(t('al.ackedBy'))}</th><th></th></tr></thead>
      <tbody>${page.items.map((a) => row(a, canAck)).join('')}</tbody></table></div>` : empty()}
      ${page.next_cursor ? `<p class="muted">${esc(t('al.more'))}</p>` : ''}</section>`;
  const apply = () => ctx.go('alerts', { state: main.querySelector('#f-state').value,
    severity: main.querySelector('#f-severity').value, unit: main.querySelector('#f-unit').value.trim() });
  main.querySelector('#f-apply').addEventListener('click', apply);
  main.querySelector('#f-unit').addEventListener('keydown', (ev) => { if (ev.key === 'Enter') apply(); });
  main.querySelectorAll('button.ack').forEach((button) => button.addEventListener('click', async () => {
    button.disabled = true;
    try {
      await api(`/api/v1/alerts/${button.dataset.id}/ack`, { method: 'POST' });
      await render(main, { ...params, notice: 'acked' }, ctx);
    } catch (err) {
      button.disabled = false;
      main.querySelector('#al-notice').outerHTML = `<span id="al-notice" class="error">${esc(t('failed', { m: err.message }))}</span>`;
    }
  }));
}
