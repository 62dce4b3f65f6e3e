// The joint-reporting console: open an incident from a village, start its session, attach
// feeds, invite, escalate, hand over, file reports (overdue shows), close; the session's record
// as a live timeline (Server-Sent Events). Open sessions are polled, so a county or city hall
// sees an invitation arrive without reloading.
import { api, el, formatTime, gradeBadge, loadOrgNames, orgName, token } from './api.js';
import { applyLabels, t } from './i18n.js';
import { villagesOf } from './rooms.js';
import { toast } from './app.js';
import { updateRoute } from './route.js';

let state;
let current = null; // the selected session id
let stream = null;
const focusSeen = new Map(); // session id -> the focus path last shown on the wall

const acts = () => state.me.kind === 'organisation';
const cityId = '520600';

async function act(path, body, message) {
  try {
    const result = await api(path, { method: 'POST', body: body ?? {} });
    if (message) toast(message);
    return result;
  } catch (error) {
    toast(`${error.status}: ${error.message}`);
    throw error;
  }
}

function fillVillages() {
  const select = document.getElementById('inc-village');
  const villages = villagesOf(state.areas || []);
  select.replaceChildren(...villages.map((v) => el('option', { value: v.code, text: `${v.name} (${v.code})` })));
}

async function createIncident(event) {
  event.preventDefault();
  const villageCode = document.getElementById('inc-village').value;
  const incident = await act('/api/v1/incidents', {
    villageCode, category: document.getElementById('inc-category').value, grade: document.getElementById('inc-grade').value,
    title: document.getElementById('inc-title').value, report: document.getElementById('inc-report').value || undefined,
  });
  document.dispatchEvent(new CustomEvent('fieldrelay:incident', { detail: incident.id }));
  const out = document.getElementById('incident-created');
  out.replaceChildren(`${t('incident')} ${incident.id} `, el('button', {
    type: 'button', id: 'start-session', onclick: async () => {
      const session = await act(`/api/v1/incidents/${incident.id}/sessions`, {});
      out.textContent = '';
      await refreshSessions();
      openSession(session.id);
    },
  }, t('startSession')));
}

async function refreshSessions() {
  const { sessions } = await api('/api/v1/sessions?state=open');
  const list = document.getElementById('session-list');
  const mine = state.me.org;
  let invitations = 0;
  list.replaceChildren(...sessions.map((s) => {
    const me = s.participants.find((p) => p.org === mine);
    const invited = me?.state === 'invited';
    if (invited) invitations += 1;
    return el('li', { 'data-session': s.id, class: invited ? 'invited' : '' },
      // What the session is about, so an invitation says it: title, place, category, grade, host.
      el('button', { type: 'button', class: 'session-open', title: s.id, onclick: () => openSession(s.id) }, s.title ?? s.id),
      el('span', { class: 'muted', title: s.placeCode ?? '', text: `${s.placeName ?? s.placeCode ?? ''} · ${s.category ? t(s.category) : ''} · ${t('host')} ${s.hostName ?? s.host}` }),
      gradeBadge(s.grade, t),
      invited ? el('span', { class: 'badge', text: t('invited') }) : null,
      invited ? el('button', { type: 'button', class: 'session-join', onclick: async () => { await act(`/api/v1/sessions/${s.id}/join`); await refreshSessions(); openSession(s.id); } }, t('join')) : null);
  }));
  if (sessions.length === 0) list.replaceChildren(el('li', { text: t('none') }));
  // A session's focus shows on the wall of every participant that has joined it.
  for (const s of sessions) {
    const joined = s.participants.some((p) => p.org === mine && p.state === 'joined');
    if (joined && s.focus && focusSeen.get(s.id) !== s.focus) {
      focusSeen.set(s.id, s.focus);
      document.dispatchEvent(new CustomEvent('fieldrelay:focus', { detail: { path: s.focus, name: s.feeds.find((f) => f.path === s.focus)?.name ?? s.focus } }));
    }
  }
  const badge = document.getElementById('invite-badge');
  badge.hidden = invitations === 0;
  badge.textContent = `${invitations} ${t('invitations')}`;
  if (current && !sessions.some((s) => s.id === current)) renderSession(current).catch(() => {});
}

