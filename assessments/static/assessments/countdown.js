// A live countdown to the end of a timed attempt. It counts from the server's figures:
// `data-remaining` is the server's deadline minus the server's clock when the page was made,
// counted down on the browser's monotonic clock, so a wrong clock on the device changes nothing.
// The server still owns the deadline: at zero the page reloads and the server grades the attempt.
// A screen reader hears the time left at sensible moments (every five minutes, each of the last
// five minutes, at 30 and 10 seconds), not every second: the ticking clock is not a live region.
document.querySelectorAll("[data-countdown]").forEach((box) => {
  const clock = box.querySelector("[data-countdown-clock]");
  const timer = box.querySelector("[role=timer]");
  const lang = document.documentElement.lang || "ru";
  const endsAt = performance.now() + Number(box.dataset.remaining) * 1000;
  const unit = (value, name) =>
    new Intl.NumberFormat(lang, { style: "unit", unit: name, unitDisplay: "long" }).format(value);
  const two = (n) => String(n).padStart(2, "0");
  // The moment announced next: the nearest mark at or above the time left.
  const mark = (s) => (s > 300 ? Math.ceil(s / 300) * 300 : s > 60 ? Math.ceil(s / 60) * 60 : s > 30 ? 60 : s > 10 ? 30 : 10);
  let lastMark = null;
  let handle = null;

  const tick = () => {
    const left = Math.max(0, Math.ceil((endsAt - performance.now()) / 1000));
    if (left >= 86400) return; // a day or more: the server's "2 days, 3 hours" says it better
    const h = Math.floor(left / 3600);
    const m = Math.floor((left % 3600) / 60);
    const clockText = h ? `${h}:${two(m)}:${two(left % 60)}` : `${m}:${two(left % 60)}`;
    clock.textContent = `${box.dataset.leftLabel}: ${clockText}`;
    if (left === 0) {
      clearInterval(handle);
      timer.textContent = box.dataset.upLabel;
      // A second past the end, so the server's clock has passed it too.
      setTimeout(() => window.location.reload(), 1500);
      return;
    }
    const now = mark(left);
    if (lastMark !== null && now !== lastMark) {
      timer.textContent = `${box.dataset.leftLabel}: ${now >= 60 ? unit(now / 60, "minute") : unit(now, "second")}`;
    }
    lastMark = now;
  };
  tick();
  handle = setInterval(tick, 1000);
});
