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

export function trailRows(items) {
  return items.map((e) => `<tr data-id="${e.id}"><td>${dateTime(e.at)}</td><td class="actor">${esc(actorText(e.actor))}</td>
    <td>${esc(label('method', e.method))} <code>${esc(e.path)}${e.query ? `?${esc(e.query)}` : ''}</code></td>
    <td class="num status"><span class="badge ${e.status < 400 ? 'ok' : 'critical'}">${e.status}</span></td>
    <td>${esc(e.address || '')}</td></tr>`).join('');
}

export function trailTable(items, id = 'trail') {
  if (!items.length) return empty(t('trail.none'));
  return `<table id="${id}"><thead><tr><th>${esc(t('trail.at'))}</th><th>${esc(t('trail.actor'))}</th>
    <th>${esc(t('trail.what'))}</th><th class="num">${esc(t('trail.status'))}</th><th>${esc(t('trail.from'))}</th></tr>
    </thead><tbody>${trailRows(items)}</tbody></table>`;
}

/** A card with the writes under `path` (a prefix), or nothing for callers who may not read the trail. */
export async function trailCard(user, path) {
  if (!user.can(ADMIN_ROLES)) return '';
  const page = await api(`/api/v1/audit-trail${qs({ path, limit: 50 })}`);
  return `<section class="card" id="trail-card"><h2>${esc(t('trail.title'))}</h2>${trailTable(page.items)}</section>`;
}
