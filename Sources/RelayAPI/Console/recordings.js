// Recordings on an incident and on a session (issue 14): one row per feed with its recorded spans
// on a time axis across the recorded window (gaps drawn, not left blank), playback from any moment
// (the VOD playlist from there to the span's end), a range marked as evidence, the incident's legal
// hold, and exports of a range (progress polled, then a download link).
//
// The player is the browser's own HLS in a <video>: the VOD playlist is byte ranges into fMP4 files,
// which the console's LL-HLS player (llhls.js) does not read and Chromium's native HLS plays. It
// starts at the fragment holding the chosen moment, so the first PROGRAM-DATE-TIME says how far to
// seek into it. The panel outlives the redraws of the view around it: the same node (and player)
// is put back each time, and only its own parts are redrawn.
import { api, apiText, el, formatTime, orgName, withToken } from './api.js';
import { applyLabels, t, tf } from './i18n.js';
import { confirmAction, errorSentence } from './notices.js';

const panels = new Map(); // 'incident' | 'session' → the panel shown for it
// recording.maxPlaybackMinutes' default: a playlist never asks for more (a lower setting is refused, and said).
const maxPlaybackMs = 120 * 60 * 1000;
const refreshMs = 10000;

const iso = (ms) => new Date(ms).toISOString();

/// The recordings panel of an incident or a session (`kind`), the same node for the same one.
/// `incidentId` is the incident whose legal hold the panel shows; `nameOf` names a feed's path.
export function recordingsPanel(kind, id, { incidentId, nameOf = (path) => path } = {}) {
  let panel = panels.get(kind);
  if (panel?.id !== id) {
    panel?.dispose();
    panel = createPanel(kind, id, incidentId);
    panels.set(kind, panel);
  }
  panel.nameOf = nameOf;
  return panel.node;
}

/// Says every panel again in the language just chosen.
export function relabelRecordings() {
  for (const panel of panels.values()) {
    applyLabels(panel.node);
    drawAll(panel);
  }
}

function createPanel(kind, id, incidentId) {
  const panel = { kind, id, incidentId, nameOf: (p) => p, rows: [], window: null, selection: null, playing: null, press: null,
    hold: null, loadError: null, exports: [], marks: [], disposed: false, notePending: null };
  panel.video = el('video', { class: 'rec-video', controls: true, muted: true, playsinline: true, preload: 'auto', hidden: true });
  panel.video.muted = true;
  panel.noteInput = el('input', { class: 'rec-note-input', maxlength: 500 });
  panel.node = el('section', { class: 'recordings', id: `recordings-${kind}`, 'data-scope': kind, 'data-id': id, 'data-state': 'loading' },
    el('h3', {}, el('span', { 'data-i18n': 'recordings', text: t('recordings') }), ' ',
      el('button', { type: 'button', class: 'rec-refresh', 'data-i18n': 'refresh', text: t('refresh'), onclick: () => { panel.signature = null; load(panel); } })),
    el('p', { class: 'rec-status muted', role: 'status', text: t('recLoading') }),
    el('div', { class: 'rec-axis' }),
    el('div', { class: 'rec-rows' }),
    el('p', { class: 'rec-readout' }, el('span', { class: 'rec-pointer' }), el('span', { class: 'rec-selected' }), el('span', { class: 'rec-playing' })),
    panel.video,
    el('div', { class: 'actions rec-controls' }),
    el('form', { class: 'actions rec-note', hidden: true, onsubmit: (e) => { e.preventDefault(); answerNote(panel, panel.noteInput.value.trim()); } },
      el('label', { class: 'rec-note-label' }), panel.noteInput,
      el('button', { type: 'submit', class: 'rec-note-ok', 'data-i18n': 'ok', text: t('ok') }),
      el('button', { type: 'button', class: 'rec-note-cancel', 'data-i18n': 'cancel', text: t('cancel'), onclick: () => answerNote(panel, null) })),
    el('ul', { class: 'list rec-marks' }),
    el('ul', { class: 'list rec-exports' }),
    el('p', { class: 'rec-error error', role: 'alert' }));
  panel.video.addEventListener('timeupdate', () => drawPlaying(panel));
  panel.video.addEventListener('error', () => {
    panel.video.dataset.state = 'error';
    problem(panel, `${t('recCannotPlay')} (${panel.video.error?.message || panel.video.error?.code || ''})`);
  });
  panel.video.addEventListener('playing', () => { panel.video.dataset.state = 'playing'; });
  // Into the first fragment as far as the chosen moment lies (of the playlist loaded now).
  panel.video.addEventListener('loadedmetadata', () => {
    const offset = panel.playing?.offset ?? 0;
    if (offset > 0.05) panel.video.currentTime = offset;
    panel.video.play().catch(() => {});
  });
  // Refreshed while on screen (a recording still growing, a hold placed elsewhere).
  panel.timer = setInterval(() => { if (panel.node.offsetParent !== null && !document.hidden) load(panel); }, refreshMs);
  panel.dispose = () => {
    panel.disposed = true;
    clearInterval(panel.timer);
    for (const item of panel.exports) clearTimeout(item.timer);
    panel.video.removeAttribute('src');
    panel.video.load();
    panel.node.remove();
  };
  load(panel);
  return panel;
}

