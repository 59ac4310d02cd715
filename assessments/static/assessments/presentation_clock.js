// The self-presentation clock on the expert's scoring sheet: elapsed and remaining of the limit,
// then how far the presentation runs over. It counts from the server's start time, corrected once
// by the difference between the server's clock and the browser's; the server still measures the
// presentation itself when the expert stops the timer.
(() => {
  const box = document.querySelector("[data-presentation-clock]");
  if (!box) return;
  const started = Number(box.dataset.started);
  const limit = Number(box.dataset.limit);
  const offset = Number(box.dataset.now) - Date.now();
  const clock = box.querySelector("[data-clock]");
  const announce = box.querySelector("[data-clock-announce]");
  const minutesSeconds = (seconds) => `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")}`;
  const fill = (template, values) => template.replace(/%\((\w+)\)s/g, (_match, name) => values[name]);
  let lastMark;

  const tick = () => {
    const elapsed = Math.max(0, Math.floor((Date.now() + offset - started) / 1000));
    const over = elapsed - limit;
    if (over > 0) {
      clock.textContent = fill(box.dataset.textOverrun, {
        overrun: minutesSeconds(over),
        elapsed: minutesSeconds(elapsed),
      });
      box.classList.add("overrun");
    } else {
      clock.textContent = fill(box.dataset.textRunning, {
        elapsed: minutesSeconds(elapsed),
        remaining: minutesSeconds(-over),
      });
    }
    // Screen readers hear the clock only when a minute mark passes and when time is up, not
    // every second (the visible clock is role=timer, which is not announced on change).
    const mark = over >= 0 ? "up" : Math.ceil(-over / 60);
    if (mark !== lastMark) {
      if (lastMark !== undefined) {
        announce.textContent =
          mark === "up" ? box.dataset.textTimeUp : fill(box.dataset.textMinutesLeft, { minutes: mark });
      }
      lastMark = mark;
    }
  };
  tick();
  setInterval(tick, 500);
})();
