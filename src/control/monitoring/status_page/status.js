// dvsd status page: the behaviour (index.html is the structure, status.css
// the look). Polls status.json once a second, turns its totals into rates
// (differences over dvsd's own clock, time_unix_ms), keeps five minutes of
// each rate and draws them. Plain JavaScript, no library: it is compiled
// into dvsd and must work offline.
//
// What a test or a script can read from the DOM: body[data-samples] (rate
// samples taken), body[data-polls] (answers fetched), each real server's
// row tr.rs[data-rs="ADDRESS:PORT"][data-state="up|down|drain"], each
// graph's canvas[data-points].
"use strict";

const POLL_MS = 1000;
const HISTORY = 300; // samples: five minutes at one a second

const series = new Map(); // key -> the last HISTORY values, oldest first
let previous = null; // the last answer with a new time_unix_ms
let samples = 0;
let polls = 0;

// ------------------------------------------------------------- numbers

function si(value, unit = "") {
  const steps = [[1e12, "T"], [1e9, "G"], [1e6, "M"], [1e3, "k"]];
  for (const [scale, prefix] of steps) {
    if (Math.abs(value) >= scale) return (value / scale).toFixed(value >= 10 * scale ? 0 : 1) + " " + prefix + unit;
  }
  const digits = value > 0 && value < 10 && !Number.isInteger(value) ? 1 : 0;
  return value.toFixed(digits) + (unit ? " " + unit : "");
}

function age(ms) {
  if (ms < 0) ms = 0;
  if (ms < 10000) return (ms / 1000).toFixed(1) + " s ago";
  if (ms < 120000) return Math.round(ms / 1000) + " s ago";
  if (ms < 7200000) return Math.round(ms / 60000) + " min ago";
  return Math.round(ms / 3600000) + " h ago";
}

// A counter's rate between two answers; a counter that went down was zeroed.
function rate(now, before, seconds) {
  if (before === undefined || now < before || seconds <= 0) return 0;
  return (now - before) / seconds;
}

function record(key, value) {
  let values = series.get(key);
  if (!values) {
    values = [];
    series.set(key, values);
  }
  values.push(value);
  if (values.length > HISTORY) values.shift();
  return values;
}

function sum(object) {
  return Object.values(object || {}).reduce((a, b) => a + b, 0);
}

// ---------------------------------------------------------------- DOM

function el(tag, attributes, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) {
    if (name === "class") node.className = value;
    else if (name.startsWith("data-")) node.dataset[name.slice(5).replace(/-(.)/g, (_, c) => c.toUpperCase())] = value;
    else node.setAttribute(name, value);
  }
  for (const child of children) node.append(child instanceof Node ? child : String(child));
  return node;
}

function td(text, cls) {
  return el("td", cls ? { class: cls } : {}, text);
}

function badge(word) {
  const w = String(word || "none").toLowerCase();
  return el("span", { class: "badge " + w }, w);
}

function setText(id, text) {
  document.getElementById(id).textContent = text;
}

// A line graph of `values`, newest at the right edge, scaled to its maximum.
// The time axis spans the samples taken, at least a minute, at most HISTORY.
function draw(canvas, values) {
  canvas.dataset.points = String(values.length);
  const ctx = canvas.getContext("2d");
  const w = canvas.width;
  const h = canvas.height;
  ctx.clearRect(0, 0, w, h);
  if (values.length < 2) return;
  const max = Math.max(...values) || 1;
  const span = Math.min(HISTORY, Math.max(60, values.length));
  const step = w / (span - 1);
  const x0 = w - (values.length - 1) * step;
  const color = getComputedStyle(canvas).getPropertyValue(canvas.classList.contains("drops") ? "--drops" : "--graph");
  ctx.beginPath();
  values.forEach((v, i) => {
    const x = x0 + i * step;
    const y = h - 1 - (v / max) * (h - 3);
    if (i === 0) ctx.moveTo(x, y);
    else ctx.lineTo(x, y);
  });
  ctx.strokeStyle = color.trim() || "#2f6fdb";
  ctx.lineWidth = 1.5;
  ctx.stroke();
  ctx.lineTo(w, h);
  ctx.lineTo(x0, h);
  ctx.closePath();
  ctx.globalAlpha = 0.15;
  ctx.fillStyle = ctx.strokeStyle;
  ctx.fill();
  ctx.globalAlpha = 1;
}

