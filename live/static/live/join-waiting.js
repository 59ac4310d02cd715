// Ask our API (not BBB) whether the room is open; when it is, follow the same signed join link,
// which now leads into the room. The text changes only when something happens, so screen
// readers are not interrupted by every check.
(function () {
  var labels = document.currentScript.dataset;
  var section = document.getElementById("waiting");
  var statusUrl = section.dataset.statusUrl, joinUrl = section.dataset.joinUrl;
  var checked = document.getElementById("waiting-checked"), status = document.getElementById("waiting-status");
  function check() {
    fetch(statusUrl, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        checked.hidden = false;
        checked.textContent = labels.checkedLabel + " " + new Date().toLocaleTimeString(document.documentElement.lang);
        if (data && data.ready) { status.textContent = labels.opening; window.location.replace(joinUrl); }
        else if (data && !data.join_open) { window.location.reload(); }
      })
      .catch(function () {});
  }
  setInterval(check, Number(section.dataset.every));
})();
