// 操作记录 (admin): every write — who, what, when, from where — newest first, filtered by actor, path prefix
// and time (GET /api/v1/audit-trail), with "more" paging by cursor.
import { api, qs } from '../api.js';
import { esc } from '../fmt.js';
import { t } from '../i18n.js';
import { trailRows, trailTable } from '../trail.js';

function shanghaiStart(date) {
  return date ? `${date}T00:00:00+08:00` : '';
}

export async function render(main, params, ctx) {
  const filter = { actor: params.actor || '', path: params.path || '', since: params.since || '', until: params.until || '' };
  const query = { actor: filter.actor, path: filter.path, since: shanghaiStart(filter.since), limit: 100,
    until: filter.until ? `${filter.until}T23:59:59.999+08:00` : '' };
  const page = await api(`/api/v1/audit-trail${qs(query)}`);
  main.innerHTML = `<div class="bar"><h1>${esc(t('trail.page'))}</h1>
      <label>${esc(t('trail.actor'))} <input id="f-actor" size="16" value="${esc(filter.actor)}" placeholder="user:admin"></label>
      <label>${esc(t('trail.path'))} <input id="f-path" size="22" value="${esc(filter.path)}" placeholder="/api/v1/errors"></label>
      <label>${esc(t('trail.since'))} <input id="f-since" type="date" value="${esc(filter.since)}"></label>
      <label>${esc(t('trail.until'))} <input id="f-until" type="date" value="${esc(filter.until)}"></label>
      <button class="btn" id="f-apply" type="button">${esc(t('al.apply'))}</button></div>
    <p class="muted">${esc(t('trail.hint'))}</p>
    <section class="card full">${trailTable(page.items, 'audit-trail')}
      ${page.next_cursor ? `<p><button class="btn secondary" id="more" type="button">${esc(t('trail.more'))}</button></p>` : ''}
    </section>`;
  const apply = () => ctx.go('audit', { actor: main.querySelector('#f-actor').value.trim(),
    path: main.querySelector('#f-path').value.trim(), since: main.querySelector('#f-since').value,
    until: main.querySelector('#f-until').value });
  main.querySelector('#f-apply').addEventListener('click', apply);
  main.querySelectorAll('.bar input').forEach((i) => i.addEventListener('keydown', (ev) => { if (ev.key === 'Enter') apply(); }));
  let cursor = page.next_cursor;
  main.querySelector('#more')?.addEventListener('click', async (ev) => {
    const next = await api(`/api/v1/audit-trail${qs({ ...query, cursor })}`);
    main.querySelector('#audit-trail tbody').insertAdjacentHTML('beforeend', trailRows(next.items));
    cursor = next.next_cursor;
    if (!cursor) ev.target.remove();
  });
}