// MARK: - data

/// Reads the recordings and the hold; redraws only what changed (a redraw of the tracks would cut
/// short a drag in progress).
async function load(panel) {
  const query = `${panel.kind}=${encodeURIComponent(panel.id)}`;
  const hold = panel.incidentId ? api(`/api/v1/incidents/${encodeURIComponent(panel.incidentId)}/hold`).catch((error) => ({ error })) : null;
  try {
    panel.rows = rowsOf(await api(`/api/v1/recordings?${query}`));
    panel.loadError = null;
  } catch (error) {
    panel.loadError = error;
  }
  panel.hold = await hold;
  const signature = JSON.stringify([panel.rows, panel.hold, panel.loadError?.message ?? null]);
  if (panel.disposed || signature === panel.signature) return;
  panel.signature = signature;
  drawAll(panel);
}

/// One row per path, by path: its spans in time order, merged where they meet or overlap (an
/// incident lists a feed once per attach, so the same span can come twice), and the gaps between
/// them: those the server names for the path, or, from a server whose gaps name none, the time
/// between consecutive spans.
export function rowsOf({ spans = [], gaps = [] } = {}) {
  const rows = new Map();
  for (const s of spans) {
    if (!rows.has(s.path)) rows.set(s.path, { path: s.path, spans: [], gaps: [] });
    rows.get(s.path).spans.push({ from: Date.parse(s.from), to: Date.parse(s.to) });
  }
  const named = gaps.every((g) => g.path);
  for (const row of rows.values()) {
    row.spans = merged(row.spans);
    row.gaps = named
      ? merged(gaps.filter((g) => g.path === row.path).map((g) => ({ from: Date.parse(g.from), to: Date.parse(g.to) })))
      : row.spans.slice(1).map((s, i) => ({ from: row.spans[i].to, to: s.from }));
    // A gap is time not recorded: none inside a span (a span listed twice around its gap).
    row.gaps = row.gaps.filter((g) => g.to > g.from && !row.spans.some((s) => s.from <= g.from && s.to >= g.to));
  }
  return [...rows.values()].sort((a, b) => a.path.localeCompare(b.path));
}

function merged(ranges) {
  const out = [];
  for (const r of [...ranges].sort((a, b) => a.from - b.from)) {
    const last = out[out.length - 1];
    if (last && r.from <= last.to) last.to = Math.max(last.to, r.to);
    else out.push({ ...r });
  }
  return out;
}

/// The recorded window of all rows: from the first span's start to the last one's end.
function windowOf(rows) {
  const spans = rows.flatMap((r) => r.spans);
  if (!spans.length) return null;
  const from = Math.min(...spans.map((s) => s.from));
  const to = Math.max(...spans.map((s) => s.to));
  return { from, to: Math.max(to, from + 1000) };
}

// MARK: - drawing

function drawAll(panel) {
  drawTracks(panel);
  drawReadout(panel);
  drawControls(panel);
  drawMarks(panel);
  for (const item of panel.exports) drawExport(panel, item);
}

const part = (panel, name) => panel.node.querySelector(`.${name}`);

