// 电费复核 (issue 15): before a month's bills are released, each station's readiness
// (GET /api/v1/review/{p}/readiness), its suspects (GET …/{p}/suspects, cursor paging) with confirm — an error
// audit_link registers — or clear for the roles that may decide (DECIDE_REVIEW_ROLES, in scope), and how well
// each rule is tuned (GET /api/v1/review/effectiveness?first=&last=&unit=). Nothing is computed here that the
// API gives; rates come with the counts they are based on.
import { api, qs } from '../api.js';
import { DECIDE_REVIEW_ROLES } from '../auth.js';
import { dateTime, empty, esc, rate } from '../fmt.js';
import { clearErrors, field, newKey, options, showErrors } from '../forms.js';
import { label, t } from '../i18n.js';
import { shift, thisMonth } from '../periods.js';
import { actorText } from '../trail.js';
import { loadUnits, unitHtml, unitOptions, unitText } from '../units.js';
import { CATEGORIES, NATURES } from './errors.js';

// the contract's rule codes, in its order; their labels are `rule.*` in text/codes.js
export const RULES = ['reading_reversed', 'kwh_mismatch', 'tou_sum', 'zero_kwh', 'surge', 'drop', 'tariff_category',
  'amount_mismatch', 'multiplier_changed'];
const STATES = ['open', 'confirmed', 'cleared'];
// the audit category a confirmed suspect of a rule defaults to (services/bill_review/domain/rules.py)
const RULE_CATEGORY = { tariff_category: 'tariff', amount_mismatch: 'tariff', multiplier_changed: 'billing_parameter' };
const PAGE_SIZE = 50;  // `limit` in the address overrides it (1–1000, the API's bounds)
const MONTHS_OF_EVIDENCE = 6;

function select(id, values, current, prefix) {
  return `<select id="${id}"><option value="">${esc(t('al.all'))}</option>${values.map((v) =>
    `<option value="${esc(v)}"${v === current ? ' selected' : ''}>${esc(label(prefix, v))}</option>`).join('')}</select>`;
}

/** The month the page opens on: this month or one of the two before it that has reviewed bills. */
async function landing(unit) {
  const now = thisMonth();
  for (const p of [now, shift(now, -1), shift(now, -2)]) {
    const r = await api(`/api/v1/review/${p}/readiness${qs({ unit })}`);
    if (r.items.length) return p;
  }
  return shift(now, -1);
}

function readinessBadge(r) {
  if (r.reviewed_at == null) return `<span class="badge warning">${esc(t('rv.notReviewed'))}</span>`;
  if (r.ready) return `<span class="badge ok">${esc(t('rv.ready'))}</span>`;
  return `<span class="badge critical">${esc(t('rv.openLeft', { n: r.open }))}</span>`;
}

function readinessCard(readiness, units, period) {
  const { items, counts } = readiness;
  const missing = readiness.not_imported;
  const open = items.reduce((s, r) => s + r.open, 0);
  // stations in scope that brought no bills are not ready either: listed after the ones that did
  const missingRows = missing.map((u) => `<tr data-unit="${esc(u)}" data-ready="false" class="not-imported"><td>
    ${unitHtml(units, u)}</td><td class="num">—</td><td class="num">—</td><td class="num">—</td><td class="num">—</td>
    <td>—</td><td class="release"><span class="badge warning">${esc(t('rv.notImported'))}</span></td></tr>`).join('');
  const body = items.length ? `<div class="scroll"><table id="readiness"><thead><tr><th>${esc(t('unit'))}</th>
    <th class="num">${esc(t('rv.bills'))}</th><th class="num">${esc(label('sustate', 'open'))}</th>
    <th class="num">${esc(label('sustate', 'confirmed'))}</th><th class="num">${esc(label('sustate', 'cleared'))}</th>
    <th>${esc(t('rv.reviewedAt'))}</th><th>${esc(t('rv.release'))}</th></tr></thead><tbody>${items.map((r) =>
      `<tr data-unit="${esc(r.unit)}" data-ready="${r.ready}" data-open="${r.open}"><td><a href="#/review?${new URLSearchParams(
        { period, unit: r.unit })}">${unitHtml(units, r.unit)}</a></td><td class="num">${r.bills}</td>
      <td class="num">${r.open}</td><td class="num">${r.confirmed}</td><td class="num">${r.cleared}</td>
      <td class="nowrap">${r.reviewed_at ? dateTime(r.reviewed_at) : '—'}</td><td class="release">${readinessBadge(r)}</td></tr>`)
      .join('')}${missingRows}</tbody></table></div>` : empty(t('rv.noBills', { p: period }));
  return `<section class="card" id="readiness-card"><h2>${esc(t('rv.readiness'))}</h2>
    ${items.length ? `<p class="muted" id="readiness-summary">${esc(t('rv.readySummary', { a: counts.ready,
      b: counts.stations, m: missing.length, o: open }))}</p>` : ''}${body}<p class="muted">${esc(t('rv.readyRule'))}</p></section>`;
}

