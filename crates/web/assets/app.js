// Quanzi operator UI: renders server-built ECharts options and adds the CSRF header to htmx writes.
(function () {
  function renderCharts(root) {
    if (!window.echarts) return;
    root.querySelectorAll('.chart[data-chart]').forEach(function (el) {
      if (el.dataset.rendered) return;
      try {
        var option = JSON.parse(el.dataset.chart);
        var chart = echarts.init(el);
        chart.setOption(option);
        el.dataset.rendered = '1';
        window.addEventListener('resize', function () { chart.resize(); });
      } catch (e) {
        el.textContent = 'chart error: ' + e;
      }
    });
  }
  // Tables marked sortable sort by a column when its header is clicked (numbers by value).
  function sortable(root) {
    root.querySelectorAll('table.sortable').forEach(function (table) {
      if (table.dataset.sortable) return;
      table.dataset.sortable = '1';
      table.querySelectorAll('th').forEach(function (th, col) {
        th.addEventListener('click', function () {
          var desc = !th.classList.contains('desc');
          table.querySelectorAll('th').forEach(function (h) { h.classList.remove('asc', 'desc'); });
          th.classList.add(desc ? 'desc' : 'asc');
          var body = table.tBodies[0];
          var rows = Array.prototype.slice.call(body.rows);
          rows.sort(function (a, b) {
            var x = a.cells[col] ? a.cells[col].dataset.v || '' : '';
            var y = b.cells[col] ? b.cells[col].dataset.v || '' : '';
            var nx = parseFloat(x), ny = parseFloat(y);
            var c = (!isNaN(nx) && !isNaN(ny)) ? nx - ny : x.localeCompare(y);
            return desc ? -c : c;
          });
          rows.forEach(function (r) { body.appendChild(r); });
        });
      });
    });
  }
  document.addEventListener('DOMContentLoaded', function () { renderCharts(document); sortable(document); });
  document.addEventListener('htmx:afterSwap', function (ev) { renderCharts(ev.target); sortable(ev.target); });
  document.addEventListener('htmx:configRequest', function (ev) {
    var meta = document.querySelector('meta[name=csrf-token]');
    if (meta) ev.detail.headers['X-CSRF-Token'] = meta.content;
  });
})();
