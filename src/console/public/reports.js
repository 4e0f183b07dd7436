/* global window, document */
/*
 * Staff console reports (issue 12): draws each report's chart with Chart.js from the numbers the
 * server put in <script type="application/json" id="report-charts"> (no inline script: the CSP allows
 * scripts from /console/assets/ only). The tables next to the charts carry the same numbers, so the
 * page reads the same without JavaScript or a screen (each canvas has role="img" and a label).
 */
(function () {
  'use strict';
  var source = document.getElementById('report-charts');
  if (!source || typeof window.Chart !== 'function') return;
  var charts;
  try {
    charts = JSON.parse(source.textContent || '{}');
  } catch {
    return;
  }
  // Colour-blind-safe (Okabe–Ito), each ≥ 3:1 against white for the bars.
  var palette = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9'];
  var reduceMotion = window.matchMedia && window.matchMedia('(prefers-reduced-motion: reduce)').matches;
  var canvases = document.querySelectorAll('canvas[data-chart]');
  for (var i = 0; i < canvases.length; i++) {
    var canvas = canvases[i];
    var spec = charts[canvas.getAttribute('data-chart')];
    if (!spec) continue;
    new window.Chart(canvas, {
      type: spec.type,
      data: {
        labels: spec.labels,
        datasets: spec.series.map(function (s, j) {
          return { label: s.label, data: s.data, backgroundColor: palette[j % palette.length], borderColor: palette[j % palette.length], borderWidth: 1 };
        }),
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: reduceMotion ? false : { duration: 300 },
        plugins: { title: { display: true, text: spec.title, color: '#1a1a1a' }, legend: { labels: { color: '#1a1a1a' } } },
        scales: {
          x: { stacked: !!spec.stacked, ticks: { color: '#1a1a1a' } },
          y: { stacked: !!spec.stacked, beginAtZero: true, ticks: { color: '#1a1a1a', precision: 0 } },
        },
      },
    });
  }
})();
