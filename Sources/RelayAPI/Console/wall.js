// The video wall: 1, 4, 9 or 16 tiles, each its own LowLatencyPlayer; a focus tile; tiles
// restart by themselves (the player's loop) when a camera drops and comes back. The layout and
// the feeds live in the address (`#/wall?layout=9&feeds=a,,b`), so a reload restores the wall and
// a hall can bookmark it; a joint session's focus feed is shown focused on every participant's wall.
import { api, el, formatBitrate, formatTime, token } from './api.js';
import { applyLabels, t } from './i18n.js';
import { LowLatencyPlayer } from './llhls.js';
import { isSourcePath, updateRoute } from './route.js';
import { toast } from './app.js';

const tiles = []; // { node, player, source }
const sources = new Map(); // hlsUrl -> { name, hlsUrl, path }
let selectedTile = 0;

function layout(n) {
  const wall = document.getElementById('wall');
  wall.style.setProperty('--cols', Math.sqrt(n));
  while (tiles.length > n) { const tile = tiles.pop(); tile.player?.stop(); tile.node.remove(); }
  while (tiles.length < n) {
    const index = tiles.length;
    const node = document.getElementById('tile-template').content.firstElementChild.cloneNode(true);
    node.dataset.index = index;
    node.setAttribute('role', 'group');
    node.setAttribute('aria-label', `${t('tile')} ${index + 1}`);
    node.querySelector('.tile-name').textContent = `${index + 1} · ${t('noSource')}`;
    node.querySelector('.tile-focus').addEventListener('click', () => focus(index));
    node.querySelector('.tile-clear').addEventListener('click', () => put(index, null));
    node.addEventListener('click', () => select(index));
    wall.append(node);
    tiles.push({ node, player: null, source: null });
  }
  const tileSelect = document.getElementById('wall-tile');
  tileSelect.replaceChildren(...tiles.map((_, i) => el('option', { value: i, text: `${i + 1}` })));
  select(Math.min(selectedTile, n - 1));
  applyLabels(wall);
  document.getElementById('wall-layout').value = String(n);
  remember();
}

/// The wall in the address: its layout and each tile's path (empty tiles keep their place).
function remember() {
  const feeds = tiles.map((tile) => tile.source?.path ?? '');
  while (feeds.length && !feeds[feeds.length - 1]) feeds.pop();
  updateRoute({ params: { layout: tiles.length, feeds: feeds.join(',') } });
}

/// A source for `path` as the wall plays it (the player sends the caller's token as a header).
function sourceFor(path, name = path) {
  return { name, path, hlsUrl: `/hls/${path}/index.m3u8` };
}

function select(index) {
  selectedTile = index;
  tiles.forEach((tile, i) => tile.node.classList.toggle('selected', i === index));
  document.getElementById('wall-tile').value = index;
}

function focus(index, on = !tiles[index].node.classList.contains('focused')) {
  const tile = tiles[index];
  for (const other of tiles) other.node.classList.remove('focused');
  tile.node.classList.toggle('focused', on);
  if (on) tile.node.parentElement.prepend(tile.node);
  else tiles.forEach((x) => x.node.parentElement.append(x.node));
  tile.node.querySelector('.tile-focus').textContent = on ? t('unfocus') : t('focus');
}

/// Shows a joint session's focus feed focused on this wall, putting it on a free tile if it is
/// not there yet (never over a feed the hall chose).
function sessionFocus(path, name) {
  for (const tile of tiles) tile.node.classList.toggle('session-focus', tile.source?.path === path);
  let index = tiles.findIndex((tile) => tile.source?.path === path);
  if (index < 0) {
    index = tiles.findIndex((tile) => !tile.source);
    if (index < 0) return;
    put(index, sourceFor(path, name));
  }
  tiles[index].node.classList.add('session-focus');
  focus(index, true);
}

