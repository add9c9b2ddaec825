// The signed-in user: a bearer JWT kept in sessionStorage. The claims decide what the page offers;
// the APIs enforce the same rules (roles and the unit scope) on every call.
const KEY = 'm2c.token';
const ALL_UNITS_ROLES = ['admin', 'system'];
export const ACK_ROLES = ['admin', 'customer_service', 'marketing', 'audit_center', 'station', 'system'];

export function decode(token) {
  const parts = String(token).trim().split('.');
  if (parts.length !== 3) return null;
  try {
    const b64 = parts[1].replace(/-/g, '+').replace(/_/g, '/');
    const bytes = Uint8Array.from(atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4)), (c) => c.charCodeAt(0));
    const claims = JSON.parse(new TextDecoder().decode(bytes));
    if (!Array.isArray(claims.roles)) return null;
    return claims;
  } catch {
    return null;
  }
}

export function token() {
  return sessionStorage.getItem(KEY);
}

export function signIn(value) {
  sessionStorage.setItem(KEY, value.trim());
}

export function signOut() {
  sessionStorage.removeItem(KEY);
}

export function principal() {
  const raw = token();
  const claims = raw && decode(raw);
  if (!claims) return null;
  const roles = claims.roles;
  const units = Array.isArray(claims.units) ? claims.units : [];
  const seesAll = roles.some((r) => ALL_UNITS_ROLES.includes(r)) || units.length === 0;
  return {
    subject: claims.sub, roles, units, seesAll,
    expired: typeof claims.exp === 'number' && claims.exp * 1000 < Date.now(),
    maySee: (unit) => seesAll || units.some((u) => unit === u || unit.startsWith(`${u}-`)),
    can: (allowed) => roles.some((r) => allowed.includes(r)),
  };
}
