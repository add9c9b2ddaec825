// The shell: sign-in gate, navigation by role, hash routes (#/page?key=value), language switch.
import { ApiError } from './api.js';
import { principal, signIn, signOut, decode } from './auth.js';
import { esc } from './fmt.js';
import { lang, setLang, t } from './i18n.js';
import * as alerts from './pages/alerts.js';
import * as channels from './pages/channels.js';
import * as credit from './pages/credit.js';
import * as overview from './pages/overview.js';
import * as station from './pages/station.js';
import * as tickets from './pages/tickets.js';

const PAGES = { overview, station, tickets, alerts, credit, channels };
const main = document.getElementById('main');
let notice = '';

function parseHash() {
  const [path, query] = location.hash.replace(/^#\/?/, '').split('?');
  return { page: path || 'overview', params: Object.fromEntries(new URLSearchParams(query || '')) };
}

export function go(page, params = {}) {
  const q = new URLSearchParams(Object.entries(params).filter(([, v]) => v != null && v !== '')).toString();
  location.hash = `#/${page}${q ? `?${q}` : ''}`;
}

function applyStaticText() {
  document.documentElement.lang = lang() === 'en' ? 'en' : 'zh-CN';
  document.title = `m2c ${t('brand')}`;
  document.querySelectorAll('[data-i18n]').forEach((el) => { el.textContent = t(el.dataset.i18n); });
  document.getElementById('lang').textContent = t('switch');
}

function renderShell(user, page) {
  const nav = document.getElementById('nav');
  nav.innerHTML = user ? Object.keys(PAGES).map((p) =>
    `<a href="#/${p}" data-page="${p}" class="${p === page ? 'on' : ''}">${esc(t(`nav.${p}`))}</a>`).join('') : '';
  const who = user ? `${user.subject} · ${user.roles.join(', ')}${user.units.length ? ` · ${user.units.join(', ')}` : ''}`
    : '';
  document.getElementById('who').textContent = who;
  document.getElementById('signout').hidden = !user;
}

function renderSignIn(message = '') {
  renderShell(null);
  main.innerHTML = `<section class="card signin" data-page="signin">
    <h1>${esc(t('signin.title'))}</h1>
    <p class="muted">${esc(t('signin.hint'))}</p>
    ${message ? `<p class="error" id="signin-error">${esc(message)}</p>` : ''}
    <form id="signin-form">
      <textarea id="token" name="token" autocomplete="off" spellcheck="false" placeholder="eyJhbGciOi…"></textarea>
      <p><button class="btn" type="submit">${esc(t('signin.submit'))}</button></p>
    </form>
    <p class="muted">${esc(t('signin.mint'))}</p></section>`;
  document.getElementById('signin-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const value = document.getElementById('token').value;
    if (!decode(value)) { renderSignIn(t('signin.bad')); return; }
    signIn(value);
    notice = '';
    if (location.hash.startsWith('#/signin') || !location.hash) go('overview'); else route();
  });
  document.body.dataset.ready = 'signin';
}

async function route() {
  const started = performance.now();
  delete document.body.dataset.ready;
  applyStaticText();
  const user = principal();
  if (!user || user.expired) {
    if (user) signOut();
    renderSignIn(notice || (user ? t('signin.expired') : ''));
    return;
  }
  const { page, params } = parseHash();
  const module = PAGES[page] || overview;
  renderShell(user, PAGES[page] ? page : 'overview');
  main.innerHTML = `<p class="muted">${esc(t('loading'))}</p>`;
  const ctx = { user, go, stillCurrent: () => location.hash === current };
  const current = location.hash;
  try {
    await module.render(main, params, ctx);
  } catch (err) {
    if (!ctx.stillCurrent() || (err instanceof ApiError && err.status === 401)) return;
    const message = err instanceof ApiError ? err.message : String(err && err.message ? err.message : err);
    main.innerHTML = `<p class="error" data-error="${err instanceof ApiError ? err.status : 0}">${esc(t('failed',
      { m: message }))}</p>`;
  }
  if (ctx.stillCurrent()) {
    window.m2cRenderMs = performance.now() - started;
    document.body.dataset.ready = PAGES[page] ? page : 'overview';
  }
}

window.addEventListener('hashchange', route);
window.addEventListener('m2c:unauthorised', () => {
  signOut();
  notice = t('signin.rejected');
  route();
});
document.getElementById('lang').addEventListener('click', () => {
  setLang(lang() === 'en' ? 'zh' : 'en');
  route();
});
document.getElementById('signout').addEventListener('click', () => {
  signOut();
  go('overview');
  route();
});
route();
