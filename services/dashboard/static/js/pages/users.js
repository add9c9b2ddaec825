// Accounts (admin): list, create (roles, unit subtree, a first password), change roles/units/name, reset the
// password, disable or enable — PATCH ends the account's sessions at once (the identity service does that).
import { api } from '../api.js';
import { dateTime, empty, esc } from '../fmt.js';
import { clearErrors, field, noticeHtml, showErrors } from '../forms.js';
import { t } from '../i18n.js';
import { checked, roleBoxes, rolesText, unitList } from '../roles.js';
import { trailCard } from '../trail.js';

function table(users) {
  if (!users.length) return empty();
  return `<table id="users"><thead><tr><th>${esc(t('field.name'))}</th><th>${esc(t('field.display_name'))}</th>
    <th>${esc(t('field.roles'))}</th><th>${esc(t('field.units'))}</th><th>${esc(t('us.state'))}</th><th>${esc(t('us.created'))}</th>
    <th></th></tr></thead><tbody>${users.map((u) => `<tr data-name="${esc(u.name)}" data-disabled="${u.disabled}">
      <td><code>${esc(u.name)}</code></td><td>${esc(u.display_name)}</td><td>${esc(rolesText(u.roles))}</td>
      <td>${esc(u.units.join('、') || t('us.allUnits'))}</td>
      <td><span class="badge ${u.disabled ? 'critical' : 'ok'}">${esc(t(u.disabled ? 'us.disabled' : 'us.active'))}</span></td>
      <td>${dateTime(u.created_at)}</td>
      <td class="nowrap"><button class="btn secondary edit" type="button" data-name="${esc(u.name)}">${esc(t('us.edit'))}</button>
        <button class="btn secondary toggle" type="button" data-name="${esc(u.name)}" data-disabled="${u.disabled}">${esc(t(
          u.disabled ? 'us.enable' : 'us.disable'))}</button></td></tr>`).join('')}</tbody></table>`;
}

function userForm(u) {
  const editing = Boolean(u);
  return `<form id="user-form" class="form grid-form" data-editing="${editing ? esc(u.name) : ''}" novalidate>
    <h2 class="wide">${esc(t(editing ? 'us.editTitle' : 'us.create'))}${editing ? ` <code>${esc(u.name)}</code>` : ''}</h2>
    <div class="form-error error" hidden></div>
    ${editing ? '' : field('name', '<input name="name" id="us-name" maxlength="63" autocomplete="off">')}
    ${field('display_name', `<input name="display_name" id="us-display" maxlength="200" value="${esc(u?.display_name || '')}">`)}
    ${field('password', `<input name="password" id="us-password" type="password" autocomplete="new-password"
      placeholder="${esc(editing ? t('us.keepPassword') : '')}">`)}
    ${field('units', `<input name="units" id="us-units" placeholder="QY-QC-01, QY-YD" value="${esc((u?.units || []).join(', '))}">`)}
    ${field('roles', roleBoxes('roles', u?.roles || []), { wide: true, group: true })}
    <p class="wide"><button class="btn" type="submit" id="us-submit">${esc(t('save'))}</button>
      ${editing ? `<button class="btn secondary" type="button" id="us-cancel">${esc(t('cancel'))}</button>` : ''}</p></form>`;
}

export async function render(main, params, ctx) {
  const users = await api('/api/v1/users');
  const editing = users.find((u) => u.name === params.edit);
  const trail = await trailCard(ctx.user, '/api/v1/users');
  main.innerHTML = `<div class="bar"><h1>${esc(t('us.title'))}</h1></div>
    ${noticeHtml(params.notice ? t(`us.notice.${params.notice}`, { name: params.name || '' }) : '')}
    <section class="card" id="user-card">${userForm(editing)}</section>
    <section class="card">${table(users)}</section>${trail}`;
  const form = main.querySelector('#user-form');
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clearErrors(form);
    const v = (n) => form.elements[n]?.value.trim() ?? '';
    const body = { display_name: v('display_name'), roles: checked(form, 'roles'), units: unitList(v('units')) };
    if (form.elements.password.value) body.password = form.elements.password.value;
    try {
      if (editing) {
        await api(`/api/v1/users/${encodeURIComponent(editing.name)}`, { method: 'PATCH', body });
        ctx.go('users', { notice: 'saved', name: editing.name });
      } else {
        const created = await api('/api/v1/users', { method: 'POST', body: { name: v('name'), ...body } });
        ctx.go('users', { notice: 'created', name: created.name });
      }
    } catch (err) {
      showErrors(form, err);
    }
  });
  main.querySelector('#us-cancel')?.addEventListener('click', () => ctx.go('users'));
  main.querySelectorAll('button.edit').forEach((b) => b.addEventListener('click', () => ctx.go('users', { edit: b.dataset.name })));
  main.querySelectorAll('button.toggle').forEach((b) => b.addEventListener('click', async () => {
    const disable = b.dataset.disabled !== 'true';
    if (disable && !window.confirm(t('us.confirmDisable', { name: b.dataset.name }))) return;
    b.disabled = true;
    try {
      await api(`/api/v1/users/${encodeURIComponent(b.dataset.name)}`, { method: 'PATCH', body: { disabled: disable } });
      ctx.go('users', { notice: disable ? 'disabled' : 'enabled', name: b.dataset.name });
    } catch (err) {
      b.disabled = false;
      window.alert(err.message);
    }
  }));
}
