// ordertrack dashboard: polls the JSON APIs every 2 s, follows /api/events
// (Server-Sent Events) for the live feed, and updates the page in place.
"use strict";
(function () {
  const $ = (id) => document.getElementById(id);
  const TOKEN_KEY = "ordertrack-token";
  const FEED_MAX = 60; // kept per type: warnings cannot push breaches out
  const FEED_TYPES = ["SLA_BREACH", "SLA_BREACH_RETRACTED", "SLA_AT_RISK"];
  const FILTER_KEY = "ordertrack-feed-filter";
  const TENANT_ROWS = 300; // 100 tenants x 3 SLAs; /api/attainment has them all
  const needsToken = document.body.dataset.auth === "token";
  let token = sessionStorage.getItem(TOKEN_KEY) || "";
  let shown = ""; // order id on display
  let events = null;
  let lastEventId = ""; // the feed resumes after it when it reconnects
  let timer = 0;
  let retry = 0;

  // setText changes a node's text only when it differs: no flicker.
  function setText(el, v) {
    v = v == null ? "" : String(v);
    if (el.textContent !== v) el.textContent = v;
  }
  function setAttr(el, k, v) {
    if (el.getAttribute(k) !== v) el.setAttribute(k, v);
  }
  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = text;
    return e;
  }

  // syncRows makes tbody hold one row per item, in order, reusing the row
  // of each key; fill(row, item) writes the cells.
  function syncRows(tbody, items, key, cols, fill) {
    const old = new Map();
    for (const tr of Array.from(tbody.rows)) old.set(tr.dataset.key, tr);
    items.forEach((item, i) => {
      const k = key(item);
      let tr = old.get(k);
      if (tr) old.delete(k);
      else {
        tr = document.createElement("tr");
        tr.dataset.key = k;
        for (let c = 0; c < cols; c++) tr.appendChild(document.createElement("td"));
      }
      fill(tr, item);
      if (tbody.rows[i] !== tr) tbody.insertBefore(tr, tbody.rows[i] || null);
    });
    for (const tr of old.values()) tr.remove();
  }

  function orderButton(id) {
    const b = el("button", "link", id);
    b.type = "button";
    b.dataset.order = id;
    return b;
  }
  function setOrderCell(td, id) {
    const b = td.firstChild;
    if (b && b.dataset && b.dataset.order === id) return;
    td.replaceChildren(orderButton(id));
  }

  const num = new Intl.NumberFormat(undefined, { maximumFractionDigits: 1 });
  const pct = new Intl.NumberFormat(undefined, { style: "percent", maximumFractionDigits: 1 });
  function fmtTime(iso, zone) {
    if (!iso) return "–";
    const d = new Date(iso);
    const opts = { year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit", fractionalSecondDigits: 3, hour12: false, timeZoneName: "short" };
    if (zone) opts.timeZone = zone;
    try { return d.toLocaleString(undefined, opts) + (zone ? " (" + zone + ")" : ""); }
    catch (e) { return iso; }
  }
  // fmtClock shows a time of day in the browser's zone, with the zone.
  function fmtClock(iso) {
    return iso ? new Date(iso).toLocaleTimeString(undefined, { hour12: false, timeZoneName: "short" }) : "";
  }
  // fmtRanges writes partition numbers as ranges: [0,1,2,3,5] -> "0–3, 5".
  function fmtRanges(ns) {
    const out = [];
    const v = ns.slice().sort((a, b) => a - b);
    for (let i = 0; i < v.length; i++) {
      let j = i;
      while (j + 1 < v.length && v[j + 1] === v[j] + 1) j++;
      out.push(j > i ? v[i] + "–" + v[j] : String(v[i]));
      i = j;
    }
    return out.join(", ");
  }
  function fmtLeft(s) {
    const neg = s < 0, a = Math.abs(s);
    let t = a < 60 ? a.toFixed(1) + "s" : a < 3600 ? Math.floor(a / 60) + "m " + Math.floor(a % 60) + "s" :
      a < 86400 ? Math.floor(a / 3600) + "h " + Math.floor(a % 3600 / 60) + "m" : Math.floor(a / 86400) + "d " + Math.floor(a % 86400 / 3600) + "h";
    return (neg ? "overdue " : "") + t;
  }
  function sum(m) { return Object.values(m || {}).reduce((a, b) => a + b, 0); }
  function detail(m, keys) { return keys.map((k) => k.toLowerCase() + " " + ((m || {})[k] || 0)).join(", "); }

  // api fetches a JSON API with the token; a 401 asks for the token.
  async function api(path, method) {
    const headers = token ? { Authorization: "Bearer " + token } : {};
    const r = await fetch(path, { method: method || "GET", headers, cache: "no-store" });
    if (r.status === 401) { askToken("The token was not accepted."); throw new Error("unauthorized"); }
    const body = await r.json().catch(() => ({}));
    if (!r.ok) { const e = new Error(body.error || r.statusText); e.status = r.status; throw e; }
    return body;
  }

  function askToken(msg) {
    clearTimeout(timer);
    clearTimeout(retry);
    if (events) { events.close(); events = null; }
    sessionStorage.removeItem(TOKEN_KEY);
    token = "";
    $("main").hidden = true;
    $("login").hidden = false;
    setText($("login-error"), msg || "");
    $("token").focus();
  }

  function connState(state, text) {
    const c = $("conn");
    c.className = "conn " + state;
    setText(c, text);
  }

  function renderStatus(st) {
    setText($("status-at"), "at " + fmtClock(st.at));
    setText($("input-rate"), num.format(st.input_rate));
    setText($("process-rate"), num.format(st.processing_rate));
    setText($("events"), st.events_stored + " / " + st.events_processed);
    const open = ["ORDER", "PROCESSING", "SHIPPED"];
    const o = st.orders_by_status || {};
    setText($("open-orders"), st.orders_by_status ? open.reduce((a, k) => a + (o[k] || 0), 0) : "–");
    setText($("open-detail"), st.orders_by_status ? detail(o, open) + "; delivered " + (o.DELIVERED || 0) + ", cancelled " + (o.CANCELLED || 0) : "");
    setText($("timers"), sum(st.pending_sla_timers));
    setText($("timers-detail"), detail(st.pending_sla_timers, ["processing", "shipping", "delivery"]));
    setText($("breaches"), sum(st.breaches_by_sla));
    setText($("breaches-detail"), detail(st.breaches_by_sla, ["processing", "shipping", "delivery"]));
    syncRows($("partitions"), st.partitions || [], (p) => String(p.partition), 5, (tr, p) => {
      const c = tr.cells;
      setText(c[0], p.partition);
      setText(c[1], p.pending);
      setText(c[2], p.ack_pending);
      setText(c[3], num.format(p.behind_seconds) + "s");
      setText(c[4], p.owner || (p.consuming ? "waiting" : "none"));
    });
    renderIngest(st.ingest || []);
    const ul = $("instances");
    const inst = st.instances || [];
    if (!inst.length) {
      if (ul.children.length !== 1 || !ul.firstChild.classList.contains("muted")) ul.replaceChildren(el("li", "muted", "none reported"));
      return;
    }
    const want = inst.map((i) => [i.name + " — partitions " + (fmtRanges(i.partitions || []) || "none"),
      i.version ? "version " + i.version : "", i.since ? "since " + fmtClock(i.since) : ""].filter(Boolean).join(" · "));
    if (ul.firstChild && ul.firstChild.classList.contains("muted")) ul.replaceChildren();
    while (ul.children.length > want.length) ul.lastChild.remove();
    want.forEach((t, i) => setText(ul.children[i] || ul.appendChild(el("li")), t));
  }

  // renderIngest lists the ingest sources (Kafka) of the instances: state,
  // what they stored and the lag of their partitions; hidden when none.
  function renderIngest(srcs) {
    const ul = $("ingest");
    ul.hidden = $("ingest-h").hidden = !srcs.length;
    const want = srcs.map((s) => [s.source + " on " + s.instance + " — " + s.state,
      s.group ? "group " + s.group : "",
      "stored " + s.stored + ", dead-lettered " + s.dead_lettered,
      s.partitions ? "lag " + s.partitions.reduce((a, p) => a + Math.max(p.lag, 0), 0) + " on " + s.partitions.length + " partitions" : "",
      s.error || ""].filter(Boolean).join(" · "));
    while (ul.children.length > want.length) ul.lastChild.remove();
    want.forEach((t, i) => setText(ul.children[i] || ul.appendChild(el("li")), t));
  }

  // niceCeil rounds x up to 1, 2, 2.5 or 5 times a power of ten.
  function niceCeil(x) {
    const e = Math.pow(10, Math.floor(Math.log10(x)));
    return [1, 2, 2.5, 5, 10].map((m) => m * e).find((v) => v >= x * (1 - 1e-9));
  }
  // chartTop is the y-axis' top for these rates: a round number above the
  // largest, unless the largest is over 1.5 times the 95th percentile (a
  // backfill spike): then above 1.5 times that percentile, and the points
  // higher are clipped at the top and marked, so the spike does not
  // flatten five minutes of traffic.
  function chartTop(values) {
    const v = values.filter(Number.isFinite).sort((a, b) => a - b);
    if (!v.length) return { top: 1, clipped: false };
    const max = v[v.length - 1], p95 = v[Math.min(v.length - 1, Math.floor(v.length * 0.95))];
    const clipped = max > 1.5 * p95 && max > 1;
    return { top: niceCeil(Math.max(1, clipped ? 1.5 * p95 : max)), clipped };
  }
  const CHART_Y0 = 139.5, CHART_H = 129.5; // the top of the scale is at y 10
  function renderChart(r) {
    const pts = r.points || [];
    const n = Math.max(pts.length - 1, 1);
    const vals = pts.flatMap((p) => [p.input_rate, p.processing_rate]);
    const { top, clipped } = chartTop(vals);
    const y = (v) => (CHART_Y0 - Math.min(v, top) / top * CHART_H).toFixed(1);
    const line = (f) => pts.map((p, i) => (i * 600 / n).toFixed(1) + "," + y(f(p))).join(" ");
    setAttr($("line-input"), "points", line((p) => p.input_rate));
    setAttr($("line-process"), "points", line((p) => p.processing_rate));
    const marks = [];
    pts.forEach((p, i) => {
      for (const [k, v] of [["input", p.input_rate], ["process", p.processing_rate]]) {
        if (v > top) marks.push({ k, x: (i * 600 / n).toFixed(1) });
      }
    });
    const g = $("clips");
    const key = marks.map((m) => m.k + m.x).join(" ");
    if (g.dataset.key !== key) {
      g.replaceChildren(...marks.map((m) => {
        const l = document.createElementNS(g.namespaceURI, "line");
        l.setAttribute("class", "clip " + m.k);
        l.setAttribute("x1", m.x); l.setAttribute("x2", m.x); l.setAttribute("y1", "0"); l.setAttribute("y2", "10");
        return l;
      }));
      g.dataset.key = key;
    }
    const labels = $("y-axis").children;
    [top, top / 2, 0].forEach((v, i) => setText(labels[i], num.format(v)));
    const last = pts[pts.length - 1];
    setText($("legend-input"), last ? num.format(last.input_rate) + "/s" : "–");
    setText($("legend-process"), last ? num.format(last.processing_rate) + "/s" : "–");
    setText($("chart-max"), num.format(Math.max(0, ...vals)) + "/s");
    setText($("chart-clip"), clipped ? ", clipped above " + num.format(top) + "/s (marked at the top)" : "");
    const span = pts.length > 1 ? (new Date(pts[pts.length - 1].at) - new Date(pts[0].at)) / 1000 : 0;
    const spanText = span >= 60 ? Math.round(span / 60) + " min" : Math.round(span) + " s";
    setText($("chart-span"), spanText);
    setText($("x-start"), span > 0 ? "−" + spanText : "–");
  }

  function renderAtRisk(a) {
    syncRows($("atrisk"), a.orders || [], (o) => o.order_id, 5, (tr, o) => {
      const c = tr.cells;
      setOrderCell(c[0], o.order_id);
      setText(c[1], o.sla);
      setText(c[2], fmtLeft(o.left_seconds));
      c[2].className = "left" + (o.left_seconds < 0 ? " neg" : "");
      setAttr(c[2], "title", o.deadline);
      setText(c[3], o.status);
      setText(c[4], o.tenant_id || "");
    });
    setText($("atrisk-at"), (a.orders || []).length ? "" : "No open order has a pending deadline.");
  }

  function renderAttainment(bySLA, byTenant) {
    const rows = (bySLA.rows || []).map((r) => Object.assign({ key: "all/" + r.sla }, r))
      .concat((byTenant.rows || []).slice(0, TENANT_ROWS).map((r) => Object.assign({ key: "tenant/" + r.group + "/" + r.sla }, r)));
    syncRows($("attainment"), rows, (r) => r.key, 9, (tr, r) => {
      const v = [r.group, r.sla, r.orders, r.met, r.breached, r.retracted, r.cancelled, r.pending, r.met + r.breached ? pct.format(r.on_time_rate) : "–"];
      v.forEach((x, i) => setText(tr.cells[i], x));
    });
    setText($("attainment-at"), "as of " + fmtClock(bySLA.scanned_at));
  }

  // renderPredictions shows /api/predictions: how well the predicted
  // warnings foretold the SLAs that ended, the warn_at ones beside them.
  function renderPredictions(p) {
    const rate = (v, n) => n ? pct.format(v) : "–";
    const rows = (p.rows || []).length > (p.totals || []).length ? (p.totals || []).concat(p.rows || []) : (p.rows || []);
    syncRows($("predictions"), rows, (r) => r.sla + "/" + r.segment, 10, (tr, r) => {
      const w = r.warn_at || {};
      const v = [r.sla, r.segment || "(all orders)", r.warned_breached, r.warned_met, r.breached_unwarned,
        rate(r.precision, r.warned_breached + r.warned_met), rate(r.recall, r.warned_breached + r.breached_unwarned),
        r.warned_breached ? fmtLeft(r.median_lead_seconds) : "–",
        rate(w.precision, w.warned_breached + w.warned_met), rate(w.recall, w.warned_breached + w.breached_unwarned)];
      v.forEach((x, i) => setText(tr.cells[i], x));
    });
    setText($("predictions-at"), (p.rows || []).length ? "as of " + fmtClock(p.computed_at) : "no SLA has ended yet");
  }

  const feedSeen = {}; // events of each type received since the page loaded
  function addFeed(u, id) {
    const ol = $("feed");
    if (ol.querySelector('li[data-id="' + id + '"]')) return;
    const li = el("li");
    li.dataset.id = id;
    li.dataset.type = u.event_type;
    li.dataset.order = u.order_id;
    li.append(el("span", "when", fmtClock(u.emitted_at)), el("span", "badge " + u.event_type, u.event_type), " ");
    if (u.reason) li.append(el("span", "badge reason", u.reason), " "); // a predicted warning (SPEC 17)
    li.append(orderButton(u.order_id), " ", el("span", "msg", u.message));
    ol.insertBefore(li, ol.firstChild);
    const same = ol.querySelectorAll('li[data-type="' + u.event_type + '"]');
    for (let i = same.length - 1; i >= FEED_MAX; i--) same[i].remove();
    feedSeen[u.event_type] = (feedSeen[u.event_type] || 0) + 1;
    const c = document.querySelector('#feed-filter [data-count="' + u.event_type + '"]');
    if (c) setText(c, num.format(feedSeen[u.event_type]));
    feedEmpty();
    if (u.order_id === shown) loadOrder(shown, false);
  }

  // The feed's filter: a type unchecked is hidden (kept, and counted);
  // breaches and retractions are shown, warnings hidden, until the user
  // chooses otherwise (kept in this browser).
  function shownTypes() {
    return FEED_TYPES.filter((t) => document.querySelector('#feed-filter input[name="' + t + '"]').checked);
  }
  function applyFilter() {
    const on = shownTypes();
    for (const t of FEED_TYPES) $("feed").classList.toggle("hide-" + t, !on.includes(t));
    try { localStorage.setItem(FILTER_KEY, JSON.stringify(on)); } catch (e) { /* storage off */ }
    feedEmpty();
  }
  function feedEmpty() {
    const on = shownTypes();
    const all = $("feed").children.length;
    const visible = on.length && $("feed").querySelector(on.map((t) => 'li[data-type="' + t + '"]').join(","));
    $("feed-empty").hidden = !!visible;
    setText($("feed-empty"), all ? all + " kept, none of the types shown: tick one above." : "Waiting for alerts…");
  }
  try {
    const saved = JSON.parse(localStorage.getItem(FILTER_KEY) || "null");
    if (Array.isArray(saved)) for (const t of FEED_TYPES) document.querySelector('#feed-filter input[name="' + t + '"]').checked = saved.includes(t);
  } catch (e) { /* the defaults */ }
  applyFilter();
  $("feed-filter").addEventListener("change", applyFilter);

  // follow opens the live feed. With a token it first gets a ticket (good
  // for one connection, 30 s): the token never goes into a URL. On an
  // error it opens a new stream a second later, resuming after the last
  // event seen.
  async function follow() {
    if (events) { events.close(); events = null; }
    clearTimeout(retry);
    const q = [];
    try {
      if (token) q.push("access_token=" + encodeURIComponent((await api("/api/events/ticket", "POST")).ticket));
    } catch (e) {
      if (e.message === "unauthorized") return;
      connState("down", "reconnecting…");
      retry = setTimeout(follow, 2000);
      return;
    }
    if (lastEventId) q.push("after=" + encodeURIComponent(lastEventId));
    events = new EventSource("/api/events" + (q.length ? "?" + q.join("&") : ""));
    events.onopen = () => connState("live", "live");
    events.onerror = () => {
      connState("down", "reconnecting…");
      if (events) events.close();
      events = null;
      retry = setTimeout(follow, 1000);
    };
    events.onmessage = (m) => {
      lastEventId = m.lastEventId;
      try { addFeed(JSON.parse(m.data), m.lastEventId); } catch (e) { /* not an output */ }
    };
  }

  let rendered = ""; // order id whose story is on display
  async function loadOrder(id, focus) {
    shown = id;
    setText($("order-id"), id);
    if (rendered !== id) { // never another order's story under this id
      $("order-view").hidden = true;
      setText($("order-msg"), "loading…");
      $("order-msg").hidden = false;
    }
    try {
      const v = await api("/api/orders/" + encodeURIComponent(id));
      if (shown !== id) return;
      renderOrder(v);
      rendered = id;
      $("order-msg").hidden = true;
      $("order-view").hidden = false;
    } catch (e) {
      if (e.message === "unauthorized" || shown !== id) return;
      rendered = "";
      setText($("order-msg"), e.status === 404 ? "Order " + id + " not found." : "Could not read order " + id + ": " + e.message);
      $("order-msg").hidden = false;
      $("order-view").hidden = true;
    }
    if (focus) $("order-panel").focus();
  }

  function renderOrder(v) {
    const s = v.order;
    const facts = [["status", s.status], ["customer", s.customer_id], ["tenant", s.tenant_id], ["service level", s.service_level], ["item", s.item_name],
      ["rule", s.sla_rule], ["breaches", (s.breaches || []).join(", ") || "none"], ["retracted", (s.retracted || []).join(", ")], ["updated", fmtTime(s.updated_at)]];
    const dl = $("order-facts");
    const frag = [];
    for (const [k, val] of facts) if (val) frag.push(el("dt", "", k), el("dd", "", val));
    const text = frag.map((n) => n.textContent).join("|");
    if (dl.dataset.text !== text) { dl.replaceChildren(...frag); dl.dataset.text = text; }
    const stages = [["ORDER", "placed_at"], ["PROCESSING", "processing_at"], ["SHIPPED", "shipped_at"], ["DELIVERED", "delivered_at"], ["CANCELLED", "cancelled_at"]];
    const ol = $("stages");
    stages.forEach(([name, key], i) => {
      let li = ol.children[i];
      if (!li) { li = el("li"); li.dataset.stage = name; li.append(el("span", "name", name), el("time")); ol.appendChild(li); }
      const at = s[key];
      li.className = at ? (name === "CANCELLED" ? "cancelled" : "done") : "";
      setText(li.lastChild, at ? fmtTime(at) : "–");
      if (at) setAttr(li.lastChild, "datetime", at);
    });
    const slas = ["processing", "shipping", "delivery"].map((k) => Object.assign({ sla: k }, (v.slas || {})[k] || {}));
    syncRows($("slas"), slas, (x) => x.sla, 4, (tr, x) => {
      tr.dataset.sla = x.sla;
      setText(tr.cells[0], x.sla);
      setText(tr.cells[1], x.deadline ? fmtTime(x.deadline, x.zone) + (x.calendar ? ", calendar " + x.calendar : "") : "–");
      if (x.deadline) setAttr(tr.cells[1], "title", x.deadline);
      let b = tr.cells[2].firstChild;
      if (!b) { b = el("span"); tr.cells[2].appendChild(b); }
      b.className = "badge state " + x.state;
      setText(b, x.state);
      setText(tr.cells[3], (x.warnings || []).map((w) => pct.format(w.threshold) + " " + fmtClock(w.at) + (w.sent ? " sent" : w.missed ? " missed" : "")).join(", ") || "–");
    });
    const hist = (v.history || []).map((u, i) => Object.assign({ i }, u));
    syncRows($("history"), hist, (u) => u.event_type + "/" + (u.sla || "") + "/" + (u.reason || u.threshold || "") + "/" + u.emitted_at, 4, (tr, u) => {
      tr.dataset.type = u.event_type;
      setText(tr.cells[0], fmtTime(u.emitted_at));
      setText(tr.cells[1], u.event_type);
      setText(tr.cells[2], u.status);
      tr.cells[3].className = "msg";
      setText(tr.cells[3], u.message);
    });
  }

  // settle resolves to {v} or {e}: one API that is not ready yet (the
  // first scan of the ORDERS bucket) does not hold the others back.
  const settle = (p) => p.then((v) => ({ v }), (e) => ({ e }));
  let tick = 0;
  let attained = false; // attainment shown once: then every third poll
  async function poll() {
    const [st, rates, risk] = await Promise.all([api("/api/status"), api("/api/rates"), api("/api/at-risk?limit=15")].map(settle));
    const got = [st, rates, risk];
    if (!attained || tick % 3 === 0) {
      const [a, b, p] = await Promise.all([api("/api/attainment?by=sla"), api("/api/attainment?by=tenant"), api("/api/predictions")].map(settle));
      got.push(a, b);
      if (p.v) renderPredictions(p.v);
      if (a.v && b.v) { renderAttainment(a.v, b.v); attained = true; }
      else if (!attained) setText($("attainment-at"), a.e && a.e.status === 503 ? "loading… (first read of the orders)" : "loading…");
    }
    if (got.some((r) => r.e && r.e.message === "unauthorized")) return;
    if (st.v) renderStatus(st.v);
    if (rates.v) renderChart(rates.v);
    if (risk.v) renderAtRisk(risk.v);
    const err = got.find((r) => r.e && r.e.status !== 503) || st;
    if (err.e) connState("down", err.e.status === 503 ? "starting…" : "offline");
    if (shown && tick % 2 === 1) loadOrder(shown, false);
    tick++;
    timer = setTimeout(poll, 2000);
  }
  // For the browser test: draw the chart from given rates.
  window.ordertrack = Object.freeze({ renderChart });

  function start() {
    $("login").hidden = true;
    $("main").hidden = false;
    follow();
    poll();
    const m = /^#order=([A-Za-z0-9_-]+)$/.exec(location.hash);
    if (m) { $("q").value = m[1]; loadOrder(m[1], false); }
  }

  $("login").addEventListener("submit", (e) => {
    e.preventDefault();
    token = $("token").value.trim();
    sessionStorage.setItem(TOKEN_KEY, token);
    $("token").value = "";
    start();
  });
  $("search").addEventListener("submit", (e) => {
    e.preventDefault();
    const id = $("q").value.trim();
    if (!id) return;
    history.replaceState(null, "", "#order=" + id);
    loadOrder(id, true);
  });
  document.addEventListener("click", (e) => {
    const b = e.target.closest("button[data-order]");
    if (!b) return;
    $("q").value = b.dataset.order;
    history.replaceState(null, "", "#order=" + b.dataset.order);
    loadOrder(b.dataset.order, true);
  });
  document.addEventListener("keydown", (e) => {
    if (e.key === "/" && document.activeElement.tagName !== "INPUT") { e.preventDefault(); $("q").focus(); }
  });

  if (needsToken && !token) askToken("");
  else start();
})();