function feedSuggestions(incident) {
  const village = incident.villageCode;
  const township = (village ?? incident.townshipCode ?? '').slice(0, 9);
  const nearby = villagesOf(state.areas || []).filter((v) => v.code.startsWith(township)).map((v) => `room/${v.code}`);
  return [`cam/bc-${township}`, ...(village ? [`room/${village}`] : []), ...nearby.filter((p) => p !== `room/${village}`), `hall/${state.me.org}`];
}

function inviteSuggestions() {
  const area = state.me.areaCode ?? '';
  return [...new Set([area.length >= 6 ? area.slice(0, 6) : null, cityId].filter((o) => o && o !== state.me.org))];
}

function field(id, labelKey, control) {
  control.id = id;
  return [el('label', { for: id, text: t(labelKey) }), control];
}

function form(onsubmit, ...children) {
  return el('form', { class: 'actions', onsubmit: (e) => { e.preventDefault(); onsubmit(); } }, ...children);
}

/// Each participant by name, with whether its console is online and which feeds it is watching.
function participantItems(session) {
  const feedName = (path) => session.feeds.find((f) => f.path === path)?.name ?? path;
  return session.participants.map((p) => el('li', { 'data-org': p.org, 'data-state': p.state, 'data-online': p.online ? 'yes' : 'no', title: p.org },
    `${p.name ?? p.org} · ${t(p.state)} · ${t(p.role)} `,
    el('span', { class: `dot ${p.online ? 'online' : 'offline'}`, title: t(p.online ? 'online' : 'offline'), 'aria-label': t(p.online ? 'online' : 'offline') }),
    p.watching?.length ? el('span', { class: 'watching', 'data-watching': p.watching.join(','), text: `${t('watchingNow')} ${p.watching.map(feedName).join('、')}` }) : null));
}

/// Presence changes without an event: the participant list alone is refreshed every few seconds
/// (the rest of the panel, with its forms, is left as the user is typing in it).
async function refreshPresence() {
  const list = document.getElementById('participants');
  if (!current || !list) return;
  const session = await api(`/api/v1/sessions/${current}`);
  list.replaceChildren(...participantItems(session));
}

