// One audit ticket: facts, deadline, the actions the caller may take from its state (each with the fields it
// needs: report → findings; close → root cause, rectification, accountability), its history and escalations,
// and — for admins — the audit trail of its writes.
import { api } from '../api.js';
import { TICKET_ACTIONS } from '../auth.js';
import { dateTime, empty, esc } from '../fmt.js';
import { clearErrors, field, noticeHtml, showErrors } from '../forms.js';
import { label, t } from '../i18n.js';
import { actorText, creationEntry, trailCard } from '../trail.js';
import { loadUnits, unitHtml } from '../units.js';

const FIELDS = {
  coordinate: ['note'], receive: ['note'], start_investigation: ['note'], report: ['findings', 'note'],
  close: ['root_cause', 'rectification', 'accountability_decision'], reopen: ['note'],
};

function actionForm(action, ticket) {
  return `<form class="form action-form" data-action="${action}" id="act-${action}" novalidate>
    <h3>${esc(label('action', action))}</h3><div class="form-error error" hidden></div>
    ${FIELDS[action].map((f) => field(f, `<textarea name="${f}" maxlength="8000">${esc(f === 'note' ? '' : ticket[f] || '')}</textarea>`,
      { wide: true })).join('')}
    <p><button class="btn" type="submit">${esc(label('action', action))}</button></p></form>`;
}

function history(items) {
  if (!items.length) return empty();
  return `<table id="history"><thead><tr><th>${esc(t('trail.at'))}</th><th>${esc(t('tk.action'))}</th>
    <th>${esc(t('tk.toState'))}</th><th>${esc(t('trail.actor'))}</th><th>${esc(t('tk.due'))}</th><th>${esc(t('tk.details'))}</th></tr>
    </thead><tbody>${items.map((h) => `<tr data-action="${esc(h.action)}"><td>${dateTime(h.at)}</td>
      <td>${esc(label('action', h.action))}</td><td>${esc(label('state', h.to_state))}</td><td>${esc(actorText(h.actor))}</td>
      <td>${dateTime(h.due_at)}</td><td>${Object.entries(h.details || {}).filter(([, v]) => v).map(([k, v]) =>
        `<div><b>${esc(label('field', k))}</b>：${esc(k === 'reason' ? label('reason', v) : v)}</div>`).join('')}</td></tr>`).join('')}</tbody></table>`;
}

export async function render(main, params, ctx) {
  const [tk, units] = await Promise.all([api(`/api/v1/tickets/${encodeURIComponent(params.id || '')}`), loadUnits()]);
  const allowed = Object.keys(TICKET_ACTIONS).filter((a) => ctx.user.mayTicket(a, tk.state));
  const trail = await trailCard(ctx.user, `/api/v1/tickets/${tk.id}`,
    () => creationEntry(tk.raised_by, '/api/v1/tickets', tk.raised_at));
  const facts = [['unit', unitHtml(units, tk.unit)], ['period', esc(tk.period || '—')],
    ['detail', esc(tk.detail)], ['findings', esc(tk.findings || '—')], ['root_cause', esc(tk.root_cause || '—')],
    ['rectification', esc(tk.rectification || '—')], ['accountability_decision', esc(tk.accountability_decision || '—')]];
  main.innerHTML = `<div class="bar"><h1>${esc(t('tk.one'))}</h1>
      <span class="badge state-badge" id="ticket-state" data-state="${esc(tk.state)}">${esc(label('state', tk.state))}</span>
      <span class="badge">${esc(label('reason', tk.reason))}</span>
      ${tk.escalation_level > 0 ? `<span class="badge esc">${esc(t('tk.esc', { n: tk.escalation_level }))}</span>` : ''}
      <a href="#/tickets">${esc(t('tk.back'))}</a></div>
    ${noticeHtml(params.notice ? t('tk.done', { a: label('action', params.notice) }) : '')}
    <div class="grid2"><section class="card"><h2>${esc(t('er.facts'))}</h2><dl class="facts" id="ticket-facts">
      ${facts.map(([k, v]) => `<dt>${esc(t(`field.${k}`))}</dt><dd data-field="${k}">${v}</dd>`).join('')}
      <dt>${esc(t('tk.raisedBy'))}</dt><dd>${esc(actorText(tk.raised_by))} · ${dateTime(tk.raised_at)}</dd>
      <dt>${esc(t('tk.due'))}</dt><dd>${tk.due_at ? dateTime(tk.due_at) : esc(t('tk.noDue'))}</dd></dl></section>
      <section class="card" id="actions"><h2>${esc(t('tk.actions'))}</h2>${allowed.length
        ? allowed.map((a) => actionForm(a, tk)).join('') : empty(t('tk.noActions'))}</section></div>
    <section class="card"><h2>${esc(t('tk.history'))}</h2>${history(tk.history)}</section>
    ${trail}`;
  main.querySelectorAll('form.action-form').forEach((form) => form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearErrors(form);
    const action = form.dataset.action;
    const body = { action, version: tk.version };
    for (const f of FIELDS[action]) { const v = form.elements[f].value.trim(); if (v) body[f] = v; }
    const button = form.querySelector('button');
    button.disabled = true;
    try {
      await api(`/api/v1/tickets/${tk.id}/transitions`, { method: 'POST', body });
      ctx.go('ticket', { id: tk.id, notice: action });
    } catch (err) {
      button.disabled = false;
      showErrors(form, err);
    }
  }));
}