/// Where `ms` lies across the window, in percent.
function percent(panel, ms) {
  const { from, to } = panel.window;
  return Math.min(100, Math.max(0, ((ms - from) / (to - from)) * 100));
}

function placed(panel, from, to, minimum = 0) {
  const left = percent(panel, from);
  return `left:${left.toFixed(3)}%;width:${Math.max(minimum, percent(panel, to) - left).toFixed(3)}%`;
}

function drawTracks(panel) {
  const status = part(panel, 'rec-status');
  panel.window = windowOf(panel.rows);
  const state = panel.loadError ? 'error' : panel.window ? 'ready' : 'empty';
  panel.node.dataset.state = state;
  status.textContent = state === 'error' ? sentence(panel.loadError) : t(state === 'ready' ? 'recHint' : 'recNone');
  status.classList.toggle('error', state === 'error');
  const axis = part(panel, 'rec-axis');
  const rows = part(panel, 'rec-rows');
  if (!panel.window) {
    axis.replaceChildren();
    rows.replaceChildren();
    return;
  }
  // Five times along the axis: the window's ends and three between.
  const { from, to } = panel.window;
  axis.replaceChildren(el('span', { class: 'rec-name' }), el('div', { class: 'rec-ticks' },
    ...[0, 0.25, 0.5, 0.75, 1].map((f) => el('time', { style: `left:${f * 100}%`, datetime: iso(from + f * (to - from)), text: formatTime(from + f * (to - from)) }))));
  rows.replaceChildren(...panel.rows.map((row) => el('div', { class: 'rec-row', 'data-path': row.path },
    el('span', { class: 'rec-name', title: row.path, text: panel.nameOf(row.path) }), track(panel, row))));
  drawSelection(panel);
  drawCursor(panel);
}

/// A feed's track: its spans as bars, its gaps hatched, its evidence marks; pointing reads the time,
/// a click plays from there, a drag selects a range.
function track(panel, row) {
  const node = el('div', { class: 'rec-track', 'data-path': row.path },
    ...row.spans.map((s) => el('div', { class: 'rec-span', style: placed(panel, s.from, s.to, 0.4), 'data-from': iso(s.from), 'data-to': iso(s.to),
      title: `${t('recRecorded')} ${formatTime(s.from)} – ${formatTime(s.to)}` })),
    ...row.gaps.map((g) => el('div', { class: 'rec-gap', style: placed(panel, g.from, g.to, 0.4), 'data-from': iso(g.from), 'data-to': iso(g.to),
      title: `${t('recGap')} ${formatTime(g.from)} – ${formatTime(g.to)}` })),
    ...panel.marks.filter((m) => m.path === row.path).map((m) => el('div', { class: 'rec-mark', style: placed(panel, Date.parse(m.from), Date.parse(m.to), 0.4), title: m.note })),
    el('div', { class: 'rec-selection', hidden: true }),
    el('div', { class: 'rec-cursor', hidden: true }));
  const timeAt = (event) => {
    const box = node.getBoundingClientRect();
    const f = Math.min(1, Math.max(0, (event.clientX - box.left) / box.width));
    return panel.window.from + f * (panel.window.to - panel.window.from);
  };
  node.addEventListener('pointermove', (event) => {
    drawPointer(panel, timeAt(event));
    if (panel.press?.path === row.path && Math.abs(event.clientX - panel.press.x) > 4) {
      select(panel, row.path, Math.min(panel.press.time, timeAt(event)), Math.max(panel.press.time, timeAt(event)));
    }
  });
  node.addEventListener('pointerleave', () => drawPointer(panel, null));
  node.addEventListener('pointerdown', (event) => {
    panel.press = { path: row.path, x: event.clientX, time: timeAt(event) };
    node.setPointerCapture?.(event.pointerId);
  });
  node.addEventListener('pointerup', (event) => {
    const press = panel.press;
    panel.press = null;
    if (press?.path !== row.path) return;
    if (Math.abs(event.clientX - press.x) > 4) select(panel, row.path, Math.min(press.time, timeAt(event)), Math.max(press.time, timeAt(event)));
    else choose(panel, row, press.time);
  });
  return node;
}

