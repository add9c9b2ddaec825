// How the page proves who it is: a person's session cookie (httpOnly, set by POST /api/v1/auth/login, with the
// CSRF token in the readable m2c_csrf cookie for writes) or, for services and integrators, a pasted bearer
// token kept in sessionStorage (the "advanced" sign-in).
const TOKEN_KEY = 'm2c.token';
const CSRF_COOKIE = 'm2c_csrf';

export function token() {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function keepToken(value) {
  sessionStorage.setItem(TOKEN_KEY, value.trim());
}

export function forgetToken() {
  sessionStorage.removeItem(TOKEN_KEY);
}

export function csrf() {
  const pair = document.cookie.split(';').map((c) => c.trim()).find((c) => c.startsWith(`${CSRF_COOKIE}=`));
  return pair ? decodeURIComponent(pair.slice(CSRF_COOKIE.length + 1)) : null;
}

/** Headers every request carries: the bearer token if one was pasted, else the CSRF token on writes. */
export function authHeaders(method) {
  const raw = token();
  if (raw) return { Authorization: `Bearer ${raw}` };
  const safe = ['GET', 'HEAD', 'OPTIONS'].includes(method.toUpperCase());
  const value = safe ? null : csrf();
  return value ? { 'X-CSRF-Token': value } : {};
}
