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

export async function api(path, { method = 'GET', body, headers: extra } = {}) {
  const headers = { Accept: 'application/json', ...extra };
  if (token()) headers.Authorization = `Bearer ${token()}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let response;
  try {
    response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (error) {
    throw new APIError(0, error.message, 'network');
  }
  const text = await response.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch { json = null; }
  if (!response.ok) throw new APIError(response.status, json?.message || `${response.status}`, json?.code || null);
  return json;
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
