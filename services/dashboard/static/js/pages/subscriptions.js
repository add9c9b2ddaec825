// Alert subscriptions (admin): who is told about which alerts — by webhook (signed with a secret) or on the
// Kafka alerts topic; create, list, delete (POST/GET/DELETE /api/v1/subscriptions).
import { api } from '../api.js';
import { dateTime, empty, esc } from '../fmt.js';
import { clearErrors, field, noticeHtml, showErrors } from '../forms.js';
import { label, t } from '../i18n.js';
import { loadUnits, unitText } from '../units.js';

const TYPES = ['RecoveryWarningIssued', 'ErrorReported', 'TicketEscalated', 'ArrearsRiskDetected', 'ScoresPublished'];
const SEVERITIES = ['info', 'warning', 'critical'];

function table(subs, units) {
  if (!subs.length) return empty();
  return `<table id="subscriptions"><thead><tr><th>${esc(t('field.sub_name'))}</th><th>${esc(t('sub.types'))}</th>
    <th>${esc(t('sub.minSeverity'))}</th><th>${esc(t('sub.unitPrefix'))}</th><th>${esc(t('sub.channel'))}</th>
    <th>${esc(t('sub.repeat'))}</th><th>${esc(t('us.created'))}</th><th></th></tr></thead><tbody>${subs.map((s) =>
    `<tr data-id="${esc(s.id)}"><td>${esc(s.name)}</td>
      <td>${esc(s.match.types.length ? s.match.types.map((x) => label('type', x)).join('、') : t('sub.allTypes'))}</td>
      <td>${esc(label('sev', s.match.min_severity))}</td><td>${esc(s.match.unit_prefix ? unitText(units, s.match.unit_prefix) : t('us.allUnits'))}</td>
      <td>${esc(s.channel.type === 'webhook' ? `Webhook ${s.channel.url}` : t('sub.kafka'))}</td>
      <td>${s.repeat_interval_s ? esc(t('sub.minutes', { n: s.repeat_interval_s / 60 })) : '—'}</td>
      <td>${dateTime(s.created_at)}</td>
      <td><button class="btn secondary delete" type="button" data-id="${esc(s.id)}">${esc(t('sub.delete'))}</button></td></tr>`)
    .join('')}</tbody></table>`;
}

function form() {
  return `<form id="sub-form" class="form grid-form" novalidate><h2 class="wide">${esc(t('sub.create'))}</h2>
    <div class="form-error error" hidden></div>
    ${field('sub_name', '<input name="name" id="sub-name" maxlength="200">', { slot: 'name' })}
    ${field('min_severity', `<select name="min_severity">${SEVERITIES.map((s) => `<option value="${s}">${esc(label('sev', s))}</option>`)
      .join('')}</select>`)}
    ${field('unit_prefix', '<input name="unit_prefix" placeholder="QY-QC">')}
    ${field('repeat_interval_s', '<input name="repeat" type="number" min="1" placeholder="60">')}
    ${field('types', `<span class="checks">${TYPES.map((x) => `<label class="check"><input type="checkbox" name="types" value="${x}">
      ${esc(label('type', x))}</label>`).join('')}</span>`, { wide: true, group: true })}
    ${field('type', `<select name="channel" id="sub-channel"><option value="webhook">Webhook</option>
      <option value="kafka">${esc(t('sub.kafka'))}</option></select>`)}
    ${field('url', '<input name="url" id="sub-url" placeholder="https://…">')}
    ${field('secret', '<input name="secret" id="sub-secret" autocomplete="off">')}
    <p class="wide"><button class="btn" type="submit" id="sub-submit">${esc(t('sub.create'))}</button></p></form>`;
}

function body(f) {
  const types = [...f.querySelectorAll('input[name=types]:checked')].map((i) => i.value);
  const match = { types, min_severity: f.elements.min_severity.value };
  if (f.elements.unit_prefix.value.trim()) match.unit_prefix = f.elements.unit_prefix.value.trim();
  const channel = f.elements.channel.value === 'kafka' ? { type: 'kafka' }
    : { type: 'webhook', url: f.elements.url.value.trim(), secret: f.elements.secret.value };
  const out = { name: f.elements.name.value.trim(), match, channel };
  if (f.elements.repeat.value) out.repeat_interval_s = Number(f.elements.repeat.value) * 60;
  return out;
}

export async function render(main, params, ctx) {
  const [subs, units] = await Promise.all([api('/api/v1/subscriptions'), loadUnits()]);
  main.innerHTML = `<div class="bar"><h1>${esc(t('sub.title'))}</h1></div>
    ${noticeHtml(params.notice ? t(`sub.notice.${params.notice}`) : '')}
    <section class="card">${form()}</section><section class="card">${table(subs, units)}</section>`;
  const f = main.querySelector('#sub-form');
  const toggle = () => {
    const hook = f.elements.channel.value === 'webhook';
    f.querySelector('[data-field=url]').hidden = !hook;
    f.querySelector('[data-field=secret]').hidden = !hook;
  };
  f.elements.channel.addEventListener('change', toggle);
  f.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearErrors(f);
    try {
      await api('/api/v1/subscriptions', { method: 'POST', body: body(f) });
      ctx.go('subscriptions', { notice: 'created', at: Date.now() });
    } catch (err) {
      showErrors(f, err);
    }
  });
  main.querySelectorAll('button.delete').forEach((b) => b.addEventListener('click', async () => {
    if (!window.confirm(t('sub.confirmDelete'))) return;
    b.disabled = true;
    try {
      await api(`/api/v1/subscriptions/${b.dataset.id}`, { method: 'DELETE' });
      ctx.go('subscriptions', { notice: 'deleted', at: Date.now() });
    } catch (err) {
      b.disabled = false;
      window.alert(err.message);
    }
  }));
}
