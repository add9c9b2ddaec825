// Calls the services' HTTP APIs with the user's token; a problem+json answer becomes an ApiError.
import { token } from './auth.js';
import { t } from './i18n.js';

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

export async function api(path, { method = 'GET', body } = {}) {
  const headers = { Accept: 'application/json', Authorization: `Bearer ${token()}` };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let response;
  try {
    response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (err) {
    throw new ApiError(0, String(err.message || err));
  }
  if (response.ok) return response.json();
  let detail = '';
  try {
    const problem = await response.json();
    detail = problem.detail || problem.title || '';
  } catch { /* not JSON */ }
  if (response.status === 401) window.dispatchEvent(new CustomEvent('m2c:unauthorised'));
  const fallback = { 403: t('forbidden'), 404: t('notFound') }[response.status] || `HTTP ${response.status}`;
  throw new ApiError(response.status, detail || fallback);
}

export function qs(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, v);
  const s = q.toString();
  return s ? `?${s}` : '';
}