function drawSelection(panel) {
  const sel = panel.selection;
  for (const node of panel.node.querySelectorAll('.rec-selection')) {
    const mine = sel && panel.window && node.parentElement.dataset.path === sel.path;
    node.hidden = !mine;
    if (mine) node.setAttribute('style', placed(panel, sel.from, sel.to, 0.4));
  }
}

function drawCursor(panel) {
  const wall = panel.playing?.wall;
  for (const node of panel.node.querySelectorAll('.rec-cursor')) {
    const mine = wall && panel.window && node.parentElement.dataset.path === panel.playing.path;
    node.hidden = !mine;
    if (mine) node.style.left = `${percent(panel, wall)}%`;
  }
}

function drawPointer(panel, ms) {
  part(panel, 'rec-pointer').textContent = ms === null ? '' : tf('recPointer', { time: formatTime(ms) });
}

function duration(ms) {
  const seconds = Math.round(ms / 1000);
  return tf('durationMS', { m: Math.floor(seconds / 60), s: seconds % 60 });
}

function drawReadout(panel) {
  const sel = panel.selection;
  const node = part(panel, 'rec-selected');
  node.textContent = sel
    ? tf('recSelected', { name: panel.nameOf(sel.path), from: formatTime(sel.from), to: formatTime(sel.to), duration: duration(sel.to - sel.from) })
    : (panel.window ? t('recNoSelection') : '');
  node.dataset.from = sel ? iso(sel.from) : '';
  node.dataset.to = sel ? iso(sel.to) : '';
  drawPlaying(panel);
}

function drawPlaying(panel) {
  const playing = panel.playing;
  const node = part(panel, 'rec-playing');
  if (!playing?.segments?.length) { node.textContent = ''; return; }
  playing.wall = wallClock(playing.segments, panel.video.currentTime);
  panel.video.dataset.wallTime = iso(playing.wall);
  node.textContent = tf('recPlaying', { name: panel.nameOf(playing.path), time: formatTime(playing.wall) });
  drawCursor(panel);
}

/// The buttons: evidence and export for the selected range, and the incident's legal hold switch
/// (disabled, with the reason, for a caller who may not use it).
function drawControls(panel) {
  const controls = part(panel, 'rec-controls');
  controls.hidden = !panel.window && !panel.hold;
  const none = !panel.selection;
  controls.replaceChildren(...[
    panel.window ? el('button', { type: 'button', class: 'rec-evidence', disabled: none, title: none ? t('recSelectFirst') : '', onclick: () => quietly(markEvidence(panel)) }, t('recMarkEvidence')) : null,
    panel.window ? el('button', { type: 'button', class: 'rec-export', disabled: none, title: none ? t('recSelectFirst') : '', onclick: () => quietly(startExport(panel)) }, t('recExport')) : null,
    ...holdSwitch(panel)].filter(Boolean));
}

function holdSwitch(panel) {
  const state = panel.hold;
  if (!state) return [];
  if (state.error) return [el('span', { class: 'rec-hold-state muted', text: `${t('recHold')}: ${sentence(state.error)}` })];
  const actions = state.actions ?? [];
  const allowed = actions.length > 0;
  const held = state.held === true;
  const hold = state.hold;
  return [
    el('button', {
      type: 'button', class: 'rec-hold', role: 'switch', 'aria-checked': held ? 'true' : 'false', 'data-held': held ? 'yes' : 'no',
      disabled: !allowed, title: allowed ? t(held ? 'recHoldRelease' : 'recHoldPlace') : t('recHoldNotAllowed'),
      onclick: () => quietly(toggleHold(panel)),
    }, `${t('recHold')}: ${t(held ? 'recHoldOn' : 'recHoldOff')}`),
    held && hold ? el('span', { class: 'rec-hold-by muted', text: tf('recHoldBy', { org: hold.placedBy === 'admin' ? t('admin') : orgName(hold.placedBy), time: formatTime(hold.placedAt), note: hold.note ? ` · ${hold.note}` : '' }) }) : null,
    allowed ? null : el('span', { class: 'rec-hold-reason muted', text: t('recHoldNotAllowed') }),
  ];
}

