// Overview for a month: the caller's top unit (the city for a bureau-wide token, the county for a county's)
// with its own score and recovery rate as scoring gives them, light counts per level (no data counted apart,
// grey), county and station rankings with month-over-month change (incomplete units marked, not ranked),
// and the traffic-light grid of fee recovery. Every figure is the API's; the page only picks and formats.
import { api, qs } from '../api.js';
import { delta, empty, esc, lightDot, pct, score } from '../fmt.js';
import { t } from '../i18n.js';
import { landingPeriod, periodSelect, scoredPeriods, shift } from '../periods.js';
import { loadUnits } from '../units.js';

const LEVELS = ['city', 'county', 'station'];
const LIGHTS = ['green', 'yellow', 'red', 'none'];

async function scores(period) {
  return (await api(`/api/v1/scores${qs({ period })}`)).items;
}

function change(item, previous) {
  const before = previous.get(item.unit);
  return before == null || item.score == null ? null : item.score - before;
}

const incomplete = (item) => item.status === 'incomplete';

// What an incomplete unit lacks: facts by their names, units (a county's incomplete stations) by theirs.
function missingText(item, names) {
  return (item.missing || []).map((m) => names.get(m) || (t(`fact.${m}`) === `fact.${m}` ? m : t(`fact.${m}`)))
    .join('、');
}

function mark(item, names) {
  if (!incomplete(item)) return '';
  const missing = missingText(item, names);
  return ` <span class="badge incomplete" title="${esc(missing)}">${esc(t('ov.incomplete'))}${
    missing ? `：${esc(t('ov.missing'))} ${esc(missing)}` : ''}</span>`;
}

function ranking(id, items, previous, names, withCounty) {
  if (!items.length) return empty();
  return `<div class="scroll"><table id="${id}"><thead><tr><th class="num">${esc(t('rank'))}</th>
    <th>${esc(t('name'))}</th>${withCounty ? `<th>${esc(t('county'))}</th>` : ''}
    <th class="num">${esc(t('score'))}</th><th class="num">${esc(t('mom'))}</th><th>${esc(t('light'))}</th></tr></thead>
    <tbody>${items.map((i) => `<tr data-unit="${esc(i.unit)}"${incomplete(i) ? ' class="incomplete"' : ''}>
      <td class="num rank">${incomplete(i) ? '—' : i.rank ?? '—'}</td>
      <td>${withCounty ? `<a href="#/station?unit=${encodeURIComponent(i.unit)}">${esc(i.name)}</a>` : esc(i.name)}
        <span class="muted">${esc(i.unit)}</span>${mark(i, names)}</td>
      ${withCounty ? `<td>${esc(names.get(i.parent) || i.parent || '')}</td>` : ''}
      <td class="num score">${score(i.score)}</td><td class="num mom">${delta(change(i, previous))}</td>
      <td>${lightDot(i.light)}</td></tr>`).join('')}</tbody></table></div>`;
}

// A light can be red with a 99.99 % rate: old arrears behind plan. Then say so on the tile.
function arrearsCause(l) {
  const c = (l.causes || []).find((x) => x.measure === 'arrears_progress');
  return c ? `<div class="r cause">${esc(t('ov.arrears'))} <span>${pct(c.value)}</span></div>` : '';
}

function tiles(lights, names) {
  if (!lights.length) return empty(t('ov.noLights'));
  const order = { red: 0, yellow: 1, green: 2 };
  const sorted = [...lights].sort((a, b) => (order[a.light] ?? 3) - (order[b.light] ?? 3) || a.unit.localeCompare(b.unit));
  return `<div class="tiles" id="lights">${sorted.map((l) => `<div class="tile ${esc(l.light || 'none')}"
      data-unit="${esc(l.unit)}" data-light="${esc(l.light || 'none')}" title="${esc(l.message || l.unit)}">
      <div class="n">${esc(names.get(l.unit) || l.unit)}</div>
      <div class="r">${esc(t('ov.recovery'))} <span class="rate">${pct(l.recovery_rate)}</span></div>${arrearsCause(l)}</div>`).join('')}
    </div>`;
}

// The units the caller may read whose parent it may not: the city for a bureau-wide token, else its own units.
function topUnits(units) {
  const seen = new Set(units.map((u) => u.code));
  return units.filter((u) => !seen.has(u.parent))
    .sort((a, b) => LEVELS.indexOf(a.level) - LEVELS.indexOf(b.level) || a.code.localeCompare(b.code));
}

// A unit's own recovery figures: its score row (scoring's roll-up for counties and the city), else its
// explanation, else its own light; never a child's. Asks only for units that have a row (no 404 noise).
async function ownRecovery(period, unit, row, light) {
  let recovery = row?.recovery || row?.detail?.recovery || null;
  if (!recovery && row) recovery = (await api(`/api/v1/scores/${period}/${encodeURIComponent(unit)}`)).recovery;
  return recovery || light || null;
}

