// The joint-reporting console: open an incident from a village, start its session, attach
// feeds, invite, escalate, hand over, file reports (overdue shows), close; the session's record
// as a live timeline (Server-Sent Events), and what its feeds recorded (recordings.js). Open
// sessions are polled, so a county or city hall sees an invitation arrive without reloading.
//
// Controls follow the server: a session comes with the `actions` this caller may take, and each
// feed and participant with what it may do to that one (decided by the rule that refuses the
// commands), and only those are drawn. Refusals are said in the
// chosen language from the error's `code` and stay until dismissed; closing and handing over
// ask first; creating sends an Idempotency-Key so a double click makes one incident.
import { api, el, formatTime, gradeBadge, loadOrgNames, orgName as nameOf, organisations, token } from './api.js';
import { applyLabels, currentLanguage, t, tf } from './i18n.js';
import { villagesOf } from './rooms.js';
import { toast } from './app.js';
import { confirmAction, errorSentence, renderError, showError, startNotices } from './notices.js';
import { updateRoute } from './route.js';
import { recordingsPanel } from './recordings.js';

let state;
let current = null; // the selected session id
let stream = null;
const focusSeen = new Map(); // session id -> the focus path last shown on the wall
let events = []; // the selected session's record, kept to say it again in another language
const feedNames = new Map(); // path → the name the server gave it in a session view

const acts = () => state.me.kind === 'organisation';
const cityId = '520600';
const grades = ['IV', 'III', 'II', 'I'];

