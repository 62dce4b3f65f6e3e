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
  const playlist = { mediaSequence: 0, targetDuration: 2, partTarget: 0.5, segments: [], ended: false, preloadHint: null };
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

export class LowLatencyPlayer {
  /// `url`: a playlist URL (index.m3u8, ll.m3u8); `token`: sent as a Bearer header when the URL
  /// carries none; `onState({state, detail})` reports playing / buffering / offline / unsupported.
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
  }

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
      this.onState({ state: 'playing', detail: 'native' });
      return;
    }
    this.mode = 'mse';
    this.run();
    this.watchdog = setInterval(() => this.tick(), 1000);
  }

  stop() {
    this.stopped = true;
    clearInterval(this.watchdog);
    this.abort?.abort();
    this.video.removeAttribute('src');
    this.video.load();
  }

  async fetchBytes(url, { timeout = 15000 } = {}) {
    this.abort = new AbortController();
    const timer = setTimeout(() => this.abort.abort(), timeout);
    const headers = {};
    if (this.token && !url.searchParams.has('token')) headers.Authorization = `Bearer ${this.token}`;
    try {
      const response = await fetch(url, { headers, signal: this.abort.signal, cache: 'no-store' });
      if (!response.ok) throw Object.assign(new Error(`HTTP ${response.status}`), { status: response.status });
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
    this.base = u;
    return parsed;
  }

  /// The player's loop: one continuity of the feed per pass; a new init section, a
  /// discontinuity, an error or a stall ends the pass and the next one starts from the live edge
  /// with a fresh MediaSource (that is how a camera's reconnect is absorbed).
  async run() {
    while (!this.stopped) {
      try {
        await this.pass();
      } catch (error) {
        if (this.stopped) return;
        this.onState({ state: error.unsupported ? 'unsupported' : 'offline', detail: error.message });
        if (error.unsupported) return;
      }
      await sleep(1500);
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
    if (list.segments.length === 0) throw new Error('no segments yet');
    if (list.ended) throw new Error('ended');
    // Start at the newest segment's first part (segments start on a keyframe).
    let seg = list.segments[list.segments.length - 1];
    if (seg.parts.length === 0 && list.segments.length > 1) seg = list.segments[list.segments.length - 2];
    const map = seg.map;
    const init = await this.fetchBytes(new URL(map, this.base));
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
    let msn = seg.msn;
    let part = 0;
    this.lastProgress = performance.now();
    while (!this.stopped) {
      let segment = list.segments.find((s) => s.msn === msn);
      if (segment && part >= segment.parts.length && segment.uri) { msn += 1; part = 0; continue; }
      if (!segment || part >= segment.parts.length) {
        if (list.segments.length && msn < list.segments[0].msn) throw new Error('fell out of the window');
        list = await this.playlist(msn, part); // blocking reload: returns once that part exists
        if (list.ended) throw new Error('ended');
        const newest = list.segments[list.segments.length - 1];
        if (newest && newest.msn - msn >= 3) throw new Error('fell behind the live edge');
        continue;
      }
      if (segment.map !== map || (segment.discontinuity && msn !== seg.msn)) throw new Error('new map or discontinuity');
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
        this.video.play().catch(() => {});
      }
      this.lastProgress = performance.now();
      part += 1;
    }
  }

  /// Every second: the delay behind live, catching up, and noticing a stall.
  tick() {
    const v = this.video;
    if (this.reference && v.readyState >= 2) {
      this.delay = (Date.now() - (this.reference.pdt + (v.currentTime - this.reference.media) * 1000)) / 1000;
    }
    const buffered = v.buffered.length ? v.buffered.end(v.buffered.length - 1) : 0;
    const ahead = buffered - v.currentTime;
    if (ahead > 3) v.currentTime = buffered - 0.6; // too far behind: jump near the live edge
    else v.playbackRate = ahead > 1.2 ? 1.08 : 1;
    if (v.paused && ahead > 0.3 && this.reference) v.play().catch(() => {});
    const state = v.readyState >= 3 && !v.paused ? 'playing' : 'buffering';
    this.onState({ state, detail: '' });
    if (performance.now() - (this.lastProgress ?? 0) > 8000 && this.mode === 'mse') {
      this.lastProgress = performance.now();
      this.abort?.abort(); // a stalled request: the pass fails and restarts from the live edge
    }
  }
}
