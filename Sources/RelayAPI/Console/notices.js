// Errors that stay until dismissed, said in the chosen language from the server's code, and the
// confirmation asked before what cannot be undone (an in-page <dialog>, not window.confirm, so it
// looks like the console and a test can answer it).
import { t } from './i18n.js';

let shown = null; // { code, status, message } of the error on screen

/// The sentence for an error, in the chosen language: the code's own, else the sentence of its
/// status's kind, else a general one. The server's English message stays available on hover.
export function errorSentence({ code, status }) {
  for (const key of [code, kindOf(status)]) {
    if (!key) continue;
    const sentence = t(`error.${key}`);
    if (sentence !== `error.${key}`) return sentence;
  }
  return t('error.unknown');
}

function kindOf(status) {
  return { 401: 'unauthorized', 403: 'forbidden', 404: 'not_found', 409: 'conflict', 422: 'invalid_argument', 503: 'unavailable' }[status] ?? null;
}

/// Shows `error` (an APIError, or anything thrown) until the person dismisses it.
export function showError(error) {
  shown = { code: error?.code ?? null, status: error?.status ?? 0, message: error?.message ?? String(error) };
  renderError();
}

export function dismissError() {
  shown = null;
  renderError();
}

/// Draws the error on screen again (after a language change).
export function renderError() {
  const banner = document.getElementById('error-banner');
  if (!banner) return;
  banner.hidden = shown === null;
  if (!shown) return;
  banner.dataset.code = shown.code ?? '';
  const text = document.getElementById('error-text');
  text.textContent = errorSentence(shown);
  text.title = shown.message;
  document.getElementById('error-dismiss').textContent = t('dismiss');
}

/// Asks `question`; resolves true when confirmed with `confirmLabel`, false when cancelled.
export function confirmAction(question, confirmLabel) {
  const dialog = document.getElementById('confirm-dialog');
  const yes = document.getElementById('confirm-yes');
  const no = document.getElementById('confirm-no');
  document.getElementById('confirm-text').textContent = question;
  yes.textContent = confirmLabel;
  no.textContent = t('cancel');
  return new Promise((resolve) => {
    const finish = (answer) => {
      yes.onclick = null; no.onclick = null; dialog.oncancel = null;
      if (dialog.open) dialog.close();
      resolve(answer);
    };
    yes.onclick = () => finish(true);
    no.onclick = () => finish(false);
    dialog.oncancel = (event) => { event.preventDefault(); finish(false); };
    dialog.showModal();
  });
}

export function startNotices() {
  document.getElementById('error-dismiss').addEventListener('click', dismissError);
}