/// A key for one request the server must not apply twice. Not crypto.randomUUID: that needs a
/// secure context, and halls often reach the gateway over plain http on a closed network.
function newKey() {
  return [...crypto.getRandomValues(new Uint8Array(16))].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/// Runs a command; a refusal is shown (in the chosen language, until dismissed) and rethrown.
async function act(path, body, { method = 'POST', headers, message } = {}) {
  try {
    const result = await api(path, { method, body: method === 'DELETE' ? undefined : (body ?? {}), headers });
    if (message) toast(message);
    return result;
  } catch (error) {
    showError(error);
    throw error;
  }
}

/// An event handler whose failure has been shown already: nothing escapes as an uncaught error.
const quietly = (handler) => (...args) => { Promise.resolve().then(() => handler(...args)).catch(() => {}); };

// MARK: - names

function orgName(id) {
  if (id === 'admin') return t('admin');
  return nameOf(id);
}

let villageNames = null;
function villageName(code) {
  if (!villageNames && state.areas) villageNames = new Map(villagesOf(state.areas).map((v) => [v.code, v.name]));
  return villageNames?.get(code) ?? null;
}

/// A feed's name: the village, the hall, the body camera's township; the path where none is known.
function pathName(path) {
  if (feedNames.has(path)) return feedNames.get(path);
  const [kind, id = ''] = String(path ?? '').split('/');
  if (kind === 'hall' && organisations.has(id)) return tf('hallOf', { org: orgName(id) });
  if (kind === 'cam' && id.startsWith('bc-') && organisations.has(id.slice(3))) return tf('bodyCamOf', { org: orgName(id.slice(3)) });
  if (kind === 'room') return villageName(id) ?? path;
  return path;
}

/// A grade with its name: 'III 较大'.
function gradeName(grade) { return grade ? `${grade} ${t(`grade${grade}`)}` : ''; }

/// Names, with the code on hover.
const named = (text, code, attributes = {}) => el('span', { title: code, ...attributes }, text);



// MARK: - incidents

function fillVillages() {
  villageNames = null;
  const select = document.getElementById('inc-village');
  const villages = villagesOf(state.areas || []);
  select.replaceChildren(...villages.map((v) => el('option', { value: v.code, text: `${v.name} (${v.code})` })));
}

// One key per filled-in form: a second submission of the same form (a double click, a retry
// after a lost answer) is the same request, and the server answers it with the same incident.
let incidentKey = null;
let creating = false;

async function createIncident(event) {
  event.preventDefault();
  if (creating) return;
  const button = document.querySelector('#incident-form button[type=submit]');
  incidentKey ??= newKey();
  creating = true;
  button.disabled = true;
  let incident;
  try {
    incident = await act('/api/v1/incidents', {
      villageCode: document.getElementById('inc-village').value, category: document.getElementById('inc-category').value,
      grade: document.getElementById('inc-grade').value, title: document.getElementById('inc-title').value,
      report: document.getElementById('inc-report').value || undefined,
    }, { headers: { 'Idempotency-Key': incidentKey } });
    incidentKey = null; // created: what is filled in next is a new incident
  } finally {
    creating = false;
    button.disabled = false;
  }
  // Listed and shown in the incident list at once (incidents.js).
  document.dispatchEvent(new CustomEvent('fieldrelay:incident', { detail: incident.id }));
  const out = document.getElementById('incident-created');
  const sessionKey = newKey();
  const start = el('button', {
    type: 'button', id: 'start-session', onclick: quietly(async () => {
      start.disabled = true;
      try {
        const session = await act(`/api/v1/incidents/${incident.id}/sessions`, {}, { headers: { 'Idempotency-Key': sessionKey } });
        out.textContent = '';
        await refreshSessions();
        await openSession(session.id);
      } finally {
        start.disabled = false;
      }
    }),
  }, t('startSession'));
  out.replaceChildren(`${t('incident')} ${incident.id} `, start);
}

// MARK: - sessions

async function refreshSessions() {
  const { sessions } = await api('/api/v1/sessions?state=open');
  const list = document.getElementById('session-list');
  const mine = state.me.org;
  let invitations = 0;
  list.replaceChildren(...sessions.map((s) => {
    const me = s.participants.find((p) => p.org === mine);
    const invited = me?.state === 'invited';
    if (invited) invitations += 1;
    const canJoin = (s.actions ?? []).includes('join');
    return el('li', { 'data-session': s.id, class: invited ? 'invited' : '' },
      // What the session is about, so an invitation says it: title, place, category, grade, host.
      el('button', { type: 'button', class: 'session-open', title: s.id, onclick: quietly(() => openSession(s.id)) }, s.title ?? s.id),
      el('span', { class: 'muted', title: s.placeCode ?? '', text: `${s.placeName ?? s.placeCode ?? ''} · ${s.category ? t(s.category) : ''} · ${t('host')} ${s.hostName ?? orgName(s.host)}` }),
      gradeBadge(s.grade, t),
      invited ? el('span', { class: 'badge', text: t('invited') }) : null,
      invited && canJoin ? el('button', {
        type: 'button', class: 'session-join',
        onclick: quietly(async () => { await act(`/api/v1/sessions/${s.id}/join`); await refreshSessions(); await openSession(s.id); }),
      }, t('join')) : null);
  }));
  if (sessions.length === 0) list.replaceChildren(el('li', { text: t('none') }));
  for (const s of sessions) rememberNames(s);
  // A session's focus shows on the wall of every participant that has joined it.
  for (const s of sessions) {
    const joined = s.participants.some((p) => p.org === mine && p.state === 'joined');
    if (joined && s.focus && focusSeen.get(s.id) !== s.focus) {
      focusSeen.set(s.id, s.focus);
      document.dispatchEvent(new CustomEvent('fieldrelay:focus', { detail: { path: s.focus, name: pathName(s.focus) } }));
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

/// Who the host might invite: its county and the city, then the departments (which take part as
/// observers, usually), less those already in the session.
function inviteSuggestions(session) {
  const area = state.me.areaCode ?? '';
  const present = new Set(session.participants.filter((p) => p.state === 'invited' || p.state === 'joined').map((p) => p.org));
  const departments = [...organisations].filter(([, o]) => o.level === 'department').map(([id]) => id);
  return [...new Set([area.length >= 6 ? area.slice(0, 6) : null, cityId, ...departments])]
    .filter((o) => o && o !== state.me.org && !present.has(o));
}

function field(id, labelKey, control) {
  control.id = id;
  return [el('label', { for: id, text: t(labelKey) }), control];
}

function form(onsubmit, ...children) {
  return el('form', { class: 'actions', onsubmit: (e) => { e.preventDefault(); quietly(onsubmit)(); } }, ...children);
}

/// Each participant by name (the code on hover), whether its console is online, which feeds it is
/// watching, and the remove button where the server says this caller may remove it.
function participantItems(session) {
  const base = `/api/v1/sessions/${session.id}`;
  return session.participants.map((p) => el('li', { 'data-org': p.org, 'data-state': p.state, 'data-online': p.online ? 'yes' : 'no', title: p.org },
    `${p.name ?? orgName(p.org)} · ${t(p.state)} · ${t(p.role)} `,
    el('span', { class: `dot ${p.online ? 'online' : 'offline'}`, title: t(p.online ? 'online' : 'offline'), 'aria-label': t(p.online ? 'online' : 'offline') }),
    p.watching?.length ? el('span', { class: 'watching', 'data-watching': p.watching.join(','), text: `${t('watchingNow')} ${p.watching.map(pathName).join('、')}` }) : null,
    (p.actions ?? []).includes('remove')
      ? el('button', { type: 'button', class: 'participant-remove', onclick: quietly(async () => { await act(`${base}/participants/${encodeURIComponent(p.org)}`, null, { method: 'DELETE' }); await renderSession(session.id); }) }, t('remove'))
      : null));
}

/// Presence changes without an event: the participant list alone is refreshed every few seconds
/// (the rest of the panel, with its forms, is left as the user is typing in it).
async function refreshPresence() {
  const list = document.getElementById('participants');
  if (!current || !list) return;
  const session = await api(`/api/v1/sessions/${current}`);
  if (session.id !== current) return;
  rememberNames(session);
  list.replaceChildren(...participantItems(session));
}

/// The names the server gave a session's feeds, for everywhere a path is shown (the record too).
function rememberNames(session) {
  for (const f of session.feeds ?? []) if (f.name) feedNames.set(f.path, f.name);
}

async function renderSession(id) {
  const session = await api(`/api/v1/sessions/${id}`);
  const incident = await api(`/api/v1/incidents/${session.incidentId}`);
  if (current !== id) return; // another session was opened meanwhile
  rememberNames(session);
  const panel = document.getElementById('session-panel');
  panel.hidden = false;
  panel.dataset.session = id;
  const base = `/api/v1/sessions/${id}`;
  const mine = state.me.org;
  const allowed = new Set(acts() ? session.actions ?? [] : []);
  const can = (action) => allowed.has(action);
  panel.dataset.actions = [...allowed].join(' ');
  const refresh = () => renderSession(id);
  const parts = [
    el('h2', {}, `${incident.title} · ${t(incident.category)} `, gradeBadge(incident.grade, t)),
    el('p', {}, `${session.id} · ${t(session.state === 'open' ? 'open' : 'closed')} · ${session.placeName ?? ''} · ${t('host')}: `,
      named(session.hostName ?? orgName(session.host), session.host, { id: 'session-host' }), ' ',
      incident.overdue ? el('span', { class: 'badge overdue', id: 'overdue-badge', text: t('overdue') }) : null),
    el('h3', { text: t('participants') }),
    el('ul', { class: 'list', id: 'participants' }, ...participantItems(session)),
    el('h3', {}, t('feeds'), ' ', session.feeds.some((f) => f.hlsUrl)
      ? el('button', { type: 'button', id: 'feeds-watch-all', onclick: () => document.dispatchEvent(new CustomEvent('fieldrelay:watch', { detail: session.feeds.filter((f) => f.hlsUrl).map((f) => ({ name: pathName(f.path), hlsUrl: f.hlsUrl, path: f.path })) })) }, t('watchAll'))
      : null),
    el('ul', { class: 'list', id: 'feeds' }, ...session.feeds.map((f) => el('li', { 'data-path': f.path },
      named(pathName(f.path), f.path), f.focus ? ' ★' : '',
      f.hlsUrl ? el('button', { type: 'button', class: 'feed-watch', onclick: () => document.dispatchEvent(new CustomEvent('fieldrelay:watch', { detail: { name: pathName(f.path), hlsUrl: f.hlsUrl, path: f.path } })) }, t('watch')) : null,
      (f.actions ?? []).includes('focus') ? el('button', { type: 'button', class: 'feed-focus', onclick: quietly(async () => { await act(`${base}/focus`, { path: f.path }); await refresh(); }) }, t('focus')) : null,
      (f.actions ?? []).includes('detach')
        ? el('button', { type: 'button', class: 'feed-detach', onclick: quietly(async () => { await act(`${base}/feeds/${f.path}`, null, { method: 'DELETE' }); await refresh(); }) }, t('detach'))
        : null))),
    el('h3', { text: t('report') }),
    el('ul', { class: 'list', id: 'reports' }, ...incident.reports.map((r) => el('li', {},
      `${String(r.stage).split(' ').map((w, i) => (i ? w : t(w))).join(' ')} · `, named(orgName(r.author), r.author), ` · ${r.text}`)),
      ...incident.reporting.due.map((d) => el('li', {}, `${t('due')} ${t(d.stage)} ${formatTime(d.dueAt)}`, d.isOverdue ? el('span', { class: 'badge overdue', text: t('overdue') }) : null))),
  ];
  if (can('join')) {
    parts.push(el('div', { class: 'actions' }, el('button', { type: 'button', id: 'join-session', onclick: quietly(async () => { await act(`${base}/join`); await refresh(); await refreshSessions(); }) }, t('join'))));
  }
  if (can('attach')) {
    // The host attaches rooms and cameras; a participant only its own hall camera.
    const suggestions = session.host === mine ? feedSuggestions(incident) : [`hall/${mine}`];
    const feed = el('input', { list: 'feed-options' });
    parts.push(
      el('datalist', { id: 'feed-options' }, ...suggestions.map((p) => el('option', { value: p, text: pathName(p) }))),
      form(async () => { await act(`${base}/feeds`, { path: feed.value.trim() }); await refresh(); }, ...field('act-feed', 'source', feed), el('button', { type: 'submit', id: 'act-attach' }, t('attach'))));
  }
  if (can('invite')) {
    const org = el('input', { list: 'org-options' });
    const role = el('select', {}, ...['participant', 'observer'].map((r) => el('option', { value: r, text: t(r) })));
    parts.push(
      el('datalist', { id: 'org-options' }, ...inviteSuggestions(session).map((o) => el('option', { value: o, text: orgName(o) }))),
      form(async () => { await act(`${base}/invitations`, { org: org.value.trim(), role: role.value }); await refresh(); },
        ...field('act-invite', 'org', org), ...field('act-role', 'role', role), el('button', { type: 'submit', id: 'act-invite-btn' }, t('invite'))));
  }
  if (can('escalate')) {
    // Shows the grade the incident has and offers only higher ones: grades are never lowered.
    const higher = grades.slice(grades.indexOf(incident.grade) + 1);
    const grade = el('select', {}, ...higher.map((g) => el('option', { value: g, text: gradeName(g) })));
    parts.push(form(async () => { await act(`${base}/escalations`, { grade: grade.value }); await refresh(); },
      el('span', {}, `${t('currentGrade')}: `, el('span', { id: 'current-grade', class: 'grade-now', 'data-grade': incident.grade, text: gradeName(incident.grade) })),
      ...field('act-grade', 'raiseTo', grade), el('button', { type: 'submit', id: 'act-escalate' }, t('escalate'))));
  }
  if (can('handover')) {
    const to = el('input', { list: 'handover-options' });
    const note = el('input', {});
    const candidates = session.participants.filter((p) => (p.actions ?? []).includes('handover')).map((p) => p.org);
    parts.push(
      el('datalist', { id: 'handover-options' }, ...candidates.map((o) => el('option', { value: o, text: orgName(o) }))),
      form(async () => {
        const target = to.value.trim();
        if (!(await confirmAction(tf('confirmHandover', { to: orgName(target) }), t('handover')))) return;
        await act(`${base}/handover`, { to: target, note: note.value });
        await refresh();
      }, ...field('act-to', 'to', to), ...field('act-note', 'note', note), el('button', { type: 'submit', id: 'act-handover' }, t('handover'))));
  }
  if (can('report')) {
    const stage = el('select', {}, ...['followup', 'final'].map((s) => el('option', { value: s, text: t(s) })));
    const text = el('input', {});
    parts.push(form(async () => { await act(`/api/v1/incidents/${incident.id}/reports`, { stage: stage.value, text: text.value }); await refresh(); },
      ...field('act-stage', 'stage', stage), ...field('act-report', 'report', text), el('button', { type: 'submit', id: 'act-file' }, t('file'))));
  }
  if (can('close') || can('leave')) {
    parts.push(el('div', { class: 'actions' },
      can('close') ? el('button', {
        type: 'button', id: 'act-close', onclick: quietly(async () => {
          if (!(await confirmAction(t('confirmClose'), t('close')))) return;
          await act(`${base}/close`);
          await refresh();
          await refreshSessions();
        }),
      }, t('close')) : null,
      can('leave') ? el('button', { type: 'button', id: 'act-leave', onclick: quietly(async () => { await act(`${base}/leave`); await refresh(); }) }, t('leave')) : null));
  }
  // What the session's feeds recorded, and the incident's legal hold (the same node every redraw).
  parts.push(recordingsPanel('session', id, { incidentId: session.incidentId, nameOf: pathName }));
  const timeline = document.getElementById('timeline') ?? el('ol', { class: 'list timeline', id: 'timeline', 'aria-live': 'polite' });
  parts.push(el('h3', { text: t('timeline') }), timeline);
  panel.replaceChildren(...parts.filter(Boolean));
}

// MARK: - the record, as sentences

const generalCodes = { invalid: 'invalid_argument' };

function stageText(detail) {
  return `${t(detail.stage ?? '')}${detail.number ? ` ${detail.number}` : ''}`;
}

/// One event of the record as a sentence in the chosen language, with names for codes.
export function describe(event) {
  const d = event.detail || {};
  const actor = orgName(event.actor);
  switch (event.kind) {
    case 'incident.created': return tf('ev.incident.created', { actor, title: d.title ?? '' });
    case 'incident.report': return tf('ev.incident.report', { actor, stage: stageText(d) });
    case 'session.created': case 'session.closed': case 'participant.joined': case 'participant.left':
      return tf(`ev.${event.kind}`, { actor });
    case 'feed.attached': case 'feed.detached': case 'feed.viewed':
      return tf(`ev.${event.kind}`, { actor, path: pathName(d.path) });
    case 'feed.focus': return d.path ? tf('ev.feed.focus', { actor, path: pathName(d.path) }) : tf('ev.feed.unfocus', { actor });
    case 'participant.invited':
      return tf(d.role === 'observer' ? 'ev.participant.invited.observer' : 'ev.participant.invited', { actor, org: orgName(d.org) });
    case 'participant.removed': return tf('ev.participant.removed', { actor, org: orgName(d.org) });
    case 'session.escalated': {
      const invited = Array.isArray(d.invited) && d.invited.length ? tf('ev.session.escalated.invited', { orgs: d.invited.map(orgName).join('、') }) : '';
      return tf('ev.session.escalated', { actor, from: d.from ?? '', grade: d.grade ?? '' }) + invited;
    }
    case 'session.handover': return tf('ev.session.handover', { actor, to: orgName(d.to), note: d.note ?? '' });
    case 'refused': {
      const command = t(`cmd.${d.command}`);
      const reason = errorSentence({ code: d.reason ?? generalCodes[d.code] ?? d.code, status: 0 });
      return tf('ev.refused', { actor, command: command === `cmd.${d.command}` ? (d.command ?? '') : command, reason });
    }
    default: return tf('ev.other', { actor, kind: event.kind });
  }
}

function timeOf(event) {
  return new Date(event.at).toLocaleTimeString(currentLanguage() === 'zh' ? 'zh-CN' : 'en-GB', { hour: '2-digit', minute: '2-digit' });
}

function eventItem(event) {
  return el('li', { 'data-kind': event.kind, 'data-seq': event.seq, title: event.kind }, el('time', { datetime: event.at, text: timeOf(event) }), describe(event));
}

function renderTimeline() {
  const timeline = document.getElementById('timeline');
  if (!timeline) return;
  timeline.replaceChildren(...events.map(eventItem));
  timeline.scrollTop = timeline.scrollHeight;
}

async function openSession(id) {
  updateRoute({ params: { session: id } });
  if (current !== id) {
    current = id;
    stream?.close();
    events = [];
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
      events.push(event);
      timeline.append(eventItem(event));
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

/// The language changed: say the session, its record, the list and any error again.
function relabel() {
  renderError();
  if (current) renderSession(current).then(renderTimeline).catch(() => {});
  refreshSessions().catch(() => {});
}

// The admin reads but does not act: it issues organisation tokens here, each with a link that
// opens the console signed in as that organisation (in a new window, so both can run side by side).
async function startTokenIssuing() {
  const form = document.getElementById('token-form');
  form.hidden = false;
  const select = document.getElementById('token-org');
  const { organisations: list } = await api('/api/v1/orgs');
  select.replaceChildren(...list.map((o) => el('option', { value: o.id, text: `${o.name} (${o.id})` })));
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
  state.reporting = { openSession, refreshSessions, pathName };
  startNotices();
  document.getElementById('readonly-note').hidden = acts();
  if (state.me.kind === 'admin') startTokenIssuing().catch(showError);
  const canOpen = acts() && ['township', 'county', 'city'].includes(state.me.level);
  document.getElementById('incident-form').hidden = !canOpen;
  if (canOpen) {
    document.addEventListener('fieldrelay:areas', fillVillages);
    if (state.areas) fillVillages();
    const incidentForm = document.getElementById('incident-form');
    incidentForm.addEventListener('submit', (e) => createIncident(e).catch(() => {}));
    // A changed form is a new request, with a new key.
    incidentForm.addEventListener('input', () => { if (!creating) incidentKey = null; });
  }
  // app.js switches the language on this button's click first; then everything here is said again.
  document.getElementById('lang').addEventListener('click', relabel);
  loadOrgNames().catch(() => {}).finally(() => { refreshSessions().catch(() => {}); if (current) relabel(); });
  setInterval(() => refreshSessions().catch(() => {}), 3000);
  setInterval(() => refreshPresence().catch(() => {}), 5000);
  // The session open before a reload (or named in a bookmark) opens again.
  const remembered = params.get('session');
  if (remembered && /^[A-Za-z0-9_-]{1,64}$/.test(remembered)) openSession(remembered).catch(() => updateRoute({ params: { session: null } }));
  applyLabels(document);
}