function spark(key) {
  const canvas = el("canvas", { class: "spark graph-" + key.replace(/[^A-Za-z0-9]/g, "_"), width: "120", height: "22" });
  draw(canvas, series.get(key) || []);
  return canvas;
}

// ------------------------------------------------------------- render

function serverKey(service, rs) {
  return "rs/" + service.name + "/" + rs.address + ":" + rs.port;
}

// Traffic rates of one service or server, recorded under `key`.
function trafficRates(key, counters, before, seconds, sampled) {
  const r = {};
  for (const name of ["conns", "pkts_in", "pkts_out", "bytes_in", "bytes_out"]) {
    r[name] = rate(counters[name], before && before[name], seconds);
  }
  if (sampled) record(key, r.pkts_in + r.pkts_out);
  return r;
}

function lastCheck(health, now) {
  if (!health || health.check === "none") return ["no check", ""];
  if (!health.last_check_unix_ms) return [health.check + ": pending", ""];
  let text = health.check + ": " + (health.last_ok ? "ok" : health.last_reason || "failed");
  text += " · " + age(now - health.last_check_unix_ms);
  if (health.agent_percent !== null && health.agent_percent !== undefined) text += " · agent " + health.agent_percent + "%";
  return [text, health.last_ok ? "" : "failed"];
}

function renderServices(status, before, seconds, sampled) {
  const table = document.getElementById("services");
  for (const body of table.querySelectorAll("tbody")) body.remove();
  const old = new Map();
  for (const s of (before && before.services) || []) {
    old.set("svc/" + s.name, s.counters);
    for (const rs of s.real_servers) old.set(serverKey(s, rs), rs.counters);
  }
  if (!status.services.length) {
    table.append(el("tbody", { class: "empty" }, el("tr", {}, el("td", { colspan: "14" }, "no services configured"))));
    return;
  }
  for (const service of status.services) {
    const key = "svc/" + service.name;
    const r = trafficRates(key, service.counters, old.get(key), seconds, sampled);
    const active = service.real_servers.reduce((a, rs) => a + rs.active_conns, 0);
    const inactive = service.real_servers.reduce((a, rs) => a + rs.inactive_conns, 0);
    const body = el("tbody", { "data-service": service.name });
    body.append(el("tr", { class: "service" },
      td(service.name),
      el("td", { class: "desc", colspan: "5" },
        service.vip + ":" + service.port + "/" + service.protocol + " · " + service.scheduler),
      td(active), td(inactive), td(si(r.conns)), td(si(r.pkts_in)), td(si(r.pkts_out)),
      td(si(r.bytes_in, "B")), td(si(r.bytes_out, "B")), el("td", {}, spark(key))));
    for (const rs of service.real_servers) {
      const rkey = serverKey(service, rs);
      const rr = trafficRates(rkey, rs.counters, old.get(rkey), seconds, sampled);
      const state = (rs.health && rs.health.state) || "up";
      const [check, checkClass] = lastCheck(rs.health, status.time_unix_ms);
      body.append(el("tr", { class: "rs", "data-rs": rs.address + ":" + rs.port, "data-state": state },
        td(rs.address + ":" + rs.port), td(rs.forward), el("td", { class: "state" }, badge(state)),
        td(check, "check " + checkClass), td(rs.weight, "weight"), td(rs.effective_weight, "effective-weight"),
        td(rs.active_conns, "active"), td(rs.inactive_conns, "inactive"), td(si(rr.conns)),
        td(si(rr.pkts_in), "pps-in"), td(si(rr.pkts_out), "pps-out"),
        td(si(rr.bytes_in, "B")), td(si(rr.bytes_out, "B")), el("td", {}, spark(rkey))));
    }
    table.append(body);
  }
}

