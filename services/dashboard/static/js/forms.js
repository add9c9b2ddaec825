// Small form helpers: fields, problem+json errors shown beside the fields they name, notices.
import { problemLines } from './api.js';
import { esc } from './fmt.js';
import { t } from './i18n.js';

// English messages of the APIs that have a Chinese text
const KNOWN = { required: 'form.required', 'Field required': 'form.required' };

export function field(name, control, { wide = false } = {}) {
  return `<label class="field${wide ? ' wide' : ''}" data-field="${name}"><span>${esc(t(`field.${name}`))}</span>${control}
    <small class="field-error" hidden></small></label>`;
}

export function options(values, prefix, selected = '') {
  return values.map((v) => `<option value="${esc(v)}"${v === selected ? ' selected' : ''}>${esc(t(`${prefix}.${v}`))}</option>`)
    .join('');
}

export function clearErrors(form) {
  form.querySelectorAll('.field-error').forEach((el) => { el.hidden = true; el.textContent = ''; });
  const box = form.querySelector('.form-error');
  if (box) { box.hidden = true; box.innerHTML = ''; }
}

/** Puts each error of a problem beside its field (`body.unit`, `unit`, `rows[3].unit` → unit); the rest on top. */
export function showErrors(form, err) {
  clearErrors(form);
  const rest = [];
  for (const line of problemLines(err)) {
    const name = String(line.field || '').split('.').pop().replace(/\[\d+\]$/, '');
    const slot = name && form.querySelector(`[data-field="${name}"] .field-error`);
    const message = KNOWN[line.message] ? t(KNOWN[line.message]) : line.message;
    if (slot) { slot.hidden = false; slot.textContent = message; } else rest.push({ ...line, message });
  }
  const box = form.querySelector('.form-error');
  if (box && (rest.length || err.status)) {
    box.hidden = false;
    box.innerHTML = `${esc(err.message || '')}${rest.length && rest[0].message !== err.message ? `<ul>${rest.map((l) =>
      `<li>${esc(l.field ? `${l.field}：` : '')}${esc(l.message)}</li>`).join('')}</ul>` : ''}`;
  }
}

export function noticeHtml(text, id = 'notice') {
  return `<p id="${id}" class="notice" role="status"${text ? '' : ' hidden'}>${esc(text || '')}</p>`;
}

export function newKey() {
  return crypto.randomUUID ? crypto.randomUUID() : `${Date.now()}-${Math.random().toString(16).slice(2)}`;
}
