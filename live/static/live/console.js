// The speakers' console: the per-minute chart's axis labels are placed from their data attributes
// (no inline styles: the Content-Security-Policy allows none), and while the session runs the
// "present now" list refreshes itself.
(function () {
  document.querySelectorAll(".minute-chart [data-bottom]").forEach(function (el) { el.style.bottom = el.dataset.bottom + "%"; });
  document.querySelectorAll(".minute-chart [data-left]").forEach(function (el) { el.style.left = el.dataset.left + "%"; });
  var options = document.currentScript.dataset;
  if (!options.rosterUrl) { return; }
  var list = document.getElementById("roster"), count = document.getElementById("roster-count");
  function refresh() {
    fetch(options.rosterUrl, {credentials: "same-origin"}).then(function (r) { return r.json(); }).then(function (people) {
      list.innerHTML = "";
      people.forEach(function (p) { var li = document.createElement("li"); li.textContent = p.name; list.appendChild(li); });
      count.textContent = people.length;
    });
  }
  setInterval(refresh, Number(options.rosterEvery));
})();
