// Signing out of a shared tablet: the server's answer clears this device's copies (Clear-Site-Data:
// cached sitting pages, the service worker, the outbox). Entries not yet sent would go with them,
// so the proctor is told how many and asked first; refused entries (shown with their reason) do
// not hold sign-out up.
"use strict";

(function () {
  const form = document.getElementById("sign-out");
  if (!form || !window.indexedDB) return;

  function unsent() {
    return new Promise((resolve) => {
      const request = indexedDB.open("examsvc-tablet", 1);
      request.onupgradeneeded = () =>
        request.result.createObjectStore("outbox", { keyPath: "id", autoIncrement: true });
      request.onerror = () => resolve(0);
      request.onsuccess = () => {
        const db = request.result;
        const all = db.transaction("outbox", "readonly").objectStore("outbox").getAll();
        all.onsuccess = () => {
          db.close(); // an open connection would hold up the browser's clearing of the database
          resolve(all.result.filter((e) => !e.refused).length);
        };
        all.onerror = () => {
          db.close();
          resolve(0);
        };
      };
    });
  }

  form.addEventListener("submit", async (event) => {
    if (form.dataset.checked === "yes") return;
    event.preventDefault();
    const count = await unsent();
    if (count > 0 && !window.confirm(form.dataset.msgUnsent.replace("%(count)s", String(count)))) return;
    form.dataset.checked = "yes";
    form.submit();
  });
})();
