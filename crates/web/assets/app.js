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
  document.addEventListener('DOMContentLoaded', function () { renderCharts(document); });
  document.addEventListener('htmx:afterSwap', function (ev) { renderCharts(ev.target); });
  document.addEventListener('htmx:configRequest', function (ev) {
    var meta = document.querySelector('meta[name=csrf-token]');
    if (meta) ev.detail.headers['X-CSRF-Token'] = meta.content;
  });
})();
