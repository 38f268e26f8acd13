"""The web console in a real browser (headless Chromium over CDP, cdp.py).

A `qcflow run` daemon with the demo data (examples/demo-tds, the QATrack+ test
double seeded as `make run` seeds it, one upload refused with HTTP 403) serves
the console on a loopback port. Chromium then checks what a physicist sees:
the overview lists every component in the state the API gives, a trend chart
has as many points as the API returns, the iCom page shows the deliveries of
a `qcflow simulate-linac` stream with patient IDs masked, the dead letter is listed, a retry
with a wrong token is refused and leaves it there, and a retry with the token
clears it and the session reaches QATrack+. Any JavaScript error on any page
fails the test. Screenshots of each page go to --screenshots.

Usage: console_browser_test.py --qcflow BIN --root SRC --work DIR --screenshots DIR
"""
import argparse
import datetime
import json
import os
import re
import secrets
import socket
import subprocess
import sys
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request
import zoneinfo

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import api_schema  # noqa: E402
import cdp  # noqa: E402

ARGS = None
MPC_SESSIONS = 14  # examples/demo-tds/README.md
ICOM_DAY = "2026-01-05"  # the simulator's first message is 2026-01-05 08:00 UTC


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get_json(url, method="GET", body=None, timeout=10):
    req = urllib.request.Request(url, method=method, data=body,
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=timeout) as r:
        return json.load(r)


def eventually(check, what, timeout=60):
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {timeout} s for {what}")
        time.sleep(0.2)


