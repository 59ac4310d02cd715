// Beats carry the signed presence key, not cookies: the endpoint looks up no session and no
// user, so it stays cheap for thousands of participants. The key is renewed (with the cookie
// session) well before it expires, and once more if a beat reports it expired.
(function () {
  var options = document.currentScript.dataset;
  var url = options.beatUrl, keyUrl = options.keyUrl, key = options.key;
  var every = Number(options.every) * 1000, seq = 0;
  var connection = (crypto.randomUUID ? crypto.randomUUID() : "10000000-1000-4000-8000-100000000000".replace(/[018]/g, function (c) {
    return (c ^ crypto.getRandomValues(new Uint8Array(1))[0] & 15 >> c / 4).toString(16); }));
  var csrf = (document.cookie.match(/csrftoken=([^;]+)/) || [])[1] || "";
  function renew() {
    return fetch(keyUrl, {method: "POST", credentials: "same-origin", headers: {"X-CSRFToken": csrf}})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) { if (data) { key = data.key; } });
  }
  function send(body, retried) {
    fetch(url, {method: "POST", credentials: "omit",
      headers: {"Content-Type": "application/json", "X-Presence-Key": key}, body: body})
      .then(function (r) {
        if (r.status === 403 && !retried) { renew().then(function () { send(body, true); }); }
      });
  }
  function beat() {
    send(JSON.stringify({connection_id: connection, seq: seq++, visible: document.visibilityState === "visible"}), false);
  }
  beat();
  setInterval(function () { if (document.visibilityState === "visible") { beat(); } }, every);
  setInterval(renew, Number(options.renewMs));
  document.addEventListener("visibilitychange", beat);
})();
