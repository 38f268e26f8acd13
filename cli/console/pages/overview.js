// Overview: every component with its state, updated every 5 s from /api/v1/status.
"use strict";

const kPollMs = 5000;

function errorText(c) {
  if (!c.last_error) return null;
  return c.last_error_at ? c.last_error_at + ": " + c.last_error : c.last_error;
}

function render(doc) {
  const tbody = document.querySelector("#components tbody");
  const rows = doc.components.map((c) => {
    const tr = document.createElement("tr");
    tr.dataset.component = c.name;
    tr.dataset.state = c.state;
    tr.append(
      qcflow.cell(c.name), qcflow.cell(c.kind), qcflow.stateCell(c.state + (c.paused ? " (paused)" : "")),
      qcflow.cell(c.last_run), qcflow.cell(c.next_run), qcflow.cell(c.records), qcflow.cell(c.quarantined),
      qcflow.cell(c.pending), qcflow.cell(c.in_backoff), qcflow.cell(c.dead_letters),
      qcflow.cell(errorText(c), "error-text"));
    return tr;
  });
  tbody.replaceChildren(...rows);
  document.getElementById("summary").textContent =
    "qcflow " + doc.daemon.version + ", running since " + (doc.daemon.started_at || "?") + " · " +
    doc.records + " records · " + doc.pending + " pending · " + doc.dead_letters + " dead letters · as of " +
    doc.taken_at;
  document.body.dataset.loaded = "true";
}

async function poll() {
  try {
    render(await qcflow.api("/api/v1/status"));
    qcflow.problem(null);
  } catch (e) {
    qcflow.problem("cannot read the status: " + e.message + " (retrying)");
  }
  setTimeout(poll, kPollMs);
}

poll();