class ConsoleInBrowser(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        work = ARGS.work
        os.makedirs(work, exist_ok=True)
        os.makedirs(ARGS.screenshots, exist_ok=True)
        cls.procs = []
        cls.logs = []
        token = secrets.token_hex(20)
        port_file = os.path.join(work, "server.port")
        if os.path.exists(port_file):
            os.remove(port_file)
        cls.procs.append(subprocess.Popen(
            [sys.executable, os.path.join(ARGS.root, "tests/qatrack_server/qatrack_server.py"),
             "--host", "127.0.0.1", "--port", "0", "--port-file", port_file, "--token", token,
             "--zone", "Europe/Berlin", "--seed", os.path.join(ARGS.root, "examples/demo-qatrack-seed.json")],
            stderr=cls.log_file("server.log")))
        eventually(lambda: os.path.exists(port_file) and os.path.getsize(port_file) > 0,
                   "the QATrack+ test server's port")
        with open(port_file) as f:
            cls.qatrack = "http://127.0.0.1:" + f.read().strip()
        get_json(cls.qatrack + "/_control/faults", "POST", json.dumps(
            {"method": "POST", "path_prefix": "/api/qa/testlistinstances/", "action": "status",
             "code": 403, "times": 1}).encode())

        sim_log = os.path.join(work, "simulator.log")
        cls.procs.append(subprocess.Popen(
            [ARGS.qcflow, "simulate-linac", "--port", "0", "--rate", "0", "--messages", "1200",
             "--seed", "4"], stdout=cls.log_file("simulator.log"), stderr=subprocess.STDOUT))

        def sim_port():
            with open(sim_log) as f:
                m = re.search(r"listening on 127\.0\.0\.1:(\d+)", f.read())
            return m and m.group(1)
        linac_port = eventually(sim_port, "qcflow simulate-linac to listen")

        cls.write_token = secrets.token_hex(16)
        token_file = os.path.join(work, "console.token")
        with open(os.open(token_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as f:
            f.write(cls.write_token + "\n")
        cls.console = f"http://127.0.0.1:{free_port()}"
        config = os.path.join(work, "qcflow.toml")
        store = os.path.join(work, "store")
        subprocess.run(["rm", "-rf", store], check=True)
        with open(os.open(config, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as f:
            f.write(f"""[store]
path = "{store}"
[log]
level = "info"
[console]
listen = "{cls.console[len('http://'):]}"
token_file = "{token_file}"
[[source.mpc]]
name = "demo-tds"
tds = "{ARGS.root}/examples/demo-tds"
zone = "Europe/Berlin"
interval = "1s"
settle = "0s"
history = "all"
[[source.icom]]
name = "LA1"
host = "127.0.0.1"
port = {linac_port}
zone = "Europe/Berlin"
deliveries_interval = "1s"
[[sink.qatrack]]
name = "qatrack"
url = "{cls.qatrack}/api"
token = "{token}"
server_zone = "Europe/Berlin"
interval = "1s"
[[route]]
from = "demo-tds"
to = ["qatrack"]
""")
        # No TZ: the display zone falls to the first source's (Berlin), which the pages must use.
        env = {k: v for k, v in os.environ.items() if k != "TZ"}
        cls.procs.append(subprocess.Popen([ARGS.qcflow, "run", "--config", config],
                                          stdout=subprocess.DEVNULL, env=env,
                                          stderr=cls.log_file("daemon.log")))

        def settled():
            try:
                s = get_json(cls.console + "/api/v1/status")
            except OSError:
                return False
            return (s["dead_letters"] == 1 and s["pending"] == 0 and
                    cls.stored() == MPC_SESSIONS - 1 and cls.deliveries()["total"] > 0)
        eventually(settled, "the daemon to upload the demo's sessions, one refused "
                            f"(see {work}/daemon.log)", timeout=120)
        cls.browser = cdp.Browser(os.path.join(work, "chromium-profile"),
                                  os.path.join(work, "chromium.log"))

    @classmethod
    def tearDownClass(cls):
        if getattr(cls, "browser", None):
            cls.browser.close()
        for p in reversed(cls.procs):
            p.terminate()
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        for f in cls.logs:
            f.close()

    @classmethod
    def log_file(cls, name):
        f = open(os.path.join(ARGS.work, name), "wb")
        cls.logs.append(f)
        return f

    @classmethod
    def deliveries(cls):
        return get_json(cls.console + "/api/v1/deliveries?" + urllib.parse.urlencode(
            {"linac": "LA1", "since": ICOM_DAY, "until": "2026-01-06", "limit": 1000}))

    @classmethod
    def stored(cls):
        return get_json(cls.qatrack + "/_control/stored")["count"]

    def setUp(self):
        self.browser.errors.clear()

    def tearDown(self):
        # A refused retry is a 403 the browser logs as a failed load: expected there, nowhere else.
        allowed = getattr(self, "allowed_errors", ())
        errors = [e for e in self.browser.errors
                  if "favicon.ico" not in e and not any(a in e for a in allowed)]
        self.assertEqual(errors, [], "JavaScript errors on the page")

    def api(self, path):
        return get_json(self.console + path)

    def shot(self, name):
        self.browser.screenshot(os.path.join(ARGS.screenshots, name + ".png"))

    def test_0_every_endpoint_answers_as_docs_api_schema_says(self):
        schema = api_schema.Schema(os.path.join(ARGS.root, "docs/api-schema.json"))
        series = self.api("/api/v1/trends")["items"][0]
        queries = {
            "/api/v1/trends/series": {"machine": series["machine"], "test": series["test"]},
            "/api/v1/deliveries": {"linac": "LA1", "since": ICOM_DAY},
            "/api/v1/log": {"limit": 1000},
            "/api/v1/records": {"kind": "mpc", "limit": 1000},
            "/api/v1/sessions": {"limit": 1000},
            "/api/v1/icom/at": {"linac": "LA1", "at": ICOM_DAY + "T12:00"},
        }
        with open(os.path.join(ARGS.root, "docs/api.md")) as f:
            doc = f.read()
        for path, s in schema.endpoints().items():
            method = s.get("method", "GET")
            self.assertIn(f"`{method} {path}", doc, "docs/api.md documents every endpoint of the schema")
            if method != "GET":
                continue  # the retry's answer is checked where it is made (test_5)
            url = path + ("?" + urllib.parse.urlencode(queries[path]) if path in queries else "")
            answer = self.api(url)
            self.assertEqual(schema.problems(answer, schema.for_endpoint(path)), [], url)
            if "items" in answer:
                self.assertGreater(len(answer["items"]), 0, f"{url}: an empty list checks no item")
        try:
            get_json(self.console + "/api/v1/no-such-thing")
            self.fail("an unknown endpoint answered 200")
        except urllib.error.HTTPError as e:
            self.assertEqual(e.code, 404)
            self.assertEqual(schema.problems(json.load(e), schema.error_schema()), [])
        # The check can fail: a count as text, a stray field, a time without its zone.
        status = self.api("/api/v1/status")
        status["records"] = str(status["records"])
        status["extra"] = 1
        status["taken_at"] = "2026-01-05 08:00:00"
        self.assertEqual(len(schema.problems(status, schema.for_endpoint("/api/v1/status"))), 3)

    def test_1_overview_lists_every_component_in_its_state(self):
        b = self.browser
        b.open(self.console + "/")
        b.wait_for("document.body.dataset.loaded === 'true'")
        status = self.api("/api/v1/status")
        shown = b.evaluate("""[...document.querySelectorAll('#components tbody tr')].map(tr => ({
            name: tr.dataset.component, state: tr.dataset.state,
            cells: [...tr.cells].map(td => td.textContent)}))""")
        self.assertEqual(sorted(r["name"] for r in shown),
                         sorted(c["name"] for c in status["components"]))
        for c in status["components"]:
            row = next(r for r in shown if r["name"] == c["name"])
            self.assertEqual(row["state"], c["state"], c["name"])
            self.assertIn(c["kind"], row["cells"], c["name"])
        sink = next(r for r in shown if r["name"] == "qatrack")
        self.assertEqual(sink["cells"][9], "1", "the qatrack row's dead letters")
        self.assertIn("1 dead letters", b.evaluate("document.getElementById('summary').textContent"))
        self.shot("overview")

    def test_2_trend_chart_has_every_point_the_api_returns(self):
        b = self.browser
        b.open(self.console + "/trends.html")
        b.wait_for("document.body.dataset.loaded === 'true'")
        catalog = self.api("/api/v1/trends?limit=1000")
        self.assertGreater(catalog["total"], 0, "the demo's MPC sessions make trends")
        self.assertEqual(b.evaluate("document.getElementById('series').options.length"), catalog["total"])
        picked = b.evaluate("(o => ({machine: o.dataset.machine, test: o.dataset.test}))"
                            "(document.getElementById('series').selectedOptions[0])")
        series = self.api("/api/v1/trends/series?" + urllib.parse.urlencode(dict(picked, limit=1000)))
        self.assertGreater(series["total"], 0)
        self.assertEqual(int(b.evaluate("document.body.dataset.points")), series["total"])
        self.assertEqual(b.evaluate("document.querySelectorAll('#points tbody tr').length"),
                         series["total"])
        self.assertEqual(b.evaluate("Chart.getChart(document.getElementById('chart'))"
                                    ".data.datasets[0].data.length"), series["total"])
        first_at = b.evaluate("document.querySelector('#points tbody tr').cells[0].textContent")
        self.assertEqual(first_at, series["items"][0]["at"])
        self.assertRegex(first_at, r"\+0[12]:00$", "times in the MPC workstation's zone (Berlin)")
        self.shot("trends")
        # Another series with another number of points, picked as a user would: the chart follows.
        other = min(catalog["items"], key=lambda i: i["points"])
        self.assertNotEqual(other["points"], series["total"], "the demo has series of different lengths")
        b.evaluate("(s => { s.value = " + json.dumps(other["machine"] + "\u0000" + other["test"]) + "; "
                   "document.body.dataset.loaded = ''; s.dispatchEvent(new Event('change')); })"
                   "(document.getElementById('series'))")
        b.wait_for("document.body.dataset.loaded === 'true'")
        self.assertEqual(b.evaluate("Chart.getChart(document.getElementById('chart'))"
                                    ".data.datasets[0].data.length"), other["points"])

    def test_3_icom_page_shows_the_linacs_deliveries_masked(self):
        b = self.browser
        b.open(self.console + f"/icom.html?linac=LA1&date={ICOM_DAY}")
        b.wait_for("document.body.dataset.loaded === 'true'")
        api = self.deliveries()
        self.assertGreater(api["total"], 0)
        self.assertEqual(int(b.evaluate("document.body.dataset.deliveries")), api["total"])
        ids = b.evaluate("[...document.querySelectorAll('#deliveries tbody tr')].map(tr => tr.dataset.id)")
        self.assertEqual(ids, [d["id"] for d in api["items"]])
        self.assertEqual(b.evaluate("Chart.getChart(document.getElementById('chart'))"
                                    ".data.datasets[0].data.length"), api["total"])
        text = b.evaluate("document.body.innerText")
        self.assertNotRegex(text, r"QC\d{6}", "a full patient ID on the page")
        for name in ("SMITH", "JONES", "MARTIN", "DUBOIS", "MULLER", "ROSSI"):  # the simulator's
            self.assertNotIn(name, text)
        self.assertIn("***", b.evaluate("document.querySelector('#deliveries tbody tr').cells[3].textContent"))
        self.assertIn(f"{api['total']} deliveries on LA1", text)
        # Times in the display zone the status names, on the table, the label and the chart's axis.
        self.assertEqual(self.api("/api/v1/status")["zone"], "Europe/Berlin")
        first_start = b.evaluate("document.querySelector('#deliveries tbody tr').cells[0].textContent")
        self.assertEqual(first_start, api["items"][0]["start"])
        self.assertTrue(first_start.endswith("+01:00"), first_start)  # January in Berlin
        chart = "Chart.getChart(document.getElementById('chart'))"
        self.assertEqual(b.evaluate(chart + ".data.datasets[0].label"), "delivering (Europe/Berlin)")
        ticks = b.evaluate(chart + ".scales.x.ticks.map(t => [t.value, t.label])")
        self.assertGreater(len(ticks), 1)
        berlin = zoneinfo.ZoneInfo("Europe/Berlin")
        for value, label in ticks:
            self.assertEqual(label, datetime.datetime.fromtimestamp(value / 1000, berlin).strftime("%H:%M:%S"))
        # The capture line says what the daemon recorded of the linac's connection.
        b.wait_for("document.getElementById('capture').dataset.messages !== undefined")
        details = next(c for c in self.api("/api/v1/components")["items"] if c["name"] == "LA1")["details"]
        self.assertIn("reconnects", details)
        shown = b.evaluate("document.getElementById('capture').textContent")
        self.assertIn(f"{details['reconnects']} reconnects", shown)
        self.assertRegex(shown, r"LA1 capture: (connected|not connected) · \d+ messages")
        self.assertEqual(b.evaluate("document.getElementById('start-head').textContent"), "start (Europe/Berlin)")
        self.shot("icom")

    def test_4_log_page_shows_a_components_lines_by_level(self):
        b = self.browser
        b.open(self.console + "/log.html?component=qatrack&level=warn")
        b.wait_for("document.body.dataset.loaded === 'true'")
        api = self.api("/api/v1/log?component=qatrack&level=warn&limit=500")
        self.assertGreater(api["total"], 0, "the refused upload is logged as a warning or error")
        shown = b.evaluate("[...document.querySelectorAll('#log tbody tr')].map(tr => "
                           "[...tr.cells].map(td => td.textContent))")
        self.assertEqual(len(shown), len(api["items"]))
        for row in shown:
            self.assertEqual(row[2], "qatrack")
            self.assertIn(row[1], ("warn", "error", "critical"))
        self.assertTrue(any("403" in row[3] for row in shown), shown)
        self.shot("log")
        # Every component, every level: more lines, the daemon's own among them.
        b.evaluate("(() => { const l = document.getElementById('level'); l.value = ''; "
                   "const c = document.getElementById('component'); c.value = ''; "
                   "c.dispatchEvent(new Event('change')); })()")
        b.wait_for("document.body.dataset.loaded === 'true'")
        components = b.evaluate("[...new Set([...document.querySelectorAll('#log tbody tr')]"
                                ".map(tr => tr.cells[2].textContent))]")
        self.assertIn("qcflow", components)
        self.assertIn("demo-tds", components)

    def test_5_dead_letter_retry_needs_the_token_then_clears_it(self):
        b = self.browser
        b.open(self.console + "/dead-letters.html")
        b.wait_for("document.body.dataset.loaded === 'true'")
        rows = "document.querySelectorAll('#dead-letters tbody tr').length"
        self.assertEqual(b.evaluate(rows), 1)
        reason = b.evaluate("document.querySelector('#dead-letters tbody tr').cells[4].textContent")
        self.assertIn("403", reason)
        self.shot("dead-letters")

        self.allowed_errors = ("/api/v1/dead-letters/retry",)
        submit = ("(t => { document.getElementById('token').value = t; "
                  "document.getElementById('retry-result').textContent = ''; "
                  "document.getElementById('retry').requestSubmit(); })")
        b.evaluate(submit + "('not-the-token')")
        result = b.wait_for("document.getElementById('retry-result').textContent")
        self.assertIn("Not retried", result)
        self.assertEqual(self.api("/api/v1/status")["dead_letters"], 1, "a wrong token retried")
        self.assertEqual(b.evaluate(rows), 1)

        b.evaluate(submit + "(" + json.dumps(self.write_token) + ")")
        result = b.wait_for("document.getElementById('retry-result').textContent")
        self.assertIn("1 item(s) back in the queue", result)
        eventually(lambda: self.stored() == MPC_SESSIONS, "the retried session on QATrack+")
        b.wait_for(rows + " === 0", timeout=20)  # the page refreshes every 5 s
        self.assertEqual(self.api("/api/v1/status")["dead_letters"], 0)
        self.shot("dead-letters-after-retry")
        # The retry's answer, by hand: nothing left to requeue.
        req = urllib.request.Request(self.console + "/api/v1/dead-letters/retry", method="POST", data=b"",
                                     headers={"Authorization": "Bearer " + self.write_token})
        with urllib.request.urlopen(req, timeout=10) as r:
            answer = json.load(r)
        self.assertEqual(answer["requeued"], 0)
        schema = api_schema.Schema(os.path.join(ARGS.root, "docs/api-schema.json"))
        self.assertEqual(schema.problems(answer, schema.for_endpoint("/api/v1/dead-letters/retry")), [])


def main():
    global ARGS
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--qcflow", required=True)
    p.add_argument("--root", required=True)
    p.add_argument("--work", required=True)
    p.add_argument("--screenshots", required=True)
    ARGS, rest = p.parse_known_args()
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)


if __name__ == "__main__":
    main()
