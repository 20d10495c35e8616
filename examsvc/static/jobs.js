// A job's progress page: asks the server for the job's standing every second and updates the bar,
// the count and the time left; when the file is ready the download button appears.
"use strict";

(function () {
  const box = document.getElementById("job");
  if (!box) return;
  const bar = document.getElementById("job-progress");
  const text = document.getElementById("job-text");
  const file = document.getElementById("job-file");
  const error = document.getElementById("job-error");

  function show(s) {
    bar.max = s.total || 1;
    bar.value = s.done;
    if (s.state === "queued") text.textContent = box.dataset.msgQueued;
    else if (s.state === "running") {
      let line = s.done + " / " + s.total;
      if (s.seconds_left) line += " · " + box.dataset.msgLeft.replace("%(seconds)s", s.seconds_left);
      text.textContent = line;
    } else if (s.state === "done") {
      text.textContent = box.dataset.msgDone;
      bar.value = bar.max;
      file.hidden = false;
    } else {
      text.textContent = "";
      error.textContent = s.error;
      error.hidden = false;
    }
    return s.state === "queued" || s.state === "running";
  }

  function poll() {
    fetch(box.dataset.statusUrl, { credentials: "same-origin", cache: "no-store" })
      .then((r) => (r.ok ? r.json() : Promise.reject(r.status)))
      .then((s) => { if (show(s)) setTimeout(poll, 1000); })
      .catch(() => setTimeout(poll, 3000)); // a network blip: try again, a little later
  }
  poll();
})();
