// One billing error: its facts and grading, the steps to close it (root cause → rectification → close, each
// with the fields it needs, for roles that may), and — for admins — the audit trail of its writes.
import { api } from '../api.js';
import { HANDLE_ERROR_ROLES } from '../auth.js';
import { dateTime, esc, money } from '../fmt.js';
import { clearErrors, field, noticeHtml, showErrors } from '../forms.js';
import { label, t } from '../i18n.js';
import { actorText, creationEntry, trailCard } from '../trail.js';
import { loadUnits, unitHtml } from '../units.js';

const FACTS = ['root_cause', 'prevention_measure', 'accountability_decision'];
const ACTIONS = ['root_cause', 'rectify', 'close'];

function facts(e, units) {
  const rows = [
    ['unit', unitHtml(units, e.unit)], ['period', esc(e.period)], ['category', esc(label('cat', e.category))],
    ['nature', esc(label('nature', e.nature))], ['amount', money(e.amount)],
    ['bills_affected', esc(e.bills_affected ?? 1)], ['customer_no', esc(e.customer_no || '—')],
    ['description', esc(e.description)], ['evidence', esc(e.evidence || '—')],
  ];
  return `<dl class="facts" id="error-facts">${rows.map(([k, v]) => `<dt>${esc(t(`field.${k}`))}</dt><dd data-field="${k}">${v}</dd>`)
    .join('')}
    <dt>${esc(t('er.reporter'))}</dt><dd>${esc(actorText(e.reporter))} · ${dateTime(e.reported_at)}</dd>
    <dt>${esc(t('er.level'))}</dt><dd id="error-level">${esc(label('acc', e.level) || '—')}${e.points != null
      ? ` <span class="muted">${esc(t('er.points', { n: e.points, k: e.occurrence ?? '—' }))}</span>` : ''}</dd>
    ${e.closed_at ? `<dt>${esc(t('er.closedBy'))}</dt><dd>${esc(actorText(e.closed_by))} · ${dateTime(e.closed_at)}</dd>` : ''}
    </dl>`;
}

function steps(e) {
  return `<form id="error-form" class="form" novalidate><div class="form-error error" hidden></div>
    ${FACTS.map((f) => field(f, `<textarea name="${f}" id="ef-${f}" maxlength="4000">${esc(e[f] || '')}</textarea>`,
      { wide: true })).join('')}
    <p>${ACTIONS.map((a) => `<button class="btn${a === 'close' ? ' primary' : ' secondary'}" type="submit" value="${a}"
      data-action="${a}">${esc(label('eraction', a))}</button>`).join(' ')}</p>
    <p class="muted">${esc(t('er.closeHint'))}</p></form>`;
}

export async function render(main, params, ctx) {
  const [e, units] = await Promise.all([api(`/api/v1/errors/${encodeURIComponent(params.id || '')}`), loadUnits()]);
  const canHandle = ctx.user.can(HANDLE_ERROR_ROLES) && e.state !== 'closed';
  const trail = await trailCard(ctx.user, `/api/v1/errors/${e.id}`,
    () => creationEntry(e.reporter, '/api/v1/errors', e.reported_at));
  main.innerHTML = `<div class="bar"><h1>${esc(t('er.one'))}</h1>
      <span class="badge state-badge" id="error-state" data-state="${esc(e.state)}">${esc(label('errstate', e.state))}</span>
      <a href="#/errors">${esc(t('er.back'))}</a></div>
    ${noticeHtml(params.notice ? t(`er.notice.${params.notice}`) : '')}
    <div class="grid2"><section class="card"><h2>${esc(t('er.facts'))}</h2>${facts(e, units)}</section>
      ${canHandle ? `<section class="card"><h2>${esc(t('er.steps'))}</h2>${steps(e)}</section>` : ''}</div>
    ${trail}`;
  if (!canHandle) return;
  const form = main.querySelector('#error-form');
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const action = ev.submitter?.dataset.action || 'root_cause';
    clearErrors(form);
    const body = { action, version: e.version };
    for (const f of FACTS) { const v = form.elements[f].value.trim(); if (v) body[f] = v; }
    form.querySelectorAll('button').forEach((b) => { b.disabled = true; });
    try {
      await api(`/api/v1/errors/${e.id}/transitions`, { method: 'POST', body });
      ctx.go('error', { id: e.id, notice: action });
    } catch (err) {
      form.querySelectorAll('button').forEach((b) => { b.disabled = false; });
      showErrors(form, err);
    }
  });
}
