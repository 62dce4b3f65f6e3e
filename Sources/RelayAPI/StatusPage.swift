/// A minimal page at `/` until the command-hall console lands: the live paths, each playable with
/// the browser's own HLS support (`<video src=...m3u8>`). No script library, nothing fetched from
/// outside the gateway.
enum StatusPage {
    static let html = """
    <!doctype html>
    <html lang="en">
    <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>FieldRelay</title>
    <style>
      body { font-family: system-ui, sans-serif; margin: 2rem; background: #101418; color: #e8eef2; }
      h1 { font-size: 1.4rem; }
      table { border-collapse: collapse; }
      td, th { padding: .3rem .8rem; border-bottom: 1px solid #2b3640; text-align: left; }
      a { color: #7cc4ff; }
      video { width: 640px; max-width: 100%; background: #000; margin-top: 1rem; }
      .online { color: #6fdc8c; } .stalled { color: #f1c21b; } .reconnecting { color: #ff832b; } .offline { color: #a2a9b0; }
    </style>
    </head>
    <body>
    <h1>FieldRelay — live paths</h1>
    <table><thead><tr><th>Path</th><th>Status</th><th>Tracks</th><th>Playlist</th><th></th></tr></thead>
    <tbody id="paths"><tr><td colspan="5">loading…</td></tr></tbody></table>
    <video id="player" controls muted playsinline aria-label="Selected stream"></video>
    <script type="module">
    const body = document.getElementById('paths');
    const player = document.getElementById('player');
    async function refresh() {
      try {
        const response = await fetch('/api/v1/paths');
        const { paths } = await response.json();
        body.replaceChildren(...(paths.length ? paths.map(row) : [empty()]));
      } catch (error) { console.warn(error); }
    }
    function empty() {
      const tr = document.createElement('tr');
      const td = document.createElement('td'); td.colSpan = 5; td.textContent = 'No stream yet.';
      tr.append(td); return tr;
    }
    function row(p) {
      const tr = document.createElement('tr');
      const cells = [p.path, p.status, p.tracks.join(', ')].map(text => {
        const td = document.createElement('td'); td.textContent = text; return td;
      });
      cells[1].className = p.status;
      const link = document.createElement('td');
      const a = document.createElement('a'); a.href = p.hlsUrl; a.textContent = p.hlsUrl; link.append(a);
      const play = document.createElement('td');
      const button = document.createElement('button'); button.textContent = 'Play';
      button.addEventListener('click', () => { player.src = p.hlsUrl; player.play(); });
      play.append(button);
      tr.append(...cells, link, play);
      return tr;
    }
    refresh(); setInterval(refresh, 2000);
    </script>
    </body>
    </html>
    """
}
