// Small form helpers: fields, problem+json errors shown beside the fields they name, notices.
import { problemLines } from './api.js';
import { esc } from './fmt.js';
import { t } from './i18n.js';

// English messages of the APIs (pydantic's among them) that have a Chinese text
const KNOWN = [
  [/^(required|Field required|String should have at least 1 character)$/, 'form.required'],
  [/^Input should be a valid (decimal|number|integer)/, 'form.number'],
  [/^Input should be greater than or equal to/, 'form.tooSmall'],
  [/^Input should be (a valid date|in the format)/, 'form.date'],
  [/^Input should be /, 'form.choice'],
  [/^String should match pattern/, 'form.pattern'],
  [/^String should have at most/, 'form.tooLong'],
];

function chinese(message) {
  const own = String(message).replace(/^字段 \S+ 无效：/, '');  // the API's Chinese lead before pydantic's words
  const hit = KNOWN.find(([re]) => re.test(own));
  return hit ? t(hit[1]) : message;
}

/** A labelled control with a slot for its error; `group` (checkboxes that carry their own labels) uses a
 *  <div>, as labels do not nest. */
export function field(name, control, { wide = false, slot = '', group = false } = {}) {
  const tag = group ? 'div' : 'label';
  return `<${tag} class="field${wide ? ' wide' : ''}" data-field="${slot || name}"><span>${esc(t(`field.${name}`))}</span>${control}
    <small class="field-error" hidden></small></${tag}>`;
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
    const message = chinese(line.message);
    if (slot) { slot.hidden = false; slot.textContent = message; } else rest.push({ ...line, message });
  }
  const box = form.querySelector('.form-error');
  if (!box) return;
  box.hidden = false;
  if (!rest.length) {  // every problem sits beside its field
    box.textContent = t('form.check');
  } else {
    box.innerHTML = `${esc(err.status === 422 ? t('form.check') : err.message || '')}<ul>${rest.map((l) =>
      `<li>${esc(l.field ? `${l.field}：` : '')}${esc(l.message)}</li>`).join('')}</ul>`;
  }
}

export function noticeHtml(text, id = 'notice') {
  return `<p id="${id}" class="notice" role="status"${text ? '' : ' hidden'}>${esc(text || '')}</p>`;
}

export function newKey() {
  return crypto.randomUUID ? crypto.randomUUID() : `${Date.now()}-${Math.random().toString(16).slice(2)}`;
}
