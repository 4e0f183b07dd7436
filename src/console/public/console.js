/* global document, window, fetch */
// Staff console enhancements (src/console/). Everything works without this file: forms post and
// redirect. With it: live counts in the navigation and on the inbox, refreshed every 30 s from
// GET /console/inbox/counts (JSON), and a confirmation before irreversible actions (data-confirm).
(function () {
  'use strict';
  var REFRESH_MS = 30000;

  function refreshCounts() {
    var targets = document.querySelectorAll('[data-live-count]');
    if (targets.length === 0) return;
    fetch('/console/inbox/counts', { credentials: 'same-origin', headers: { accept: 'application/json' } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (counts) {
        if (!counts) return;
        targets.forEach(function (el) {
          var key = el.getAttribute('data-live-count');
          if (Object.prototype.hasOwnProperty.call(counts, key)) el.textContent = String(counts[key]);
        });
      })
      .catch(function () { /* offline for a moment: keep the last counts */ });
  }

  function confirmBeforeSubmit(event) {
    var form = event.target;
    var message = form && form.getAttribute && form.getAttribute('data-confirm');
    if (message && !window.confirm(message)) event.preventDefault();
  }

  document.addEventListener('DOMContentLoaded', function () {
    refreshCounts();
    window.setInterval(refreshCounts, REFRESH_MS);
    document.addEventListener('submit', confirmBeforeSubmit, true);
  });
})();
