// 5.4.4: the incident page's "Notification" panel follows the fan-out live, from the
// incident's counters (one small JSON read every few seconds, no count over the rows).
(function () {
  "use strict";
  const panel = document.getElementById("breach-notification");
  if (!panel) {
    return;
  }
  const url = panel.dataset.progressUrl;
  function update() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        return response.ok ? response.json() : null;
      })
      .then(function (progress) {
        if (!progress) {
          return;
        }
        panel.querySelectorAll("[data-key]").forEach(function (cell) {
          const value = progress[cell.dataset.key];
          if (value !== undefined) {
            cell.textContent = String(value);
          }
        });
        if (progress.started && (progress.waiting > 0 || progress.written < progress.affected)) {
          window.setTimeout(update, 3000);
        }
      })
      .catch(function () {
        window.setTimeout(update, 10000);
      });
  }
  window.setTimeout(update, 3000);
})();
