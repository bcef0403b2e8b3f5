// Quanzi operator UI: renders server-built ECharts options, follows runs' progress and adds the
// CSRF header to htmx writes.
(function () {
  // Error bars: a custom series whose data items are [category index, low, high] and whose
  // renderItem is the string "errorbar" (a function cannot travel in JSON).
  function errorBar(params, api) {
    var x = api.value(0), lo = api.coord([x, api.value(1)]), hi = api.coord([x, api.value(2)]);
    var half = api.size([1, 0])[0] * 0.12;
    var style = { stroke: api.visual('color'), lineWidth: 1.5 };
    return { type: 'group', children: [
      { type: 'line', shape: { x1: lo[0], y1: lo[1], x2: hi[0], y2: hi[1] }, style: style },
      { type: 'line', shape: { x1: hi[0] - half, y1: hi[1], x2: hi[0] + half, y2: hi[1] }, style: style },
      { type: 'line', shape: { x1: lo[0] - half, y1: lo[1], x2: lo[0] + half, y2: lo[1] }, style: style }
    ] };
  }
  function renderCharts(root) {
    if (!window.echarts) return;
    root.querySelectorAll('.chart[data-chart]').forEach(function (el) {
      if (el.dataset.rendered) return;
      try {
        var option = JSON.parse(el.dataset.chart);
        // Labels never spill out of the chart nor over each other, on a desktop or a phone.
        if (option.grid && option.grid.containLabel === undefined) option.grid.containLabel = true;
        [].concat(option.xAxis || []).forEach(function (ax) {
          ax.axisLabel = Object.assign({ hideOverlap: true }, ax.axisLabel || {});
        });
        (option.series || []).forEach(function (s) { if (s.renderItem === 'errorbar') s.renderItem = errorBar; });
        var chart = echarts.init(el);
        chart.setOption(option);
        // Nodes and points that carry a url open it (e.g. a member in a neighbourhood graph).
        chart.on('click', function (p) { if (p.data && p.data.url) window.location.href = p.data.url; });
        el.dataset.rendered = '1';
        window.addEventListener('resize', function () { chart.resize(); });
      } catch (e) {
        el.textContent = 'chart error: ' + e;
      }
    });
  }
  // A run's progress bar polls its progress and reloads the page once the run is over.
  function followProgress(root) {
    root.querySelectorAll('[data-progress]').forEach(function (el) {
      if (el.dataset.following) return;
      el.dataset.following = '1';
      var bar = el.querySelector('.meter span'), pct = el.querySelector('.pct'), stage = el.querySelector('.stage');
      var delay = 1000;
      function poll() {
        fetch(el.dataset.progress, { credentials: 'same-origin', headers: { Accept: 'application/json' } })
          .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
          .then(function (run) {
            var p = Math.round(Math.max(0, Math.min(1, run.progress || 0)) * 100);
            if (bar) bar.style.width = p + '%';
            if (pct) pct.textContent = p + '%';
            if (stage && run.label) stage.textContent = run.label;
            if (run.state === 'done' || run.state === 'failed') { window.location.reload(); return; }
            delay = 1000;
            setTimeout(poll, delay);
          })
          .catch(function () { delay = Math.min(delay * 2, 15000); setTimeout(poll, delay); });
      }
      setTimeout(poll, delay);
    });
  }
  // Filter forms marked data-autosubmit apply as soon as a select changes.
  function autosubmit(root) {
    root.querySelectorAll('form[data-autosubmit] select').forEach(function (sel) {
      if (sel.dataset.auto) return;
      sel.dataset.auto = '1';
      sel.addEventListener('change', function () { sel.form.submit(); });
    });
  }
  // The seeds form shows the constant p only when the probability is constant.
  function seedsForm(root) {
    var prob = root.querySelector && root.querySelector('#seeds-probability');
    var field = root.querySelector && root.querySelector('.p-field');
    if (!prob || !field) return;
    var sync = function () { field.hidden = prob.value !== 'constant'; };
    prob.addEventListener('change', sync);
    sync();
  }
  // Forms marked data-busy show that they are working once sent (a run takes a moment to start).
  function busyForms(root) {
    root.querySelectorAll('form[data-busy]').forEach(function (form) {
      if (form.dataset.busyBound) return;
      form.dataset.busyBound = '1';
      form.addEventListener('submit', function () {
        var b = form.querySelector('button[type=submit]');
        if (b) { b.classList.add('busy'); setTimeout(function () { b.disabled = true; }, 0); }
      });
    });
  }
  // Forms marked data-confirm ask before they are sent (the CSP allows no inline handlers).
  function confirmForms(root) {
    root.querySelectorAll('form[data-confirm]').forEach(function (form) {
      if (form.dataset.confirmBound) return;
      form.dataset.confirmBound = '1';
      form.addEventListener('submit', function (ev) {
        if (!window.confirm(form.dataset.confirm)) ev.preventDefault();
      });
    });
  }
  // A member list's selection: the page's checkbox ticks every row, the counter follows, and
  // "all N matching" counts the whole filter.
  function selection(root) {
    var form = document.getElementById('selection');
    if (!form || form.dataset.bound) return;
    form.dataset.bound = '1';
    var picked = document.getElementById('picked'), all = document.getElementById('all-matching');
    var page = document.getElementById('pick-page'), total = document.getElementById('member-total');
    function count() {
      var n = document.querySelectorAll('input.pick:checked').length;
      picked.textContent = all && all.checked && total ? total.textContent : n;
    }
    document.addEventListener('change', function (ev) {
      if (ev.target === page) document.querySelectorAll('input.pick').forEach(function (c) { c.checked = page.checked; });
      if (ev.target === page || ev.target === all || ev.target.classList.contains('pick')) count();
    });
    count();
  }
  // Checkboxes marked data-joins fill the hidden field they name with their checked values,
  // comma-separated (the KPI pages' several groups).
  function joins(root) {
    root.querySelectorAll('input[data-joins]').forEach(function (box) {
      if (box.dataset.bound) return;
      box.dataset.bound = '1';
      box.addEventListener('change', function () {
        var target = document.getElementById(box.dataset.joins);
        if (!target) return;
        var all = document.querySelectorAll('input[data-joins="' + box.dataset.joins + '"]:checked');
        target.value = Array.prototype.map.call(all, function (b) { return b.value; }).join(',');
      });
    });
  }
  function enhance(root) { joins(root); selection(root); renderCharts(root); sortable(root); followProgress(root); autosubmit(root); seedsForm(root); busyForms(root); confirmForms(root); }
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
  // On a phone the side bar is a top bar whose menu button folds the navigation in and out.
  function menu() {
    var button = document.getElementById('menu-toggle');
    if (!button) return;
    button.addEventListener('click', function () {
      var side = button.closest('.side');
      var open = side.classList.toggle('open');
      button.setAttribute('aria-expanded', open ? 'true' : 'false');
    });
  }
  document.addEventListener('DOMContentLoaded', function () { menu(); enhance(document); });
  document.addEventListener('htmx:afterSwap', function (ev) { enhance(ev.target); });
  document.addEventListener('htmx:configRequest', function (ev) {
    var meta = document.querySelector('meta[name=csrf-token]');
    if (meta) ev.detail.headers['X-CSRF-Token'] = meta.content;
  });
})();
