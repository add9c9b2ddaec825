// Sign-in: account name and password (a session cookie); for services and integrators, a pasted access token
// (JWT or API key) under "advanced".
import { signInWithPassword, signInWithToken } from '../auth.js';
import { esc } from '../fmt.js';
import { t } from '../i18n.js';

function looksLikeToken(value) {
  const v = value.trim();
  return v.startsWith('m2ck_') || v.split('.').length === 3;
}

export function render(main, { notice = '', done }) {
  main.innerHTML = `<section class="card signin" data-page="signin">
    <h1>${esc(t('signin.title'))}</h1>
    <p id="signin-error" class="error"${notice ? '' : ' hidden'}>${esc(notice)}</p>
    <form id="login-form" class="form" autocomplete="on">
      <label>${esc(t('signin.name'))}<input id="login-name" name="username" autocomplete="username" required></label>
      <label>${esc(t('signin.password'))}<input id="login-password" name="password" type="password"
        autocomplete="current-password" required></label>
      <p><button class="btn" type="submit" id="login-submit">${esc(t('signin.submit'))}</button></p>
    </form>
    <details id="advanced"><summary>${esc(t('signin.advanced'))}</summary>
      <p class="muted">${esc(t('signin.hint'))}</p>
      <form id="signin-form">
        <textarea id="token" name="token" autocomplete="off" spellcheck="false" placeholder="eyJhbGciOi… / m2ck_…"></textarea>
        <p><button class="btn" type="submit">${esc(t('signin.useToken'))}</button></p>
      </form>
      <p class="muted">${esc(t('signin.mint'))}</p></details></section>`;
  const showError = (text) => {
    const el = main.querySelector('#signin-error');
    el.textContent = text;
    el.hidden = !text;
  };
  main.querySelector('#login-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const button = main.querySelector('#login-submit');
    button.disabled = true;
    try {
      await signInWithPassword(main.querySelector('#login-name').value.trim(), main.querySelector('#login-password').value);
      done();
    } catch (err) {
      button.disabled = false;
      showError(err.status === 401 ? t('signin.refused') : err.status === 429 ? t('throttled') : err.message);
    }
  });
  main.querySelector('#signin-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const value = main.querySelector('#token').value;
    if (!looksLikeToken(value)) { showError(t('signin.bad')); return; }
    signInWithToken(value);
    done();
  });
  if (!notice) main.querySelector('#login-name').focus();
}