async function renderSession(id) {
  const session = await api(`/api/v1/sessions/${id}`);
  const incident = await api(`/api/v1/incidents/${session.incidentId}`);
  const panel = document.getElementById('session-panel');
  panel.hidden = false;
  const base = `/api/v1/sessions/${id}`;
  const me = session.participants.find((p) => p.org === state.me.org);
  const open = session.state === 'open';
  const isHost = session.host === state.me.org;
  const refresh = () => renderSession(id);
  const parts = [
    el('h2', {}, `${incident.title} · ${t(incident.category)} `, gradeBadge(incident.grade, t)),
    el('p', {}, `${session.id} · ${t(session.state === 'open' ? 'open' : 'closed')} · ${session.placeName ?? ''} · ${t('host')}: `, el('span', { title: session.host, text: session.hostName ?? session.host }), ' ',
      incident.overdue ? el('span', { class: 'badge overdue', id: 'overdue-badge', text: t('overdue') }) : null),
    el('h3', { text: t('participants') }),
    el('ul', { class: 'list', id: 'participants' }, ...participantItems(session)),
    el('h3', {}, t('feeds'), ' ', session.feeds.some((f) => f.hlsUrl)
      ? el('button', { type: 'button', id: 'feeds-watch-all', onclick: () => document.dispatchEvent(new CustomEvent('fieldrelay:watch', { detail: session.feeds.filter((f) => f.hlsUrl).map((f) => ({ name: f.name ?? f.path, hlsUrl: f.hlsUrl, path: f.path })) })) }, t('watchAll'))
      : null),
    el('ul', { class: 'list', id: 'feeds' }, ...session.feeds.map((f) => el('li', { 'data-path': f.path },
      el('span', { title: f.path, text: `${f.name ?? f.path}${f.focus ? ' ★' : ''}` }),
      f.hlsUrl ? el('button', { type: 'button', class: 'feed-watch', onclick: () => document.dispatchEvent(new CustomEvent('fieldrelay:watch', { detail: { name: f.name ?? f.path, hlsUrl: f.hlsUrl, path: f.path } })) }, t('watch')) : null,
      acts() && open && me?.state === 'joined' ? el('button', { type: 'button', onclick: async () => { await act(`${base}/focus`, { path: f.path }); refresh(); } }, t('focus')) : null))),
    el('h3', { text: t('report') }),
    el('ul', { class: 'list', id: 'reports' }, ...incident.reports.map((r) => el('li', {}, `${String(r.stage).split(' ').map((w, i) => (i ? w : t(w))).join(' ')} · `, el('span', { title: r.author, text: orgName(r.author) }), ` · ${r.text}`)),
      ...incident.reporting.due.map((d) => el('li', {}, `${t('due')} ${t(d.stage)} ${formatTime(d.dueAt)}`, d.isOverdue ? el('span', { class: 'badge overdue', text: t('overdue') }) : null))),
  ];
  if (acts() && open && me?.state === 'invited') {
    parts.push(el('div', { class: 'actions' }, el('button', { type: 'button', id: 'join-session', onclick: async () => { await act(`${base}/join`); refresh(); refreshSessions(); } }, t('join'))));
  }
  if (acts() && open && me?.state === 'joined') {
    const feed = el('input', { list: 'feed-options' });
    const org = el('input', { list: 'org-options' });
    const grade = el('select', {}, ...['IV', 'III', 'II', 'I'].map((g) => el('option', { text: g })));
    const to = el('input', { list: 'org-options' });
    const note = el('input', {});
    const stage = el('select', {}, ...['followup', 'final'].map((s) => el('option', { value: s, text: t(s) })));
    const text = el('input', {});
    parts.push(
      el('datalist', { id: 'feed-options' }, ...feedSuggestions(incident).map((p) => el('option', { value: p }))),
      el('datalist', { id: 'org-options' }, ...inviteSuggestions().map((o) => el('option', { value: o }))),
      form(async () => { await act(`${base}/feeds`, { path: feed.value.trim() }); refresh(); }, ...field('act-feed', 'source', feed), el('button', { type: 'submit', id: 'act-attach' }, t('attach'))),
      form(async () => { await act(`${base}/invitations`, { org: org.value.trim(), role: 'participant' }); refresh(); }, ...field('act-invite', 'org', org), el('button', { type: 'submit', id: 'act-invite-btn' }, t('invite'))),
      form(async () => { await act(`${base}/escalations`, { grade: grade.value }); refresh(); }, ...field('act-grade', 'grade', grade), el('button', { type: 'submit' }, t('escalate'))),
      isHost ? form(async () => { await act(`${base}/handover`, { to: to.value.trim(), note: note.value }); refresh(); }, ...field('act-to', 'to', to), ...field('act-note', 'note', note), el('button', { type: 'submit' }, t('handover'))) : null,
      form(async () => { await act(`/api/v1/incidents/${incident.id}/reports`, { stage: stage.value, text: text.value }); refresh(); }, ...field('act-stage', 'stage', stage), ...field('act-report', 'report', text), el('button', { type: 'submit' }, t('file'))),
      el('div', { class: 'actions' },
        isHost ? el('button', { type: 'button', id: 'act-close', onclick: async () => { await act(`${base}/close`); refresh(); refreshSessions(); } }, t('close')) : null,
        !isHost ? el('button', { type: 'button', onclick: async () => { await act(`${base}/leave`); refresh(); } }, t('leave')) : null));
  }
  const timeline = document.getElementById('timeline') ?? el('ol', { class: 'list timeline', id: 'timeline', 'aria-live': 'polite' });
  parts.push(el('h3', { text: t('timeline') }), timeline);
  panel.replaceChildren(...parts.filter(Boolean));
}

