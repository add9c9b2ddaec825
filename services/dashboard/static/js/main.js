// The shell: who is signed in (GET /api/v1/auth/me), navigation by role, hash routes (#/page?key=value),
// language switch, sign-out. A 401 from any call ends the page's session and shows the sign-in page.
import { ApiError } from './api.js';
import { ADMIN_ROLES, FACT_WRITER_ROLES, signOut, whoAmI } from './auth.js';
import { forgetToken, token } from './credentials.js';
import { esc } from './fmt.js';
import { label, lang, setLang, t } from './i18n.js';
import * as alerts from './pages/alerts.js';
import * as apikeys from './pages/apikeys.js';
import * as audit from './pages/audit.js';
import * as channels from './pages/channels.js';
import * as credit from './pages/credit.js';
import * as error from './pages/error.js';
import * as errors from './pages/errors.js';
import * as imports from './pages/imports.js';
import * as overview from './pages/overview.js';
import * as review from './pages/review.js';
import * as scoring from './pages/scoring.js';
import * as signin from './pages/signin.js';
import * as station from './pages/station.js';
import * as subscriptions from './pages/subscriptions.js';
import * as ticket from './pages/ticket.js';
import * as tickets from './pages/tickets.js';
import * as users from './pages/users.js';

// page → [module, shown in the menu to whom (null: everyone; false: reached by links only)]
const PAGES = {
  overview: [overview, null], station: [station, null], tickets: [tickets, null], ticket: [ticket, false],
  errors: [errors, null], error: [error, false], review: [review, null], alerts: [alerts, null], credit: [credit, null],
  channels: [channels, null], scoring: [scoring, null],
  imports: [imports, (u) => u.seesAll && u.can(FACT_WRITER_ROLES)],
  subscriptions: [subscriptions, (u) => u.can(ADMIN_ROLES)], users: [users, (u) => u.can(ADMIN_ROLES)], apikeys: [apikeys, (u) => u.can(ADMIN_ROLES)],
  audit: [audit, (u) => u.can(ADMIN_ROLES)],
};
const main = document.getElementById('main');
let user = null;
let notice = '';

function parseHash() {
  const [path, query] = location.hash.replace(/^#\/?/, '').split('?');
  return { page: path || 'overview', params: Object.fromEntries(new URLSearchParams(query || '')) };
}

export function go(page, params = {}) {
  const q = new URLSearchParams(Object.entries(params).filter(([, v]) => v != null && v !== '')).toString();
  const next = `#/${page}${q ? `?${q}` : ''}`;
  if (location.hash === next) route(); else location.hash = next;
}

function applyStaticText() {
  document.documentElement.lang = lang() === 'en' ? 'en' : 'zh-CN';
  document.title = `m2c ${t('brand')}`;
  document.querySelectorAll('[data-i18n]').forEach((el) => { el.textContent = t(el.dataset.i18n); });
  document.getElementById('lang').textContent = t('switch');
}

const inMenu = (u, [, who]) => who !== false && (who === null || who(u));

function renderShell(u, page) {
  const nav = document.getElementById('nav');
  nav.innerHTML = u ? Object.entries(PAGES).filter(([, entry]) => inMenu(u, entry)).map(([p]) =>
    `<a href="#/${p}" data-page="${p}" class="${p === page ? 'on' : ''}">${esc(t(`nav.${p}`))}</a>`).join('') : '';
  const who = document.getElementById('who');
  who.innerHTML = u ? `<b id="who-name">${esc(u.displayName)}</b> <span id="who-roles">${esc(u.roles.map((r) =>
    label('role', r)).join('、'))}</span>${u.units.length ? ` <span class="muted-light">${esc(u.units.join('、'))}</span>`
    : ''}` : '';
  document.getElementById('signout').hidden = !u;
}

async function route() {
  const started = performance.now();
  delete document.body.dataset.ready;
  applyStaticText();
  const current = location.hash;
  if (!user) {
    try {
      user = await whoAmI();
    } catch (err) {
      main.innerHTML = `<p class="error">${esc(t('failed', { m: err.message }))}</p>`;
      return;
    }
  }
  if (!user && token()) {  // a pasted token the API refuses: forget it and say so
    forgetToken();
    notice = t('signin.rejected');
  }
  if (!user) {
    renderShell(null);
    signin.render(main, { notice, done: () => { notice = ''; route(); } });
    document.body.dataset.ready = 'signin';
    return;
  }
  const { page, params } = parseHash();
  const name = PAGES[page] && (PAGES[page][1] === null || PAGES[page][1] === false || PAGES[page][1](user))
    ? page : 'overview';
  renderShell(user, name === 'ticket' ? 'tickets' : name === 'error' ? 'errors' : name);
  main.innerHTML = `<p class="muted">${esc(t('loading'))}</p>`;
  const ctx = { user, go, stillCurrent: () => location.hash === current, refresh: route };
  try {
    await PAGES[name][0].render(main, params, ctx);
  } catch (err) {
    if (!ctx.stillCurrent() || (err instanceof ApiError && err.status === 401)) return;
    const message = err instanceof ApiError ? err.message : String(err && err.message ? err.message : err);
    main.innerHTML = `<p class="error" data-error="${err instanceof ApiError ? err.status : 0}">${esc(t('failed',
      { m: message }))}</p>`;
  }
  if (ctx.stillCurrent()) {
    window.m2cRenderMs = performance.now() - started;
    document.body.dataset.ready = name;
  }
}

window.addEventListener('hashchange', route);
window.addEventListener('m2c:unauthorised', () => {
  if (!user) return;
  forgetToken();
  user = null;
  notice = t('signin.rejected');
  route();
});
document.getElementById('lang').addEventListener('click', () => {
  setLang(lang() === 'en' ? 'zh' : 'en');
  route();
});
document.getElementById('signout').addEventListener('click', async () => {
  await signOut();
  user = null;
  notice = t('signin.signedOut');
  route();
});
route();
