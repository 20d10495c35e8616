// Answer sheets photographed on the proctor's tablet. The live picture is looked at a few times a
// second, small and in grey: when the four solid black corner squares of a sheet are in view and
// stay still for a moment, the full-size frame is taken as a JPEG and goes into tablet.js's offline
// outbox (ExamTablet.queueScan), to be read by the server when the network allows. The sheet has to
// leave the picture before the next one is taken, so a sheet held still is taken once. "Take it
// now" takes the picture by hand. Needs camera.js and tablet.js; without them the sheets are scanned
// in a batch (scans.batch), as before.
"use strict";

(function () {
  const root = document.getElementById("tablet");
  const panel = document.getElementById("sheet-camera");
  const openButton = document.getElementById("sheet-camera-open");
  if (!root || !panel || !openButton || root.dataset.marking !== "sheet" || root.dataset.open !== "yes") return;
  if (!window.ExamCamera || !navigator.mediaDevices) return;

  const ANALYSIS_WIDTH = 320; // the picture looked at: about 320 px wide (240 px high at least)
  const ANALYSIS_SHORT = 240;
  const EVERY_MS = 120;
  const STEADY_MS = 600; // the squares stay put this long before the picture is taken
  const STEADY_MOVE = 0.015; // "put": each square moves less than this share of the frame's width
  const GONE_MS = 800; // no sheet in view this long: the next sheet may be taken
  const SHEET_RATIO = (930 - 68) / (1280 - 68); // between the squares' centres (papers/sheet_layout.py)
  const MARKER_SHARE = 40 / (1280 - 68); // a square's side to the distance between top and bottom ones

  const video = panel.querySelector("video");
  const guide = panel.querySelector(".sheetcam-guide");
  const status = panel.querySelector(".camera-status");
  const results = panel.querySelector(".sheetcam-results");
  const takeButton = panel.querySelector(".sheetcam-take");
  const closeButton = panel.querySelector(".sheetcam-close");
  const text = panel.dataset;
  const canvas = document.createElement("canvas");
  const context = canvas.getContext("2d", { willReadFrequently: true });
  let camera = null;
  let timer = null;
  let previous = null; // the corners found in the last frame
  let steadySince = 0;
  let armed = true; // false from a capture until the sheet has left the picture
  let lastSeen = 0;
  let capturing = false;
  let captures = 0;
  let tags = 0;

  function say(message, isError) {
    status.textContent = message || "";
    status.classList.toggle("error", Boolean(isError));
  }

  // ---- finding the corner squares in one small grey frame
  function grey(width, height) {
    context.drawImage(video, 0, 0, width, height);
    const rgba = context.getImageData(0, 0, width, height).data;
    const out = new Uint8Array(width * height);
    for (let i = 0, j = 0; i < out.length; i += 1, j += 4) {
      out[i] = (rgba[j] * 77 + rgba[j + 1] * 150 + rgba[j + 2] * 29) >> 8;
    }
    return out;
  }

  // Ink is darker than halfway between the darkest few pixels and the paper (the frame's 90th
  // percentile): a grey desk stays out, the squares' black does not.
  function inkLevel(pixels) {
    const histogram = new Uint32Array(256);
    for (const v of pixels) histogram[v] += 1;
    const at = (share) => {
      let count = 0;
      const wanted = share * pixels.length;
      for (let v = 0; v < 256; v += 1) {
        count += histogram[v];
        if (count >= wanted) return v;
      }
      return 255;
    };
    const dark = at(0.003);
    const paper = at(0.9);
    return paper - dark < 60 ? -1 : (dark + paper) / 2;
  }

  // Connected dark blobs that could be a corner square: square-ish, solid, small, on light paper.
  function squares(pixels, width, height, level) {
    const labels = new Int32Array(width * height);
    const stack = new Int32Array(width * height);
    const short = Math.min(width, height);
    const minSide = Math.max(2, short * 0.008);
    const maxSide = short * 0.09;
    const found = [];
    let label = 0;
    for (let start = 0; start < pixels.length; start += 1) {
      if (labels[start] || pixels[start] >= level) continue;
      label += 1;
      let top = 0;
      let count = 0;
      let sumX = 0;
      let sumY = 0;
      let x0 = width;
      let y0 = height;
      let x1 = 0;
      let y1 = 0;
      stack[top++] = start;
      labels[start] = label;
      while (top) {
        const p = stack[--top];
        const x = p % width;
        const y = (p - x) / width;
        count += 1;
        sumX += x;
        sumY += y;
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
        const next = [x > 0 ? p - 1 : -1, x < width - 1 ? p + 1 : -1, y > 0 ? p - width : -1, y < height - 1 ? p + width : -1];
        for (const q of next) {
          if (q >= 0 && !labels[q] && pixels[q] < level) {
            labels[q] = label;
            stack[top++] = q;
          }
        }
      }
      const w = x1 - x0 + 1;
      const h = y1 - y0 + 1;
      if (w < minSide || h < minSide || w > maxSide || h > maxSide) continue;
      if (Math.max(w, h) / Math.min(w, h) > 1.6 || count < 0.6 * w * h) continue;
      if (x0 === 0 || y0 === 0 || x1 === width - 1 || y1 === height - 1) continue; // cut by the edge
      if (!onPaper(pixels, width, height, level, x0, y0, x1, y1)) continue;
      found.push({ x: sumX / count, y: sumY / count, side: Math.sqrt(count), solid: count / (w * h) });
    }
    return found;
  }

  // Most of a ring around the blob is light: a square printed on paper, not a shadow or a dark desk.
  function onPaper(pixels, width, height, level, x0, y0, x1, y1) {
    const r = Math.max(2, Math.round((x1 - x0 + 1) * 0.5));
    let light = 0;
    let all = 0;
    for (let y = Math.max(0, y0 - r); y <= Math.min(height - 1, y1 + r); y += 1) {
      for (let x = Math.max(0, x0 - r); x <= Math.min(width - 1, x1 + r); x += 1) {
        if (x >= x0 && x <= x1 && y >= y0 && y <= y1) continue;
        all += 1;
        if (pixels[y * width + x] >= level) light += 1;
      }
    }
    return all > 0 && light / all >= 0.6;
  }

  // The four squares that make the largest sheet-shaped quadrilateral, corners from top left
  // clockwise; null when no four of them do.
  function sheetOf(candidates, width, height) {
    const pool = candidates.sort((a, b) => b.solid * b.side - a.solid * a.side).slice(0, 14);
    const short = Math.min(width, height);
    let best = null;
    let bestArea = 0;
    const n = pool.length;
    for (let a = 0; a < n; a += 1)
      for (let b = a + 1; b < n; b += 1)
        for (let c = b + 1; c < n; c += 1)
          for (let d = c + 1; d < n; d += 1) {
            const quad = shaped([pool[a], pool[b], pool[c], pool[d]], short);
            if (quad && quad.area > bestArea) {
              best = quad;
              bestArea = quad.area;
            }
          }
    return best;
  }

  function shaped(points, short) {
    const cx = (points[0].x + points[1].x + points[2].x + points[3].x) / 4;
    const cy = (points[0].y + points[1].y + points[2].y + points[3].y) / 4;
    const ring = points.slice().sort((p, q) => Math.atan2(p.y - cy, p.x - cx) - Math.atan2(q.y - cy, q.x - cx));
    const sides = [];
    let area = 0;
    let sign = 0;
    for (let i = 0; i < 4; i += 1) {
      const p = ring[i];
      const q = ring[(i + 1) % 4];
      const r = ring[(i + 2) % 4];
      const turn = (q.x - p.x) * (r.y - q.y) - (q.y - p.y) * (r.x - q.x);
      if (!turn || (sign && Math.sign(turn) !== sign)) return null; // not convex
      sign = Math.sign(turn);
      sides.push(Math.hypot(q.x - p.x, q.y - p.y));
      area += p.x * q.y - q.x * p.y;
    }
    const even = Math.min(sides[0], sides[2]) / Math.max(sides[0], sides[2]);
    const odd = Math.min(sides[1], sides[3]) / Math.max(sides[1], sides[3]);
    if (even < 0.7 || odd < 0.7) return null; // more slanted than a sheet held roughly flat
    const one = (sides[0] + sides[2]) / 2;
    const other = (sides[1] + sides[3]) / 2;
    const long = Math.max(one, other);
    const ratio = Math.min(one, other) / long;
    if (ratio < SHEET_RATIO - 0.13 || ratio > SHEET_RATIO + 0.13) return null;
    if (long < 0.45 * short) return null; // too far away to be read
    const sidesOf = points.map((p) => p.side);
    const side = sidesOf.reduce((s, v) => s + v, 0) / 4;
    if (Math.max(...sidesOf) > 1.8 * Math.min(...sidesOf)) return null;
    if (side / long < MARKER_SHARE * 0.5 || side / long > MARKER_SHARE * 1.9) return null;
    const first = ring.reduce((m, p, i) => (p.x + p.y < ring[m].x + ring[m].y ? i : m), 0);
    const corners = [0, 1, 2, 3].map((i) => ring[(first + i) % 4]);
    return { corners, area: Math.abs(area) / 2 };
  }

  function look() {
    const vw = video.videoWidth;
    const vh = video.videoHeight;
    if (video.readyState < 2 || !vw || !vh) return null;
    const scale = Math.min(1, Math.max(ANALYSIS_WIDTH / vw, ANALYSIS_SHORT / Math.min(vw, vh)));
    const width = Math.round(vw * scale);
    const height = Math.round(vh * scale);
    if (canvas.width !== width) canvas.width = width;
    if (canvas.height !== height) canvas.height = height;
    const pixels = grey(width, height);
    const level = inkLevel(pixels);
    if (level < 0) return null;
    const sheet = sheetOf(squares(pixels, width, height, level), width, height);
    return sheet ? { corners: sheet.corners, width } : null;
  }

  // ---- deciding when to take the picture
  function tick() {
    timer = null;
    if (!camera || !camera.live) return;
    let sheet = null;
    try {
      sheet = look();
    } catch (e) {
      console.error("sheetcam:", e);
    }
    const now = Date.now();
    guide.classList.toggle("found", Boolean(sheet));
    if (sheet) {
      lastSeen = now;
      const moved = previous
        ? Math.max(...sheet.corners.map((p, i) => Math.hypot(p.x - previous[i].x, p.y - previous[i].y)))
        : Infinity;
      if (moved > STEADY_MOVE * sheet.width) steadySince = now;
      previous = sheet.corners;
      if (armed && !capturing) {
        say(text.msgHold, false);
        if (now - steadySince >= STEADY_MS) capture();
      }
    } else {
      previous = null;
      if (!armed && !capturing && now - lastSeen >= GONE_MS) armed = true; // the sheet was taken away
      if (armed && !capturing) say(text.msgAim, false);
    }
    timer = setTimeout(tick, EVERY_MS);
  }

  async function capture() {
    if (capturing || !camera || !camera.live || !window.ExamTablet) return;
    capturing = true;
    armed = false; // this sheet is taken: the next capture waits until it has left the picture
    lastSeen = Date.now();
    try {
      const thumb = document.createElement("canvas");
      const vw = video.videoWidth || 1;
      thumb.width = 120;
      thumb.height = Math.max(1, Math.round((120 * (video.videoHeight || 1)) / vw));
      thumb.getContext("2d").drawImage(video, 0, 0, thumb.width, thumb.height);
      const blob = await ExamCamera.capturePhoto(camera, { maxWidth: 4096, quality: 0.85 });
      const dataUrl = blob && (await ExamCamera.toDataUrl(blob));
      if (!dataUrl) {
        say(text.msgNoFrame, true);
        armed = true;
        return;
      }
      captures += 1;
      panel.dataset.captures = String(captures);
      tags += 1;
      const tag = "sheet-" + Date.now() + "-" + tags;
      const item = itemFor(tag, Date.now());
      item.prepend(thumb);
      await window.ExamTablet.queueScan(text.url, dataUrl, tag);
      say(text.msgCaptured, false);
    } finally {
      capturing = false;
    }
  }

  // ---- the list of sheets taken, each with what the server made of it
  function itemFor(tag, made) {
    let item = results.querySelector('li[data-tag="' + CSS.escape(tag) + '"]');
    if (item) return item;
    item = document.createElement("li");
    item.dataset.tag = tag;
    const when = document.createElement("small");
    when.textContent = new Date(made).toLocaleTimeString();
    const said = document.createElement("span");
    said.className = "sheetcam-said";
    said.textContent = root.dataset.msgPending;
    item.append(when, " ", said);
    results.prepend(item);
    results.hidden = false;
    return item;
  }

  root.addEventListener("tablet:scan", (event) => {
    const detail = event.detail;
    const item = itemFor(detail.tag || "entry-" + detail.id, detail.made);
    const said = item.querySelector(".sheetcam-said");
    item.classList.remove("error", "review", "duplicate");
    if (detail.what === "waiting") {
      said.textContent = root.dataset.msgPending;
    } else if (detail.what === "refused") {
      said.textContent = detail.reason;
      item.classList.add("error");
    } else {
      const data = detail.data || {};
      said.textContent = data.message || root.dataset.msgSent;
      if (data.state === "review" || data.state === "duplicate") item.classList.add(data.state);
      if (data.state === "review" && data.scan) {
        const link = document.createElement("a");
        link.href = text.url + "/" + encodeURIComponent(data.scan);
        link.textContent = text.msgReview;
        said.append(" ", link);
      }
    }
  });

  // ---- opening and closing
  async function open() {
    panel.hidden = false;
    openButton.hidden = true;
    const checkIn = document.getElementById("camera-panel"); // one camera at a time
    if (checkIn && !checkIn.hidden) checkIn.querySelector(".camera-close").click();
    say(text.msgAim, false);
    if (!camera || !camera.live) {
      camera = await ExamCamera.open(video, {
        width: 1920,
        height: 1080,
        messages: { denied: text.msgDenied, noCamera: text.msgNoCamera, unsupported: text.msgNoCamera },
        onEnded: (message) => say(message, true),
      });
      if (!camera.ok) {
        say(camera.message, true);
        return;
      }
    }
    previous = null;
    armed = true;
    steadySince = lastSeen = 0;
    say(text.msgAim, false);
    if (timer === null) timer = setTimeout(tick, 0);
  }

  function close() {
    if (timer !== null) clearTimeout(timer);
    timer = null;
    if (camera) camera.stop();
    camera = null;
    guide.classList.remove("found");
    panel.hidden = true;
    openButton.hidden = false;
  }

  openButton.hidden = false;
  openButton.addEventListener("click", open);
  closeButton.addEventListener("click", close);
  takeButton.addEventListener("click", () => capture());
})();
