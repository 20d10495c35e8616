// The proctor's tablet, offline first. Each check-in and each answer sheet goes into an outbox in
// IndexedDB, then to the server; whatever has not arrived is sent again when the network returns.
// Every entry carries its own idempotency key, so a resend is never stored twice. Only a failure
// that may pass (no network, a 5xx, 429) is retried; an entry the server refused (another 4xx) stays
// in a list with its reason until the proctor dismisses it. The server's answer says "saved", never
// a score: entry is blind. Without this script the page still works: its forms post to the same URLs.
"use strict";

(function () {
  const root = document.getElementById("tablet");
  if (!root || root.dataset.open !== "yes" || !window.indexedDB || !window.fetch) return;
  const user = root.dataset.user;
  const sitting = root.dataset.sitting;
  const statusLine = document.getElementById("sync-status");
  let db = null;
  let flushing = false;
  let flushAgain = false; // an entry queued while a round was sending: it was not in that round's list
  let reachable = navigator.onLine;

  // ---- outbox (IndexedDB), in the order entries were made
  function done(request) {
    return new Promise((resolve, reject) => {
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  }
  function store(mode) {
    return db.transaction("outbox", mode).objectStore("outbox");
  }
  function openOutbox() {
    const request = indexedDB.open("examsvc-tablet", 1);
    request.onupgradeneeded = () =>
      request.result.createObjectStore("outbox", { keyPath: "id", autoIncrement: true });
    return done(request);
  }
  async function mine() {
    const entries = await done(store("readonly").getAll());
    return entries.filter((e) => e.user === user && e.sitting === sitting);
  }
  async function waiting() {
    return (await mine()).filter((e) => !e.refused);
  }

  function newKey() {
    if (crypto.randomUUID) return crypto.randomUUID();
    return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");
  }
  function csrfToken() {
    return root.querySelector("input[name=csrf_token]").value;
  }
  function row(entry) {
    return entry.enrollment ? document.getElementById("candidate-" + entry.enrollment) : null; // a scan has none
  }
  function say(tr, text, isError) {
    const slot = tr && tr.querySelector(".entry-state");
    if (!slot) return;
    slot.textContent = text;
    slot.classList.toggle("error", Boolean(isError));
  }

  // ---- what the proctor sees before the server has answered
  function showLocally(entry) {
    if (entry.kind === "scan") return tellScan(entry, "waiting", null);
    const tr = row(entry);
    if (!tr) return;
    if (entry.kind === "photo") {
      tr.dataset.photoTaken = "yes";
    } else if (entry.kind === "check-in") {
      tr.querySelectorAll("form.checkin button").forEach((b) =>
        b.classList.toggle("primary", b.value === entry.body.presence));
      const seat = tr.querySelector("form.checkin input[name=seat_no]");
      if (seat) seat.value = entry.body.seat_no;
      tr.querySelector("form.sheet").hidden = entry.body.presence !== "present";
    } else {
      const field = tr.querySelector("form.sheet input[type=text]");
      const typed = entry.body.answers !== undefined ? entry.body.answers : entry.body.score;
      if (field) field.value = typed;
    }
    say(tr, root.dataset.msgPending, false);
  }

  function showAnswer(entry, ok, data, rowStillWaits) {
    if (entry.kind === "scan") return tellScan(entry, ok ? "answered" : "refused", data);
    const tr = row(entry);
    if (!tr) return;
    if (!ok) {
      say(tr, reasonOf(data), true);
      return;
    }
    if (entry.kind === "photo") { // a photo changes no attempt: the row's version stays
      say(tr, rowStillWaits ? root.dataset.msgPending : root.dataset.msgSent, false);
      return;
    }
    tr.dataset.version = data.version;
    tr.querySelectorAll("form.checkin input[name=version], form.sheet input[name=version]").forEach((input) => {
      input.value = data.version;
    });
    // "Sent" only when nothing else of this candidate waits (a sheet typed while its check-in was
    // on its way): the row never says more than the outbox holds.
    say(tr, rowStillWaits ? root.dataset.msgPending : root.dataset.msgSent, false);
  }

  // ---- entries the server refused: shown with their reason, never sent again
  const refusedList = document.getElementById("refused");
  async function showRefused() {
    const refused = (await mine()).filter((e) => e.refused);
    refusedList.hidden = !refused.length;
    refusedList.replaceChildren();
    if (!refused.length) return;
    const title = document.createElement("li");
    title.textContent = refusedList.dataset.msgTitle;
    refusedList.appendChild(title);
    for (const entry of refused) {
      const item = document.createElement("li");
      const tr = row(entry);
      const who = tr ? tr.cells[0].textContent
        : entry.kind === "scan" ? refusedList.dataset.msgScan.replace("%(time)s", new Date(entry.made).toLocaleTimeString())
        : "#" + entry.enrollment;
      item.textContent = who + ": " + entry.refused + " ";
      const dismiss = document.createElement("button");
      dismiss.type = "button";
      dismiss.textContent = refusedList.dataset.msgDismiss;
      dismiss.addEventListener("click", async () => {
        await done(store("readwrite").delete(entry.id));
        showRefused();
      });
      item.appendChild(dismiss);
      refusedList.appendChild(item);
    }
  }
  function reasonOf(data) {
    const problems = (data.problems || []).map((p) => p.question + ": " + p.message).join("; ");
    return (data.message || data.error || "") + (problems ? " " + problems : "");
  }

  async function showStatus(signInNeeded) {
    const count = (await waiting()).length;
    statusLine.hidden = false;
    statusLine.classList.toggle("error", signInNeeded || !reachable);
    if (signInNeeded) statusLine.textContent = root.dataset.msgSignin;
    else if (count || !reachable) statusLine.textContent = root.dataset.msgOffline.replace("%(count)s", count);
    else statusLine.textContent = root.dataset.msgOnline;
  }

  // ---- sending, oldest first; stops at the first entry that cannot be sent now
  async function send(entry) {
    if (entry.kind !== "scan" && entry.body.version === null) { // a scan changes no row: it has no version
      // Resolved once, at the first send, from what the entries before it returned; then kept,
      // so that every resend of this entry is the same submission.
      entry.body.version = Number(row(entry) ? row(entry).dataset.version : 0);
      await done(store("readwrite").put(entry));
    }
    const response = await fetch(entry.url, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/json",
        Accept: "application/json",
        "X-CSRFToken": csrfToken(),
        "X-Outbox-Queued-At": String(entry.made), // the server measures how long entries wait here
      },
      body: JSON.stringify(entry.body),
    });
    const data = await response.json().catch(() => null);
    return { response, data };
  }

  async function flush() {
    if (!db) return;
    if (flushing) {
      flushAgain = true;
      return;
    }
    if (!navigator.onLine) {
      // The tablet knows it has no network: nothing is tried until the "online" event. A request
      // tried at the moment the link goes may still arrive while its answer is lost (resent later
      // under the same idempotency key, so harmless, but nothing is gained by trying).
      reachable = false;
      await showStatus(false);
      return;
    }
    flushing = true;
    flushAgain = false; // this round reads the whole outbox as it is now
    let sent = 0;
    let signInNeeded = false;
    try {
      for (const entry of await waiting()) {
        let answer;
        try {
          answer = await send(entry);
        } catch (err) {
          reachable = false; // no network: keep everything for later
          break;
        }
        const status = answer.response.status;
        if (status >= 500 || status === 429 || status === 408) {
          // The server did not take it (database away, overloaded, a proxy's error page): nothing
          // was saved there, so the entry stays here and goes again with the next round.
          reachable = false;
          break;
        }
        reachable = true;
        if (!answer.data) {
          signInNeeded = true; // a sign-in page came back instead of an answer: keep everything
          break;
        }
        if (answer.response.ok) {
          await done(store("readwrite").delete(entry.id));
        } else {
          entry.refused = reasonOf(answer.data); // permanent: kept to be read, not to be sent again
          await done(store("readwrite").put(entry));
          await showRefused();
        }
        const rowStillWaits = entry.kind !== "scan" && (await waiting()).some((e) => e.enrollment === entry.enrollment);
        showAnswer(entry, answer.response.ok, answer.data, rowStillWaits);
        sent += 1;
      }
    } finally {
      flushing = false;
    }
    if (flushAgain && reachable && !signInNeeded) {
      flushAgain = false;
      flush(); // another round for what was queued during this one
      return;
    }
    if (sent && !(await waiting()).length) {
      fetch(location.href, { credentials: "same-origin" }).catch(() => {}); // refreshes the offline copy
    }
    await showStatus(signInNeeded);
  }

  async function queue(entry) {
    entry.id = await done(store("readwrite").add(entry));
    showLocally(entry);
    await showStatus(false);
    flush();
    return entry.id;
  }

  root.addEventListener("submit", (event) => {
    const form = event.target;
    const kind = form.classList.contains("checkin") ? "check-in" : form.classList.contains("sheet") ? "result" : null;
    if (!kind || !db) return; // confirm and lock are plain forms: they need the network anyway
    event.preventDefault();
    const body = { version: null, idempotency_key: newKey() };
    if (kind === "check-in") {
      body.presence = event.submitter ? event.submitter.value : "present";
      body.seat_no = form.elements.seat_no.value.trim();
    } else {
      const field = form.querySelector("input[type=text]");
      body[field.name] = field.value;
    }
    const enrollment = form.closest("tr").dataset.enrollment;
    queue({ user, sitting, enrollment, kind, url: form.action, body, made: Date.now() });
  });

  // ---- touch grid: one row per printed question, writing the same typed string as the keyboard
  const layout = root.dataset.layout ? JSON.parse(root.dataset.layout) : null;

  function tokensOf(field) {
    const typed = field.value.trim().split(/[\s,，、;；]+/).filter(Boolean);
    return layout.map((_, i) => typed[i] || "-");
  }

  function buildGrid(form) {
    const field = form.querySelector("input[name=answers]");
    const grid = document.createElement("div");
    grid.className = "answer-grid";
    layout.forEach(([type, marks], i) => {
      const line = document.createElement("div");
      line.className = "q " + type;
      line.dataset.index = i;
      const number = document.createElement("span");
      number.textContent = i + 1;
      line.appendChild(number);
      for (const mark of marks) {
        const button = document.createElement("button");
        button.type = "button";
        button.textContent = mark;
        button.dataset.mark = mark;
        line.appendChild(button);
      }
      grid.appendChild(line);
    });
    function paint() {
      const tokens = tokensOf(field);
      grid.querySelectorAll(".q").forEach((line) => {
        const token = tokens[Number(line.dataset.index)].toUpperCase();
        line.querySelectorAll("button").forEach((b) => b.classList.toggle("primary", token.includes(b.dataset.mark)));
      });
    }
    grid.addEventListener("click", (event) => {
      const button = event.target.closest("button[data-mark]");
      if (!button) return;
      const line = button.closest(".q");
      const index = Number(line.dataset.index);
      const tokens = tokensOf(field);
      const current = tokens[index] === "-" ? "" : tokens[index].toUpperCase();
      const mark = button.dataset.mark;
      let next;
      if (line.classList.contains("multiple")) {
        const letters = new Set(current.split(""));
        letters.has(mark) ? letters.delete(mark) : letters.add(mark);
        next = Array.from(letters).sort().join("");
      } else {
        next = current === mark ? "" : mark; // a second tap clears the answer
      }
      tokens[index] = next || "-";
      field.value = tokens.join(" ");
      paint();
    });
    field.addEventListener("input", paint);
    paint();
    return grid;
  }

  if (layout) {
    root.querySelectorAll("form.sheet").forEach((form) => {
      const toggle = document.createElement("button");
      toggle.type = "button";
      toggle.className = "grid-toggle";
      toggle.textContent = root.dataset.msgGrid;
      form.insertBefore(toggle, form.querySelector("button[type=submit]"));
      toggle.addEventListener("click", () => {
        const open = form.nextElementSibling && form.nextElementSibling.classList.contains("answer-grid");
        if (open) form.nextElementSibling.remove();
        else form.after(buildGrid(form));
      });
    });
  }

  // ---- quick search over name, last four and seat
  const search = document.getElementById("roster-search");
  search.hidden = false;
  search.addEventListener("input", () => {
    const wanted = search.value.trim().toLowerCase();
    root.querySelectorAll("tr[data-enrollment]").forEach((tr) => {
      const seat = tr.querySelector("input[name=seat_no]");
      const text = (tr.dataset.search + " " + (seat ? seat.value : "")).toLowerCase();
      tr.hidden = Boolean(wanted) && !text.includes(wanted);
    });
  });

  window.addEventListener("online", flush);
  window.addEventListener("offline", () => { reachable = false; showStatus(false); });
  setInterval(flush, 15000);
  if ("serviceWorker" in navigator) navigator.serviceWorker.register(root.dataset.sw).catch(() => {});

  // ---- for checkin.js: a photo taken at check-in goes through the same outbox, before the check-in
  function queuePhoto(enrollment, url, dataUrl) {
    const body = { photo: dataUrl, version: 0, idempotency_key: newKey() };
    return queue({ user, sitting, enrollment: String(enrollment), kind: "photo", url, body, made: Date.now() });
  }

  // ---- for sheetcam.js: a photographed answer sheet, read by the server on arrival. It belongs to no
  // row until read (the sheet's QR names the seat), so what becomes of it is told in a "tablet:scan"
  // event on #tablet: detail.what is "waiting", "answered" (detail.data: the server's answer) or
  // "refused" (detail.reason); detail.tag is the caller's own name for it, kept with the entry.
  function queueScan(url, dataUrl, tag) {
    const body = { image: dataUrl, idempotency_key: newKey() }; // made once: a resend is the same sheet
    return queue({ user, sitting, kind: "scan", tag: tag || "", url, body, made: Date.now() });
  }
  function tellScan(entry, what, data) {
    const detail = { what, id: entry.id, tag: entry.tag, made: entry.made, data, reason: entry.refused || "" };
    root.dispatchEvent(new CustomEvent("tablet:scan", { detail }));
  }

  openOutbox().then(async (opened) => {
    db = opened;
    window.ExamTablet = Object.freeze({ queuePhoto, queueScan });
    (await waiting()).forEach(showLocally); // entries still waiting from before a reload
    await showRefused();
    flush();
  });
})();