const by = (s) => `<span class="muted">${esc(s.decided_by ? actorText(s.decided_by) : '')} ${
  s.decided_at ? dateTime(s.decided_at) : ''}</span>`;

function decision(s) {
  if (s.state === 'confirmed') {
    return `${s.error_id ? `<a class="error-link" href="#/error?id=${encodeURIComponent(s.error_id)}">${esc(t('rv.toError'))}</a>`
      : ''} ${by(s)}`;
  }
  if (s.state === 'cleared') {
    return `${esc(s.decision?.reason || '')} ${by(s)}`;
  }
  return '';
}

function suspectRow(s, units, mayDecide) {
  const buttons = s.state === 'open' && mayDecide(s.unit)
    ? `<button class="btn confirm" type="button" data-id="${s.id}">${esc(t('rv.confirm'))}</button>
       <button class="btn secondary clear" type="button" data-id="${s.id}">${esc(t('rv.clear'))}</button>` : '';
  return `<tr class="suspect" data-id="${s.id}" data-state="${esc(s.state)}" data-rule="${esc(s.rule)}">
    <td class="nowrap">${esc(s.customer_no)}<br><span class="muted code">${esc(s.bill_id)}</span></td>
    <td>${unitHtml(units, s.unit)}</td><td class="rule nowrap">${esc(label('rule', s.rule))}</td>
    <td><span class="badge ${esc(s.severity)}">${esc(label('sev', s.severity))}</span></td>
    <td class="message">${esc(s.message)}</td><td class="state nowrap">${esc(label('sustate', s.state))}</td>
    <td class="decision">${decision(s)}</td><td class="nowrap">${buttons}</td></tr>`;
}

function suspectsCard(page, units, mayDecide, pager) {
  const table = page.items.length ? `<table id="suspects"><thead><tr><th>${esc(t('rv.customerBill'))}</th>
    <th>${esc(t('unit'))}</th><th>${esc(t('rv.rule'))}</th><th>${esc(t('al.severity'))}</th><th>${esc(t('rv.message'))}</th>
    <th>${esc(t('rv.state'))}</th><th>${esc(t('rv.decision'))}</th><th></th></tr></thead><tbody>${page.items.map((s) =>
      suspectRow(s, units, mayDecide)).join('')}</tbody></table>` : empty(t('rv.noSuspects'));
  return `<section class="card full" id="suspects-card"><h2>${esc(t('rv.suspects'))}</h2>${table}
    <p class="pager">${pager.first ? `<a id="first-page" href="${pager.first}">${esc(t('rv.firstPage'))}</a> ` : ''}${
      pager.next ? `<a id="next-page" href="${pager.next}">${esc(t('rv.nextPage'))}</a>` : ''}</p></section>`;
}

