// A month's completeness (GET /api/v1/periods/{p}/completeness: what each unit lacks) and, for scorers, scoring
// it (POST /api/v1/periods/{p}/score). When stations lack facts the API answers 409 incomplete-period; the page
// then names them and offers an explicit "允许数据不全" choice (?allow_incomplete=true).
import { api, qs } from '../api.js';
import { SCORER_ROLES } from '../auth.js';
import { empty, esc } from '../fmt.js';
import { newKey } from '../forms.js';
import { label, t } from '../i18n.js';
import { shift, thisMonth } from '../periods.js';
import { loadUnits, unitText } from '../units.js';

function missingText(item, units) {
  return (item.missing || []).map((m) => (item.level === 'station' ? label('fact', m) : unitText(units, m))).join('、');
}

function table(c, units) {
  if (!c.items.length) return empty();
  return `<div class="scroll tall"><table id="completeness"><thead><tr><th>${esc(t('unit'))}</th><th>${esc(t('ov.level'))}</th>
    <th>${esc(t('sc.status'))}</th><th>${esc(t('sc.missing'))}</th><th>${esc(t('sc.light'))}</th></tr></thead><tbody>
    ${c.items.map((i) => `<tr data-unit="${esc(i.unit)}" data-status="${esc(i.status)}"${i.status === 'incomplete'
      ? ' class="incomplete"' : ''}><td>${esc(i.name)} <span class="muted code">${esc(i.unit)}</span></td>
      <td>${esc(label('level', i.level))}</td><td><span class="badge ${i.status === 'complete' ? 'ok' : 'incomplete'}">${esc(
        t(`sc.${i.status}`))}</span></td><td>${esc(missingText(i, units))}</td>
      <td>${i.recovery_light ? esc(t('yes')) : `<span class="muted">${esc(t('light.none'))}</span>`}</td></tr>`).join('')}
    </tbody></table></div>`;
}

async function revisions(period) {
  return (await api(`/api/v1/periods/${period}/revisions`)).items;
}

export async function render(main, params, ctx) {
  const period = /^\d{4}-\d{2}$/.test(params.period || '') ? params.period : shift(thisMonth(), -1);
  const [c, units, runs] = await Promise.all([api(`/api/v1/periods/${period}/completeness`), loadUnits(), revisions(period)]);
  const canScore = ctx.user.can(SCORER_ROLES);
  const last = runs[runs.length - 1];
  main.innerHTML = `<div class="bar"><h1>${esc(t('sc.title'))}</h1>
      <label>${esc(t('period'))} <input type="month" id="sc-period" value="${esc(period)}"></label></div>
    <div class="kpis">
      <div class="kpi"><div class="l">${esc(t('sc.stations'))}</div><div class="v" id="sc-stations">${c.counts.stations}</div></div>
      <div class="kpi"><div class="l">${esc(t('sc.completeStations'))}</div><div class="v up" id="sc-complete">${c.counts.complete}</div></div>
      <div class="kpi"><div class="l">${esc(t('sc.incompleteStations'))}</div>
        <div class="v${c.counts.incomplete ? ' down' : ''}" id="sc-incomplete">${c.counts.incomplete}</div></div>
      <div class="kpi"><div class="l">${esc(t('sc.revision'))}</div><div class="v" id="sc-revision">${last ? last.revision : '—'}</div>
        <div class="l">${esc(t('sc.required'))}：${esc(c.required_facts.map((f) => label('fact', f)).join('、'))}</div></div>
    </div>
    ${canScore ? `<section class="card" id="score-card"><h2>${esc(t('sc.score'))}</h2>
      <p class="muted">${esc(t('sc.scoreHint'))}</p>
      <div id="sc-incomplete-box" class="warn-box" hidden></div>
      <p><button class="btn" type="button" id="sc-score">${esc(t('sc.scoreNow', { p: period }))}</button>
        <label id="sc-allow-label" hidden><input type="checkbox" id="sc-allow"> ${esc(t('sc.allow'))}</label></p>
      <div id="sc-result" role="status"></div></section>` : ''}
    <section class="card"><h2>${esc(t('sc.completeness'))}</h2>${table(c, units)}</section>`;
  main.querySelector('#sc-period').addEventListener('change', (ev) => ctx.go('scoring', { period: ev.target.value }));
  if (!canScore) return;
  const button = main.querySelector('#sc-score');
  const key = newKey();
  button.addEventListener('click', async () => {
    const allow = main.querySelector('#sc-allow').checked;
    const out = main.querySelector('#sc-result');
    button.disabled = true;
    try {
      const run = await api(`/api/v1/periods/${period}/score${qs({ allow_incomplete: allow ? 'true' : '' })}`,
        { method: 'POST', headers: { 'Idempotency-Key': `${key}-${allow}` } });
      out.innerHTML = `<p class="notice" id="sc-done">${esc(t('sc.done', { p: run.period, r: run.revision, s: run.stations,
        i: run.incomplete_stations.length }))} <a href="#/overview?period=${esc(run.period)}">${esc(t('sc.view'))}</a></p>`;
    } catch (err) {
      if (err.status === 409 && err.problem?.incomplete) {
        const box = main.querySelector('#sc-incomplete-box');
        box.hidden = false;
        box.innerHTML = `<b>${esc(t('sc.blocked', { n: err.problem.incomplete.length }))}</b><ul>${err.problem.incomplete.map((i) =>
          `<li data-unit="${esc(i.unit)}">${esc(unitText(units, i.unit))}：${esc(t('ov.missing'))} ${esc(
            i.missing.map((m) => label('fact', m)).join('、'))}</li>`).join('')}</ul>`;
        main.querySelector('#sc-allow-label').hidden = false;
        out.innerHTML = '';
      } else {
        out.innerHTML = `<p class="error">${esc(t('failed', { m: err.message }))}</p>`;
      }
    } finally {
      button.disabled = false;
    }
  });
}
