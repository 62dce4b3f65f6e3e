// The rooms view: the area tree with live counts, the searchable room list, the map (canvas,
// from the rooms' coordinates), and a room's detail with live figures as sparklines.
import { api, el, formatBitrate } from './api.js';
import { applyLabels, t } from './i18n.js';
import { drawMap as draw } from './map.js';

const countNodes = new Map(); // area code -> <span> showing online/total
let rooms = []; // every room of the caller's jurisdiction with coordinates, for the maps
let tilesUrl = null;

/// The rooms of the caller's jurisdiction with their coordinates and status (for the maps).
export function roomsWithCoordinates() { return rooms; }
let selected = null;
let detailTimer = null;

function statusDot(status) { return el('span', { class: `dot ${status}`, title: t(status), 'aria-label': t(status) }); }

function renderTree(nodes, container, state) {
  for (const node of nodes) {
    const count = el('span', { class: 'count', 'data-code': node.code, text: `${node.roomsOnline}/${node.roomsTotal}` });
    countNodes.set(node.code, count);
    if (node.level === 'village') {
      container.append(el('button', { type: 'button', class: 'village', 'data-code': node.code, onclick: () => selectRoom(node.code, node.name, state) },
        node.name, count));
      continue;
    }
    const details = el('details', { 'data-level': node.level, 'data-code': node.code, open: node.level === 'city' },
      el('summary', {}, node.name, count));
    renderTree(node.children, details, state);
    container.append(details);
  }
}

function updateCounts(nodes) {
  for (const node of nodes) {
    const span = countNodes.get(node.code);
    if (span) span.textContent = `${node.roomsOnline}/${node.roomsTotal}`;
    updateCounts(node.children);
  }
}

export function villagesOf(nodes, out = []) {
  for (const n of nodes) {
    if (n.level === 'village') out.push(n);
    else villagesOf(n.children, out);
  }
  return out;
}

async function refreshAreas(state, first) {
  const tree = await api('/api/v1/me/areas');
  state.areas = tree.areas;
  document.getElementById('rooms-total').textContent = tree.roomsTotal.toLocaleString('en');
  document.getElementById('rooms-online').textContent = tree.roomsOnline.toLocaleString('en');
  if (first) {
    const container = document.getElementById('tree');
    container.textContent = '';
    renderTree(tree.areas, container, state);
    document.dispatchEvent(new CustomEvent('fieldrelay:areas'));
  } else {
    updateCounts(tree.areas);
  }
}

async function search(state) {
  const q = document.getElementById('room-q').value.trim();
  const status = document.getElementById('room-status').value;
  const list = document.getElementById('room-list');
  let found;
  if (state.me.kind === 'admin') {
    const params = new URLSearchParams({ limit: '50' });
    if (q) params.set('q', q);
    if (status) params.set('status', status);
    found = (await api(`/api/v1/rooms?${params}`)).rooms;
  } else {
    // Organisations search the tree of their own jurisdiction (with live counts).
    found = villagesOf(state.areas || []).filter((v) => (!q || v.name.includes(q) || v.code.startsWith(q)))
      .map((v) => ({ code: v.code, name: v.name, status: v.roomsOnline ? 'online' : 'offline' }))
      .filter((r) => !status || r.status === status).slice(0, 50);
  }
  list.textContent = '';
  for (const room of found) {
    list.append(el('li', { 'data-code': room.code }, statusDot(room.status),
      el('button', { type: 'button', class: 'room-open', onclick: () => selectRoom(room.code, room.name, state) }, room.name),
      el('span', { class: 'count', text: room.code })));
  }
}

