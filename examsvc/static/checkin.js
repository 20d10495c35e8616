// Check-in by camera on the proctor's tablet: scan the admission ticket's QR to find the candidate,
// take their photo (the notice is on screen), compare it with the institution's photo, then mark
// them present at their ticket's seat or refuse the identity. The photo and the check-in go through
// tablet.js's offline outbox, photo first, so a dropped network loses neither. Needs camera.js and
// vendor/jsQR.js; without a camera the roster's forms work as before.
"use strict";

(function () {
  const root = document.getElementById("tablet");
  const panel = document.getElementById("camera-panel");
  const scanButton = document.getElementById("scan-ticket");
  if (!root || !panel || !scanButton || !window.ExamCamera || !navigator.mediaDevices) return;
  const QR_PREFIX = "EXAMSVC-T:";
  const video = panel.querySelector("video");
  const status = panel.querySelector(".camera-status");
  const who = panel.querySelector(".camera-candidate");
  const compare = panel.querySelector(".compare");
  const rosterPhoto = panel.querySelector("img.roster-photo");
  const noRosterPhoto = panel.querySelector(".no-roster-photo");
  const taken = panel.querySelector("canvas.taken-photo");
  const buttons = {
    take: panel.querySelector(".camera-take"),
    present: panel.querySelector(".camera-present"),
    refuse: panel.querySelector(".camera-refuse"),
    close: panel.querySelector(".camera-close"),
  };
  const text = panel.dataset;
  let camera = null;
  let stopScan = null;
  let current = null; // the roster row being checked in
  let photo = null; // the data: URL of the photo taken

  function say(message, isError) {
    status.textContent = message || "";
    status.classList.toggle("error", Boolean(isError));
  }
  function show(step) {
    buttons.take.hidden = step !== "photo";
    buttons.present.hidden = buttons.refuse.hidden = step !== "decide";
    compare.hidden = step === "scan";
    who.hidden = step === "scan";
    video.hidden = step === "decide"; // the two photos take the room of the live picture
  }

  async function start() {
    panel.hidden = false;
    if (!camera || !camera.live) {
      camera = await ExamCamera.open(video, {
        messages: { denied: text.msgDenied, noCamera: text.msgNoCamera, unsupported: text.msgNoCamera },
      });
      if (!camera.ok) {
        say(camera.message, true);
        return false;
      }
    }
    return true;
  }

  async function scan() {
    if (!(await start())) return;
    current = photo = null;
    show("scan");
    say(text.msgScan, false);
    if (stopScan) stopScan();
    stopScan = ExamCamera.scanQr(camera, found);
  }

  function found(code) {
    const number = code.startsWith(QR_PREFIX) ? code.slice(QR_PREFIX.length) : "";
    const tr = number && root.querySelector('tr[data-ticket="' + CSS.escape(number) + '"]');
    if (!tr) {
      say(number ? text.msgUnknownTicket : text.msgNotTicket, true);
      return; // keep scanning
    }
    if (stopScan) stopScan();
    stopScan = null;
    choose(tr);
  }

  async function choose(tr) {
    current = tr;
    photo = null;
    if (!(await start())) return;
    const seat = tr.dataset.ticketSeat || "";
    who.textContent = tr.dataset.name + " · " + tr.dataset.tail + (seat ? " · " + text.msgSeat + " " + seat : "");
    rosterPhoto.hidden = !tr.dataset.rosterPhoto;
    noRosterPhoto.hidden = Boolean(tr.dataset.rosterPhoto);
    if (tr.dataset.rosterPhoto) rosterPhoto.src = tr.dataset.rosterPhoto;
    taken.width = taken.height = 0;
    show("photo");
    say(text.msgConsent, false);
    tr.scrollIntoView({ block: "center" });
  }

  async function takePhoto() {
    const blob = await ExamCamera.capturePhoto(camera, { maxWidth: 640, quality: 0.85 });
    if (!blob) {
      say(text.msgNoFrame, true);
      return;
    }
    await ExamCamera.drawPhoto(taken, blob);
    photo = await ExamCamera.toDataUrl(blob);
    show("decide");
    say(text.msgCompare, false);
  }

  async function decide(presence) {
    const tr = current;
    if (!tr || !photo || !window.ExamTablet) return;
    const form = tr.querySelector("form.checkin");
    await window.ExamTablet.queuePhoto(tr.dataset.enrollment, tr.dataset.photoUrl, photo);
    const seat = form.elements.seat_no;
    if (presence === "present" && !seat.value && tr.dataset.ticketSeat) seat.value = tr.dataset.ticketSeat;
    form.requestSubmit(form.querySelector('button[value="' + presence + '"]'));
    current = photo = null;
    scan(); // the next candidate
  }

  function close() {
    if (stopScan) stopScan();
    stopScan = null;
    if (camera) camera.stop();
    camera = current = photo = null;
    panel.hidden = true;
  }

  scanButton.hidden = false;
  scanButton.addEventListener("click", scan);
  buttons.take.addEventListener("click", takePhoto);
  buttons.present.addEventListener("click", () => decide("present"));
  buttons.refuse.addEventListener("click", () => decide("refused"));
  buttons.close.addEventListener("click", close);
  root.querySelectorAll("button.photo-button").forEach((button) => {
    button.hidden = false;
    button.addEventListener("click", () => {
      if (stopScan) stopScan();
      stopScan = null;
      choose(button.closest("tr"));
    });
  });
})();
