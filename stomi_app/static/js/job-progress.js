/* Keeps a background job's progress page current without reloading it (a reload every few seconds would move a
   screen reader's and a keyboard user's place: WCAG 2.2.1; axe flags <meta http-equiv="refresh">). While the run is
   active, every 2 s the same page is fetched and its [data-job-run] region's content swapped in when it changed;
   the region is aria-live="polite", so the new status is read out. Without JavaScript the page has a link to update
   it. A file of its own because the CSP forbids inline scripts. */
(function () {
  "use strict";
  var INTERVAL_MS = 2000;

  function region(doc) {
    return doc.querySelector("[data-job-run]");
  }

  function poll() {
    var current = region(document);
    if (!current || current.getAttribute("data-active") !== "true") {
      return;
    }
    fetch(window.location.href, { credentials: "same-origin", cache: "no-store", headers: { Accept: "text/html" } })
      .then(function (response) { return response.text(); })
      .then(function (html) {
        var fresh = region(new DOMParser().parseFromString(html, "text/html"));
        if (fresh && fresh.innerHTML !== current.innerHTML) {
          current.innerHTML = fresh.innerHTML;
          current.setAttribute("data-active", fresh.getAttribute("data-active"));
        }
        window.setTimeout(poll, INTERVAL_MS);
      })
      .catch(function () { window.setTimeout(poll, INTERVAL_MS * 5); });  // offline a moment: try again later
  }

  document.addEventListener("DOMContentLoaded", function () { window.setTimeout(poll, INTERVAL_MS); });
})();