function decideDialog() {
  return `<section id="decide-dialog" class="card dialog" hidden><h2 id="decide-title"></h2>
    <p id="decide-what" class="muted"></p>
    <form id="confirm-form" class="form grid-form" novalidate hidden><div class="form-error error" hidden></div>
      ${field('nature', `<select name="nature" id="cf-nature">${options(NATURES, 'nature')}</select>`)}
      ${field('category', `<select name="category" id="cf-category">${options(CATEGORIES, 'cat')}</select>`)}
      ${field('amount', '<input name="amount" id="cf-amount" inputmode="decimal" placeholder="-120.50">')}
      ${field('bills_affected', '<input name="bills_affected" id="cf-bills" type="number" min="1" step="1" value="1">')}
      ${field('description', '<textarea name="description" id="cf-description" maxlength="2000"></textarea>', { wide: true })}
      <p class="wide"><button class="btn" type="submit" id="cf-submit">${esc(t('rv.confirmSubmit'))}</button>
        <button class="btn secondary cancel" type="button">${esc(t('cancel'))}</button>
        <span class="muted">${esc(t('er.amountHint'))}</span></p></form>
    <form id="clear-form" class="form" novalidate hidden><div class="form-error error" hidden></div>
      ${field('clear_reason', '<textarea name="reason" id="cl-reason" maxlength="2000"></textarea>', { wide: true, slot: 'reason' })}
      <p><button class="btn" type="submit" id="cl-submit">${esc(t('rv.clearSubmit'))}</button>
        <button class="btn secondary cancel" type="button">${esc(t('cancel'))}</button></p></form></section>`;
}

function ruleRow(rule, item) {
  if (!item) {
    return `<tr data-rule="${rule}" data-raised="0"><td>${esc(label('rule', rule))}</td><td class="num">0</td>
      <td class="num">0</td><td class="num">0</td><td class="num">0</td><td class="share">—</td></tr>`;
  }
  return `<tr data-rule="${rule}" data-raised="${item.raised}"><td>${esc(label('rule', rule))}</td>
    <td class="num">${item.raised}</td><td class="num">${item.open}</td><td class="num">${item.confirmed}</td>
    <td class="num">${item.cleared}</td><td class="share">${item.decided ? rate(item.confirmed_share, item.confirmed,
      item.decided) : `— <span class="muted">${esc(t('rv.noneDecided'))}</span>`}</td></tr>`;
}

function monthRow(p, items) {
  const mine = items.filter((i) => i.period === p.period);
  const raised = mine.reduce((s, i) => s + i.raised, 0);
  const confirmed = mine.reduce((s, i) => s + i.confirmed, 0);
  const decided = mine.reduce((s, i) => s + i.decided, 0);
  return `<tr data-period="${esc(p.period)}" data-misses="${p.misses}"><td>${esc(p.period)}</td><td class="num">${raised}</td>
    <td>${decided ? rate(confirmed / decided, confirmed, decided) : '—'}</td><td class="num">${p.errors}</td>
    <td class="num">${p.from_review}</td><td class="misses">${p.errors ? rate(p.misses / p.errors, p.misses, p.errors)
      : `— <span class="muted">${esc(t('rv.noErrors'))}</span>`}</td></tr>`;
}

