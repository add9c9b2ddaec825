// Billing errors: the list (filter by unit, month, state) and, for roles that may, the report form
// (POST /api/v1/errors with an Idempotency-Key; problems shown beside their fields).
import { api, qs } from '../api.js';
import { REPORT_ERROR_ROLES } from '../auth.js';
import { dateTime, empty, esc, money } from '../fmt.js';
import { clearErrors, field, newKey, noticeHtml, options, showErrors } from '../forms.js';
import { label, t } from '../i18n.js';
import { shift, thisMonth } from '../periods.js';
import { loadUnits, unitHtml, unitOptions } from '../units.js';

export const CATEGORIES = ['reading', 'tariff', 'billing_parameter', 'collection', 'other'];
export const NATURES = ['clerical', 'negligence', 'violation', 'fraud'];
const STATES = ['reported', 'root_caused', 'rectified', 'closed'];

function reportForm(units, user, defaults) {
  return `<section class="card" id="report-card"><h2>${esc(t('er.report'))}</h2>
    <form id="report-form" class="form grid-form" novalidate>
      <div class="form-error error" hidden></div>
      ${field('unit', `<select name="unit" id="er-unit" required>${unitOptions(units, user,
        { levels: ['station', 'county'], selected: defaults.unit })}</select>`)}
      ${field('period', `<input name="period" id="er-period" type="month" value="${esc(defaults.period)}" required>`)}
      ${field('category', `<select name="category" id="er-category">${options(CATEGORIES, 'cat')}</select>`)}
      ${field('nature', `<select name="nature" id="er-nature">${options(NATURES, 'nature')}</select>`)}
      ${field('amount', `<input name="amount" id="er-amount" inputmode="decimal" placeholder="-120.50" required>`)}
      ${field('bills_affected', '<input name="bills_affected" id="er-bills" type="number" min="1" step="1" value="1">')}
      ${field('customer_no', '<input name="customer_no" id="er-customer" maxlength="64">')}
      ${field('description', '<textarea name="description" id="er-description" required maxlength="4000"></textarea>',
        { wide: true })}
      <p class="wide"><button class="btn" type="submit" id="er-submit">${esc(t('er.submit'))}</button>
        <span class="muted">${esc(t('er.amountHint'))}</span></p>
    </form></section>`;
}

function body(form) {
  const v = (name) => form.elements[name].value.trim();
  const out = { unit: v('unit'), period: v('period'), category: v('category'), nature: v('nature'),
    amount: v('amount'), description: v('description') };
  if (v('customer_no')) out.customer_no = v('customer_no');
  // 1 is the API's default; only a larger count is sent (older services without the field accept the rest)
  const bills = Number(v('bills_affected') || '1');
  if (bills !== 1) out.bills_affected = bills;
  return out;
}

function table(items, units) {
  if (!items.length) return empty();
  return `<div class="scroll tall"><table id="errors"><thead><tr><th>${esc(t('er.reportedAt'))}</th><th>${esc(t('unit'))}</th>
    <th>${esc(t('period'))}</th><th>${esc(t('field.category'))}</th><th>${esc(t('field.nature'))}</th>
    <th class="num">${esc(t('er.amount'))}</th><th>${esc(t('er.state'))}</th><th>${esc(t('er.level'))}</th><th></th></tr></thead>
    <tbody>${items.map((e) => `<tr data-id="${esc(e.id)}" data-state="${esc(e.state)}"><td>${dateTime(e.reported_at)}</td>
      <td>${unitHtml(units, e.unit)}</td><td>${esc(e.period)}</td><td>${esc(label('cat', e.category))}</td>
      <td>${esc(label('nature', e.nature))}</td><td class="num">${money(e.amount)}</td>
      <td class="state">${esc(label('errstate', e.state))}</td><td>${esc(label('acc', e.level) || '—')}</td>
      <td><a href="#/error?id=${encodeURIComponent(e.id)}">${esc(t('er.open'))}</a></td></tr>`).join('')}</tbody></table></div>`;
}

export async function render(main, params, ctx) {
  const filter = { unit: params.unit || '', period: params.period || '', state: params.state || '' };
  const [units, page] = await Promise.all([loadUnits(),
    api(`/api/v1/errors${qs({ ...filter, limit: 200 })}`)]);
  const canReport = ctx.user.can(REPORT_ERROR_ROLES);
  const defaults = { unit: ctx.user.units[0] || '', period: shift(thisMonth(), -1) };
  main.innerHTML = `<div class="bar"><h1>${esc(t('er.title'))}</h1>
      <label>${esc(t('unit'))} <select id="f-unit"><option value="">${esc(t('al.all'))}</option>${unitOptions(units,
        ctx.user, { selected: filter.unit })}</select></label>
      <label>${esc(t('period'))} <input id="f-period" type="month" value="${esc(filter.period)}"></label>
      <label>${esc(t('er.state'))} <select id="f-state"><option value="">${esc(t('al.all'))}</option>${options(STATES,
        'errstate', filter.state)}</select></label>
      ${canReport ? `<button class="btn" type="button" id="er-new">${esc(t('er.report'))}</button>` : ''}</div>
    ${noticeHtml(params.notice ? t(`er.notice.${params.notice}`) : '')}
    ${canReport ? reportForm(units, ctx.user, defaults).replace('id="report-card"', `id="report-card"${params.new ? '' : ' hidden'}`) : ''}
    <section class="card">${table(page.items, units)}${page.next_cursor ? `<p class="muted">${esc(t('al.more'))}</p>` : ''}</section>`;
  const apply = () => ctx.go('errors', { unit: main.querySelector('#f-unit').value,
    period: main.querySelector('#f-period').value, state: main.querySelector('#f-state').value });
  ['#f-unit', '#f-period', '#f-state'].forEach((s) => main.querySelector(s).addEventListener('change', apply));
  if (!canReport) return;
  main.querySelector('#er-new').addEventListener('click', () => {
    const card = main.querySelector('#report-card');
    card.hidden = !card.hidden;
  });
  const form = main.querySelector('#report-form');
  const key = newKey();  // one key per filled form: a double click reports once
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearErrors(form);
    const button = main.querySelector('#er-submit');
    button.disabled = true;
    try {
      const created = await api('/api/v1/errors', { method: 'POST', body: body(form), headers: { 'Idempotency-Key': key } });
      ctx.go('error', { id: created.id, notice: 'reported' });
    } catch (err) {
      button.disabled = false;
      showErrors(form, err);
    }
  });
}
