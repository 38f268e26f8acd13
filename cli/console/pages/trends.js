// Trends: one test's values on one machine over time (/api/v1/trends/series),
// drawn with Chart.js (Debian's libjs-chart.js, served by the daemon as
// /vendor/chart.js) with the tolerance band where the source has one, and the
// same points as a table. Without Chart.js the table still shows.
"use strict";

const kPageSize = 1000;
const kMaxPages = 50;  // 50,000 points: years of daily QA for one test
let chart = null;
let zone = "UTC";  // the display zone: the chart's days are its

function seriesId(s) { return s.machine + "\u0000" + s.test; }

async function loadCatalog() {
  zone = await qcflow.zone();
  const doc = await qcflow.api("/api/v1/trends?limit=" + kPageSize);
  const select = document.getElementById("series");
  select.replaceChildren(...doc.items.map((s) => {
    const opt = document.createElement("option");
    opt.value = seriesId(s);
    opt.textContent = s.machine + " — " + (s.name || s.test) + (s.unit ? " [" + s.unit + "]" : "") +
                      " (" + s.points + ")";
    opt.dataset.machine = s.machine;
    opt.dataset.test = s.test;
    return opt;
  }));
  // A series named in the address (a link from elsewhere), else the longest one.
  const wanted = new URLSearchParams(location.search);
  if (wanted.get("machine") && wanted.get("test")) {
    select.value = wanted.get("machine") + "\u0000" + wanted.get("test");
  } else if (doc.items.length > 0) {
    const longest = doc.items.reduce((a, b) => (b.points > a.points ? b : a));
    select.value = seriesId(longest);
  }
  return doc.items.length;
}

// Every point of the selected series, page by page.
async function loadPoints(machine, test) {
  const query = new URLSearchParams({ machine, test, limit: kPageSize });
  const since = document.getElementById("since").value;
  const until = document.getElementById("until").value;
  if (since) query.set("since", since);
  // The API's until is exclusive; the picked day belongs in the range (both
  // days are read in the display zone).
  if (until) query.set("until", new Date(Date.parse(until) + 86400000).toISOString().slice(0, 10));
  const { doc, items } = await qcflow.allPages("/api/v1/trends/series", query, kMaxPages);
  return { doc, points: items };
}

// The band a value should stay in: reference ± tolerance (reference 0 when the
// source gives only a tolerance, as MPC's thresholds on a change).
function band(p, sign) {
  if (p.tolerance === null) return null;
  return (p.reference === null ? 0 : p.reference) + sign * p.tolerance;
}

function draw(doc, points) {
  if (!qcflow.chartAvailable("chart-box", "chart")) return;
  const xy = (f) => points.map((p) => ({ x: Date.parse(p.at), y: f(p) }));
  const data = {
    datasets: [
      { label: doc.name || doc.test, data: xy((p) => p.value), borderColor: "#1f5fbf",
        backgroundColor: "#1f5fbf", pointRadius: 3, showLine: true },
      // A dash at each point, so a band of one point still shows.
      { label: "upper tolerance", data: xy((p) => band(p, 1)), borderColor: "#c0392b",
        borderDash: [4, 3], pointStyle: "line", pointRadius: 6, showLine: true, spanGaps: false },
      { label: "lower tolerance", data: xy((p) => band(p, -1)), borderColor: "#c0392b",
        borderDash: [4, 3], pointStyle: "line", pointRadius: 6, showLine: true, spanGaps: false },
    ],
  };
  const options = {
    animation: false,
    scales: {
      x: { type: "linear", ticks: { callback: (v) => qcflow.inZone(v, zone, "date") } },
      y: { title: { display: !!doc.unit, text: doc.unit } },
    },
  };
  if (chart) chart.destroy();
  chart = new Chart(document.getElementById("chart"), { type: "scatter", data, options });
}

function row(p) {
  const tr = document.createElement("tr");
  tr.append(qcflow.cell(p.at), qcflow.cell(p.value), qcflow.cell(p.reference), qcflow.cell(p.tolerance),
            qcflow.cell(p.evaluation), qcflow.cell(p.session + (p.amendment ? " (amended)" : "")));
  return tr;
}

async function show() {
  const opt = document.getElementById("series").selectedOptions[0];
  if (!opt) return;
  try {
    const { doc, points } = await loadPoints(opt.dataset.machine, opt.dataset.test);
    document.querySelector("#points tbody").replaceChildren(...points.map(row));
    document.getElementById("summary").textContent =
        points.length + " point(s) of " + doc.machine + " " + (doc.name || doc.test) +
        (points.length < doc.total ? " (the first " + points.length + " of " + doc.total + ")" : "");
    draw(doc, points);
    qcflow.problem(null);
    document.body.dataset.points = String(points.length);
    document.body.dataset.loaded = "true";
  } catch (e) {
    qcflow.problem("cannot read the trend: " + e.message);
  }
}

document.getElementById("pick").addEventListener("submit", (event) => {
  event.preventDefault();
  show();
});
document.getElementById("series").addEventListener("change", show);

loadCatalog().then((n) => {
  if (n === 0) {
    document.getElementById("summary").textContent = "No sessions with numeric results yet.";
    document.body.dataset.loaded = "true";
    return;
  }
  show();
}).catch((e) => qcflow.problem("cannot list the trends: " + e.message));
