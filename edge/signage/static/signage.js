// Display page of edge-signage: plain JS, no library, nothing loaded from outside.
// Shows the newest list pushed over the WebSocket, keeps it when anything goes
// away (with a small offline marker), reconnects by itself, confirms each list
// it drew (proof of play) and sends taps.
(function () {
  "use strict";
  var cfg = window.SIGNAGE;
  var list = document.getElementById("list");
  var marker = document.getElementById("offline");
  var ws = null;
  var backoff = 250;
  var lastMessage = 0;
  var serverOnline = false;
  var current = null;
  // What this page drew, for benchmarks and tests: {cause, recommendation_id, dom_at, shown_at}.
  window.__renders = [];

  if (!cfg.layout) {
    // A screen without an explicit layout follows its orientation.
    document.body.className = "layout-" + (window.innerHeight > window.innerWidth ? "portrait" : "landscape");
  }
  var screen = cfg.display + "-" + Math.random().toString(36).slice(2, 8);

  function now() { return (performance.timeOrigin + performance.now()) / 1000; }

  function setOnline() {
    var fresh = Date.now() - lastMessage < cfg.heartbeat_s * 3000;
    var up = !!(ws && ws.readyState === 1 && serverOnline && fresh);
    marker.hidden = up;
    document.body.setAttribute("data-online", up ? "1" : "0");
  }

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  // The grid for this screen: the column count that gives the largest text, where a
  // tile's text size is bounded by its height (about eight lines) and its width
  // (about twenty characters a line).
  function fit(n) {
    n = Math.max(n, 1);
    var cs = getComputedStyle(list);
    var w = list.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight);
    var h = list.clientHeight - parseFloat(cs.paddingTop) - parseFloat(cs.paddingBottom);
    var best = n, bestSize = -1;
    for (var cols = 1; cols <= n; cols++) {
      var rows = Math.ceil(n / cols);
      var size = Math.min(h / rows / 8, w / cols / 12);
      if (size > bestSize + 0.01) { best = cols; bestSize = size; }
    }
    // A strip is one row along the shelf; shown on a screen of another shape (the
    // wall's tiles) it takes the best grid like any page.
    if (document.body.className === "layout-strip" && w > 2 * h) best = n;
    list.style.gridTemplateColumns = "repeat(" + best + ", minmax(0, 1fr))";
    list.style.gridTemplateRows = "repeat(" + Math.ceil(n / best) + ", minmax(0, 1fr))";
  }

  function render(view) {
    var tiles = document.createDocumentFragment();
    view.items.forEach(function (it, i) {
      var tile = el("article", "tile");
      var inner = el("div", "inner");
      tile.style.setProperty("--dept", it.colour);
      tile.setAttribute("data-item", it.item_id);
      tile.setAttribute("data-position", String(i + 1));
      inner.appendChild(el("div", "dept", it.department));
      inner.appendChild(el("div", "name", view.kind === "shelf" ? it.short : it.name));
      inner.appendChild(el("div", "price", it.price));
      inner.appendChild(el("div", "reason", it.reason));
      tile.appendChild(inner);
      tile.addEventListener("click", function () { tap(it.item_id, tile); });
      tiles.appendChild(tile);
    });
    if (!current || current.items.length !== view.items.length) fit(view.items.length);
    list.replaceChildren(tiles);
    list.setAttribute("data-recommendation", view.recommendation_id);
    list.setAttribute("data-cause", view.cause || "");
    current = view;
    var entry = {cause: view.cause, recommendation_id: view.recommendation_id, dom_at: now(), shown_at: null,
                 received_at: view.received_at};
    window.__renders.push(entry);
    // The confirmation waits for the next frame: a hidden or frozen page never confirms.
    requestAnimationFrame(function () {
      entry.shown_at = now();
      send({type: "rendered", recommendation_id: view.recommendation_id,
            cause_signal_id: view.cause, shown_at: entry.shown_at, screen: screen});
    });
  }

  function send(msg) {
    if (ws && ws.readyState === 1) ws.send(JSON.stringify(msg));
  }

  function tap(itemId, tile) {
    tile.classList.add("tapped");
    setTimeout(function () { tile.classList.remove("tapped"); }, 600);
    send({type: "tap", item_id: itemId, recommendation_id: current ? current.recommendation_id : null});
  }

  function connect() {
    var proto = location.protocol === "https:" ? "wss://" : "ws://";
    ws = new WebSocket(proto + location.host + "/display/" + encodeURIComponent(cfg.display) + "/ws");
    ws.onopen = function () { backoff = 250; };
    ws.onmessage = function (ev) {
      lastMessage = Date.now();
      var msg = JSON.parse(ev.data);
      if (msg.type === "reco") {
        render(msg.view);
      } else if (msg.type === "status") {
        serverOnline = msg.online;
      }
      setOnline();
    };
    ws.onclose = function () {
      ws = null;
      setOnline();
      setTimeout(connect, backoff);
      backoff = Math.min(backoff * 2, 3000);
    };
    ws.onerror = function () { /* onclose follows and reconnects */ };
  }

  window.addEventListener("resize", function () { if (current) fit(current.items.length); });
  setInterval(setOnline, 1000);
  connect();
})();
