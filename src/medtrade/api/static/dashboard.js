// medtrade dashboard: every number is fetched from the JSON API; nothing is computed here
// except keeping the fiscal years inside the chosen range.
"use strict";
const $ = (id) => document.getElementById(id);
let OPTIONS = null;
let SEQ = 0; // answers to an older selection are dropped

function fill(select, items, chosen) {
  select.innerHTML = "";
  for (const it of items) {
    const o = document.createElement("option");
    o.value = it.code; o.textContent = it.code === it.name ? it.code : `${it.name} (${it.code})`;
    select.appendChild(o);
  }
  if (chosen && items.some((it) => it.code === chosen)) select.value = chosen;
}

async function getJSON(url) {
  const r = await fetch(url);
  const body = await r.json();
  if (!r.ok) throw new Error(typeof body.detail === "string" ? body.detail : JSON.stringify(body.detail));
  return body;
}

function fmt(v, col) {
  if (v === null || v === undefined) return "";
  if (typeof v !== "number") return String(v);
  if (/share/.test(col || "")) return (100 * v).toFixed(1) + "%";  // shares are fractions in the JSON
  // Counts as whole numbers; amounts always with 2 decimals (JSON writes 20.0 as 20).
  const digits = /^(rank|n|partners|products|rows|files|file_id|source_rows|source_periods|position)$/.test(col || "") ? 0 : 2;
  return v.toLocaleString("en-US", {minimumFractionDigits: digits, maximumFractionDigits: digits});
}

function table(el, rows, columns) {
  el.innerHTML = "";
  if (!rows.length) { el.innerHTML = "<tr><td>no rows</td></tr>"; return; }
  columns = columns || Object.keys(rows[0]);
  const head = el.insertRow();
  for (const c of columns) { const th = document.createElement("th"); th.textContent = c; head.appendChild(th); }
  for (const r of rows) {
    const tr = el.insertRow();
    for (const c of columns) {
      const td = tr.insertCell(); td.textContent = fmt(r[c], c);
      td.dataset.col = c;
      if (typeof r[c] === "number") { td.className = "num"; td.dataset.value = String(r[c]); }
    }
  }
}

function params() {
  return {exporter: $("exporter").value, importer: $("importer").value, segment: $("segment").value,
          unit: $("unit").value, from: $("from").value, to: $("to").value};
}

function qs(obj) { return new URLSearchParams(Object.entries(obj).filter(([, v]) => v)).toString(); }

function fyOf(isoDate) {
  // Indian fiscal year (April-March) of a date: 2022-06-01 -> FY2022-23, 2023-02-01 -> FY2022-23.
  const y = Number(isoDate.slice(0, 4)), m = Number(isoDate.slice(5, 7));
  const start = m >= 4 ? y : y - 1;
  return `FY${start}-${String((start + 1) % 100).padStart(2, "0")}`;
}

async function events(p) {
  // The corridor's events (agreements, MoUs, plants, shocks) from `medtrade events`; none if the server has none.
  try {
    const ev = await getJSON(`/api/events?${qs({exporter: p.exporter, importer: p.importer})}`);
    return ev.rows.map((e) => ({...e, fy: fyOf(e.date)}));
  } catch (e) { return []; }
}

