// Incidents: the list (state, grade, village, overdue, open and closed sessions) and one
// incident's history: its reports and deadlines, its sessions (open or closed, each can be opened),
// a new session when none is open, the final report, which closes the incident, and its feeds'
// recordings (recordings.js). The incident shown lives in the address (`?incident=ID`), so a
// reload comes back to it.
import { api, el, formatTime, gradeBadge, loadOrgNames, orgName } from './api.js';
import { t } from './i18n.js';
import { roomsWithCoordinates, villagesOf } from './rooms.js';
import { distanceKm, drawMap } from './map.js';
import { toast } from './app.js';
import { showError } from './notices.js';
import { recordingsPanel, relabelRecordings } from './recordings.js';
import { updateRoute } from './route.js';

let state;
let current = null; // the incident shown
let shown = ''; // what the shown incident looked like when drawn (redrawn only when it changes)

function villageName(incident) {
  if (incident.placeName) return incident.placeName;
  const code = incident.villageCode ?? incident.townshipCode ?? '';
  return villagesOf(state.areas || []).find((v) => v.code === code)?.name ?? code;
}

function stageLabel(stage) {
  return String(stage).split(' ').map((word, i) => (i ? word : t(word))).join(' ');
}

async function refreshIncidents() {
  const filter = document.getElementById('incident-filter').value;
  const { incidents } = await api(`/api/v1/incidents${filter ? `?state=${filter}` : ''}`);
  incidents.sort((a, b) => String(b.createdAt).localeCompare(String(a.createdAt)));
  const list = document.getElementById('incident-list');
  list.replaceChildren(...incidents.map((incident) => el('li', { 'data-incident': incident.id, 'data-state': incident.state, class: incident.id === current ? 'current' : '' },
    el('button', { type: 'button', class: 'incident-open', onclick: () => openIncident(incident.id) }, incident.title),
    gradeBadge(incident.grade, t),
    el('span', { class: 'muted', title: incident.villageCode ?? incident.townshipCode ?? '', text: villageName(incident) }),
    el('span', { class: `state ${incident.state}`, text: t(incident.state === 'open' ? 'incidentOpen' : 'incidentClosed') }),
    incident.openSession ? el('span', { class: 'badge live', text: t('sessionLive') }) : null,
    el('span', { class: 'muted', text: `${t('sessionCount')} ${incident.sessions.length}` }),
    incident.overdue ? el('span', { class: 'badge overdue', text: t('overdue') }) : null)));
  if (incidents.length === 0) list.replaceChildren(el('li', { text: t('none') }));
  if (current) await renderIncident(current);
}

/// Runs a command; a refusal is said as every refusal in the console is (notices.js: in the chosen
/// language, until dismissed) and rethrown.
async function act(path, body) {
  try {
    return await api(path, { method: 'POST', body: body ?? {} });
  } catch (error) {
    showError(error);
    throw error;
  }
}

async function renderIncident(id, { force = false } = {}) {
  const incident = await api(`/api/v1/incidents/${id}`);
  const sessions = await Promise.all(incident.sessions.map((s) => api(`/api/v1/sessions/${s}`).catch(() => ({ id: s, state: 'unknown', participants: [] }))));
  const signature = JSON.stringify([incident, sessions.map((s) => [s.id, s.state, s.host, s.closedAt])]);
  if (!force && signature === shown) return;
  shown = signature;
  const panel = document.getElementById('incident-panel');
  panel.hidden = false;
  panel.dataset.incident = id;
  panel.dataset.state = incident.state;
  const mayAct = state.me.kind === 'organisation' && incident.state === 'open';
  const parts = [
    el('h2', {}, `${incident.title} `, gradeBadge(incident.grade, t)),
    el('p', {}, `${t(incident.category)} · `, el('span', { title: incident.villageCode ?? incident.townshipCode ?? '', text: villageName(incident) }),
      ` · ${t('reporter')} `, el('span', { title: incident.reporter, text: incident.reporterName ?? incident.reporter }), ` · ${formatTime(incident.createdAt)} · `,
      el('strong', { id: 'incident-state', text: t(incident.state === 'open' ? 'incidentOpen' : 'incidentClosed') }),
      incident.overdue ? el('span', { class: 'badge overdue', text: t('overdue') }) : null),
    el('h3', { text: t('report') }),
    el('ul', { class: 'list', id: 'incident-reports' },
      ...incident.reports.map((r) => el('li', { 'data-stage': String(r.stage).split(' ')[0] }, el('time', { text: formatTime(r.filedAt) }),
        ` ${stageLabel(r.stage)} · `, el('span', { title: r.author, text: orgName(r.author) }), ` · ${r.text}`)),
      ...incident.reporting.due.map((d) => el('li', { class: 'due' }, `${t('due')} ${t(d.stage)} ${formatTime(d.dueAt)}`, d.isOverdue ? el('span', { class: 'badge overdue', text: t('overdue') }) : null))),
    el('h3', { text: t('sessionHistory') }),
    el('ul', { class: 'list', id: 'incident-sessions' }, ...sessions.map((s) => el('li', { 'data-session': s.id, 'data-state': s.state },
      el('button', { type: 'button', class: 'incident-session-open', onclick: () => state.reporting.openSession(s.id) }, s.id),
      ` ${t(s.state === 'open' ? 'sessionLive' : 'closed')} · ${t('host')} `, el('span', { title: s.host ?? '', text: s.hostName ?? s.host ?? '' }),
      ` · ${formatTime(s.createdAt)}${s.closedAt ? ` – ${formatTime(s.closedAt)}` : ''}`))),
  ];
  if (sessions.length === 0) parts[parts.length - 1].append(el('li', { text: t('none') }));
  parts.push(recordingsPanel('incident', id, { incidentId: id, nameOf: (path) => state.reporting?.pathName(path) ?? path }));
  parts.push(...placeAndNearby(incident));
  if (mayAct && !incident.openSession) {
    parts.push(el('div', { class: 'actions' }, el('button', {
      type: 'button', id: 'incident-new-session',
      onclick: async (e) => {
        const button = e.currentTarget;
        button.disabled = true; // one session per click, however fast the clicks
        try {
          const session = await act(`/api/v1/incidents/${id}/sessions`);
          await renderIncident(id, { force: true });
          await state.reporting.openSession(session.id);
        } catch { button.disabled = false; /* act() has said why */ }
      },
    }, t('startSession'))));
  }
  if (mayAct) {
    // The first report comes first; then follow-ups, and the final report that closes the incident.
    const hasFirst = incident.reports.some((r) => String(r.stage).startsWith('first'));
    const stages = hasFirst ? ['followup', 'final'] : ['first'];
    const stage = el('select', { id: 'incident-stage' }, ...stages.map((s) => el('option', { value: s, text: t(s) })));
    const text = el('input', { id: 'incident-report-text', required: true });
    parts.push(el('form', {
      class: 'actions', id: 'incident-report-form',
      onsubmit: async (e) => {
        e.preventDefault();
        try {
          await act(`/api/v1/incidents/${id}/reports`, { stage: stage.value, text: text.value });
        } catch { return; /* act() has said why */ }
        if (stage.value === 'final') toast(t('incidentClosedByFinal'));
        await renderIncident(id, { force: true }).catch(() => {});
        refreshIncidents().catch(() => {});
      },
    }, el('label', { for: 'incident-stage', text: t('stage') }), stage, el('label', { for: 'incident-report-text', text: t('report') }), text,
    el('button', { type: 'submit' }, t('file'))));
  }
  panel.replaceChildren(...parts);
}

