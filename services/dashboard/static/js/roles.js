// Role checkboxes and unit lists shared by the account and API-key pages.
import { esc } from './fmt.js';
import { label } from './i18n.js';

export const ROLES = ['admin', 'customer_service', 'marketing', 'audit_center', 'station', 'viewer', 'system'];

export function roleBoxes(name, selected = []) {
  return `<span class="checks">${ROLES.map((r) => `<label class="check"><input type="checkbox" name="${name}" value="${r}"${
    selected.includes(r) ? ' checked' : ''}> ${esc(label('role', r))}</label>`).join('')}</span>`;
}

export function checked(form, name) {
  return [...form.querySelectorAll(`input[name="${name}"]:checked`)].map((i) => i.value);
}

export function unitList(text) {
  return String(text || '').split(/[\s,，、]+/).map((s) => s.trim()).filter(Boolean);
}

export function rolesText(roles) {
  return roles.map((r) => label('role', r)).join('、');
}
