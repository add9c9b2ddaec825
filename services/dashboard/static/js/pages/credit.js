// Customers at credit risk, summed per unit (arrears in 万元), then the customers themselves.
import { api, qs } from '../api.js';
import { empty, esc, money } from '../fmt.js';
import { label, t } from '../i18n.js';
import { loadUnits, unitHtml } from '../units.js';

export async function render(main, params) {
  const [page, org] = await Promise.all([api(`/api/v1/credit/risks${qs({ unit: params.unit, limit: 1000 })}`),
    loadUnits()]);
  const items = page.items;
  const byUnit = new Map();
  for (const c of items) {
    const u = byUnit.get(c.unit) || { unit: c.unit, count: 0, large: 0, arrears: 0 };
    u.count += 1;
    u.large += c.large ? 1 : 0;
    u.arrears += Number(c.arrears || 0);
    byUnit.set(c.unit, u);
  }
  const units = [...byUnit.values()].sort((a, b) => b.arrears - a.arrears);
  main.innerHTML = `<h1>${esc(t('cr.title'))}</h1>
    <section class="card"><h2>${esc(t('cr.byUnit'))}</h2>${units.length ? `<table id="risk-units"><thead><tr>
      <th>${esc(t('unit'))}</th><th class="num">${esc(t('cr.count'))}</th><th class="num">${esc(t('cr.large'))}</th>
      <th class="num">${esc(t('cr.arrears'))}</th></tr></thead><tbody>${units.map((u) => `<tr data-unit="${esc(u.unit)}">
      <td><a href="#/credit?unit=${encodeURIComponent(u.unit)}">${unitHtml(org, u.unit)}</a></td><td class="num">${u.count}</td>
      <td class="num">${u.large}</td><td class="num arrears">${money(u.arrears)}</td></tr>`).join('')}</tbody></table>`
      : empty()}</section>
    <section class="card"><h2>${esc(t('cr.customers'))}${params.unit ? ` · ${unitHtml(org, params.unit)}` : ''}</h2>
      ${items.length ? `<div class="scroll"><table id="risk-customers"><thead><tr><th>${esc(t('cr.customer'))}</th>
      <th>${esc(t('unit'))}</th><th>${esc(t('cr.grade'))}</th><th class="num">${esc(t('cr.arrears'))}</th>
      <th class="num">${esc(t('cr.months'))}</th><th>${esc(t('cr.reasons'))}</th></tr></thead><tbody>${items.map((c) => `<tr>
      <td>${esc(c.customer_no)}${c.large ? ` <span class="badge warning">${esc(t('cr.large'))}</span>` : ''}</td>
      <td>${unitHtml(org, c.unit)}</td><td>${esc(c.grade || '—')}</td><td class="num">${money(c.arrears)}</td>
      <td class="num">${c.months_overdue ?? '—'}</td><td>${esc((c.reasons || []).map((r) => label('credit', r)).join('；'))}</td></tr>`).join('')}
      </tbody></table></div>` : empty()}</section>`;
}
