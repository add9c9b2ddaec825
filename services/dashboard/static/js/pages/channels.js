// Payment-channel compliance per unit (urban ≥ 5 channel types, rural ≥ 3).
import { api } from '../api.js';
import { empty, esc } from '../fmt.js';
import { label, t } from '../i18n.js';
import { loadUnits, unitHtml } from '../units.js';

export async function render(main) {
  const [data, units] = await Promise.all([api('/api/v1/channels/compliance'), loadUnits()]);
  main.innerHTML = `<div class="bar"><h1>${esc(t('ch.title'))}</h1>
    <span class="muted" id="ch-summary">${esc(t('ch.summary', { a: data.compliant, b: data.total }))}</span></div>
    <section class="card">${data.units.length ? `<table id="channels"><thead><tr><th>${esc(t('unit'))}</th>
      <th>${esc(t('ch.area'))}</th><th class="num">${esc(t('ch.offered'))}</th><th class="num">${esc(t('ch.target'))}</th>
      <th>${esc(t('ch.types'))}</th><th></th></tr></thead><tbody>${data.units.map((u) => `<tr data-unit="${esc(u.unit)}">
      <td>${unitHtml(units, u.unit)}</td><td>${esc(t(`area.${u.area_type}`))}</td><td class="num">${u.offered}</td>
      <td class="num">${u.target}</td><td>${esc(u.channel_types.map((c) => label('channel', c)).join('、'))}</td>
      <td><span class="badge ${u.compliant ? 'ok' : 'critical'}">${esc(t(u.compliant ? 'ch.compliant' : 'ch.notCompliant'))}</span></td>
      </tr>`).join('')}</tbody></table>` : empty()}</section>`;
}