function drawMarks(panel) {
  part(panel, 'rec-marks').replaceChildren(...panel.marks.map((m) => el('li', { class: 'rec-marked', 'data-mark': m.id },
    tf('recMarked', { name: panel.nameOf(m.path), from: formatTime(m.from), to: formatTime(m.to) }), m.note ? ` · ${m.note}` : '')));
}

function sentence(error) {
  const said = errorSentence(error);
  return error?.message && error.message !== String(error?.status) ? `${said} (${error.message})` : said;
}

/// Says what went wrong in the panel itself (cleared by the next thing that works).
function problem(panel, error) {
  const node = part(panel, 'rec-error');
  node.textContent = typeof error === 'string' ? error : sentence(error);
  node.dataset.code = error?.code ?? '';
}

function clearProblem(panel) {
  part(panel, 'rec-error').textContent = '';
}

/// Runs a handler's promise whose failure the panel has said already.
function quietly(promise) { promise.catch(() => {}); }

// MARK: - choosing and playing

/// A click at `time` on a feed's track: plays from there to the end of its span (a click in a gap
/// plays from the next span) and selects that range.
function choose(panel, row, time) {
  const span = row.spans.find((s) => time >= s.from && time < s.to) ?? row.spans.find((s) => s.from > time);
  if (!span) { problem(panel, t('recNothingThen')); return; }
  // At least a second to play: a click at the very end of a span plays its last second.
  const from = Math.max(span.from, Math.min(time, span.to - 1000));
  select(panel, row.path, from, span.to);
  quietly(play(panel, row.path, from, Math.min(span.to, from + maxPlaybackMs)));
}

function select(panel, path, from, to) {
  panel.selection = { path, from, to };
  drawSelection(panel);
  drawReadout(panel);
  drawControls(panel);
}

/// The playlist's fragments with their media time, length and recording time.
export function playlistTimes(text) {
  const segments = [];
  let pdt = null;
  let length = 0;
  let start = 0;
  for (const line of text.split('\n').map((l) => l.trim())) {
    if (line.startsWith('#EXT-X-PROGRAM-DATE-TIME:')) pdt = Date.parse(line.slice(line.indexOf(':') + 1));
    else if (line.startsWith('#EXTINF:')) length = parseFloat(line.slice(8));
    else if (line && !line.startsWith('#')) {
      segments.push({ start, length, pdt });
      start += length;
    }
  }
  return segments;
}

/// The recording time shown at media time `seconds`.
export function wallClock(segments, seconds) {
  let at = segments[0];
  for (const s of segments) if (s.start <= seconds) at = s;
  return at.pdt + (seconds - at.start) * 1000;
}

/// Plays `path` from `from` to `to`: the playlist is read first (a refusal is said in words, which
/// a <video> error never is, and its first fragment's time says how far into it `from` lies), then
/// handed to the <video> with the token in its URL (a player sends no header).
async function play(panel, path, from, to) {
  const url = `/playback/${path}/index.m3u8?from=${iso(from)}&to=${iso(to)}`;
  panel.playing = { path, from, to, url, segments: [] };
  const video = panel.video;
  video.dataset.state = 'loading';
  video.dataset.from = iso(from);
  video.dataset.path = path;
  let text;
  try {
    text = await apiText(url);
  } catch (error) {
    video.dataset.state = 'error';
    problem(panel, error);
    throw error;
  }
  if (panel.playing?.url !== url) return; // another moment was chosen meanwhile
  clearProblem(panel);
  panel.playing.segments = playlistTimes(text);
  panel.playing.offset = Math.max(0, (from - (panel.playing.segments[0]?.pdt ?? from)) / 1000);
  video.hidden = false;
  video.src = withToken(url);
}

// MARK: - evidence, hold, export

/// Asks for a note in the panel (not window.prompt): resolves with the text, or null when cancelled.
function askNote(panel, labelKey) {
  answerNote(panel, null);
  const form = part(panel, 'rec-note');
  const label = part(panel, 'rec-note-label');
  label.dataset.i18n = labelKey;
  label.textContent = t(labelKey);
  panel.noteInput.value = '';
  panel.noteInput.setAttribute('aria-label', t(labelKey));
  form.hidden = false;
  form.dataset.for = labelKey;
  panel.noteInput.focus();
  return new Promise((resolve) => { panel.notePending = resolve; });
}