function effectivenessCard(eff, period) {
  const reviewed = eff.periods.find((p) => p.period === period);
  const byRule = new Map(eff.items.filter((i) => i.period === period).map((i) => [i.rule, i]));
  const rules = reviewed || byRule.size ? `<table id="effectiveness"><thead><tr><th>${esc(t('rv.rule'))}</th>
    <th class="num">${esc(t('rv.raised'))}</th><th class="num">${esc(label('sustate', 'open'))}</th>
    <th class="num">${esc(label('sustate', 'confirmed'))}</th><th class="num">${esc(label('sustate', 'cleared'))}</th>
    <th>${esc(t('rv.share'))}</th></tr></thead><tbody>${RULES.map((r) => ruleRow(r, byRule.get(r))).join('')}</tbody></table>
    ${reviewed ? `<p id="misses" data-misses="${reviewed.misses}">${esc(t('rv.missesLine', { m: reviewed.misses,
      e: reviewed.errors, f: reviewed.from_review }))}</p>` : ''}` : empty(t('rv.noEvidence', { p: period }));
  const months = eff.periods.length ? `<h3>${esc(t('rv.byMonth', { a: eff.first, b: eff.last }))}</h3>
    <table id="misses-by-month"><thead><tr><th>${esc(t('period'))}</th><th class="num">${esc(t('rv.raised'))}</th>
    <th>${esc(t('rv.share'))}</th><th class="num">${esc(t('rv.errors'))}</th><th class="num">${esc(t('rv.fromReview'))}</th>
    <th>${esc(t('rv.missRate'))}</th></tr></thead><tbody>${eff.periods.map((p) => monthRow(p, eff.items)).join('')}</tbody>
    </table>` : '';
  return `<section class="card" id="effectiveness-card"><h2>${esc(t('rv.effectiveness', { p: period }))}</h2>${rules}
    <p class="muted">${esc(t('rv.effectivenessHint'))}</p>${months}</section>`;
}

function noticeLine(params) {
  if (params.notice === 'confirmed') {
    return `<p id="notice" class="notice" role="status">${esc(t('rv.notice.confirmed'))}${params.error
      ? ` <a href="#/error?id=${encodeURIComponent(params.error)}">${esc(t('rv.toError'))}</a>` : ''}</p>`;
  }
  if (params.notice === 'cleared') return `<p id="notice" class="notice" role="status">${esc(t('rv.notice.cleared'))}</p>`;
  return '<p id="notice" class="notice" role="status" hidden></p>';
}

export async function render(main, params, ctx) {
  const unitValid = !params.unit || /^[A-Za-z0-9][A-Za-z0-9_-]*$/.test(params.unit);
  const filter = { unit: unitValid ? params.unit || '' : '', rule: RULES.includes(params.rule) ? params.rule : '',
    state: STATES.includes(params.state) ? params.state : '' };
  const period = /^\d{4}-\d{2}$/.test(params.period || '') ? params.period : await landing(filter.unit);
  const cursor = /^\d+$/.test(params.cursor || '') ? params.cursor : '';
  const limit = /^\d+$/.test(params.limit || '') && +params.limit >= 1 && +params.limit <= 1000 ? params.limit : '';
  const [units, readiness, page, eff] = await Promise.all([loadUnits(),
    api(`/api/v1/review/${period}/readiness${qs({ unit: filter.unit })}`),
    api(`/api/v1/review/${period}/suspects${qs({ ...filter, cursor, limit: limit || PAGE_SIZE })}`),
    api(`/api/v1/review/effectiveness${qs({ first: shift(period, 1 - MONTHS_OF_EVIDENCE), last: period, unit: filter.unit })}`)]);
  const canDecide = ctx.user.can(DECIDE_REVIEW_ROLES);
  const mayDecide = (unit) => canDecide && ctx.user.maySee(unit);
  const here = { period, ...filter, limit };
  const link = (extra) => `#/review?${new URLSearchParams(Object.entries({ ...here, ...extra }).filter(([, v]) => v))}`;
  const pager = { first: cursor ? link({}) : '', next: page.next_cursor ? link({ cursor: page.next_cursor }) : '' };
  main.innerHTML = `<div class="bar"><h1>${esc(t('rv.title'))}</h1>
      <label>${esc(t('period'))} <input id="f-period" type="month" value="${esc(period)}"></label>
      <label>${esc(t('unit'))} <select id="f-unit"><option value="">${esc(t('al.all'))}</option>${unitOptions(units, ctx.user,
        { levels: ['city', 'county', 'station'], selected: filter.unit })}</select></label>
      <label>${esc(t('rv.rule'))} ${select('f-rule', RULES, filter.rule, 'rule')}</label>
      <label>${esc(t('rv.state'))} ${select('f-state', STATES, filter.state, 'sustate')}</label></div>
    ${noticeLine(params)}
    <p class="muted">${esc(t('rv.hint'))}</p>
    ${readinessCard(readiness, units, period)}
    ${canDecide ? decideDialog() : ''}
    ${suspectsCard(page, units, mayDecide, pager)}
    ${effectivenessCard(eff, period)}`;
  const apply = () => ctx.go('review', { period: main.querySelector('#f-period').value, unit: main.querySelector('#f-unit').value,
    rule: main.querySelector('#f-rule').value, state: main.querySelector('#f-state').value, limit });
  ['#f-period', '#f-unit', '#f-rule', '#f-state'].forEach((s) => main.querySelector(s).addEventListener('change', apply));
  if (canDecide) wireDecisions(main, page.items, units, (extra) => ctx.go('review', { ...here, ...extra }));
}

