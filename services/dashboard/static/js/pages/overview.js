// Overview for a month: headline figures, county and station rankings with month-over-month change,
// and the traffic-light grid of fee recovery.
import { api, qs } from '../api.js';
import { delta, empty, esc, lightDot, pct, score } from '../fmt.js';
import { t } from '../i18n.js';
import { periodSelect, scoredPeriods, shift } from '../periods.js';

async function scores(period, level) {
  return (await api(`/api/v1/scores${qs({ period, level })}`)).items;
}

function change(item, previous) {
  const before = previous.get(item.unit);
  return before == null || item.score == null ? null : item.score - before;
}

function ranking(id, items, previous, names, withCounty) {
  if (!items.length) return empty();
  return `<div class="scroll"><table id="${id}"><thead><tr><th class="num">${esc(t('rank'))}</th>
    <th>${esc(t('name'))}</th>${withCounty ? `<th>${esc(t('county'))}</th>` : ''}
    <th class="num">${esc(t('score'))}</th><th class="num">${esc(t('mom'))}</th><th>${esc(t('light'))}</th></tr></thead>
    <tbody>${items.map((i) => `<tr data-unit="${esc(i.unit)}">
      <td class="num rank">${i.rank ?? '—'}</td>
      <td>${withCounty ? `<a href="#/station?unit=${encodeURIComponent(i.unit)}">${esc(i.name)}</a>` : esc(i.name)}
        <span class="muted">${esc(i.unit)}</span></td>
      ${withCounty ? `<td>${esc(names.get(i.parent) || i.parent || '')}</td>` : ''}
      <td class="num score">${score(i.score)}</td><td class="num mom">${delta(change(i, previous))}</td>
      <td>${lightDot(i.light)}</td></tr>`).join('')}</tbody></table></div>`;
}

function tiles(lights, names) {
  if (!lights.length) return empty(t('ov.noLights'));
  const order = { red: 0, yellow: 1, green: 2 };
  const sorted = [...lights].sort((a, b) => (order[a.light] ?? 3) - (order[b.light] ?? 3) || a.unit.localeCompare(b.unit));
  return `<div class="tiles" id="lights">${sorted.map((l) => `<div class="tile ${esc(l.light || 'none')}"
      data-unit="${esc(l.unit)}" data-light="${esc(l.light || 'none')}" title="${esc(l.unit)}">
      <div class="n">${esc(names.get(l.unit) || l.unit)}</div>
      <div class="r">${esc(t('ov.recovery'))} <span class="rate">${pct(l.recovery_rate)}</span></div></div>`).join('')}
    </div>`;
}

export async function render(main, params, ctx) {
  const periods = await scoredPeriods();
  if (!periods.length) {
    main.innerHTML = `<h1>${esc(t('ov.title'))}</h1>${empty(t('noPeriods'))}`;
    return;
  }
  const period = periods.includes(params.period) ? params.period : periods[0];
  const prev = shift(period, -1);
  const hasPrev = periods.includes(prev);
  const [counties, stations, lights, units, prevCounties, prevStations] = await Promise.all([
    scores(period, 'county'), scores(period, 'station'),
    api(`/api/v1/recovery/lights${qs({ period })}`).then((r) => r.items),
    api('/api/v1/org-units').then((r) => r.items),
    hasPrev ? scores(prev, 'county') : [], hasPrev ? scores(prev, 'station') : [],
  ]);
  const names = new Map(units.map((u) => [u.code, u.name]));
  const previous = new Map([...prevCounties, ...prevStations].map((i) => [i.unit, i.score]));
  const scored = stations.filter((s) => s.score != null);
  const mean = scored.length ? scored.reduce((a, s) => a + s.score, 0) / scored.length : null;
  const count = (light) => lights.filter((l) => l.light === light).length;
  const showCounties = counties.length > 0 || ctx.user.seesAll;
  main.innerHTML = `
    <div class="bar"><h1>${esc(t('ov.title'))}</h1><label>${esc(t('period'))} ${periodSelect(periods, period)}</label></div>
    <div class="kpis">
      <div class="kpi"><div class="l">${esc(t('ov.scored'))}</div><div class="v" id="kpi-scored">${scored.length}</div></div>
      <div class="kpi"><div class="l">${esc(t('ov.avg'))}</div><div class="v" id="kpi-mean">${score(mean)}</div></div>
      <div class="kpi"><div class="l">${esc(t('ov.red'))}</div><div class="v down" id="kpi-red">${count('red')}</div></div>
      <div class="kpi"><div class="l">${esc(t('ov.yellow'))}</div><div class="v" id="kpi-yellow">${count('yellow')}</div></div>
      <div class="kpi"><div class="l">${esc(t('ov.green'))}</div><div class="v up" id="kpi-green">${count('green')}</div></div>
    </div>
    <div class="${showCounties ? 'grid2' : ''}">
      ${showCounties ? `<section class="card"><h2>${esc(t('ov.counties'))}</h2>
        ${ranking('county-ranking', counties, previous, names, false)}</section>` : ''}
      <section class="card"><h2>${esc(t('ov.stations'))}</h2>
        ${ranking('station-ranking', stations, previous, names, true)}</section>
    </div>
    <section class="card"><h2>${esc(t('ov.lights'))}</h2>${tiles(lights, names)}</section>`;
  main.querySelector('#period').addEventListener('change', (ev) => ctx.go('overview', { period: ev.target.value }));
}
