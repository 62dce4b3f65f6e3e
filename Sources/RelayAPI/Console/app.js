// The console's entry: sign-in (token from the form, or once from ?token= in the address bar),
// who the caller is, and switching between the three views.
import { api, setToken, token } from './api.js';
import { applyLabels, currentLanguage, setLanguage, t } from './i18n.js';
import { startRooms } from './rooms.js';
import { startWall } from './wall.js';
import { startReporting } from './reporting.js';
import { startIncidents } from './incidents.js';
import { currentRoute, updateRoute } from './route.js';

export const state = { me: null, view: 'rooms' };
window.fieldrelay = state; // for the operator's devtools and the browser tests

function show(view, { record = true } = {}) {
  state.view = view;
  if (record) updateRoute({ view });
  for (const section of document.querySelectorAll('.view')) section.hidden = section.id !== `view-${view}`;
  for (const b of document.querySelectorAll('#nav button')) b.setAttribute('aria-current', b.dataset.view === view ? 'page' : 'false');
}

export function toast(message) {
  const node = document.getElementById('toast');
  node.textContent = message;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { node.textContent = ''; }, 4000);
}

async function signIn() {
  try {
    state.me = await api('/api/v1/me');
  } catch (error) {
    setToken(null);
    document.getElementById('signin-error').textContent = `${t('badToken')} (${error.message})`;
    return;
  }
  document.getElementById('signin').hidden = true;
  document.getElementById('nav').hidden = false;
  document.getElementById('signout').hidden = false;
  const me = state.me;
  document.getElementById('who').textContent = me.kind === 'admin' ? t('admin') : `${me.name} · ${t(me.level)}`;
  document.body.dataset.kind = me.kind;
  const route = currentRoute();
  startRooms(state);
  startWall(state, route.params);
  startReporting(state, route.params);
  startIncidents(state, route.params);
  show(route.view ?? 'rooms', { record: !route.view });
  // Back and Forward move between views.
  window.addEventListener('popstate', () => { const r = currentRoute(); if (r.view) show(r.view, { record: false }); });
}

function boot() {
  // A token handed over in the URL is taken once, kept for this tab, and removed from the
  // address bar (and so from history and from anyone looking over a shoulder).
  const params = new URLSearchParams(location.search);
  if (params.has('token')) {
    setToken(params.get('token'));
    params.delete('token');
    history.replaceState(null, '', location.pathname + (params.toString() ? `?${params}` : '') + location.hash);
  }
  applyLabels(document);
  document.getElementById('lang').addEventListener('click', () => {
    setLanguage(currentLanguage() === 'zh' ? 'en' : 'zh');
    if (state.me) document.getElementById('who').textContent = state.me.kind === 'admin' ? t('admin') : `${state.me.name} · ${t(state.me.level)}`;
  });
  document.getElementById('signin-form').addEventListener('submit', (event) => {
    event.preventDefault();
    setToken(document.getElementById('token-input').value.trim());
    signIn();
  });
  document.getElementById('signout').addEventListener('click', () => { setToken(null); location.reload(); });
  for (const b of document.querySelectorAll('#nav button')) b.addEventListener('click', () => show(b.dataset.view));
  document.addEventListener('fieldrelay:show', (e) => show(e.detail));
  if (token()) signIn();
}

boot();
