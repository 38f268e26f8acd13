// iCom: what one linac delivered over a day or a week (/api/v1/deliveries):
// a timeline of the fields (Chart.js floating bars, when installed) and the
// same deliveries as a table, with the capture's counter gaps and losses.
// Patient IDs arrive masked unless the console may show names. Above them,
// the linac's capture as the daemon last recorded it (/api/v1/components
// details): connected, messages and their rate between two polls,
// reconnects, counter gaps, dropped bytes.
"use strict";

const kPageSize = 1000;
const kMaxPages = 20;
const kDayMs = 86400000;
let chart = null;
let zone = "UTC";  // the display zone: days and clock times are its
const kCapturePollMs = 5000;
let lastCapture = null;  // {linac, messages, at}: the previous poll, for messages/s

async function loadLinacs() {
  zone = await qcflow.zone();
  document.getElementById("start-head").textContent = "start (" + zone + ")";
  const doc = await qcflow.api("/api/v1/components?limit=1000");
  const names = doc.items.filter((c) => c.kind === "source.icom").map((c) => c.name);
  const select = document.getElementById("linac");
  select.replaceChildren(...names.map((n) => {
    const opt = document.createElement("option");
    opt.value = n;
    opt.textContent = n;
    return opt;
  }));
  const wanted = new URLSearchParams(location.search);
  if (wanted.get("linac")) select.value = wanted.get("linac");
  document.getElementById("day").value = wanted.get("date") || qcflow.inZone(Date.now(), zone, "date");
  if (wanted.get("span")) document.getElementById("span").value = wanted.get("span");
  return names.length;
}

async function loadDeliveries(linac, since, until) {
  const query = new URLSearchParams({ linac, since, until, limit: kPageSize });
  return qcflow.allPages("/api/v1/deliveries", query, kMaxPages);
}

const range = (lo, hi) => (lo === null ? null : lo === hi ? String(lo) : lo + "–" + hi);
const seconds = (d) => Math.round((Date.parse(d.end) - Date.parse(d.start)) / 1000) + " s";

function row(d) {
  const tr = document.createElement("tr");
  tr.dataset.id = d.id;
  tr.append(qcflow.cell(d.start), qcflow.cell(d.source_start), qcflow.cell(seconds(d)),
            qcflow.cell(d.patient_name ? d.patient_id + " " + d.patient_name : d.patient_id),
            qcflow.cell(d.field), qcflow.cell(d.energies.join(", ")), qcflow.cell(d.mu),
            qcflow.cell(d.prescribed_mu), qcflow.cell(range(d.gantry_min, d.gantry_max)),
            qcflow.cell(range(d.collimator_min, d.collimator_max)), qcflow.cell(d.interlocks.join(", ")),
            qcflow.cell(d.messages), qcflow.cell(d.counter_gaps + " / " + d.capture_losses),
            qcflow.cell(d.close_reason));
  return tr;
}

function draw(items) {
  if (!qcflow.chartAvailable("chart-box", "timeline")) return;
  const fields = [...new Set(items.map((d) => "field " + d.field))];
  const data = {
    labels: fields,
    datasets: [{
      label: "delivering (" + zone + ")",
      data: items.map((d) => ({ x: [Date.parse(d.start), Date.parse(d.end)], y: "field " + d.field })),
      backgroundColor: "#1f5fbf", borderSkipped: false, minBarLength: 3,
    }],
  };
  const options = {
    indexAxis: "y", animation: false,
    // Bars start at zero by default: the x axis would reach back to 1970.
    scales: { x: { type: "linear", beginAtZero: false,
                   ticks: { callback: (v) => qcflow.inZone(v, zone, "time") } } },
    plugins: { tooltip: { callbacks: { label: (c) => items[c.dataIndex].id + ": " + items[c.dataIndex].mu + " MU" } } },
  };
  if (chart) chart.destroy();
  chart = new Chart(document.getElementById("chart"), { type: "bar", data, options });
}

async function show() {
  const linac = document.getElementById("linac").value;
  const day = document.getElementById("day").value;
  if (!linac || !day) return;
  const days = Number(document.getElementById("span").value);
  // Calendar arithmetic on the picked day; the API reads both days in the display zone.
  const until = new Date(Date.parse(day) + days * kDayMs).toISOString().slice(0, 10);
  try {
    const { doc, items } = await loadDeliveries(linac, day, until);
    document.querySelector("#deliveries tbody").replaceChildren(...items.map(row));
    const sum = (f) => items.reduce((a, d) => a + f(d), 0);
    document.getElementById("summary").textContent = items.length === 0
        ? "No deliveries on " + linac + " from " + day + " (" + zone + ") for " + days + " day(s)."
        : items.length + " deliveries on " + linac + " · " + sum((d) => d.mu).toFixed(1) + " MU · " +
          sum((d) => d.messages) + " messages · " + sum((d) => d.counter_gaps) + " counter gaps · " +
          sum((d) => d.capture_losses) + " capture losses · " + sum((d) => d.continuations) +
          " continued across a pause or reconnect" + (doc.truncated ? " (cut: narrow the range)" : "");
    draw(items);
    qcflow.problem(null);
    document.body.dataset.deliveries = String(items.length);
    document.body.dataset.loaded = "true";
  } catch (e) {
    qcflow.problem("cannot read the deliveries: " + e.message);
  }
}

async function showCapture() {
  const linac = document.getElementById("linac").value;
  if (!linac) return;
  const doc = await qcflow.api("/api/v1/components?limit=1000");
  const c = doc.items.find((i) => i.name === linac);
  const d = (c && c.details) || {};
  const box = document.getElementById("capture");
  if (d.messages === undefined) {
    box.textContent = linac + ": no capture recorded yet";
    return;
  }
  const now = Date.now();
  let rate = "–";
  if (lastCapture && lastCapture.linac === linac && now > lastCapture.at) {
    rate = ((d.messages - lastCapture.messages) * 1000 / (now - lastCapture.at)).toFixed(1);
  }
  lastCapture = { linac, messages: d.messages, at: now };
  box.textContent = linac + " capture: " + (d.connected ? "connected" : "not connected") + " · " +
      d.messages + " messages · " + rate + " messages/s · " + d.reconnects + " reconnects · " +
      d.gaps + " counter gaps · " + d.dropped + " bytes dropped";
  box.dataset.reconnects = String(d.reconnects);
  box.dataset.messages = String(d.messages);
}

function pollCapture() {
  showCapture().catch((e) => qcflow.problem("cannot read the capture: " + e.message));
}

document.getElementById("pick").addEventListener("submit", (event) => {
  event.preventDefault();
  show();
});

loadLinacs().then((n) => {
  if (n === 0) {
    document.getElementById("summary").textContent = "No [[source.icom]] is configured.";
    document.body.dataset.loaded = "true";
    return;
  }
  pollCapture();
  setInterval(pollCapture, kCapturePollMs);
  show();
}).catch((e) => qcflow.problem("cannot list the linacs: " + e.message));