function renderDrops(status, before, seconds) {
  const body = document.querySelector("#drops tbody");
  const drops = status.totals.drops;
  const old = (before && before.totals.drops) || {};
  const rows = Object.keys(drops).filter((name) => drops[name] > 0).sort((a, b) => drops[b] - drops[a]);
  body.replaceChildren(...rows.map((name) => el("tr", { "data-reason": name },
    td(name), td(drops[name]), td(si(rate(drops[name], old[name], seconds))),
    td(status.drop_reasons[name] || "", "text"))));
  if (!rows.length) body.append(el("tr", { class: "empty" }, el("td", { colspan: "4" }, "no packet dropped")));
}

function renderHa(status) {
  const vrrp = document.querySelector("#vrrp tbody");
  vrrp.replaceChildren(...status.vrrp.map((i) => el("tr", { "data-instance": i.name, "data-role": i.state },
    td(i.name), td(i.vrid), el("td", {}, badge(i.state)), td(i.priority), td(i.master || "–"))));
  if (!status.vrrp.length) vrrp.append(el("tr", { class: "empty" }, el("td", { colspan: "5" }, "VRRP is not configured")));
  const sync = document.querySelector("#sync tbody");
  const s = status.sync;
  if (s) {
    sync.replaceChildren(el("tr", { "data-peer": s.peer },
      td(s.peer), td(s.records_sent), td(s.records_received), td(s.datagrams_lost), td(s.queued_records, "lag"),
      td(s.last_receive_age_s < 0 ? "never" : age(s.last_receive_age_s * 1000))));
  } else {
    sync.replaceChildren(el("tr", { class: "empty" }, el("td", { colspan: "6" }, "connection sync is not configured")));
  }
}

function render(status) {
  // An answer the listener served from its one-second cache changes nothing.
  if (previous && status.time_unix_ms <= previous.time_unix_ms) return;
  const before = previous;
  const seconds = before ? (status.time_unix_ms - before.time_unix_ms) / 1000 : 0;

  setText("version", status.version);
  setText("snapshot", status.snapshot_version);
  const reloads = status.reloads;
  setText("reload", reloads.last_ok ? "ok (" + reloads.attempts + " since start)" : "FAILED: " + reloads.last_message);
  setText("workers", status.workers.length);
  setText("mbufs", status.mbufs.pool_free + " of " + status.mbufs.pool_size);
  setText("updated", new Date(status.time_unix_ms).toLocaleTimeString());
  setText("conns-active", status.totals.counters.conns_active);

  if (before) {
    const c = status.totals.counters;
    const bytes = (s) => s.services.reduce((a, x) => a + x.counters.bytes_in + x.counters.bytes_out, 0);
    const rx = rate(c.rx, before.totals.counters.rx, seconds);
    const bytesRate = rate(bytes(status), bytes(before), seconds);
    const drops = rate(sum(status.totals.drops), sum(before.totals.drops), seconds);
    draw(document.getElementById("graph-rx"), record("rx", rx));
    draw(document.getElementById("graph-bytes"), record("bytes", bytesRate));
    draw(document.getElementById("graph-conns"), record("conns", c.conns_active));
    draw(document.getElementById("graph-drops"), record("drops", drops));
    setText("rate-rx", si(rx));
    setText("rate-bytes", si(bytesRate, "B"));
    setText("rate-drops", si(drops));
    samples += 1;
  }
  renderServices(status, before, seconds, Boolean(before));
  renderDrops(status, before, seconds);
  renderHa(status);
  previous = status;
  document.body.dataset.samples = String(samples);
}

async function poll() {
  const error = document.getElementById("error");
  try {
    const answer = await fetch("status.json", { cache: "no-store" });
    if (!answer.ok) throw new Error("HTTP " + answer.status);
    render(await answer.json());
    polls += 1;
    document.body.dataset.polls = String(polls);
    error.hidden = true;
  } catch (e) {
    error.textContent = "status.json unavailable: " + e.message;
    error.hidden = false;
  } finally {
    setTimeout(poll, POLL_MS);
  }
}

poll();