function wireDecisions(main, suspects, units, done) {
  const dialog = main.querySelector('#decide-dialog');
  const forms = { confirm: main.querySelector('#confirm-form'), clear: main.querySelector('#clear-form') };
  let target = null;
  let key = '';
  const open = (kind, suspect) => {
    target = suspect;
    key = newKey();  // one key per decision: a double click decides once
    Object.entries(forms).forEach(([k, f]) => { f.hidden = k !== kind; clearErrors(f); });
    main.querySelector('#decide-title').textContent = t(kind === 'confirm' ? 'rv.confirmTitle' : 'rv.clearTitle');
    main.querySelector('#decide-what').textContent = `${label('rule', suspect.rule)} · ${unitText(units, suspect.unit)} · ${
      t('field.customer_no')} ${suspect.customer_no} · ${suspect.message}`;
    if (kind === 'confirm') {
      forms.confirm.elements.category.value = RULE_CATEGORY[suspect.rule] || 'reading';
      forms.confirm.elements.description.value = suspect.message;
      forms.confirm.elements.amount.value = '';
      forms.confirm.elements.bills_affected.value = '1';
    } else forms.clear.elements.reason.value = '';
    dialog.hidden = false;
    dialog.scrollIntoView({ block: 'nearest' });
  };
  const byId = new Map(suspects.map((s) => [String(s.id), s]));
  main.querySelectorAll('button.confirm').forEach((b) => b.addEventListener('click', () => open('confirm', byId.get(b.dataset.id))));
  main.querySelectorAll('button.clear').forEach((b) => b.addEventListener('click', () => open('clear', byId.get(b.dataset.id))));
  dialog.querySelectorAll('button.cancel').forEach((b) => b.addEventListener('click', () => { dialog.hidden = true; }));
  const submit = (kind, body) => async (ev) => {
    ev.preventDefault();
    const form = forms[kind];
    clearErrors(form);
    const button = form.querySelector('button[type=submit]');
    button.disabled = true;
    try {
      const decided = await api(`/api/v1/review/suspects/${target.id}/${kind}`, { method: 'POST', body: body(form),
        headers: { 'Idempotency-Key': key } });
      done({ notice: kind === 'confirm' ? 'confirmed' : 'cleared', error: decided.error_id || '' });
    } catch (err) {
      button.disabled = false;
      showErrors(form, err);
    }
  };
  forms.confirm.addEventListener('submit', submit('confirm', (f) => {
    const v = (n) => f.elements[n].value.trim();
    // an empty description is left to the API, which takes the suspect's message
    return { nature: v('nature'), category: v('category'), amount: v('amount'), bills_affected: Number(v('bills_affected') || '1'),
      ...(v('description') ? { description: v('description') } : {}) };
  }));
  forms.clear.addEventListener('submit', submit('clear', (f) => ({ reason: f.elements.reason.value.trim() })));
}
