// Member pages: ticks every `.cd[data-s]` (seconds left, as the server counted them) down to
// zero, then reloads the page so it shows what changed (the sale opened, or ended).
(function () {
  var els = document.querySelectorAll('.cd[data-s]');
  if (!els.length) return;
  var t0 = Date.now();
  function two(n) { return ('0' + n).slice(-2); }
  function tick() {
    var done = false;
    els.forEach(function (e) {
      var r = Math.max(0, +e.dataset.s - Math.floor((Date.now() - t0) / 1000));
      var h = Math.floor(r / 3600), m = Math.floor(r % 3600 / 60), s = r % 60;
      e.textContent = (h > 23 ? Math.floor(h / 24) + 'd ' : '') + two(h % 24) + ':' + two(m) + ':' + two(s);
      if (r === 0) done = true;
    });
    if (done) { setTimeout(function () { location.reload(); }, 1500); return; }
    setTimeout(tick, 1000);
  }
  tick();
})();
