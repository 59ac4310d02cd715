// The cabinet's upcoming sessions: a countdown in each one's title, and a reload when joining opens.
(function () {
  var label = document.currentScript.dataset.label;
  function tick() {
    document.querySelectorAll("[data-countdown]").forEach(function (el) {
      var left = Math.max(0, Math.floor((Date.parse(el.dataset.countdown) - Date.now()) / 1000));
      var d = Math.floor(left / 86400), h = Math.floor(left % 86400 / 3600), m = Math.floor(left % 3600 / 60);
      el.dataset.left = left;
      el.title = label + ": " + (d ? d + "d " : "") + h + "h " + m + "m";
      if (Date.parse(el.dataset.opens) <= Date.now()) { window.location.reload(); }
    });
  }
  tick(); setInterval(tick, 30000);
})();