function answerNote(panel, value) {
  const pending = panel.notePending;
  panel.notePending = null;
  part(panel, 'rec-note').hidden = true;
  pending?.(value);
}

async function markEvidence(panel) {
  const sel = panel.selection;
  if (!sel) { problem(panel, t('recSelectFirst')); return; }
  const note = await askNote(panel, 'recNoteEvidence');
  if (note === null) return;
  try {
    const mark = await api('/api/v1/recordings/evidence', { method: 'POST', body: { path: sel.path, from: iso(sel.from), to: iso(sel.to), note } });
    clearProblem(panel);
    panel.marks.push(mark);
    drawMarks(panel);
    drawTracks(panel);
  } catch (error) {
    problem(panel, error);
  }
}

async function toggleHold(panel) {
  const held = panel.hold?.held === true;
  const path = `/api/v1/incidents/${encodeURIComponent(panel.incidentId)}/hold`;
  try {
    if (held) {
      if (!(await confirmAction(t('confirmReleaseHold'), t('recHoldRelease')))) return;
      await api(path, { method: 'DELETE' });
    } else {
      const note = await askNote(panel, 'recNoteHold');
      if (note === null) return;
      await api(path, { method: 'POST', body: { note } });
    }
    clearProblem(panel);
  } catch (error) {
    problem(panel, error);
  }
  panel.hold = await api(path).catch((error) => ({ error }));
  drawControls(panel);
}

async function startExport(panel) {
  const sel = panel.selection;
  if (!sel) { problem(panel, t('recSelectFirst')); return; }
  const note = await askNote(panel, 'recNoteExport');
  if (note === null) return;
  let job;
  try {
    // The incident's record gets the export's events (asked, finished, downloaded).
    const body = { path: sel.path, from: iso(sel.from), to: iso(sel.to), note };
    if (panel.incidentId) body.incident = panel.incidentId;
    job = await api('/api/v1/exports', { method: 'POST', body });
  } catch (error) {
    problem(panel, error);
    return;
  }
  clearProblem(panel);
  const item = { id: job.id, state: job.state ?? 'queued', progress: 0, path: sel.path, from: sel.from, to: sel.to, node: el('li', { class: 'rec-export-job', 'data-export': job.id }) };
  panel.exports.unshift(item);
  part(panel, 'rec-exports').prepend(item.node);
  drawExport(panel, item);
  poll(panel, item);
}

/// Asks how an export is going every second until it is done or failed; a refusal stops it (and
/// is said), a failure to reach the server is tried again.
async function poll(panel, item) {
  if (panel.disposed) return;
  let wait = 1000;
  try {
    const job = await api(`/api/v1/exports/${encodeURIComponent(item.id)}`);
    Object.assign(item, { state: job.state, progress: job.progress ?? item.progress, error: job.error ?? null, problem: null });
  } catch (error) {
    item.problem = error;
    if (error.status >= 400 && error.status < 500) item.state = 'failed';
    wait = 3000;
  }
  drawExport(panel, item);
  if (item.state === 'queued' || item.state === 'running' || (item.problem && item.state !== 'failed')) {
    item.timer = setTimeout(() => poll(panel, item), wait);
  }
}

function drawExport(panel, item) {
  const progress = Math.max(0, Math.min(1, Number(item.progress) || 0));
  const done = item.state === 'done';
  item.node.dataset.state = item.state;
  item.node.replaceChildren(...[
    el('span', {}, `${panel.nameOf(item.path)} ${formatTime(item.from)} – ${formatTime(item.to)}`),
    el('progress', { class: 'rec-progress', max: 1, value: done ? 1 : progress }),
    el('span', { class: 'rec-export-state', text: `${t(`recExport.${item.state}`)}${item.state === 'running' ? ` ${Math.round(progress * 100)}%` : ''}` }),
    done ? el('a', { class: 'rec-download', href: withToken(`/api/v1/exports/${encodeURIComponent(item.id)}/download`), download: '' }, t('recDownload')) : null,
    item.error ? el('span', { class: 'error', text: item.error }) : null,
    item.problem ? el('span', { class: 'error', text: sentence(item.problem) }) : null].filter(Boolean));
}
