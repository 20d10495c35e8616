// The tablet's camera: a live preview in a <video>, QR codes read from it, a photo taken from it.
// Plain script, no build step, no inline code (the CSP is script-src 'self'); QR decoding needs
// vendor/jsQR.js loaded before it is used (it defines window.jsQR), so scanning works offline.
// Nothing here throws at the page: open() resolves to a handle saying what went wrong, in the
// page's own words (a `messages` object, so the page can translate them).
//
//   const cam = await ExamCamera.open(video, { messages: { denied: "…", noCamera: "…" } });
//   if (!cam.ok) { show(cam.message); return; }
//   const stopScan = ExamCamera.scanQr(cam, (text) => lookUp(text));
//   const photo = await ExamCamera.capturePhoto(cam);   // a JPEG Blob, or null
//   cam.stop();
"use strict";

(function () {
  // The page's messages replace these, key by key.
  const MESSAGES = {
    unsupported: "This browser cannot use a camera on this page.",
    denied: "Permission to use the camera was refused. Allow the camera for this site and try again.",
    noCamera: "No camera was found on this device.",
    busy: "The camera is in use by another application.",
    failed: "The camera could not be started.",
    ended: "The camera stopped.",
  };

  function reason(error) {
    switch (error && error.name) {
      case "NotAllowedError":
      case "PermissionDeniedError":
      case "SecurityError": // also a Permissions-Policy that does not allow the camera
        return "denied";
      case "NotFoundError":
      case "DevicesNotFoundError":
      case "OverconstrainedError":
        return "noCamera";
      case "NotReadableError":
      case "TrackStartError":
      case "AbortError":
        return "busy";
      default:
        return "failed";
    }
  }

  function messageFor(code, messages) {
    return (messages && messages[code]) || MESSAGES[code];
  }

  // Resolves true once the video has a frame to draw, false after timeoutMs without one.
  function frameReady(video, timeoutMs) {
    if (video.readyState >= 2 && video.videoWidth > 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (ready) => {
        clearTimeout(timer);
        video.removeEventListener("loadeddata", onData);
        resolve(ready);
      };
      const onData = () => done(video.videoWidth > 0);
      const timer = setTimeout(() => done(false), timeoutMs);
      video.addEventListener("loadeddata", onData);
    });
  }

  function failed(video, code, messages, detail) {
    return {
      ok: false,
      error: code,
      message: messageFor(code, messages),
      detail: detail || "",
      video: video,
      stream: null,
      get live() {
        return false;
      },
      stop() {},
    };
  }

  // Starts the camera into `video`. The facing mode asked for (default the rear camera) and the size
  // (options.width x options.height, default 1280 x 720) are preferences: a device without them gets
  // what it has. Resolves to a handle, never rejects.
  async function open(video, options) {
    const o = options || {};
    const messages = o.messages || {};
    const devices = navigator.mediaDevices;
    if (!video || !devices || typeof devices.getUserMedia !== "function") {
      return failed(video, "unsupported", messages); // also any page not served over HTTPS
    }
    const attempts = [
      {
        audio: false,
        video: {
          facingMode: { ideal: o.facingMode || "environment" },
          width: { ideal: o.width > 0 ? o.width : 1280 },
          height: { ideal: o.height > 0 ? o.height : 720 },
        },
      },
      { audio: false, video: true },
    ];
    let stream = null;
    let error = null;
    for (const constraints of attempts) {
      try {
        stream = await devices.getUserMedia(constraints);
        break;
      } catch (e) {
        error = e;
        if (reason(e) === "denied") break; // asking again would be refused again
      }
    }
    if (!stream) {
      const detail = error ? error.name + ": " + error.message : "";
      return failed(video, reason(error), messages, detail);
    }

    let stopped = false;
    const track = stream.getVideoTracks()[0];
    const handle = {
      ok: true,
      error: null,
      message: "",
      detail: "",
      video: video,
      stream: stream,
      get live() {
        return !stopped && !!track && track.readyState === "live";
      },
      stop() {
        if (stopped) return;
        stopped = true;
        stream.getTracks().forEach((t) => t.stop());
        if (video.srcObject === stream) video.srcObject = null;
      },
    };
    if (track) {
      track.addEventListener("ended", () => {
        // Unplugged, or the permission taken back: the page may say so (once, not after stop()).
        if (!stopped && typeof o.onEnded === "function") o.onEnded(messageFor("ended", messages));
      });
    }
    video.muted = true;
    video.playsInline = true;
    video.setAttribute("playsinline", ""); // iOS Safari: no full-screen player
    video.srcObject = stream;
    try {
      await video.play();
    } catch (e) {
      // Autoplay refused (not for a muted video in practice): the frames still arrive.
    }
    await frameReady(video, 3000);
    return handle;
  }

  function canScan() {
    return typeof window.jsQR === "function";
  }

  // Reads QR codes from the live video every intervalMs, on a canvas never added to the page.
  // onText(text) is called once for each code that comes into view: a code still in view, or seen
  // again within repeatMs of its last sighting, is not reported again. Returns the function that
  // stops scanning; scanning also ends with handle.stop().
  function scanQr(handle, onText, options) {
    const o = options || {};
    const intervalMs = o.intervalMs > 0 ? o.intervalMs : 150;
    const repeatMs = o.repeatMs >= 0 ? o.repeatMs : 3000;
    const maxSide = o.maxSide > 0 ? o.maxSide : 800; // large frames are scaled down: decoding time
    const inversion = o.inversionAttempts || "dontInvert"; // printed codes: dark on light
    if (!handle || !handle.live || !canScan() || typeof onText !== "function") {
      if (!canScan()) console.error("ExamCamera.scanQr: vendor/jsQR.js is not loaded");
      return () => {};
    }
    const video = handle.video;
    const canvas = document.createElement("canvas");
    const context = canvas.getContext("2d", { willReadFrequently: true });
    const seen = new Map(); // text -> when it was last decoded
    let timer = null;
    let stopped = false;

    function decode() {
      const width = video.videoWidth;
      const height = video.videoHeight;
      if (video.readyState < 2 || !width || !height) return null;
      const scale = Math.min(1, maxSide / Math.max(width, height));
      const w = Math.round(width * scale);
      const h = Math.round(height * scale);
      if (canvas.width !== w) canvas.width = w;
      if (canvas.height !== h) canvas.height = h;
      context.drawImage(video, 0, 0, w, h);
      const pixels = context.getImageData(0, 0, w, h).data;
      const code = window.jsQR(pixels, w, h, { inversionAttempts: inversion });
      return code && code.data ? code.data : null;
    }

    function tick() {
      timer = null;
      if (stopped || !handle.live) return;
      let text = null;
      try {
        text = decode();
      } catch (e) {
        console.error("ExamCamera.scanQr:", e);
      }
      const now = Date.now();
      for (const [known, at] of seen) if (now - at >= repeatMs) seen.delete(known);
      if (text !== null) {
        const fresh = !seen.has(text);
        seen.set(text, now);
        if (fresh) {
          try {
            onText(text);
          } catch (e) {
            console.error("ExamCamera.scanQr: the page's onText failed:", e);
          }
        }
      }
      if (!stopped) timer = setTimeout(tick, intervalMs);
    }

    timer = setTimeout(tick, 0);
    return function stop() {
      stopped = true;
      if (timer !== null) clearTimeout(timer);
      timer = null;
    };
  }

  // The current frame as a JPEG Blob at most maxWidth pixels wide (never enlarged); null when the
  // camera has no frame to give (stopped, or none within 3 s).
  async function capturePhoto(handle, options) {
    const o = options || {};
    const maxWidth = o.maxWidth > 0 ? o.maxWidth : 640;
    const quality = o.quality > 0 && o.quality <= 1 ? o.quality : 0.85;
    if (!handle || !handle.live) return null;
    const video = handle.video;
    if (!(await frameReady(video, 3000))) return null;
    const scale = Math.min(1, maxWidth / video.videoWidth);
    const canvas = document.createElement("canvas");
    canvas.width = Math.max(1, Math.round(video.videoWidth * scale));
    canvas.height = Math.max(1, Math.round(video.videoHeight * scale));
    canvas.getContext("2d").drawImage(video, 0, 0, canvas.width, canvas.height);
    return new Promise((resolve) => canvas.toBlob((blob) => resolve(blob), "image/jpeg", quality));
  }

  // A data: URL of the blob (for upload as text, or an <img> where the CSP allows img-src data:).
  function toDataUrl(blob) {
    return new Promise((resolve) => {
      if (!blob) return resolve(null);
      const reader = new FileReader();
      reader.onload = () => resolve(reader.result);
      reader.onerror = () => resolve(null);
      reader.readAsDataURL(blob);
    });
  }

  // Shows the photo on a <canvas> of the page: a preview that needs no data: or blob: image URL,
  // so it works under img-src 'self'. Resolves true once drawn.
  async function drawPhoto(canvas, blob) {
    if (!canvas || !blob || typeof createImageBitmap !== "function") return false;
    try {
      const bitmap = await createImageBitmap(blob);
      canvas.width = bitmap.width;
      canvas.height = bitmap.height;
      canvas.getContext("2d").drawImage(bitmap, 0, 0);
      bitmap.close();
      return true;
    } catch (e) {
      console.error("ExamCamera.drawPhoto:", e);
      return false;
    }
  }

  window.ExamCamera = Object.freeze({
    MESSAGES: Object.freeze(Object.assign({}, MESSAGES)),
    open: open,
    canScan: canScan,
    scanQr: scanQr,
    capturePhoto: capturePhoto,
    toDataUrl: toDataUrl,
    drawPhoto: drawPhoto,
  });
})();
