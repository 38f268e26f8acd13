// Dead letters: the list (paged by /api/v1/dead-letters) and the retry action,
// which needs the console's write token (sent as Authorization: Bearer, never stored).
"use strict";

const kPageSize = 100;
let nextOffset = 0;

function row(d) {
  const tr = document.createElement("tr");
  tr.dataset.item = d.item;
  tr.append(qcflow.cell(d.sink), qcflow.cell(d.item), qcflow.cell(d.attempts), qcflow.cell(d.since),
            qcflow.cell(d.reason, "error-text"));
  return tr;
}

async function load(append) {
  const offset = append ? nextOffset : 0;
  try {
    const doc = await qcflow.api("/api/v1/dead-letters?limit=" + kPageSize + "&offset=" + offset);
    const tbody = document.querySelector("#dead-letters tbody");
    const rows = doc.items.map(row);
    if (append) tbody.append(...rows); else tbody.replaceChildren(...rows);
    nextOffset = doc.next_offset === null ? 0 : doc.next_offset;
    document.getElementById("more").hidden = doc.next_offset === null;
    document.getElementById("summary").textContent =
      doc.total === 0 ? "No dead letters." : doc.total + " dead letter(s).";
    qcflow.problem(null);
    document.body.dataset.loaded = "true";
  } catch (e) {
    qcflow.problem("cannot list dead letters: " + e.message);
  }
}

document.getElementById("retry").addEventListener("submit", async (event) => {
  event.preventDefault();
  const out = document.getElementById("retry-result");
  const token = document.getElementById("token").value.trim();
  try {
    const doc = await qcflow.api("/api/v1/dead-letters/retry", {
      method: "POST",
      headers: { Authorization: "Bearer " + token },
    });
    out.textContent = doc.requeued + " item(s) back in the queue.";
  } catch (e) {
    out.textContent = "Not retried: " + e.message;
  }
  load(false);
});
document.getElementById("more").addEventListener("click", () => load(true));

load(false);
setInterval(() => load(false), 5000);
