// Calls the services' HTTP APIs with the session cookie (CSRF header on writes) or the pasted token.
// A problem+json answer becomes an ApiError that keeps the problem (its `errors` name fields and rows).
import { authHeaders } from './credentials.js';
import { t } from './i18n.js';

export class ApiError extends Error {
  constructor(status, message, problem = {}) {
    super(message);
    this.status = status;
    this.problem = problem;
  }
}

function failure(status, problem) {
  if (status === 401) window.dispatchEvent(new CustomEvent('m2c:unauthorised'));
  const fallback = { 403: t('forbidden'), 404: t('notFound'), 429: t('throttled') }[status] || `HTTP ${status}`;
  return new ApiError(status, problem.detail || problem.title || fallback, problem);
}

export async function api(path, { method = 'GET', body, headers: extra = {}, quiet401 = false } = {}) {
  const headers = { Accept: 'application/json', ...authHeaders(method), ...extra };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let response;
  try {
    response = await fetch(path, { method, headers, credentials: 'same-origin',
      body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (err) {
    throw new ApiError(0, String(err.message || err));
  }
  if (response.ok) return response.status === 204 ? null : response.json();
  let problem = {};
  try { problem = await response.json(); } catch { /* not JSON */ }
  if (quiet401 && response.status === 401) throw new ApiError(401, problem.detail || '', problem);
  throw failure(response.status, problem);
}

/** Sends a file as the request body with XMLHttpRequest, reporting upload progress (0..1). */
export function upload(path, file, { contentType = 'text/csv', onProgress = () => {} } = {}) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', path);
    xhr.withCredentials = true;
    xhr.setRequestHeader('Accept', 'application/json');
    xhr.setRequestHeader('Content-Type', contentType);
    for (const [k, v] of Object.entries(authHeaders('POST'))) xhr.setRequestHeader(k, v);
    xhr.upload.addEventListener('progress', (ev) => { if (ev.lengthComputable) onProgress(ev.loaded / ev.total); });
    xhr.addEventListener('load', () => {
      let body = {};
      try { body = JSON.parse(xhr.responseText || '{}'); } catch { /* not JSON */ }
      if (xhr.status >= 200 && xhr.status < 300) { onProgress(1); resolve(body); } else reject(failure(xhr.status, body));
    });
    xhr.addEventListener('error', () => reject(new ApiError(0, t('network'))));
    xhr.send(file);
  });
}

export function qs(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, v);
  const s = q.toString();
  return s ? `?${s}` : '';
}

/** The messages of a problem: its `errors` (field, row, message) or its detail. */
export function problemLines(err) {
  const errors = err?.problem?.errors;
  if (Array.isArray(errors) && errors.length) {
    return errors.map((e) => ({ field: e.field || e.loc?.join?.('.') || '', row: e.row, line: e.line,
      message: e.message || e.msg || '' }));
  }
  return [{ field: '', message: err?.message || String(err) }];
}