async function refresh() {
  const seq = ++SEQ;
  const p = params();
  $("status").dataset.state = "loading"; $("status").textContent = "loading..."; $("status").className = "";
  const flowsQ = {exporter: p.exporter, importer: p.importer, segment: p.segment, by: "fy", unit: p.unit};
  $("csv").href = `/api/flows?${qs({...flowsQ, format: "csv"})}`;
  $("xlsx").href = `/api/flows?${qs({...flowsQ, format: "xlsx"})}`;
  try {
    const [flows, evs] = await Promise.all([getJSON(`/api/flows?${qs(flowsQ)}`), events(p)]);
    if (seq !== SEQ) return;
    const rows = flows.rows.filter((r) => (!p.from || r.fy >= p.from) && (!p.to || r.fy <= p.to));
    const valueCol = `value_${p.unit}` in (rows[0] || {}) ? `value_${p.unit}` :
      Object.keys(rows[0] || {}).find((k) => k.startsWith("value_")) || "value";
    const shapes = [], annotations = [], shown = new Set(rows.map((r) => r.fy)), perFy = {};
    for (const e of evs.filter((e) => shown.has(e.fy))) {
      const k = perFy[e.fy] = (perFy[e.fy] || 0) + 1;
      shapes.push({type: "line", xref: "x", yref: "paper", x0: e.fy, x1: e.fy, y0: 0, y1: 1,
                   line: {dash: "dot", width: 1, color: "#999"}});
      annotations.push({x: e.fy, y: 1 - 0.08 * (k - 1), xref: "x", yref: "paper", showarrow: false,
                        text: `${e.kind}: ${e.title.length > 38 ? e.title.slice(0, 37) + "…" : e.title}`,
                        hovertext: `${e.date} (${e.date_precision}) ${e.kind}, ${e.status}: ${e.title} [${e.source_url || ""}]`,
                        xanchor: "left", yanchor: "top", font: {size: 9, color: "#666"}, bgcolor: "rgba(255,255,255,0.7)"});
    }
    Plotly.newPlot("trend", [{x: rows.map((r) => r.fy), y: rows.map((r) => r[valueCol]), type: "scatter",
                              mode: "lines+markers", name: valueCol}],
                   {title: {text: `${p.exporter} → ${p.importer}, ${p.segment} (${valueCol})`},
                    margin: {t: 40, r: 10}, xaxis: {type: "category"}, yaxis: {title: {text: valueCol}},
                    shapes, annotations},
                   {displaylogo: false, responsive: true});
    table($("flows-table"), rows);
    $("flows-notes").innerHTML = "";
    for (const n of flows.notes) { const li = document.createElement("li"); li.textContent = n; $("flows-notes").appendChild(li); }
    $("definition").innerHTML = "";
    for (const [k, v] of Object.entries(flows.definition)) {
      const li = document.createElement("li"); li.textContent = `${k}: ${typeof v === "object" ? JSON.stringify(v) : v}`;
      $("definition").appendChild(li);
    }
    for (const s of flows.sources) {
      const li = document.createElement("li"); li.textContent = `source: ${s.name} (${s.dataset || ""}, sha256 ${String(s.sha256).slice(0, 12)})`;
      $("definition").appendChild(li);
    }
    const period = rows.length ? rows[rows.length - 1].fy : p.to;
    $("top-period").textContent = period || "";
    const [top, growth] = await Promise.all([
      period ? getJSON(`/api/top?${qs({exporter: p.exporter, segment: p.segment, period: period, n: 10, unit: p.unit})}`) : {rows: []},
      getJSON(`/api/growth?${qs({exporter: p.exporter, importer: p.importer, segment: p.segment, unit: p.unit,
                                 start: rows.length ? rows[0].fy : "", end: period})}`).catch(() => ({rows: []})),
    ]);
    if (seq !== SEQ) return;
    table($("top-table"), top.rows);
    table($("growth-table"), growth.rows);
    $("status").dataset.state = "ready"; $("status").textContent = `${rows.length} fiscal years`;
  } catch (e) {
    if (seq !== SEQ) return;
    $("status").dataset.state = "error"; $("status").className = "error"; $("status").textContent = e.message;
  }
}

async function init() {
  OPTIONS = await getJSON("/api/options");
  fill($("exporter"), OPTIONS.exporters, "IND");
  const partners = () => fill($("importer"), OPTIONS.partners[$("exporter").value] || [], $("importer").value || "RUS");
  partners();
  fill($("segment"), OPTIONS.segments.map((s) => ({code: s.code, name: s.code})), "pharma");
  const fys = OPTIONS.fiscal_years.map((f) => ({code: f, name: f}));
  fill($("from"), fys, fys.length ? fys[0].code : null);
  fill($("to"), fys, fys.length ? fys[fys.length - 1].code : null);
  $("exporter").addEventListener("change", () => { partners(); refresh(); });
  for (const id of ["importer", "segment", "from", "to", "unit"]) $(id).addEventListener("change", refresh);
  await refresh();
}

init().catch((e) => { $("status").dataset.state = "error"; $("status").textContent = e.message; });
