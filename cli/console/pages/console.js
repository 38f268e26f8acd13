// Shared by the console's pages: fetching the read API and building table rows.
// Plain JS, no build step; the pages use only /api/v1/ (docs/api.md).
"use strict";

const qcflow = {
  // GETs (or POSTs) `path`; resolves to the JSON document, rejects with its "error".
  async api(path, options) {
    const res = await fetch(path, Object.assign({ cache: "no-store", credentials: "omit" }, options || {}));
    let doc;
    try {
      doc = await res.json();
    } catch (e) {
      throw new Error(path + ": HTTP " + res.status + " without a JSON body");
    }
    if (!res.ok) throw new Error(doc.error || path + ": HTTP " + res.status);
    return doc;
  },

  // Every item of a list endpoint, page by page (`query` is a URLSearchParams
  // holding limit; at most maxPages pages): { doc: the last page, items }.
  async allPages(path, query, maxPages) {
    let doc = null, items = [];
    for (let page = 0, offset = 0; page < maxPages && offset !== null; ++page) {
      query.set("offset", offset);
      doc = await qcflow.api(path + "?" + query);
      items = items.concat(doc.items);
      offset = doc.next_offset;
    }
    return { doc, items };
  },

  // The display zone every instant of the API is in (/api/v1/status names it);
  // asked once per page.
  async zone() {
    if (!qcflow.zonePromise) qcflow.zonePromise = qcflow.api("/api/v1/status").then((s) => s.zone || "UTC");
    return qcflow.zonePromise;
  },

  // `ms` since the epoch as the display zone's "YYYY-MM-DD" (part "date"),
  // "HH:MM:SS" (part "time"); en-CA and en-GB write those orders.
  inZone(ms, zone, part) {
    const date = part === "date";
    return new Intl.DateTimeFormat(date ? "en-CA" : "en-GB", Object.assign({ timeZone: zone },
        date ? { year: "numeric", month: "2-digit", day: "2-digit" }
             : { hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23" })).format(ms);
  },

  // True when Chart.js loaded; else says so in the element `boxId` instead of a `what`.
  chartAvailable(boxId, what) {
    if (typeof Chart !== "undefined") return true;
    document.getElementById(boxId).textContent =
        "No " + what + ": Chart.js is not installed on the server (apt-get install libjs-chart.js).";
    return false;
  },

  // A <td> holding `value` as text ("—" for null); numbers right-aligned.
  cell(value, className) {
    const td = document.createElement("td");
    if (value === null || value === undefined || value === "") {
      td.textContent = "—";
    } else {
      td.textContent = String(value);
      if (typeof value === "number") td.className = "num";
    }
    if (className) td.classList.add(className);
    return td;
  },

  stateCell(state) {
    const td = document.createElement("td");
    const span = document.createElement("span");
    const calm = ["ok", "disabled", "stopped", "starting", "paused"];
    span.className = "state " + (calm.includes(state) ? "state-" + state : "state-bad");
    span.textContent = state;
    td.appendChild(span);
    return td;
  },

  // Shows (or, with null, hides) a problem line above the table.
  problem(message) {
    const el = document.getElementById("problem");
    el.hidden = message === null;
    el.textContent = message || "";
  },
};