async function loadAllRooms() {
  const all = [];
  let cursor = null;
  do {
    const page = await api(`/api/v1/rooms?limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    all.push(...page.rooms);
    cursor = page.nextCursor;
  } while (cursor);
  rooms = all;
  drawMap();
  document.dispatchEvent(new CustomEvent('fieldrelay:rooms'));
}

function drawMap() {
  const canvas = document.getElementById('map');
  canvas.dataset.points = rooms.length;
  document.getElementById('map-note').hidden = rooms.length > 0;
  drawMap.project = draw(canvas, { points: rooms, selected: rooms.find((r) => r.code === selected), tilesUrl, onTile: () => drawMap() });
}

function sparkline(values, max) {
  const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  svg.setAttribute('class', 'spark');
  svg.setAttribute('viewBox', '0 0 140 32');
  svg.setAttribute('aria-hidden', 'true');
  const top = Math.max(max ?? 0, ...values.map((v) => v ?? 0), 1e-9);
  const points = values.map((v, i) => `${(i / Math.max(values.length - 1, 1)) * 140},${31 - ((v ?? 0) / top) * 29}`).join(' ');
  const line = document.createElementNS('http://www.w3.org/2000/svg', 'polyline');
  line.setAttribute('points', points);
  svg.append(line);
  return svg;
}

export async function selectRoom(code, name, state) {
  selected = code;
  drawMap();
  clearInterval(detailTimer);
  const box = document.getElementById('room-detail');
  const history = { bitrate: [], rtt: [], loss: [] };
  const watch = () => document.dispatchEvent(new CustomEvent('fieldrelay:watch', { detail: { name, hlsUrl: `/hls/room/${code}/index.m3u8`, path: `room/${code}` } }));
  const render = async () => {
    let room;
    try { room = await api(`/api/v1/rooms/${code}`); } catch {
      box.replaceChildren(el('h2', { text: name }), el('p', { text: `room/${code}` }), el('button', { type: 'button', onclick: watch }, t('watch')));
      return;
    }
    const live = room.live?.figures ?? room.live ?? {};
    history.bitrate.push(live.bitrate ?? 0); history.rtt.push(live.rttMs ?? 0); history.loss.push(live.lossPercent ?? 0);
    for (const k of Object.keys(history)) if (history[k].length > 30) history[k].shift();
    const status = room.live?.status ?? room.status;
    box.replaceChildren(
      el('h2', { text: `${room.name}` }),
      el('p', {}, statusDot(status), ` ${t(status)} · ${room.countyName} ${room.townshipName} · ${room.code}${room.synthetic ? ' (synthetic)' : ''}`),
      el('div', { class: 'figures' },
        el('span', { text: t('bitrate') }), sparkline(history.bitrate), el('span', { id: 'fig-bitrate', text: formatBitrate(live.bitrate) }),
        el('span', { text: t('rtt') }), sparkline(history.rtt), el('span', { text: live.rttMs != null ? `${live.rttMs.toFixed(0)} ms` : '–' }),
        el('span', { text: t('loss') }), sparkline(history.loss, 1), el('span', { text: live.lossPercent != null ? `${live.lossPercent.toFixed(1)} %` : '–' })),
      el('div', { class: 'actions' }, el('button', { type: 'button', id: 'detail-watch', onclick: watch }, t('watch'))));
  };
  await render();
  detailTimer = setInterval(render, 2000);
}

export function startRooms(state) {
  refreshAreas(state, true).then(() => search(state)).catch(() => {});
  setInterval(() => refreshAreas(state, false).catch(() => {}), 5000);
  document.getElementById('room-search').addEventListener('submit', (e) => { e.preventDefault(); search(state); });
  document.getElementById('room-q').addEventListener('input', () => { clearTimeout(search.timer); search.timer = setTimeout(() => search(state), 250); });
  document.getElementById('room-status').addEventListener('change', () => search(state));
  // Every caller's map: the admin's and the city's all 2,911 rooms, a county's or a township's own
  // (the registry scopes the list), a department none (it sees feeds only through sessions).
  const canvas = document.getElementById('map');
  tilesUrl = state.me.mapTilesUrl ?? null;
  loadAllRooms().catch(() => {});
  setInterval(() => loadAllRooms().catch(() => {}), 15000);
  canvas.addEventListener('click', (event) => {
    if (!rooms.length || !drawMap.project) return;
    const rect = canvas.getBoundingClientRect();
    const x = (event.clientX - rect.left) * (canvas.width / rect.width), y = (event.clientY - rect.top) * (canvas.height / rect.height);
    let best = null, bestDistance = Infinity;
    for (const r of rooms) { const [px, py] = drawMap.project(r); const d = (px - x) ** 2 + (py - y) ** 2; if (d < bestDistance) { bestDistance = d; best = r; } }
    if (best) selectRoom(best.code, best.name, state);
  });
  applyLabels(document);
}
