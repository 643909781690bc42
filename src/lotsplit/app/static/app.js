/* lotsplit app: progress while a job runs, and the scenario map's supplier reach.
   Talks only to this server; input text is set with textContent, never as HTML. */
(function () {
  "use strict";

  function fmt(x) {
    if (x === null || x === undefined) return "–";
    return Math.round(x).toLocaleString(document.documentElement.lang || "en");
  }
  function pct(x) {
    if (x === null || x === undefined) return "–";
    return (100 * x).toLocaleString(document.documentElement.lang || "en", {maximumFractionDigits: 2}) + " %";
  }
  function set(id, text) { var e = document.getElementById(id); if (e) e.textContent = text; }

  // ---------------------------------------------------------------- a running job
  var box = document.getElementById("job");
  if (box) {
    var url = box.getAttribute("data-url");
    var unit = box.getAttribute("data-unit") || "";   // the objective's currency (none for a share)
    var poll = function () {
      fetch(url, {headers: {"Accept": "application/json"}, cache: "no-store"}).then(function (r) { return r.json(); })
        .then(function (s) {
          if (s.status !== "running") { window.location.replace(window.location.href); return; }
          set("job-stage", (s.stage || "") + (s.detail ? " (" + s.detail + ")" : ""));
          set("job-lots", s.lots === null ? "–" : fmt(s.lots));
          if (s.incumbent) {
            set("job-incumbent", fmt(s.incumbent.objective) + unit);
            set("job-bound", s.incumbent.bound === null || s.incumbent.bound === undefined ? "–" : fmt(s.incumbent.bound) + unit);
            set("job-gap", pct(s.incumbent.gap));
          }
          if (s.kind === "frontier") set("job-lots", String(s.points));
          if (s.kind === "pack") set("job-lots", String(s.files));
          set("job-seconds", s.seconds.toLocaleString(document.documentElement.lang || "en",
            {minimumFractionDigits: 1, maximumFractionDigits: 1}) + " s");
          window.setTimeout(poll, 300);
        })
        .catch(function () { window.setTimeout(poll, 1000); });
    };
    window.setTimeout(poll, 200);
    var stop = document.getElementById("stop");
    if (stop) stop.addEventListener("click", function (ev) {
      ev.preventDefault();
      stop.disabled = true;
      fetch(box.getAttribute("data-stop"), {method: "POST", headers: {"Accept": "application/json"}});
    });
  }

  // ---------------------------------------------------------------- supplier reach
  var data = document.getElementById("reach-data");
  if (data) {
    var reach = JSON.parse(data.textContent);
    var areas = Array.prototype.slice.call(document.querySelectorAll("#scenario-map .area"));
    var sups = Array.prototype.slice.call(document.querySelectorAll("[data-sup]"));
    var info = document.getElementById("sup-info");
    var shown = null;
    var show = function (id) {
      shown = (shown === id) ? null : id;
      var list = shown ? (reach[shown] || []) : [];
      areas.forEach(function (a) { a.classList.toggle("reach", list.indexOf(a.getAttribute("data-area")) >= 0); });
      sups.forEach(function (s) { s.classList.toggle("on", s.getAttribute("data-sup") === shown); });
      while (info.firstChild) info.removeChild(info.firstChild);
      if (shown) {
        var mark = document.querySelector("#scenario-map [data-sup='" + CSS.escape(shown) + "'] title");
        var p = document.createElement("p");
        p.textContent = mark ? mark.textContent : shown;
        info.appendChild(p);
      }
    };
    sups.forEach(function (s) { s.addEventListener("click", function () { show(s.getAttribute("data-sup")); }); });
  }
})();
