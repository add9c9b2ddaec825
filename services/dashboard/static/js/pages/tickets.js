// Tickets board: one column per state, SLA countdown in working days, escalation level; a card opens the
// ticket (its actions); customer service raises a ticket by hand.
import { api, qs } from '../api.js';
import { RAISE_TICKET_ROLES } from '../auth.js';
import { dateTime, esc } from '../fmt.js';
import { clearErrors, field, newKey, noticeHtml, showErrors } from '../forms.js';
import { t } from '../i18n.js';
import { loadUnits, unitHtml, unitOptions } from '../units.js';
import { countdown, loadCalendar, yearsOf } from '../workdays.js';

const STATES = ['issued', 'coordinated', 'received', 'investigating', 'reported', 'closed'];

function sla(cal, ticket) {
  if (!ticket.due_at || ticket.state === 'closed') return `<span class="muted">${esc(t('tk.noDue'))}</span>`;
  const c = countdown(cal, ticket.due_at);
  const text = { left: () => t('tk.left', { n: c.n }), today: () => t('tk.today'), over: () => t('tk.over', { n: c.n }),
    nocal: () => t('tk.noCal', { y: c.year }) }[c.kind]();
  return `<span class="sla ${c.kind === 'over' ? 'down' : ''}" data-kind="${c.kind}" data-n="${c.n ?? ''}">${esc(text)}</span>`;
}

function card(cal, ticket, units) {
  return `<div class="ticket${ticket.overdue ? ' overdue' : ''}" data-id="${esc(ticket.id)}" data-unit="${esc(ticket.unit)}">
    <div class="u"><a href="#/ticket?id=${encodeURIComponent(ticket.id)}">${unitHtml(units, ticket.unit)}</a> ${ticket.period ? `<span class="muted">${esc(ticket.period)}</span>` : ''}</div>
    <div><span class="badge">${esc(t(`reason.${ticket.reason}`))}</span>
      ${ticket.escalation_level > 0 ? `<span class="badge esc escalation">${esc(t('tk.esc', { n: ticket.escalation_level }))}</span>` : ''}</div>
    <div class="d" title="${esc(ticket.detail)}">${esc(ticket.detail)}</div>
    <div>${esc(t('tk.due'))}: ${dateTime(ticket.due_at)}</div><div>${sla(cal, ticket)}</div></div>`;
}

export async function render(main, params, ctx) {
  const overdue = params.overdue === 'true';
  const [page, units] = await Promise.all([api(`/api/v1/tickets${qs({ limit: 500, overdue: overdue ? 'true' : '' })}`),
    loadUnits()]);
  const canRaise = ctx.user.can(RAISE_TICKET_ROLES);
  const items = page.items;
  const cal = await loadCalendar(yearsOf(items.filter((i) => i.due_at).map((i) => i.due_at)));
  main.innerHTML = `<div class="bar"><h1>${esc(t('tk.title'))}</h1><span class="muted" id="tk-total">${esc(t('tk.total',
    { n: items.length }))}</span>
    <label><input type="checkbox" id="overdue"${overdue ? ' checked' : ''}> ${esc(t('tk.overdueOnly'))}</label>
    ${canRaise ? `<button class="btn" type="button" id="tk-new">${esc(t('tk.raise'))}</button>` : ''}</div>
    ${canRaise ? raiseForm(units, ctx.user) : ''}
    ${page.next_cursor ? `<p class="muted">${esc(t('al.more'))}</p>` : ''}
    <div class="board" id="board">${STATES.map((s) => {
      const col = items.filter((i) => i.state === s);
      return `<div class="col" data-state="${s}"><h3><span>${esc(t(`state.${s}`))}</span><span class="muted">${col.length}</span></h3>
        ${col.map((i) => card(cal, i, units)).join('') || `<div class="muted">${esc(t('empty'))}</div>`}</div>`;
    }).join('')}</div>`;
  main.querySelector('#overdue').addEventListener('change', (ev) => ctx.go('tickets', { overdue: ev.target.checked ? 'true' : '' }));
  if (canRaise) wireRaise(main, ctx);
}

function raiseForm(units, user) {
  return `<section class="card" id="raise-card" hidden><h2>${esc(t('tk.raise'))}</h2>
    <form id="raise-form" class="form grid-form" novalidate><div class="form-error error" hidden></div>
    ${field('unit', `<select name="unit">${unitOptions(units, user, { levels: ['station', 'county'] })}</select>`)}
    ${field('period', '<input name="period" type="month">')}
    ${field('detail', '<textarea name="detail" maxlength="4000"></textarea>', { wide: true })}
    <p class="wide"><button class="btn" type="submit">${esc(t('action.raise'))}</button></p></form></section>
    ${noticeHtml('')}`;
}

function wireRaise(main, ctx) {
  main.querySelector('#tk-new').addEventListener('click', () => {
    const c = main.querySelector('#raise-card');
    c.hidden = !c.hidden;
  });
  const form = main.querySelector('#raise-form');
  const key = newKey();
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearErrors(form);
    const v = (n) => form.elements[n].value.trim();
    const body = { unit: v('unit'), reason: 'manual', detail: v('detail'), ...(v('period') ? { period: v('period') } : {}) };
    try {
      const created = await api('/api/v1/tickets', { method: 'POST', body, headers: { 'Idempotency-Key': key } });
      ctx.go('ticket', { id: created.id, notice: 'raise' });
    } catch (err) {
      showErrors(form, err);
    }
  });
}
