// The video wall: 1, 4, 9 or 16 tiles, each its own LowLatencyPlayer; a focus tile; tiles
// restart by themselves (the player's loop) when a camera drops and comes back.
import { api, el, formatBitrate, formatTime, token } from './api.js';
import { applyLabels, t } from './i18n.js';
import { LowLatencyPlayer } from './llhls.js';

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
}

function select(index) {
  selectedTile = index;
  tiles.forEach((tile, i) => tile.node.classList.toggle('selected', i === index));
  document.getElementById('wall-tile').value = index;
}

function focus(index) {
  const tile = tiles[index];
  const on = !tile.node.classList.contains('focused');
  for (const other of tiles) other.node.classList.remove('focused');
  tile.node.classList.toggle('focused', on);
  if (on) tile.node.parentElement.prepend(tile.node);
  else tiles.forEach((x) => x.node.parentElement.append(x.node));
  tile.node.querySelector('.tile-focus').textContent = on ? t('unfocus') : t('focus');
}

/// Puts `source` ({name, hlsUrl}) into tile `index` (null empties it).
export function put(index, source) {
  const tile = tiles[index];
  tile.player?.stop();
  tile.player = null;
  tile.source = source;
  const node = tile.node;
  node.dataset.path = source?.path ?? '';
  node.querySelector('.tile-name').textContent = source ? source.name : `${index + 1} · ${t('noSource')}`;
  for (const k of ['status', 'bitrate', 'delay']) node.querySelector(`.tile-${k}`).textContent = '';
  if (!source) return;
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
}

export function addSource(source) {
  sources.set(source.hlsUrl.split('?')[0], source);
  const select = document.getElementById('wall-source');
  const current = select.value;
  select.replaceChildren(...[...sources.values()].map((s) => el('option', { value: s.hlsUrl, text: s.name })));
  if (current) select.value = current;
}

async function refreshPaths() {
  const { paths } = await api('/api/v1/paths');
  for (const p of paths) if (p.status !== 'offline') addSource({ name: p.path, hlsUrl: p.hlsUrl, path: p.path });
}

export function startWall(state) {
  state.wall = { tiles, put, addSource };
  layout(4);
  document.getElementById('wall-layout').addEventListener('change', (e) => layout(Number(e.target.value)));
  document.getElementById('wall-tile').addEventListener('change', (e) => select(Number(e.target.value)));
  document.getElementById('wall-controls').addEventListener('submit', (e) => {
    e.preventDefault();
    const url = document.getElementById('wall-source').value;
    const source = [...sources.values()].find((s) => s.hlsUrl === url);
    if (source) put(selectedTile, source);
  });
  document.addEventListener('fieldrelay:watch', (e) => {
    addSource(e.detail);
    const free = tiles.findIndex((tile) => !tile.source);
    put(free >= 0 ? free : selectedTile, e.detail);
    document.dispatchEvent(new CustomEvent('fieldrelay:show', { detail: 'wall' }));
  });
  refreshPaths().catch(() => {});
  setInterval(() => refreshPaths().catch(() => {}), 5000);
}