function topCards(tops, names) {
  if (!tops.length) return '';
  return tops.map((u, n) => {
    const sfx = n ? `-${n + 1}` : '';
    const levelName = t(`level.${u.level}`);
    return `<div class="kpi headline" id="kpi-top${sfx}" data-unit="${esc(u.code)}">
        <div class="l">${esc(u.name)} · ${esc(levelName)}</div>
        <div class="v" id="kpi-top-score${sfx}">${score(u.row?.score)}</div>
        <div class="l">${esc(t('ov.topScore'))}${mark(u.row || {}, names)}</div></div>
      <div class="kpi" data-unit="${esc(u.code)}"><div class="l">${esc(t('ov.topRecovery'))}</div>
        <div class="v" id="kpi-top-recovery${sfx}">${pct(u.recovery?.recovery_rate)}</div>
        <div class="l">${lightDot(u.light)}</div></div>`;
  }).join('');
}

// Light counts per level below the top unit(s): a unit's light from the lights list, else its score row;
// without either it has no facts and counts as "none", never as a colour.
function lightCounts(units, skip, lightOf) {
  const byLevel = new Map();
  for (const u of units) {
    if (skip.has(u.code)) continue;
    if (!byLevel.has(u.level)) byLevel.set(u.level, Object.fromEntries(LIGHTS.map((l) => [l, 0])));
    const light = lightOf(u.code);
    byLevel.get(u.level)[LIGHTS.includes(light) ? light : 'none'] += 1;
  }
  const levels = LEVELS.filter((l) => byLevel.has(l));
  if (!levels.length) return '';
  return `<section class="card"><h2>${esc(t('ov.lightCounts'))}</h2><table id="light-counts"><thead><tr>
    <th>${esc(t('ov.level'))}</th>${LIGHTS.map((l) => `<th class="num">${lightDot(l)}</th>`).join('')}</tr></thead>
    <tbody>${levels.map((level) => `<tr data-level="${level}"><td>${esc(t(`level.${level}`))}</td>${LIGHTS.map((l) =>
      `<td class="num" data-light="${l}">${byLevel.get(level)[l]}</td>`).join('')}</tr>`).join('')}</tbody></table></section>`;
}

export async function render(main, params, ctx) {
  const periods = await scoredPeriods();
  if (!periods.length) {
    main.innerHTML = `<h1>${esc(t('ov.title'))}</h1>${empty(t('noPeriods'))}`;
    return;
  }
  const period = periods.includes(params.period) ? params.period : await landingPeriod(periods, ctx.user);
  const prev = shift(period, -1);
  const hasPrev = periods.includes(prev);
  const [rows, lights, org, prevRows] = await Promise.all([
    scores(period),
    api(`/api/v1/recovery/lights${qs({ period })}`).then((r) => r.items),
    loadUnits(),
    hasPrev ? scores(prev) : [],
  ]);
  const counties = rows.filter((r) => r.level === 'county');
  const stations = rows.filter((r) => r.level === 'station');
  const units = [...org.values()].filter((u) => ctx.user.maySee(u.code));
  // names of every unit the tree lists (a station's own county included), figures only for visible ones
  const names = new Map([...org.values()].map((u) => [u.code, u.name]));
  const previous = new Map(prevRows.map((i) => [i.unit, i.score]));
  const byUnit = new Map(rows.map((r) => [r.unit, r]));
  const lightByUnit = new Map(lights.map((l) => [l.unit, l]));
  const lightOf = (unit) => lightByUnit.get(unit)?.light ?? byUnit.get(unit)?.light ?? null;
  const tops = await Promise.all(topUnits(units).map(async (u) => {
    const row = byUnit.get(u.code);
    return { ...u, row, light: lightOf(u.code), recovery: await ownRecovery(period, u.code, row, lightByUnit.get(u.code)) };
  }));
  const ranked = stations.filter((s) => s.score != null && !incomplete(s)).length;
  const partial = stations.filter(incomplete).length;
  const showCounties = counties.length > 0 || ctx.user.seesAll;
  main.innerHTML = `
    <div class="bar"><h1>${esc(t('ov.title'))}</h1><label>${esc(t('period'))} ${periodSelect(periods, period)}</label></div>
    <div class="kpis">
      ${topCards(tops, names)}
      <div class="kpi"><div class="l">${esc(t('ov.scored'))}</div><div class="v" id="kpi-scored">${ranked}</div></div>
      <div class="kpi"><div class="l">${esc(t('ov.incompleteStations'))}</div>
        <div class="v${partial ? ' down' : ''}" id="kpi-incomplete">${partial}</div></div>
    </div>
    ${lightCounts(units, new Set(tops.map((u) => u.code)), lightOf)}
    <div class="${showCounties ? 'grid2' : ''}">
      ${showCounties ? `<section class="card"><h2>${esc(t('ov.counties'))}</h2>
        ${ranking('county-ranking', counties, previous, names, false)}</section>` : ''}
      <section class="card"><h2>${esc(t('ov.stations'))}</h2>
        ${ranking('station-ranking', stations, previous, names, true)}</section>
    </div>
    <section class="card"><h2>${esc(t('ov.lights'))}</h2>${tiles(lights, names)}</section>`;
  main.querySelector('#period').addEventListener('change', (ev) => ctx.go('overview', { period: ev.target.value }));
}
