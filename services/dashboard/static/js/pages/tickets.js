// Tickets board: one column per state, SLA countdown in working days, escalation level.
import { api, qs } from '../api.js';
import { dateTime, esc } from '../fmt.js';
import { t } from '../i18n.js';
import { countdown, loadCalendar, yearsOf } from '../workdays.js';

const STATES = ['issued', 'coordinated', 'received', 'investigating', 'reported', 'closed'];

function sla(cal, ticket) {
  if (!ticket.due_at || ticket.state === 'closed') return `<span class="muted">${esc(t('tk.noDue'))}</span>`;
  const c = countdown(cal, ticket.due_at);
  const text = { left: () => t('tk.left', { n: c.n }), today: () => t('tk.today'), over: () => t('tk.over', { n: c.n }),
    nocal: () => t('tk.noCal', { y: c.year }) }[c.kind]();
  return `<span class="sla ${c.kind === 'over' ? 'down' : ''}" data-kind="${c.kind}" data-n="${c.n ?? ''}">${esc(text)}</span>`;
}

function card(cal, ticket) {
  return `<div class="ticket${ticket.overdue ? ' overdue' : ''}" data-id="${esc(ticket.id)}" data-unit="${esc(ticket.unit)}">
    <div class="u">${esc(ticket.unit)} ${ticket.period ? `<span class="muted">${esc(ticket.period)}</span>` : ''}</div>
    <div><span class="badge">${esc(t(`reason.${ticket.reason}`))}</span>
      ${ticket.escalation_level > 0 ? `<span class="badge esc escalation">${esc(t('tk.esc', { n: ticket.escalation_level }))}</span>` : ''}</div>
    <div class="d" title="${esc(ticket.detail)}">${esc(ticket.detail)}</div>
    <div>${esc(t('tk.due'))}: ${dateTime(ticket.due_at)}</div><div>${sla(cal, ticket)}</div></div>`;
}

export async function render(main, params, ctx) {
  const overdue = params.overdue === 'true';
  const page = await api(`/api/v1/tickets${qs({ limit: 500, overdue: overdue ? 'true' : '' })}`);
  const items = page.items;
  const cal = await loadCalendar(yearsOf(items.filter((i) => i.due_at).map((i) => i.due_at)));
  main.innerHTML = `<div class="bar"><h1>${esc(t('tk.title'))}</h1><span class="muted" id="tk-total">${esc(t('tk.total',
    { n: items.length }))}</span>
    <label><input type="checkbox" id="overdue"${overdue ? ' checked' : ''}> ${esc(t('tk.overdueOnly'))}</label></div>
    ${page.next_cursor ? `<p class="muted">${esc(t('al.more'))}</p>` : ''}
    <div class="board" id="board">${STATES.map((s) => {
      const col = items.filter((i) => i.state === s);
      return `<div class="col" data-state="${s}"><h3><span>${esc(t(`state.${s}`))}</span><span class="muted">${col.length}</span></h3>
        ${col.map((i) => card(cal, i)).join('') || `<div class="muted">${esc(t('empty'))}</div>`}</div>`;
    }).join('')}</div>`;
  main.querySelector('#overdue').addEventListener('change', (ev) => ctx.go('tickets', { overdue: ev.target.checked ? 'true' : '' }));
}
