// Where the console is, in the address bar: `#/<view>?<params>`, e.g.
// `#/wall?layout=9&feeds=cam/bc-520602101,room/520602101201&session=S-...`. A hall can bookmark
// its wall, and a reload restores the view, the wall and the open session.
const views = ['rooms', 'wall', 'reporting'];

export function currentRoute() {
  const match = location.hash.match(/^#\/([a-z]+)(?:\?(.*))?$/);
  return { view: views.includes(match?.[1]) ? match[1] : null, params: new URLSearchParams(match?.[2] ?? '') };
}

// '/' and ',' stay readable: paths are `kind/id` and feeds a comma-separated list.
const encode = (value) => encodeURIComponent(value).replace(/%2F/g, '/').replace(/%2C/g, ',');

/// Changes the view and/or some parameters (null removes one). A new view is a history entry
/// (Back returns to the previous view); a parameter change replaces the current entry.
export function updateRoute({ view, params = {} } = {}) {
  const route = currentRoute();
  for (const [key, value] of Object.entries(params)) {
    if (value === null || value === undefined || value === '') route.params.delete(key);
    else route.params.set(key, String(value));
  }
  const query = [...route.params].map(([k, v]) => `${encode(k)}=${encode(v)}`).join('&');
  const target = `#/${view ?? route.view ?? 'rooms'}${query ? `?${query}` : ''}`;
  if (target === location.hash) return;
  if (view && route.view && view !== route.view) history.pushState(null, '', target);
  else history.replaceState(null, '', target);
}

/// Whether a path from the address has the shape `kind/id` (anything else is ignored). Only the
/// shape: which kinds and ids exist is the server's rule (PathRules), which answers a playlist
/// request for any other path with an error the tile shows.
export function isSourcePath(path) {
  return /^[a-z]{2,8}\/[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/.test(path);
}
