// The signed-in caller as the API sees it (GET /api/v1/auth/me): name, roles, unit subtree. It decides the
// menu and which buttons are shown; the APIs enforce the same rules on every call.
import { api } from './api.js';
import { csrf, forgetToken, keepToken, token } from './credentials.js';

const ALL_UNITS_ROLES = ['admin', 'system'];

// Who may do what (mirrors the services' role checks; the API stays the judge).
export const ACK_ROLES = ['admin', 'customer_service', 'marketing', 'audit_center', 'station', 'system'];
export const SILENCE_ROLES = ['admin', 'customer_service', 'marketing', 'system'];
export const REPORT_ERROR_ROLES = ['admin', 'customer_service', 'marketing', 'audit_center', 'station', 'system'];
export const HANDLE_ERROR_ROLES = ['admin', 'customer_service', 'marketing', 'audit_center'];
export const RAISE_TICKET_ROLES = ['admin', 'customer_service'];
export const FACT_WRITER_ROLES = ['admin', 'system', 'marketing'];
export const SCORER_ROLES = ['admin', 'system'];
export const ADMIN_ROLES = ['admin'];
// bill review: confirm or clear a suspect (services/bill_review/entrypoints/http.py DECIDERS), in scope
export const DECIDE_REVIEW_ROLES = ['admin', 'audit_center', 'marketing', 'station'];
export const TICKET_ACTIONS = {
  coordinate: { from: ['issued'], roles: ['marketing'] },
  receive: { from: ['coordinated'], roles: ['audit_center'] },
  start_investigation: { from: ['received'], roles: ['audit_center'] },
  report: { from: ['investigating'], roles: ['audit_center'] },
  close: { from: ['reported'], roles: ['customer_service'] },
  reopen: { from: ['reported', 'closed'], roles: ['customer_service'] },
};

export function principal(me) {
  const roles = me.roles || [];
  const units = me.units || [];
  const seesAll = roles.some((r) => ALL_UNITS_ROLES.includes(r)) || units.length === 0;
  return {
    subject: me.subject, displayName: me.user?.display_name || me.user?.name || me.subject, roles, units, seesAll,
    viaToken: Boolean(token()),
    maySee: (unit) => seesAll || units.some((u) => unit === u || unit.startsWith(`${u}-`)),
    can: (allowed) => roles.some((r) => allowed.includes(r)),
    mayTicket: (action, state) => TICKET_ACTIONS[action].from.includes(state)
      && roles.some((r) => r === 'admin' || TICKET_ACTIONS[action].roles.includes(r)),
  };
}

/** The caller, or null when there is no valid session or token. */
export async function whoAmI() {
  if (!token() && !csrf()) return null;  // no token and no session cookies: nobody to ask about
  try {
    return principal(await api('/api/v1/auth/me', { quiet401: true }));
  } catch (err) {
    if (err.status === 401) return null;
    throw err;
  }
}

export async function signInWithPassword(name, password) {
  forgetToken();
  return api('/api/v1/auth/login', { method: 'POST', body: { name, password }, quiet401: true });
}

export function signInWithToken(value) {
  keepToken(value);
}

export async function signOut() {
  const hadToken = Boolean(token());
  forgetToken();
  if (!hadToken) {
    try { await api('/api/v1/auth/logout', { method: 'POST', quiet401: true }); } catch { /* already ended */ }
  }
}
