// A small Low-Latency HLS player of our own (RFC 8216bis: EXT-X-PART, blocking playlist reload
// with _HLS_msn/_HLS_part, EXT-X-MAP, EXT-X-PROGRAM-DATE-TIME) on Media Source Extensions.
// The codecs for MSE come from the server's multivariant playlist (CODECS, read from the stream's
// parameter sets), never from guessing at the init section's bytes.
// Where MSE is missing it hands the multivariant playlist to the browser's native HLS (which
// ignores parts).

/// The attributes of a tag line (`#EXT-X-...:A=1,B="x,y"`), quoted values unquoted.
function attrs(line) {
  const out = {};
  for (const m of line.slice(line.indexOf(':') + 1).matchAll(/([A-Z0-9-]+)=("[^"]*"|[^,]*)/g)) out[m[1]] = m[2].replace(/^"|"$/g, '');
  return out;
}

/// The variant streams of a multivariant playlist (RFC 8216 4.3.4.2), in order: each with its
/// CODECS (null when the server named none), BANDWIDTH, RESOLUTION, FRAME-RATE and URI.
export function parseMultivariant(text) {
  const lines = text.split('\n').map((l) => l.trim());
  const variants = [];
  let pending = null;
  for (const line of lines) {
    if (line.startsWith('#EXT-X-STREAM-INF:')) {
      const a = attrs(line);
      pending = {
        codecs: a.CODECS ?? null,
        bandwidth: Number(a.BANDWIDTH),
        averageBandwidth: a['AVERAGE-BANDWIDTH'] ? Number(a['AVERAGE-BANDWIDTH']) : null,
        resolution: a.RESOLUTION ?? null,
        frameRate: a['FRAME-RATE'] ? Number(a['FRAME-RATE']) : null,
      };
    } else if (pending && line && !line.startsWith('#')) {
      variants.push({ ...pending, uri: line });
      pending = null;
    }
  }
  return variants;
}

/// Parses a media playlist into segments with their parts.
export function parsePlaylist(text) {
  const lines = text.split('\n').map((l) => l.trim());
  const playlist = { mediaSequence: 0, targetDuration: 2, partTarget: 0.5, partHoldBack: 0, segments: [], ended: false, preloadHint: null };
  let msn = 0;
  let current = null;
  let map = null;
  let discontinuity = false;
  const open = () => {
    if (!current) { current = { msn, parts: [], map, discontinuity, pdt: null, uri: null, duration: 0 }; discontinuity = false; }
    return current;
  };
  for (const line of lines) {
    if (line.startsWith('#EXT-X-MEDIA-SEQUENCE:')) { playlist.mediaSequence = Number(line.split(':')[1]); msn = playlist.mediaSequence; }
    else if (line.startsWith('#EXT-X-TARGETDURATION:')) playlist.targetDuration = Number(line.split(':')[1]);
    else if (line.startsWith('#EXT-X-PART-INF:')) playlist.partTarget = Number(attrs(line)['PART-TARGET']);
    else if (line.startsWith('#EXT-X-SERVER-CONTROL:')) playlist.partHoldBack = Number(attrs(line)['PART-HOLD-BACK'] ?? 0);
    else if (line.startsWith('#EXT-X-SKIP:')) msn += Number(attrs(line)['SKIPPED-SEGMENTS']);
    else if (line === '#EXT-X-DISCONTINUITY') discontinuity = true;
    else if (line.startsWith('#EXT-X-MAP:')) map = attrs(line).URI;
    else if (line.startsWith('#EXT-X-PROGRAM-DATE-TIME:')) open().pdt = Date.parse(line.slice(line.indexOf(':') + 1));
    else if (line.startsWith('#EXT-X-PART:')) {
      const a = attrs(line);
      open().parts.push({ uri: a.URI, duration: Number(a.DURATION), independent: a.INDEPENDENT === 'YES' });
    } else if (line.startsWith('#EXTINF:')) open().duration = parseFloat(line.slice(8));
    else if (line.startsWith('#EXT-X-PRELOAD-HINT:')) playlist.preloadHint = attrs(line).URI;
    else if (line === '#EXT-X-ENDLIST') playlist.ended = true;
    else if (line && !line.startsWith('#')) {
      open().uri = line;
      playlist.segments.push(current);
      current = null;
      msn += 1;
    }
  }
  if (current) playlist.segments.push(current); // the segment still being written: parts only
  return playlist;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/// Whether two URIs name the same resource: the query is left out, because a viewer token in it
/// is renewed while the init section, segment or part it points at stays the same.
export function sameResource(a, b, base) {
  if (!a || !b) return a === b;
  const u = new URL(a, base);
  const v = new URL(b, base);
  return u.origin === v.origin && u.pathname === v.pathname;
}

/// What a tile shows, from what plays: `starting` (nothing shown yet), `playing` (the picture
/// moved since the last look), `buffering` (it did not), `lost` (the camera's signal is gone;
/// `since` and `lastFrameAt` say when), `ended` (the server refused: access ended; not retried),
/// `offline` (no stream there yet), `unsupported`.
export class LowLatencyPlayer {
  /// `url`: a playlist URL (index.m3u8, ll.m3u8); `token`: sent as a Bearer header when the URL
  /// carries none; `onState({state, detail, since, lastFrameAt})` is called four times a second.
  constructor(video, url, { token = null, onState = () => {} } = {}) {
    this.video = video;
    this.token = token;
    this.onState = onState;
    const u = new URL(url, location.href);
    u.pathname = u.pathname.replace(/\/(index|ts|ll|multivariant)\.m3u8$/, '/multivariant.m3u8');
    this.nativeURL = new URL(u);
    if (token && !u.searchParams.has('token')) this.nativeURL.searchParams.set('token', token);
    // A viewer token in the URL lasts minutes; the caller's own token (sent as a header) lasts,
    // so a tile keeps reloading its playlist for hours. Parts still carry the playlist's fresh
    // viewer tokens.
    if (token) u.searchParams.delete('token');
    this.variantURL = u;
    // MSE plays fMP4: the Low-Latency playlist, whichever media playlist the variant names.
    this.url = new URL(u);
    this.url.pathname = u.pathname.replace(/\/multivariant\.m3u8$/, '/ll.m3u8');
    this.variant = null;
    this.stopped = false;
    this.bytes = []; // [time, bytes] of the last few seconds, for the measured bitrate
    this.delay = null;
    this.mode = null;
    this.passes = 0; // each pass starts a fresh MediaSource; every pass after the first is a restart
    this.state = 'starting';
    this.lost = null; // { since, lastFrameAt } (ms since the epoch) while the signal is gone
    this.holdBack = 0.6; // seconds behind the newest part (the playlist's PART-HOLD-BACK)
    this.lastTime = null;
  }

  get restarts() { return Math.max(0, this.passes - 1); }

  get bitrate() {
    const now = performance.now();
    this.bytes = this.bytes.filter(([t]) => now - t < 5000);
    if (this.bytes.length < 2) return null;
    const total = this.bytes.reduce((s, [, b]) => s + b, 0);
    return (total * 8) / 5;
  }

  start() {
    if (!window.MediaSource) {
      this.mode = 'native';
      this.video.src = this.nativeURL.href;
      this.video.play().catch(() => {});
      this.report('playing', 'native');
      return;
    }
    this.mode = 'mse';
    this.run();
    this.watchdog = setInterval(() => this.tick(), 250);
  }

  stop() {
    this.stopped = true;
    clearInterval(this.watchdog);
    this.abort?.abort();
    this.video.removeAttribute('src');
    this.video.load();
  }

  report(state, detail = '') {
    this.state = state;
    this.onState({ state, detail, since: this.lost?.since ?? null, lastFrameAt: this.lost?.lastFrameAt ?? null });
  }

  async fetchBytes(url, { timeout = 15000 } = {}) {
    this.abort = new AbortController();
    const timer = setTimeout(() => this.abort.abort(), timeout);
    const headers = {};
    if (this.token && !url.searchParams.has('token')) headers.Authorization = `Bearer ${this.token}`;
    try {
      const response = await fetch(url, { headers, signal: this.abort.signal, cache: 'no-store' });
      if (!response.ok) {
        let message = `HTTP ${response.status}`;
        try { message = (await response.json()).message ?? message; } catch { /* not JSON */ }
        throw Object.assign(new Error(message), { status: response.status });
      }
      return await response.arrayBuffer();
    } finally {
      clearTimeout(timer);
    }
  }

  /// The server's description of the stream: codecs, picture size, frame rate, bandwidth.
  async multivariant() {
    const text = new TextDecoder().decode(await this.fetchBytes(new URL(this.variantURL)));
    const [variant] = parseMultivariant(text);
    if (!variant) throw new Error('no variant stream in the multivariant playlist');
    return variant;
  }

  async playlist(msn, part) {
    const u = new URL(this.url);
    if (msn !== undefined) { u.searchParams.set('_HLS_msn', msn); u.searchParams.set('_HLS_part', part); }
    const text = new TextDecoder().decode(await this.fetchBytes(u, { timeout: 12000 }));
    const parsed = parsePlaylist(text);
    if (parsed.partHoldBack > 0) this.holdBack = parsed.partHoldBack;
    this.base = u;
    return parsed;
  }

  /// The media time of the picture shown, as a wall-clock time (ms), from PROGRAM-DATE-TIME.
  pictureTime() {
    if (!this.reference) return null;
    return this.reference.pdt + (this.video.currentTime - this.reference.media) * 1000;
  }

  /// The player's loop: one continuity of the feed per pass; a new init section, a
  /// discontinuity, an error or a stall ends the pass and the next one starts from the live edge
  /// with a fresh MediaSource (that is how a camera's reconnect is absorbed). A refusal (401,
  /// 403) ends the loop: access has ended, and asking again would only be refused again.
  async run() {
    let failures = 0;
    while (!this.stopped) {
      try {
        await this.pass();
        failures = 0;
      } catch (error) {
        if (this.stopped) return;
        if (error.unsupported) { this.report('unsupported', error.message); return; }
        if (error.status === 401 || error.status === 403) {
          this.stopped = true;
          clearInterval(this.watchdog);
          this.video.removeAttribute('src');
          this.video.load();
          this.report('ended', error.message);
          return;
        }
        failures += 1;
        if (this.reference || this.lost) {
          // The feed was playing: its signal is lost (the camera left, or nothing arrives).
          this.lost ??= { since: Date.now(), lastFrameAt: this.pictureTime() };
          this.reference = null;
          this.report('lost', error.message);
        } else if (error.status === 404 || error.status === 503 || error.message === 'ended') {
          this.report('offline', error.message);
        }
      }
      await sleep(Math.min(1500 * 2 ** Math.max(0, failures - 1), 6000));
    }
  }

  async pass() {
    // Asked on every pass: a camera that reconnects may come back with other codecs.
    const variant = await this.multivariant();
    this.variant = variant;
    if (!variant.codecs) throw new Error('the server named no codecs for this stream');
    const type = `video/mp4; codecs="${variant.codecs}"`;
    if (!MediaSource.isTypeSupported(type)) {
      throw Object.assign(new Error(`${variant.codecs} not supported`), { unsupported: true });
    }
    let list = await this.playlist();
    if (list.segments.length === 0) throw Object.assign(new Error('no segments yet'), { status: 503 });
    if (list.ended) throw new Error('ended');
    if (this.lost) {
      // After a loss, start again only once new media arrives: what the playlist still lists was
      // shown already, and replaying it would look live.
      const last = list.segments[list.segments.length - 1];
      list = await this.playlist(last.uri ? last.msn + 1 : last.msn, last.uri ? 0 : last.parts.length);
      if (list.ended) throw new Error('ended');
    }
    // Start at the newest segment's first part (segments start on a keyframe).
    let seg = list.segments[list.segments.length - 1];
    if (seg.parts.length === 0 && list.segments.length > 1) seg = list.segments[list.segments.length - 2];
    const map = seg.map;
    const init = await this.fetchBytes(new URL(map, this.base));
    this.passes += 1;
    const source = new MediaSource();
    this.video.src = URL.createObjectURL(source);
    await new Promise((resolve) => source.addEventListener('sourceopen', resolve, { once: true }));
    const buffer = source.addSourceBuffer(type);
    this.buffer = buffer;
    const append = (data) => new Promise((resolve, reject) => {
      buffer.addEventListener('updateend', resolve, { once: true });
      buffer.addEventListener('error', () => reject(new Error('append failed')), { once: true });
      buffer.appendBuffer(data);
    });
    await append(init);
    this.reference = null;
    this.started = false;
    let msn = seg.msn;
    let part = 0;
    this.lastProgress = performance.now();
    while (!this.stopped) {
      let segment = list.segments.find((s) => s.msn === msn);
      if (segment && part >= segment.parts.length && segment.uri) { msn += 1; part = 0; continue; }
      if (!segment || part >= segment.parts.length) {
        if (list.segments.length && msn < list.segments[0].msn) throw new Error('fell out of the window');
        // Every part listed so far is in the buffer: start (or keep) playing at the live edge.
        if (!this.started && this.reference) this.startAtLiveEdge();
        list = await this.playlist(msn, part); // blocking reload: returns once that part exists
        if (list.ended) throw new Error('ended');
        const newest = list.segments[list.segments.length - 1];
        if (newest && newest.msn - msn >= 3) throw new Error('fell behind the live edge');
        continue;
      }
      // The same init section under a renewed viewer token is the same init section.
      if (!sameResource(segment.map, map, this.base) || (segment.discontinuity && msn !== seg.msn)) throw new Error('new map or discontinuity');
      const data = await this.fetchBytes(new URL(segment.parts[part].uri, this.base));
      this.bytes.push([performance.now(), data.byteLength]);
      if (buffer.buffered.length && this.video.currentTime - buffer.buffered.start(0) > 30) {
        await new Promise((resolve) => { buffer.addEventListener('updateend', resolve, { once: true }); buffer.remove(0, this.video.currentTime - 10); });
      }
      await append(data);
      if (!this.reference && buffer.buffered.length && segment.pdt) {
        // The first part appended starts the segment: its media time is its PROGRAM-DATE-TIME.
        this.reference = { media: buffer.buffered.start(0), pdt: segment.pdt };
        this.video.currentTime = buffer.buffered.start(0);
      }
      this.lastProgress = performance.now();
      part += 1;
    }
  }

  /// Plays from `holdBack` behind the newest part appended: the parts of the segment joined were
  /// fetched at once, so starting at the segment's keyframe would begin up to a segment behind.
  startAtLiveEdge() {
    const v = this.video;
    this.started = true;
    if (v.buffered.length) {
      const end = v.buffered.end(v.buffered.length - 1);
      v.currentTime = Math.max(v.buffered.start(0), end - this.holdBack);
    }
    v.play().catch(() => {});
  }

  /// Four times a second: the delay behind live, keeping near the live edge, and the tile's
  /// state from what plays.
  tick() {
    const v = this.video;
    if (this.reference && v.readyState >= 2) this.delay = (Date.now() - this.pictureTime()) / 1000;
    const end = v.buffered.length ? v.buffered.end(v.buffered.length - 1) : 0;
    const ahead = end - v.currentTime;
    if (this.started && this.reference) {
      if (ahead > this.holdBack + 1) v.currentTime = end - this.holdBack; // far behind: jump
      else if (ahead > this.holdBack + 0.25) v.playbackRate = 1.1; // a little behind: catch up
      else if (ahead < this.holdBack / 3) v.playbackRate = 0.95; // about to run dry
      else v.playbackRate = 1;
      if (v.paused && ahead > 0.1) v.play().catch(() => {});
    }
    const moved = this.lastTime !== null && v.currentTime !== this.lastTime && !v.paused;
    this.lastTime = v.currentTime;
    // Nothing new for three seconds while parts come every fraction of one: the signal is lost
    // (the pass ends when the server says so, or at the stall limit below).
    if (this.started && this.reference && !this.lost && performance.now() - this.lastProgress > 3000) {
      this.lost = { since: Date.now() - (performance.now() - this.lastProgress), lastFrameAt: this.pictureTime() };
    }
    // Back only once the picture moves past what was last shown.
    if (moved && this.lost && this.reference && this.pictureTime() > (this.lost.lastFrameAt ?? 0)) this.lost = null;
    if (this.stopped || this.state === 'unsupported') return;
    if (this.lost) this.report('lost');
    else if (moved) this.report('playing');
    else if (this.state === 'offline' && !this.reference) this.report('offline');
    else this.report(this.passes === 0 && !this.reference ? 'starting' : 'buffering');
    if (performance.now() - (this.lastProgress ?? 0) > 8000 && this.mode === 'mse') {
      this.lastProgress = performance.now();
      this.abort?.abort(); // a stalled request: the pass fails and restarts from the live edge
    }
  }
}
