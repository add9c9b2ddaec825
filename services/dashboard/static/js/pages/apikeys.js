// API keys for integrating systems (admin): create (shown once — copy it now), list with last use, revoke.
import { api } from '../api.js';
import { dateTime, empty, esc } from '../fmt.js';
import { clearErrors, field, noticeHtml, showErrors } from '../forms.js';
import { t } from '../i18n.js';
import { checked, roleBoxes, rolesText, unitList } from '../roles.js';
import { actorText, trailCard } from '../trail.js';

let justCreated = null;  // the key of the last creation: shown once, then forgotten

function table(keys) {
  if (!keys.length) return empty();
  return `<table id="apikeys"><thead><tr><th>${esc(t('ak.name'))}</th><th>${esc(t('ak.prefix'))}</th>
    <th>${esc(t('field.roles'))}</th><th>${esc(t('field.units'))}</th><th>${esc(t('ak.createdBy'))}</th>
    <th>${esc(t('ak.lastUsed'))}</th><th>${esc(t('us.state'))}</th><th></th></tr></thead><tbody>${keys.map((k) =>
    `<tr data-id="${esc(k.id)}" data-revoked="${Boolean(k.revoked_at)}"><td>${esc(k.name)}</td><td><code>${esc(k.prefix)}…</code></td>
      <td>${esc(rolesText(k.roles))}</td><td>${esc(k.units.join('、') || t('us.allUnits'))}</td>
      <td>${esc(actorText(k.created_by))} · ${dateTime(k.created_at)}</td><td>${dateTime(k.last_used_at)}</td>
      <td>${k.revoked_at ? `<span class="badge critical">${esc(t('ak.revoked'))} ${dateTime(k.revoked_at)}</span>`
        : `<span class="badge ok">${esc(t('us.active'))}</span>`}</td>
      <td>${k.revoked_at ? '' : `<button class="btn secondary revoke" type="button" data-id="${esc(k.id)}">${esc(t('ak.revoke'))}</button>`}</td>
    </tr>`).join('')}</tbody></table>`;
}

export async function render(main, params, ctx) {
  const keys = await api('/api/v1/api-keys');
  const trail = await trailCard(ctx.user, '/api/v1/api-keys');
  const shown = justCreated;
  justCreated = null;
  main.innerHTML = `<div class="bar"><h1>${esc(t('ak.title'))}</h1></div>
    ${shown ? `<section class="card once" id="key-once"><h2>${esc(t('ak.once'))}</h2>
      <p><code id="new-key" class="key">${esc(shown)}</code> <button class="btn secondary" type="button" id="copy-key">${esc(t('ak.copy'))}</button></p>
      <p class="muted">${esc(t('ak.onceHint'))}</p></section>` : ''}
    ${noticeHtml(params.notice === 'revoked' ? t('ak.revokedNotice') : '')}
    <section class="card"><form id="key-form" class="form grid-form" novalidate><h2 class="wide">${esc(t('ak.create'))}</h2>
      <div class="form-error error" hidden></div>
      <label class="field" data-field="name"><span>${esc(t('ak.name'))}</span><input name="name" id="ak-name" maxlength="200"
        placeholder="营销系统"><small class="field-error" hidden></small></label>
      ${field('units', '<input name="units" id="ak-units" placeholder="QY-QC">')}
      ${field('roles', roleBoxes('roles'), { wide: true, group: true })}
      <p class="wide"><button class="btn" type="submit" id="ak-submit">${esc(t('ak.create'))}</button></p></form></section>
    <section class="card">${table(keys)}</section>${trail}`;
  main.querySelector('#copy-key')?.addEventListener('click', () => navigator.clipboard?.writeText(shown));
  const form = main.querySelector('#key-form');
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearErrors(form);
    const body = { name: form.elements.name.value.trim(), roles: checked(form, 'roles'), units: unitList(form.elements.units.value) };
    try {
      justCreated = (await api('/api/v1/api-keys', { method: 'POST', body })).key;
      ctx.go('apikeys', { created: Date.now() });
    } catch (err) {
      showErrors(form, err);
    }
  });
  main.querySelectorAll('button.revoke').forEach((b) => b.addEventListener('click', async () => {
    if (!window.confirm(t('ak.confirmRevoke'))) return;
    b.disabled = true;
    try {
      await api(`/api/v1/api-keys/${b.dataset.id}`, { method: 'DELETE' });
      ctx.go('apikeys', { notice: 'revoked' });
    } catch (err) {
      b.disabled = false;
      window.alert(err.message);
    }
  }));
}
