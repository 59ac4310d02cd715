// The lecture player: plays the protected HLS stream and reports what was watched.
// The server decides what counts; this script only reports honestly and in order.
(function () {
  "use strict";
  var root = document.querySelector("[data-lecture-player]");
  if (!root) return;
  var video = root.querySelector("video");
  var statusBox = root.querySelector("[data-player-status]");
  var bar = root.querySelector("[data-progress-bar]");
  var text = root.querySelector("[data-progress-text]");
  var csrf = root.dataset.csrf;
  var BEAT_MS = 10000;
  // The server says how often to renew the playback URL and beat key (before either expires).
  var RENEW_MS = 1000 * (parseFloat(root.dataset.renewSeconds) || 60);

  var token = tokenOf(root.dataset.src);
  // Beats carry a signed key instead of cookies: the server judges them without a session or a
  // database read. It is renewed with the playback URL.
  var beatKey = root.dataset.beatKey;
  var lang = document.documentElement.lang || "";
  var playbackId = null;
  var seq = 0;
  var ackPos = null;        // where the server believes this playback stands
  var lastPos = 0;          // the position before a seek began
  var spanRate = video.playbackRate;
  var spanVisible = !document.hidden;
  var queue = Promise.resolve();
  var stopped = false;
  var retryTimer = null;
  var retryRelease = false;

  function tokenOf(url) {
    try { return new URL(url, location.href).searchParams.get("token"); } catch (e) { return null; }
  }
  function withToken(url) {
    if (!token) return url;
    var parsed = new URL(url, location.href);
    parsed.searchParams.set("token", token);
    return parsed.toString();
  }
  function newId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return "10000000-1000-4000-8000-100000000000".replace(/[018]/g, function (c) {
      return (c ^ (crypto.getRandomValues(new Uint8Array(1))[0] & (15 >> (c / 4)))).toString(16);
    });
  }
  function say(message) { if (statusBox) statusBox.textContent = message || ""; }
  function show(data) {
    if (typeof data.progress !== "number") return;
    var percent = Math.floor(data.progress * 100);
    if (bar) bar.value = percent;
    if (text) text.textContent = data.completed ? root.dataset.completedText : root.dataset.progressTemplate.replace("{percent}", percent);
  }

  function post(body) {
    var headers = {"Content-Type": "application/json", "X-Beat-Key": beatKey};
    // No cookies go with a beat, so say which language the messages should be in.
    if (lang) headers["Accept-Language"] = lang;
    return fetch(root.dataset.progressUrl, {
      method: "POST",
      credentials: "omit",
      headers: headers,
      body: JSON.stringify(body)
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        return {status: response.status, data: data, retryAfter: response.headers.get("Retry-After")};
      });
    });
  }

  // A beat that did not get through (the server answered 503, or the network failed) is sent again:
  // the stretch since `ackPos` stays in the browser until the server acknowledges it.
  function retryLater(seconds, release) {
    retryRelease = retryRelease || release;
    if (retryTimer) return;
    var delay = Math.min(30, Math.max(1, parseFloat(seconds) || 2)) * 1000;
    retryTimer = setTimeout(function () {
      retryTimer = null;
      var release = retryRelease;
      retryRelease = false;
      beat({release: release});
    }, delay);
  }

  // Another tab (or device) took the participant's lease: this one stops and says so. Pressing
  // play here again opens a new playback, which takes the lease back (the latest choice wins).
  function yieldLease(message) {
    playbackId = null;
    video.pause();
    say(message);
  }

  function handle(body, answer, retried) {
    if (answer.status === 403 && answer.data.renew && !retried) {
      // The key expired or its deadline passed: renew it (an extension may have been granted) and
      // send the beat once more; if the renewal is refused, `renew` stops the player with the reason.
      return renew().then(function (renewed) {
        if (renewed) return post(body).then(function (again) { return handle(body, again, true); }, function () {});
      });
    }
    if (answer.status === 200) {
      if (body.playback_id !== playbackId) return;
      ackPos = body.to;
      show(answer.data);
      if (answer.data.outcome === "other_playback") { yieldLease(answer.data.message); return; }
      say(answer.data.message);
    } else if (answer.status === 503) {
      if (body.seq === 0) playbackId = null;  // never opened: the retry opens it
      retryLater(answer.retryAfter, body.release);
    } else if (answer.status === 400 && answer.data.playback_id) {
      // The server no longer knows this playback (it expired): open a new one from here.
      playbackId = null;
    } else if (answer.status === 403 || answer.status === 404) {
      stopped = true;
      video.pause();
      say(answer.data.detail || "");
    }
  }

  // Beats go one after another, so the server receives them in the order of their seq; each is
  // made when its turn comes, from the position the server last acknowledged.
  function beat(options) {
    options = options || {};
    if (stopped) return;
    var position = options.position !== undefined ? options.position : video.currentTime;
    var rate = spanRate, visible = spanVisible;
    spanRate = video.playbackRate;
    spanVisible = !document.hidden;
    queue = queue.then(function () {
      if (stopped) return;
      var body;
      if (!playbackId) {
        if (!options.open) return;
        playbackId = newId();
        seq = 0;
        ackPos = position;
        body = {playback_id: playbackId, seq: 0, from: position, to: position, rate: rate, visible: visible};
      } else {
        seq += 1;
        var from = options.jump || ackPos === null || position < ackPos ? position : ackPos;
        body = {playback_id: playbackId, seq: seq, from: from, to: position, rate: rate, visible: visible,
                release: !!options.release};
      }
      return post(body).then(function (answer) { return handle(body, answer, false); }, function () {
        if (body.seq === 0 && body.playback_id === playbackId) playbackId = null;
        retryLater(2, body.release);
      });
    });
  }

  function open() {
    spanRate = video.playbackRate;
    spanVisible = !document.hidden;
    beat({open: true});
  }

  // The page goes (navigation, closing the tab): the last stretch and the lease's release leave
  // with the page, as a beacon (which carries the key in its body: a beacon sets no header).
  function leave() {
    if (!playbackId || stopped) return;
    seq += 1;
    var position = video.currentTime;
    var body = {playback_id: playbackId, seq: seq, from: ackPos === null || position < ackPos ? position : ackPos,
                to: position, rate: spanRate, visible: spanVisible, release: true, key: beatKey};
    playbackId = null;
    var data = JSON.stringify(body);
    if (navigator.sendBeacon && navigator.sendBeacon(root.dataset.progressUrl, new Blob([data], {type: "text/plain"}))) return;
    fetch(root.dataset.progressUrl, {method: "POST", credentials: "omit", keepalive: true,
                                     headers: {"Content-Type": "application/json"}, body: data}).catch(function () {});
  }

  // ---- the stream: hls.js from our static files, native HLS where hls.js cannot run
  function attach() {
    var src = root.dataset.src;
    if (window.Hls && window.Hls.isSupported()) {
      var hls = new window.Hls({
        xhrSetup: function (xhr, url) { xhr.open("GET", withToken(url), true); }
      });
      hls.loadSource(src);
      hls.attachMedia(video);
    } else if (video.canPlayType("application/vnd.apple.mpegurl")) {
      video.src = src;
    } else {
      say(root.dataset.unsupportedText);
    }
  }

  function renew() {
    return fetch(root.dataset.playbackUrl, {method: "POST", credentials: "same-origin", headers: {"X-CSRFToken": csrf}})
      .then(function (response) { return response.json().then(function (data) { return {status: response.status, data: data}; }); })
      .then(function (answer) {
        if (answer.status === 200) {
          token = tokenOf(answer.data.playback_url);
          beatKey = answer.data.beat_key;
          return true;
        }
        if (answer.status === 403) { stopped = true; video.pause(); say(answer.data.detail || ""); }
        return false;
      })
      .catch(function () { return false; });
  }

  video.addEventListener("loadedmetadata", function () {
    var resume = parseFloat(root.dataset.position || "0");
    if (resume > 0 && resume < video.duration - 5) video.currentTime = resume;
  }, {once: true});
  // Play opens a playback, or (after a pause) takes the lease again from this moment.
  video.addEventListener("play", function () { if (playbackId) beat(); else open(); });
  video.addEventListener("timeupdate", function () { if (!video.seeking) lastPos = video.currentTime; });
  video.addEventListener("pause", function () { if (playbackId && !video.seeking) beat(); });
  video.addEventListener("seeking", function () { if (playbackId) beat({position: lastPos}); });
  video.addEventListener("seeked", function () { if (playbackId) beat({jump: true}); lastPos = video.currentTime; });
  video.addEventListener("ratechange", function () { if (playbackId && !video.paused) beat(); spanRate = video.playbackRate; });
  // The end: the last stretch, and the lease goes, so the next lecture starts at once.
  video.addEventListener("ended", function () { if (playbackId) beat({release: true}); });
  document.addEventListener("visibilitychange", function () {
    if (!playbackId || video.paused) return;
    beat();  // the stretch before the change, reported as visible or hidden as it was
    if (!document.hidden) beat();  // visible again: take the lease from now
  });
  window.addEventListener("pagehide", leave);
  setInterval(function () { if (playbackId && !video.paused) beat(); }, BEAT_MS);
  setInterval(renew, RENEW_MS);
  attach();
})();
