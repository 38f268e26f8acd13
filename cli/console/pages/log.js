// Log: the daemon's recent lines (the last 200 of each component, kept in
// memory since it started), newest first, by component and level; refreshed
// every 5 s. The full log is where [log].file or the journal keeps it.
"use strict";

const kPollMs = 5000;
const kLines = 500;

async function loadComponents() {
  const doc = await qcflow.api("/api/v1/components?limit=1000");
  const select = document.getElementById("component");
  for (const name of ["qcflow"].concat(doc.items.map((c) => c.name))) {
    const opt = document.createElement("option");
    opt.value = name;
    opt.textContent = name === "qcflow" ? "qcflow (the daemon)" : name;
    select.append(opt);
  }
  const wanted = new URLSearchParams(location.search);
  if (wanted.get("component")) select.value = wanted.get("component");
  if (wanted.get("level")) document.getElementById("level").value = wanted.get("level");
}

function row(l) {
  const tr = document.createElement("tr");
  tr.dataset.level = l.level;
  tr.append(qcflow.cell(l.at), qcflow.cell(l.level, l.level === "error" || l.level === "critical" ? "error-text" : null),
            qcflow.cell(l.component), qcflow.cell(l.message));
  return tr;
}

async function load() {
  const query = new URLSearchParams({ limit: kLines });
  const component = document.getElementById("component").value;
  const level = document.getElementById("level").value;
  if (component) query.set("component", component);
  if (level) query.set("level", level);
  try {
    const doc = await qcflow.api("/api/v1/log?" + query);
    document.querySelector("#log tbody").replaceChildren(...doc.items.map(row));
    document.getElementById("summary").textContent =
        doc.total === 0 ? "No lines." : doc.items.length + " of " + doc.total + " recent line(s), newest first.";
    qcflow.problem(null);
    document.body.dataset.lines = String(doc.items.length);
    document.body.dataset.loaded = "true";
  } catch (e) {
    qcflow.problem("cannot read the log: " + e.message + " (retrying)");
  }
}

for (const id of ["component", "level"]) {
  document.getElementById(id).addEventListener("change", () => {
    document.body.dataset.loaded = "";
    load();
  });
}
loadComponents().then(load).catch((e) => qcflow.problem("cannot list the components: " + e.message));
setInterval(load, kPollMs);