/// Puts `source` ({name, hlsUrl}) into tile `index` (null empties it).
export function put(index, source) {
  const tile = tiles[index];
  tile.player?.stop();
  tile.player = null;
  tile.source = source;
  const node = tile.node;
  node.classList.remove('session-focus');
  node.dataset.path = source?.path ?? '';
  node.querySelector('.tile-name').textContent = source ? source.name : `${index + 1} · ${t('noSource')}`;
  node.querySelector('.tile-name').title = source?.path ?? '';
  for (const k of ['status', 'bitrate', 'delay']) node.querySelector(`.tile-${k}`).textContent = '';
  if (!source) { remember(); return; }
  const status = node.querySelector('.tile-status');
  const player = new LowLatencyPlayer(node.querySelector('video'), source.hlsUrl, {
    token: token(),
    onState: ({ state, detail, since, lastFrameAt }) => {
      status.className = `tile-status ${state}`;
      let text = state === 'unsupported' ? `${t('unsupported')} (${detail})` : t(state) + (detail === 'native' ? ` · ${t('native')}` : '');
      // A lost signal says since when, and when the picture still shown was taken.
      if (state === 'lost' && since) text += ` · ${t('since')} ${formatTime(since)}`;
      if (state === 'lost' && lastFrameAt) text += ` · ${t('lastFrame')} ${formatTime(lastFrameAt)}`;
      status.textContent = text;
      status.title = state === 'ended' || state === 'lost' ? detail : '';
      node.dataset.state = state;
      node.dataset.overlay = state === 'lost' || state === 'ended' ? t(state) : '';
      node.dataset.restarts = player.restarts;
      node.querySelector('.tile-bitrate').textContent = state === 'playing' || state === 'buffering' ? `${t('bitrate')} ${formatBitrate(player.bitrate)}` : '';
      node.querySelector('.tile-delay').textContent = state === 'playing' && player.delay != null ? `${t('delay')} ${player.delay.toFixed(1)} s` : '';
      if (player.delay != null) node.dataset.delay = player.delay.toFixed(2);
      // What the server said the feed is (its multivariant playlist's CODECS), for a glance and the tests.
      node.dataset.codecs = player.variant?.codecs ?? '';
    },
  });
  tile.player = player;
  player.start();
  remember();
}

export function addSource(source) {
  sources.set(source.hlsUrl.split('?')[0], source);
  const select = document.getElementById('wall-source');
  const current = select.value;
  select.replaceChildren(...[...sources.values()].map((s) => el('option', { value: s.hlsUrl, text: s.name, title: s.path, 'data-path': s.path })));
  if (current) select.value = current;
}

async function refreshPaths() {
  const { paths } = await api('/api/v1/paths');
  for (const p of paths) if (p.status !== 'offline') addSource({ name: p.name ?? p.path, hlsUrl: p.hlsUrl, path: p.path });
  // Tiles restored from the address know only their paths: give them their names.
  for (const tile of tiles) {
    const known = paths.find((p) => p.path === tile.source?.path);
    if (known?.name && tile.source.name !== known.name) {
      tile.source.name = known.name;
      tile.node.querySelector('.tile-name').textContent = known.name;
    }
  }
}

/// Puts several sources on the wall at once: the first into tile `index`, the rest into the free
/// tiles after it (then any free tile). Returns the tiles used.
function putMany(index, list) {
  const used = [];
  for (const source of list) {
    let at = used.length === 0 ? index : tiles.findIndex((tile, i) => i > used[used.length - 1] && !tile.source);
    if (at < 0) at = tiles.findIndex((tile) => !tile.source);
    if (at < 0) break;
    put(at, source);
    used.push(at);
  }
  return used;
}

export function startWall(state, params = new URLSearchParams()) {
  state.wall = { tiles, put, addSource, sessionFocus };
  const size = Number(params.get('layout'));
  layout([1, 4, 9, 16].includes(size) ? size : 4);
  // The feeds named in the address, each in its place.
  (params.get('feeds') ?? '').split(',').slice(0, tiles.length).forEach((path, i) => {
    if (isSourcePath(path)) put(i, sourceFor(path));
  });
  document.getElementById('wall-layout').addEventListener('change', (e) => layout(Number(e.target.value)));
  document.getElementById('wall-tile').addEventListener('change', (e) => select(Number(e.target.value)));
  document.getElementById('wall-controls').addEventListener('submit', (e) => {
    e.preventDefault();
    const chosen = [...document.getElementById('wall-source').selectedOptions]
      .map((o) => [...sources.values()].find((s) => s.hlsUrl === o.value)).filter(Boolean);
    putMany(selectedTile, chosen);
  });
  // 上墙观看 elsewhere in the console puts the feed (or feeds) on the wall and stays where it is.
  document.addEventListener('fieldrelay:watch', (e) => {
    const list = Array.isArray(e.detail) ? e.detail : [e.detail];
    for (const source of list) addSource(source);
    const fresh = list.filter((source) => !tiles.some((tile) => tile.source?.path === source.path));
    const free = tiles.findIndex((tile) => !tile.source);
    const used = fresh.length ? putMany(free >= 0 ? free : selectedTile, fresh) : [];
    toast(`${t('onWall')}: ${used.map((i) => `${t('tile')} ${i + 1}`).join(', ') || t('alreadyOnWall')}`);
  });
  document.addEventListener('fieldrelay:focus', (e) => sessionFocus(e.detail.path, e.detail.name));
  // Another language: the empty tiles' labels are said again (states follow at the next sample).
  document.getElementById('lang').addEventListener('click', () => {
    tiles.forEach((tile, i) => { if (!tile.source) tile.node.querySelector('.tile-name').textContent = `${i + 1} · ${t('noSource')}`; });
  });
  refreshPaths().catch(() => {});
  setInterval(() => refreshPaths().catch(() => {}), 5000);
}
