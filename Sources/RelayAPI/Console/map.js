// Maps drawn from the registry's coordinates (WGS-84) on a canvas, in Web Mercator, with no
// external service: halls are often on a closed network. When the deployment names a tile server
// (`console.mapTilesUrl`, an XYZ template), its tiles are drawn underneath.
const tileCache = new Map(); // url -> HTMLImageElement (loading or loaded)

function mercator(latitude, longitude, zoom) {
  const scale = 256 * 2 ** zoom;
  const sin = Math.sin((Math.max(-85, Math.min(85, latitude)) * Math.PI) / 180);
  return [((longitude + 180) / 360) * scale, (0.5 - Math.log((1 + sin) / (1 - sin)) / (4 * Math.PI)) * scale];
}

/// The great-circle distance in kilometres.
export function distanceKm(a, b) {
  const rad = Math.PI / 180;
  const dLat = (b.latitude - a.latitude) * rad, dLon = (b.longitude - a.longitude) * rad;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.latitude * rad) * Math.cos(b.latitude * rad) * Math.sin(dLon / 2) ** 2;
  return 2 * 6371 * Math.asin(Math.sqrt(h));
}

const colours = { online: '#4cd07d', reconnecting: '#ffcc4d', stalled: '#ffcc4d', offline: '#6b7785' };

/// Draws `points` ({latitude, longitude, status}) fitted to the canvas, `selected` (a point)
/// outlined, and `marker` ({latitude, longitude}: an incident) as a red cross. Returns the
/// projection (point -> canvas [x, y]) for hit-testing, or null when there is nothing to draw.
export function drawMap(canvas, { points = [], selected = null, marker = null, tilesUrl = null, onTile = null } = {}) {
  const g = canvas.getContext('2d');
  g.fillStyle = '#0d141b';
  g.fillRect(0, 0, canvas.width, canvas.height);
  const all = marker ? [...points, marker] : points;
  if (!all.length) return null;
  const pad = 14;
  const lats = all.map((p) => p.latitude), lons = all.map((p) => p.longitude);
  const [minLat, maxLat, minLon, maxLon] = [Math.min(...lats), Math.max(...lats), Math.min(...lons), Math.max(...lons)];
  // The largest zoom (up to 16) at which the bounds fit.
  let zoom = 16;
  for (; zoom > 1; zoom -= 1) {
    const [x0, y0] = mercator(maxLat, minLon, zoom), [x1, y1] = mercator(minLat, maxLon, zoom);
    if (x1 - x0 <= canvas.width - 2 * pad && y1 - y0 <= canvas.height - 2 * pad) break;
  }
  const [cx, cy] = mercator((minLat + maxLat) / 2, (minLon + maxLon) / 2, zoom);
  const left = cx - canvas.width / 2, top = cy - canvas.height / 2;
  const project = (p) => { const [x, y] = mercator(p.latitude, p.longitude, zoom); return [x - left, y - top]; };
  if (tilesUrl) {
    for (let tx = Math.floor(left / 256); tx * 256 < left + canvas.width; tx += 1) {
      for (let ty = Math.floor(top / 256); ty * 256 < top + canvas.height; ty += 1) {
        if (ty < 0 || ty >= 2 ** zoom) continue;
        const url = tilesUrl.replace('{z}', zoom).replace('{x}', ((tx % 2 ** zoom) + 2 ** zoom) % 2 ** zoom).replace('{y}', ty);
        let image = tileCache.get(url);
        if (!image) {
          image = new Image();
          image.crossOrigin = 'anonymous';
          image.onload = () => onTile?.();
          image.src = url;
          tileCache.set(url, image);
        }
        if (image.complete && image.naturalWidth) g.drawImage(image, tx * 256 - left, ty * 256 - top);
      }
    }
  }
  // Offline first, so the live rooms are drawn on top.
  for (const status of ['offline', 'reconnecting', 'stalled', 'online']) {
    g.fillStyle = colours[status];
    const size = status === 'online' ? 5 : points.length > 500 ? 2 : 4;
    for (const p of points) {
      if ((p.status ?? 'offline') !== status) continue;
      const [x, y] = project(p);
      g.fillRect(x - size / 2, y - size / 2, size, size);
    }
  }
  if (selected) {
    const [x, y] = project(selected);
    g.strokeStyle = '#ffb13b'; g.lineWidth = 2; g.strokeRect(x - 6, y - 6, 12, 12);
  }
  if (marker) {
    const [x, y] = project(marker);
    g.strokeStyle = '#ff4d4d'; g.lineWidth = 3;
    g.beginPath(); g.moveTo(x - 8, y - 8); g.lineTo(x + 8, y + 8); g.moveTo(x + 8, y - 8); g.lineTo(x - 8, y + 8); g.stroke();
  }
  return project;
}