/// Where the incident is and the rooms nearest to it (from the registry's coordinates), each of
/// which can go on the wall: the village room on the spot, and its neighbours' views.
function placeAndNearby(incident) {
  const rooms = roomsWithCoordinates();
  const code = incident.villageCode ?? incident.townshipCode ?? '';
  const around = rooms.filter((r) => r.code.startsWith(code));
  if (!around.length) return [];
  const place = {
    latitude: around.reduce((s, r) => s + r.latitude, 0) / around.length,
    longitude: around.reduce((s, r) => s + r.longitude, 0) / around.length,
  };
  const nearby = rooms.map((r) => ({ room: r, km: distanceKm(place, r) })).filter((n) => n.km <= 20)
    .sort((a, b) => a.km - b.km).slice(0, 8);
  const canvas = el('canvas', { id: 'incident-map', width: 360, height: 220, role: 'img', 'aria-label': t('placeAndNearby') });
  canvas.dataset.points = nearby.length;
  requestAnimationFrame(() => drawMap(canvas, { points: nearby.map((n) => n.room), marker: place, tilesUrl: state.me.mapTilesUrl ?? null }));
  const watch = (r) => document.dispatchEvent(new CustomEvent('fieldrelay:watch', { detail: { name: r.name, hlsUrl: `/hls/room/${r.code}/index.m3u8`, path: `room/${r.code}` } }));
  return [
    el('h3', { text: t('placeAndNearby') }),
    canvas,
    el('ul', { class: 'list', id: 'incident-nearby' }, ...nearby.map(({ room, km }) => el('li', { 'data-code': room.code, 'data-status': room.status ?? 'offline' },
      el('span', { class: `dot ${room.status ?? 'offline'}`, title: t(room.status ?? 'offline') }),
      el('span', { title: `room/${room.code}`, text: room.name }),
      el('span', { class: 'muted', text: `${km.toFixed(1)} km` }),
      el('button', { type: 'button', class: 'nearby-watch', onclick: () => watch(room) }, t('watch'))))),
  ];
}

export async function openIncident(id) {
  current = id;
  updateRoute({ params: { incident: id } });
  for (const li of document.querySelectorAll('#incident-list li')) li.classList.toggle('current', li.dataset.incident === id);
  await renderIncident(id, { force: true });
}

export function startIncidents(appState, params = new URLSearchParams()) {
  state = appState;
  loadOrgNames().catch(() => {});
  state.incidents = { openIncident, refreshIncidents };
  document.getElementById('incident-filter').addEventListener('change', () => refreshIncidents().catch(() => {}));
  // A new incident (made in this console) is listed and shown at once.
  document.addEventListener('fieldrelay:incident', (e) => { refreshIncidents().then(() => openIncident(e.detail)).catch(() => {}); });
  document.addEventListener('fieldrelay:areas', () => refreshIncidents().catch(() => {}));
  // The rooms' coordinates arrive: draw the shown incident's place and neighbours.
  document.addEventListener('fieldrelay:rooms', () => { if (current) renderIncident(current, { force: !document.getElementById('incident-map') }).catch(() => {}); });
  // Another language: the list and the incident shown are said again (app.js switches first).
  document.getElementById('lang').addEventListener('click', () => {
    relabelRecordings();
    refreshIncidents().catch(() => {});
    if (current) renderIncident(current, { force: true }).catch(() => {});
  });
  const remembered = params.get('incident');
  if (remembered && /^[A-Za-z0-9_-]{1,64}$/.test(remembered)) openIncident(remembered).catch(() => updateRoute({ params: { incident: null } }));
  refreshIncidents().catch(() => {});
  setInterval(() => refreshIncidents().catch(() => {}), 5000);
}
