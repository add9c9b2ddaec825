// A station for a month: stages, indicators with points lost, the weakest indicators, a 12-month trend.
import { api, qs } from '../api.js';
import { lineChart } from '../chart.js';
import { empty, esc, lightDot, money, pct, rate, ratioInputs, score } from '../fmt.js';
import { t } from '../i18n.js';
import { landingPeriod, periodSelect, scoredPeriods, shift } from '../periods.js';

// A ratio indicator as a percentage with its numerator/denominator; a count as the count.
function value(v, inputs) {
  if (v == null) return `<span class="muted">${esc(t('st.noData'))}</span>`;
  const ratio = ratioInputs(v, inputs);
  if (ratio) return esc(rate(v, ratio[0], ratio[1]));
  return Number.isInteger(v) ? String(v) : Number(v).toFixed(2);
}

function stagesTable(stages) {
  return `<table id="stages"><thead><tr><th>${esc(t('name'))}</th><th class="num">${esc(t('score'))}</th></tr></thead>
    <tbody>${stages.map((s) => `<tr data-code="${esc(s.code)}"><td>${esc(s.name || s.code)}</td>
      <td class="num">${score(s.score)}</td></tr>`).join('')}</tbody></table>`;
}

function indicatorsTable(indicators, red) {
  return `<div class="scroll"><table id="indicators"><thead><tr><th>${esc(t('name'))}</th>
    <th class="num">${esc(t('st.value'))}</th><th class="num">${esc(t('score'))}</th>
    <th class="num">${esc(t('st.lost'))}</th></tr></thead>
    <tbody>${indicators.map((i) => `<tr data-code="${esc(i.code)}"${red.includes(i.code) ? ' class="red-ind"' : ''}>
      <td>${esc(i.name || i.code)}</td><td class="num value">${value(i.value, i.inputs)}</td><td class="num">${score(i.score)}</td>
      <td class="num lost">${score(i.points_lost)}</td></tr>`).join('')}</tbody></table></div>`;
}

function recoveryBasis(r) {
  if (!r || r.receivable == null || r.collected == null) return '';
  return `<div class="l">${esc(t('st.collected'))} ${money(r.collected)} / ${esc(t('st.receivable'))} ${money(r.receivable)}</div>`;
}

export async function render(main, params, ctx) {
  const periods = await scoredPeriods();
  if (!periods.length) {
    main.innerHTML = `<h1>${esc(t('st.title'))}</h1>${empty(t('noPeriods'))}`;
    return;
  }
  const period = periods.includes(params.period) ? params.period : await landingPeriod(periods, ctx.user);
  if (params.unit && !ctx.user.maySee(params.unit)) {
    main.innerHTML = `<h1>${esc(t('st.title'))}</h1><p class="error" id="forbidden">${esc(t('st.forbidden'))}：${esc(params.unit)}</p>`;
    return;
  }
  const stations = (await api(`/api/v1/scores${qs({ period, level: 'station' })}`)).items;
  const unit = params.unit || stations[0]?.unit;
  const options = stations.map((s) => `<option value="${esc(s.unit)}"${s.unit === unit ? ' selected' : ''}>
    ${esc(s.name)} (${esc(s.unit)})</option>`).join('');
  const head = `<div class="bar"><h1>${esc(t('st.title'))}</h1>
    <label>${esc(t('station'))} <select id="unit">${options}</select></label>
    <label>${esc(t('period'))} ${periodSelect(periods, period)}</label></div>`;
  const listed = stations.find((s) => s.unit === unit);
  if (!listed || listed.score == null) {
    main.innerHTML = `${head}${empty(t('st.none'))}`;
  } else {
    const [detail, trend] = await Promise.all([
      api(`/api/v1/scores/${period}/${encodeURIComponent(unit)}`),
      api(`/api/v1/scores/${encodeURIComponent(unit)}/trend${qs({ from: shift(period, -11), to: period })}`),
    ]);
    // an incomplete station's score stands on missing facts: scoring does not rank it, nor does the page
    const partial = detail.status === 'incomplete';
    const missing = (detail.missing || []).map((m) => (t(`fact.${m}`) === `fact.${m}` ? m : t(`fact.${m}`))).join('、');
    main.innerHTML = `${head}
      <div class="kpis">
        <div class="kpi"><div class="l">${esc(t('score'))}</div><div class="v" id="st-score">${score(detail.score)}</div></div>
        <div class="kpi"><div class="l">${esc(t('rank'))}</div><div class="v" id="st-rank">${partial ? '—' : detail.rank ?? '—'}</div>
          ${partial ? `<div class="l"><span class="badge incomplete" id="st-incomplete">${esc(t('st.unranked'))}${
            missing ? `（${esc(t('ov.missing'))} ${esc(missing)}）` : ''}</span></div>` : ''}</div>
        <div class="kpi"><div class="l">${esc(t('light'))}</div><div class="v">${lightDot(detail.light)}</div></div>
        <div class="kpi"><div class="l">${esc(t('st.recovery'))}</div>
          <div class="v">${pct(detail.recovery?.recovery_rate)}</div>${recoveryBasis(detail.recovery)}</div>
      </div>
      <div class="grid2">
        <section class="card"><h2>${esc(t('st.stages'))}</h2>${stagesTable(detail.stages)}</section>
        <section class="card"><h2>${esc(t('st.weakest'))}</h2>${detail.weakest.length ? `<ol id="weakest">${detail.weakest
          .map((w) => `<li data-code="${esc(w.code)}">${esc(w.name || w.code)} — ${esc(t('st.lost'))}
            <b>${score(w.points_lost)}</b></li>`).join('')}</ol>` : empty()}
          ${detail.note ? `<p class="muted">${esc(detail.note)}</p>` : ''}</section>
      </div>
      <section class="card"><h2>${esc(t('st.trend'))}</h2><div id="trend"></div></section>
      <section class="card"><h2>${esc(t('st.indicators'))}</h2>${indicatorsTable(detail.indicators, detail.red_indicators)}</section>`;
    const months = Array.from({ length: 12 }, (_, i) => shift(period, i - 11));
    const byPeriod = new Map(trend.items.map((p) => [p.period, p.score]));
    if (trend.items.length) {
      await lineChart(main.querySelector('#trend'), months, months.map((m) => byPeriod.get(m) ?? null), t('score'));
    } else {
      main.querySelector('#trend').outerHTML = empty(t('st.noTrend'));
    }
  }
  main.querySelector('#unit').addEventListener('change', (ev) => ctx.go('station', { unit: ev.target.value, period }));
  main.querySelector('#period').addEventListener('change', (ev) => ctx.go('station', { unit, period: ev.target.value }));
}
