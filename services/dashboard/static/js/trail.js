// The audit trail of the writes that concern one thing (GET /api/v1/audit-trail?path=…), for admins.
import { api, qs } from './api.js';
import { ADMIN_ROLES } from './auth.js';
import { dateTime, empty, esc } from './fmt.js';
import { label, t } from './i18n.js';

export function actorText(actor) {
  const [kind, ...rest] = String(actor).split(':');
  const name = rest.join(':');
  if (!name) return actor;
  return `${t(`actor.${kind}`) === `actor.${kind}` ? kind : t(`actor.${kind}`)} ${name}`;
}

// What a write did, in words: [method, path pattern, text key]; {1}, {2} are the pattern's groups.
const WRITES = [
  ['POST', /^\/api\/v1\/auth\/login$/, 'w.login'], ['POST', /^\/api\/v1\/auth\/logout$/, 'w.logout'],
  ['POST', /^\/api\/v1\/errors$/, 'w.reportError'], ['POST', /^\/api\/v1\/errors\/[^/]+\/transitions$/, 'w.handleError'],
  ['POST', /^\/api\/v1\/tickets$/, 'w.raiseTicket'], ['POST', /^\/api\/v1\/tickets\/[^/]+\/transitions$/, 'w.moveTicket'],
  ['POST', /^\/api\/v1\/alerts\/[^/]+\/ack$/, 'w.ack'], ['POST', /^\/api\/v1\/silences$/, 'w.silence'],
  ['DELETE', /^\/api\/v1\/silences\//, 'w.unsilence'], ['POST', /^\/api\/v1\/subscriptions$/, 'w.subscribe'],
  ['DELETE', /^\/api\/v1\/subscriptions\//, 'w.unsubscribe'], ['POST', /^\/api\/v1\/periods\/([^/]+)\/score$/, 'w.score'],
  ['POST', /^\/api\/v1\/facts\/([^/]+)\/records\/([^/]+)$/, 'w.records'], ['PUT', /^\/api\/v1\/facts\/([^/]+)\/counters$/, 'w.counters'],
  ['PUT', /^\/api\/v1\/recovery\/([^/]+)\/facts$/, 'w.recovery'], ['POST', /^\/api\/v1\/users$/, 'w.createUser'],
  ['PATCH', /^\/api\/v1\/users\/([^/]+)$/, 'w.changeUser'], ['POST', /^\/api\/v1\/api-keys$/, 'w.createKey'],
  ['DELETE', /^\/api\/v1\/api-keys\//, 'w.revokeKey'], ['PUT', /^\/api\/v1\/channels\/([^/]+)$/, 'w.channels'],
];

export function describe(method, path) {
  for (const [m, re, key] of WRITES) {
    const hit = m === method && re.exec(path);
    if (hit) return t(key, { 1: hit[1] ?? '', 2: hit[2] ? label('kind', hit[2]) : '' });
  }
  return label('method', method);
}

export function trailRows(items) {
  return items.map((e) => `<tr data-id="${e.id}"><td>${dateTime(e.at)}</td><td class="actor">${esc(actorText(e.actor))}</td>
    <td><span class="what">${esc(describe(e.method, e.path))}</span>
      <div class="muted code">${esc(e.method)} ${esc(e.path)}${e.query ? `?${esc(e.query)}` : ''}</div></td>
    <td class="num status"><span class="badge ${e.status < 400 ? 'ok' : 'critical'}">${e.status}</span></td>
    <td>${esc(e.address || '')}</td></tr>`).join('');
}

export function trailTable(items, id = 'trail') {
  if (!items.length) return empty(t('trail.none'));
  return `<table id="${id}"><thead><tr><th>${esc(t('trail.at'))}</th><th>${esc(t('trail.actor'))}</th>
    <th>${esc(t('trail.what'))}</th><th class="num">${esc(t('trail.status'))}</th><th>${esc(t('trail.from'))}</th></tr>
    </thead><tbody>${trailRows(items)}</tbody></table>`;
}

/** A card with the writes under `path` (a prefix) and `extra` entries, or nothing for callers who may not
 *  read the trail. */
export async function trailCard(user, path, extra = async () => []) {
  if (!user.can(ADMIN_ROLES)) return '';
  const [page, more] = await Promise.all([api(`/api/v1/audit-trail${qs({ path, limit: 50 })}`), extra()]);
  const items = [...new Map([...page.items, ...more].map((e) => [e.id, e])).values()].sort((a, b) => b.id - a.id);
  return `<section class="card" id="trail-card"><h2>${esc(t('trail.title'))}</h2>${trailTable(items)}</section>`;
}

/** The write that created a thing whose path holds no id yet (POST /api/v1/errors): the caller's successful
 *  POST to `path` closest in time to `at`, within a few seconds. */
export async function creationEntry(actor, path, at) {
  const around = (s) => new Date(new Date(at).getTime() + s * 1000).toISOString();
  const page = await api(`/api/v1/audit-trail${qs({ actor, path, since: around(-10), until: around(10), limit: 50 })}`);
  const hits = page.items.filter((e) => e.method === 'POST' && e.path === path && e.status < 300);
  const gap = (e) => Math.abs(new Date(e.at) - new Date(at));
  return hits.sort((a, b) => gap(a) - gap(b)).slice(0, 1);
}
