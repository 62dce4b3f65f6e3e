// The REST client: the token goes in the Authorization header; it is kept in sessionStorage
// (this tab only) and never written into the address bar.
const KEY = 'fieldrelay.token';

export function token() { return sessionStorage.getItem(KEY); }
export function setToken(value) { value ? sessionStorage.setItem(KEY, value) : sessionStorage.removeItem(KEY); }

/// A refusal or failure: `code` is the server's machine-readable code (`not_host`,
/// `grade_not_lowered`, ...), or `network` when the server could not be reached.
export class APIError extends Error {
  constructor(status, message, code) { super(message); this.status = status; this.code = code; }
}

export async function api(path, options = {}) {
  const text = await request(path, { ...options, accept: 'application/json' });
  try { return text ? JSON.parse(text) : null; } catch { return null; }
}

/// The body of a GET as text (a playlist), with the same header and errors as `api`.
export function apiText(path) {
  return request(path, { accept: '*/*' });
}

async function request(path, { method = 'GET', body, headers: extra, accept }) {
  const headers = { Accept: accept, ...extra };
  if (token()) headers.Authorization = `Bearer ${token()}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let response;
  try {
    response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (error) {
    throw new APIError(0, error.message, 'network');
  }
  const text = await response.text();
  if (!response.ok) {
    let json = null;
    try { json = text ? JSON.parse(text) : null; } catch { json = null; }
    throw new APIError(response.status, json?.message || `${response.status}`, json?.code || null);
  }
  return text;
}

/// A media URL with the caller's token for players that cannot send headers, unless the URL
/// already carries one (session feeds come with a viewer token).
export function withToken(url) {
  const u = new URL(url, location.href);
  if (!u.searchParams.has('token') && token()) u.searchParams.set('token', token());
  return u.pathname + u.search;
}

export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attributes)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else if (k === 'text') node.textContent = v;
    else node.setAttribute(k, v === true ? '' : v);
  }
  for (const child of children.flat()) if (child !== null && child !== undefined) node.append(child);
  return node;
}

export function formatBitrate(bps) {
  if (bps === null || bps === undefined) return '–';
  return bps >= 1e6 ? `${(bps / 1e6).toFixed(2)} Mb/s` : `${Math.round(bps / 1e3)} kb/s`;
}

/// A time for people: the clock time, with the date in front when it is not today (a report due
/// tomorrow at 09:00 must not look earlier than one due today at 17:00).
export function formatTime(value, now = new Date()) {
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) return '';
  const time = d.toLocaleTimeString(document.documentElement.lang || undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });
  const sameDay = d.getFullYear() === now.getFullYear() && d.getMonth() === now.getMonth() && d.getDate() === now.getDate();
  if (sameDay) return time;
  const date = d.toLocaleDateString(document.documentElement.lang || undefined, { year: d.getFullYear() === now.getFullYear() ? undefined : 'numeric', month: '2-digit', day: '2-digit' });
  return `${date} ${time}`;
}

/// An emergency grade as people read it: its numeral, its name (一般, 较大, 重大, 特别重大) and its
/// customary colour (IV blue, III yellow, II orange, I red).
export function gradeBadge(grade, t) {
  if (!grade) return null;
  const node = el('span', { class: `grade grade-${grade}`, 'data-grade': grade, text: `${grade} ${t(`grade${grade}`)}` });
  return node;
}

/// The organisations by id (`{name, level}`), loaded once from GET /api/v1/orgs for every view.
export const organisations = new Map();
let organisationsLoaded = null;

export function loadOrgNames() {
  organisationsLoaded ??= api('/api/v1/orgs').then(({ organisations: list }) => {
    for (const o of list) organisations.set(o.id, { name: o.name, level: o.level });
  }).catch((error) => { organisationsLoaded = null; throw error; });
  return organisationsLoaded;
}

/// An organisation's name from memory: the id itself until the list arrives or for an unknown one.
export function orgName(id) { return organisations.get(id)?.name ?? id; }
