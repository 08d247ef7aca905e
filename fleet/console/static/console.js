// Live rows for the overview: one EventSource for the rows on screen; the
// server sends the HTML of each row that changed. Reopened when the grid is
// replaced (filter, sort, page), so only visible rows are ever pushed.
(function () {
  let source = null;
  function open() {
    if (source) source.close();
    const grid = document.getElementById("grid");
    if (!grid) return;
    const ids = Array.from(grid.querySelectorAll("tr[data-id]")).map(tr => tr.dataset.id);
    const live = document.getElementById("live");
    if (!ids.length) { if (live) live.textContent = "live (no rows)"; return; }
    const url = "/console/stream?since=" + encodeURIComponent(grid.dataset.since || "0") +
      "&ids=" + ids.map(encodeURIComponent).join(",");
    source = new EventSource(url);
    source.addEventListener("row", ev => {
      const msg = JSON.parse(ev.data);
      const old = document.getElementById("dev-" + msg.id);
      if (!old) return;
      const tmp = document.createElement("tbody");
      tmp.innerHTML = msg.html;
      const row = tmp.firstElementChild;
      row.classList.add("flash");
      old.replaceWith(row);
      window.__lastRowUpdate = {id: msg.id, seq: msg.seq, at: performance.now()};
    });
    source.addEventListener("counts", ev => {
      const c = JSON.parse(ev.data);
      for (const k of ["online", "offline", "unknown"]) {
        const el = document.getElementById("count-" + k);
        if (el) el.textContent = c[k];
      }
      const all = document.getElementById("count-all");
      if (all) all.textContent = c.online + c.offline + c.unknown;
    });
    source.onopen = () => { if (live) { live.textContent = "live"; live.className = "live"; } };
    source.onerror = () => { if (live) { live.textContent = "reconnecting"; live.className = "live down"; } };
  }
  document.body.addEventListener("htmx:afterSettle", () => open());
  open();
})();
