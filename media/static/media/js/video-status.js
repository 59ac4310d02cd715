// Keeps every [data-video-status] element (admin listing and asset page) current while its video
// waits or transcodes: one request a couple of seconds for all of them, none when nothing runs.
(function () {
  "use strict";
  var POLL_MS = 2000;
  var RUNNING = { pending: true, processing: true };

  function running() {
    return Array.prototype.filter.call(document.querySelectorAll("[data-video-status]"), function (el) {
      return RUNNING[el.dataset.state];
    });
  }

  function show(el, row) {
    el.dataset.state = row.state;
    el.querySelector("[data-video-status-label]").textContent = row.state_label;
    var progressBox = el.querySelector("[data-video-status-progress]");
    progressBox.hidden = !RUNNING[row.state];
    el.querySelector("progress").value = row.progress;
    el.querySelector("progress").textContent = row.progress + "%";
    el.querySelector("[data-video-status-percent]").textContent = row.progress + "%";
    var error = el.querySelector("[data-video-status-error]");
    error.textContent = row.error_message;
    error.hidden = !row.error_message;
  }

  function poll() {
    var elements = running();
    if (!elements.length) {
      window.setTimeout(poll, POLL_MS);
      return;
    }
    var ids = elements.map(function (el) { return el.dataset.videoStatus; });
    var url = elements[0].dataset.statusUrl + "?ids=" + encodeURIComponent(ids.join(","));
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : { results: [] }; })
      .then(function (data) {
        data.results.forEach(function (row) {
          document.querySelectorAll('[data-video-status="' + row.id + '"]').forEach(function (el) { show(el, row); });
        });
      })
      .catch(function () { /* a missed poll is retried on the next tick */ })
      .then(function () { window.setTimeout(poll, POLL_MS); });
  }

  window.setTimeout(poll, POLL_MS);
})();