function describe(event) {
  const detail = Object.entries(event.detail || {}).filter(([, v]) => v !== null && typeof v !== 'object').map(([k, v]) => `${k}=${v}`).join(' ');
  return `${event.kind} · ${event.actor}${detail ? ` · ${detail}` : ''}`;
}

async function openSession(id) {
  updateRoute({ params: { session: id } });
  if (current !== id) {
    current = id;
    stream?.close();
    document.getElementById('timeline')?.remove();
    await renderSession(id);
    const timeline = document.getElementById('timeline');
    const seen = new Set();
    stream = new EventSource(`/api/v1/sessions/${id}/events/stream?token=${encodeURIComponent(token())}`);
    stream.onmessage = null;
    const onEvent = (message) => {
      const event = JSON.parse(message.data);
      if (seen.has(event.seq)) return;
      seen.add(event.seq);
      timeline.append(el('li', { 'data-kind': event.kind }, el('time', { datetime: event.at, text: formatTime(event.at) }), describe(event)));
      timeline.scrollTop = timeline.scrollHeight;
      clearTimeout(openSession.timer);
      openSession.timer = setTimeout(() => renderSession(id).catch(() => {}), 300);
    };
    // Each event arrives under its kind's name (`event: session.invited`); listen to all of them.
    const kinds = ['incident.created', 'incident.report', 'session.created', 'session.closed', 'feed.attached', 'feed.detached',
      'feed.viewed', 'feed.focus', 'participant.invited', 'participant.joined', 'participant.left', 'participant.removed',
      'session.escalated', 'session.handover', 'refused'];
    for (const kind of kinds) stream.addEventListener(kind, onEvent);
    stream.addEventListener('message', onEvent);
    state.stream = stream;
    state.streamKinds = kinds;
  } else {
    await renderSession(id);
  }
}

// The admin reads but does not act: it issues organisation tokens here, each with a link that
// opens the console signed in as that organisation (in a new window, so both can run side by side).
async function startTokenIssuing() {
  const form = document.getElementById('token-form');
  form.hidden = false;
  const select = document.getElementById('token-org');
  const { organisations } = await api('/api/v1/orgs');
  select.replaceChildren(...organisations.map((o) => el('option', { value: o.id, text: `${o.name} (${o.id})` })));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const org = select.value;
    try {
      const issued = await act(`/api/v1/orgs/${encodeURIComponent(org)}/tokens`, {});
      document.getElementById('token-value').textContent = issued.token;
      const link = document.getElementById('token-link');
      link.href = `/?token=${encodeURIComponent(issued.token)}`;
      document.getElementById('token-issued').hidden = false;
    } catch { /* act() has shown the reason */ }
  });
}

export function startReporting(appState, params = new URLSearchParams()) {
  state = appState;
  loadOrgNames();
  state.reporting = { openSession, refreshSessions };
  document.getElementById('readonly-note').hidden = acts();
  if (state.me.kind === 'admin') startTokenIssuing().catch(() => {});
  const canOpen = acts() && ['township', 'county', 'city'].includes(state.me.level);
  document.getElementById('incident-form').hidden = !canOpen;
  if (canOpen) {
    document.addEventListener('fieldrelay:areas', fillVillages);
    if (state.areas) fillVillages();
    document.getElementById('incident-form').addEventListener('submit', (e) => createIncident(e).catch(() => {}));
  }
  refreshSessions().catch(() => {});
  setInterval(() => refreshSessions().catch(() => {}), 3000);
  setInterval(() => refreshPresence().catch(() => {}), 5000);
  // The session open before a reload (or named in a bookmark) opens again.
  const remembered = params.get('session');
  if (remembered && /^[A-Za-z0-9_-]{1,64}$/.test(remembered)) openSession(remembered).catch(() => updateRoute({ params: { session: null } }));
  applyLabels(document);
}
