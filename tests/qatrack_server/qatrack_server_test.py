"""Self-tests of the QATrack+ test double: every behaviour it promises, through HTTP.

Run: cd tests/qatrack_server && python3 -m unittest -v
Each test class starts its own server process (port 0, port file), resets it before
every test, and stops it with SIGTERM. Every loop is bounded in count and time.
"""

import errno
import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPT = os.path.join(HERE, "qatrack_server.py")
TOKEN = "0123456789abcdef0123456789abcdef01234567"
OTHER_TOKEN = "fedcba9876543210fedcba9876543210fedcba98"
BEAM = "MPC: Beam and Geometry Checks"
# The order the real server lists them in (spec, "Seen on a real QATrack+" 9).
WRONG_FORMAT = ("Datetime has wrong format. Use one of these formats instead: DD [Jan-Dec] YYYY hh:mm, "
                "DD [Jan-Dec] YYYY hh:mm:ss, YYYY-MM-DD hh:mm, YYYY-MM-DD hh:mm:ss, "
                "YYYY-MM-DD hh:mm:ss.uuuuuu, YYYY-MM-DDThh:mm:ss.uuuuuuZ.")
THROTTLED_RE = re.compile(r"^Request was throttled\. Expected available in (\d+) seconds?\.$")

MPC_OK = {
    "isocentergroup_isocentersize_mm_6x": {"value": 0.3},
    "isocentergroup_mvimagerprojectionoffset_mm_6x": {"value": 0.2},
    "beamgroup_beamoutputchange_per_6x": {"value": -0.17},
    "beamgroup_beamuniformitychange_per_6x": {"value": 0.5},
    "gantrygroup_gantryabsolute_deg_6x": {"value": -0.09},
    "beamgroup_beamoutputchange_per_6fff": {"value": 0.4},
    "beamgroup_beamuniformitychange_per_6fff": {"value": 0.1},
}


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


# No proxies (loopback only) and no automatic redirects: tests look at every 3xx.
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect)


class Reply:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    def json(self):
        return json.loads(self.body.decode("utf-8"))

    @property
    def text(self):
        return self.body.decode("utf-8", "replace")


def call(url, method="GET", body=None, headers=None, timeout=10.0):
    data = body
    headers = dict(headers or {})
    if body is not None and not isinstance(body, bytes):
        data = json.dumps(body).encode("utf-8")
        headers.setdefault("Content-Type", "application/json")
    req = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with OPENER.open(req, timeout=timeout) as r:
            return Reply(r.status, r.headers, r.read())
    except urllib.error.HTTPError as e:
        return Reply(e.code, e.headers, e.read())


class ServerProcess:
    """python3 qatrack_server.py ... as a child process."""

    def __init__(self, *extra, token=TOKEN, host="127.0.0.1"):
        self.tmp = tempfile.mkdtemp(prefix="qatrack-selftest-")
        self.port_file = os.path.join(self.tmp, "port")
        env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
        self.proc = subprocess.Popen(
            [sys.executable, SCRIPT, "--host", host, "--port", "0", "--port-file", self.port_file,
             "--token", token] + list(extra),
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
        deadline = time.monotonic() + 10
        while not os.path.exists(self.port_file):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.proc.kill()
                _, err = self.proc.communicate(timeout=5)
                self._remove_tmp()
                raise RuntimeError("server did not start: %s" % err.decode("utf-8", "replace"))
            time.sleep(0.02)
        with open(self.port_file) as f:
            self.port = int(f.read())
        self.root = "http://127.0.0.1:%d" % self.port
        self.api = self.root + "/api"

    def stop(self):
        """SIGTERM; returns (exit code, stderr text)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            _, err = self.proc.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            _, err = self.proc.communicate(timeout=5)
        self._remove_tmp()
        return self.proc.returncode, err.decode("utf-8", "replace")

    def _remove_tmp(self):
        for name in os.listdir(self.tmp):
            os.unlink(os.path.join(self.tmp, name))
        os.rmdir(self.tmp)


class ServerTest(unittest.TestCase):
    """A server in Europe/Berlin shared by the tests of one class, reset before each test."""

    extra_args = ("--zone", "Europe/Berlin")
    server = None

    @classmethod
    def setUpClass(cls):
        cls.server = ServerProcess(*cls.extra_args)

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def setUp(self):
        self.assertEqual(self.control("POST", "reset").status, 200)
        self.assertEqual(self.control("POST", "seed", {"builtin": "default"}).status, 200)

    # helpers
    def control(self, method, route, body=None):
        return call(self.server.root + "/_control/" + route, method, body)

    def configure(self, **changes):
        r = self.control("POST", "config", changes)
        self.assertEqual(r.status, 200, r.text)

    def fault(self, **rule):
        r = self.control("POST", "faults", rule)
        self.assertEqual(r.status, 200, r.text)

    def stored(self):
        return self.control("GET", "stored").json()

    def requests_log(self):
        return self.control("GET", "requests").json()

    def api(self, method, path, body=None, token=TOKEN, headers=None, timeout=10.0):
        h = dict(headers or {})
        if token is not None:
            h.setdefault("Authorization", "Token " + token)
        url = path if path.startswith("http") else self.server.api + path
        return call(url, method, body, h, timeout)

    def get(self, path, **kw):
        return self.api("GET", path, **kw)

    def post_tli(self, body, **kw):
        return self.api("POST", "/qa/testlistinstances/", body, **kw)

    def utc_url(self, unit_number=1, name=BEAM):
        r = self.get("/qa/unittestcollections/?" + urllib.parse.urlencode({"unit__number": unit_number,
                                                                            "name": name}))
        self.assertEqual(r.json()["count"], 1)
        return r.json()["results"][0]["url"]

    def payload(self, **over):
        body = {"unit_test_collection": "/api/qa/unittestcollections/1/",
                "work_started": "2020-06-25 07:11:30", "work_completed": "2020-06-25 07:12:30",
                "user_key": "QCPump/MPC/1234/2020-06-25-07-11/Beam and Geometry Checks",
                "tests": json.loads(json.dumps(MPC_OK))}
        body.update(over)
        return body

    def non_field(self, reply):
        self.assertEqual(reply.status, 400, reply.text)
        body = reply.json()
        self.assertEqual(list(body), ["non_field_errors"], body)
        self.assertEqual(len(body["non_field_errors"]), 1)
        return body["non_field_errors"][0]


class LifecycleTest(unittest.TestCase):
    def test_port_file_health_and_clean_sigterm(self):
        s = ServerProcess()
        try:
            self.assertGreater(s.port, 0)
            self.assertEqual(call(s.root + "/_control/health").json(), {"ok": True})
        finally:
            code, err = s.stop()
        self.assertEqual(code, 0)
        self.assertEqual(len([ln for ln in err.splitlines() if ln.strip()]), 1, err)
        self.assertIn("listening on http://127.0.0.1:%d/api" % s.port, err)
        self.assertNotIn(TOKEN, err)

    def test_refuses_non_loopback_host(self):
        tmp = tempfile.mkdtemp()
        port_file = os.path.join(tmp, "port")
        try:
            p = subprocess.run([sys.executable, SCRIPT, "--host", "0.0.0.0", "--port", "0",
                                "--port-file", port_file, "--token", TOKEN],
                               capture_output=True, timeout=20)
            self.assertEqual(p.returncode, 2)
            self.assertIn(b"loopback", p.stderr)
            self.assertFalse(os.path.exists(port_file))
        finally:
            os.rmdir(tmp)

    def test_rejects_a_token_that_is_not_40_hex(self):
        p = subprocess.run([sys.executable, SCRIPT, "--port", "0", "--token", "secret"],
                           capture_output=True, timeout=20)
        self.assertEqual(p.returncode, 2)
        self.assertIn(b"40", p.stderr)

    def test_default_zone_is_reported_by_config(self):
        s = ServerProcess()
        try:
            self.assertEqual(call(s.root + "/_control/config").json()["zone"], "America/Toronto")
        finally:
            s.stop()

    def test_seed_option_and_base_path(self):
        tmp = tempfile.mkdtemp()
        seed_file = os.path.join(tmp, "seed.json")
        with open(seed_file, "w") as f:
            json.dump({"units": [{"number": 9, "serial_number": "9999"}],
                       "test_lists": [{"name": "L", "tests": ["a"]}], "utcs": [{"unit": 9, "test_list": "L"}]}, f)
        s = ServerProcess("--seed", seed_file, "--base", "/qatrack/api")
        try:
            auth = {"Authorization": "Token " + TOKEN}
            body = call(s.root + "/qatrack/api/units/units/", headers=auth).json()
            self.assertEqual([u["serial_number"] for u in body["results"]], ["9999"])
            r = call(s.root + "/qatrack/api/qa/testlistinstances/", "POST",
                     {"unit_test_collection": "/qatrack/api/qc/unittestcollections/1/",
                      "work_started": "2020-01-01 10:00", "tests": {"a": {"value": 1}}}, auth)
            self.assertEqual(r.status, 201, r.text)
            self.assertEqual(r.json()["url"], s.root + "/qatrack/api/qc/testlistinstances/1/")
            self.assertEqual(r.json()["site_url"], s.root + "/qatrack/qc/session/details/1/")
            self.assertEqual(call(s.root + "/api/units/units/", headers=auth).status, 404)
        finally:
            s.stop()
            os.unlink(seed_file)
            os.rmdir(tmp)

    def test_empty_seed(self):
        s = ServerProcess("--seed", "empty")
        try:
            body = call(s.api + "/units/units/", headers={"Authorization": "Token " + TOKEN}).json()
            self.assertEqual(body["count"], 0)
        finally:
            s.stop()

    def test_ipv6_loopback(self):
        try:
            socket.socket(socket.AF_INET6).close()
            s = ServerProcess(host="::1")
        except (OSError, RuntimeError):
            self.skipTest("no IPv6 loopback here")
        try:
            r = call("http://[::1]:%d/_control/health" % s.port)
            self.assertEqual(r.status, 200)
        finally:
            s.stop()


class AuthTest(ServerTest):
    def test_valid_token_on_auth_root(self):
        r = self.get("/auth/")
        self.assertEqual(r.status, 200)
        self.assertIn("users", r.json())

    def test_missing_header(self):
        r = self.get("/units/units/", token=None)
        self.assertEqual(r.status, 401)
        self.assertEqual(r.json(), {"detail": "Authentication credentials were not provided."})
        self.assertEqual(r.headers["WWW-Authenticate"], "Token")

    def test_bearer_is_not_token_auth(self):
        r = self.get("/units/units/", token=None, headers={"Authorization": "Bearer " + TOKEN})
        self.assertEqual(r.status, 401)
        self.assertEqual(r.json(), {"detail": "Authentication credentials were not provided."})

    def test_wrong_token(self):
        r = self.get("/units/units/", token=OTHER_TOKEN)
        self.assertEqual(r.status, 401)
        self.assertEqual(r.json(), {"detail": "Invalid token."})

    def test_malformed_token_headers(self):
        r = self.get("/units/units/", token=None, headers={"Authorization": "Token"})
        self.assertEqual(r.json(), {"detail": "Invalid token header. No credentials provided."})
        r = self.get("/units/units/", token=None, headers={"Authorization": "Token a b"})
        self.assertEqual(r.json(), {"detail": "Invalid token header. Token string should not contain spaces."})

    def test_rad_header_is_ignored_by_qatrack(self):
        r = self.get("/units/units/?limit=1", token=None, headers={"RadAuthorization": "Token " + TOKEN})
        self.assertEqual(r.status, 401)
        self.assertEqual(r.json(), {"detail": "Authentication credentials were not provided."})

    def test_permission_denied(self):
        self.configure(permission_denied=True)
        r = self.get("/units/units/")
        self.assertEqual(r.status, 403)
        self.assertEqual(r.json(), {"detail": "You do not have permission to perform this action."})

    def test_permission_denied_for_writes_only(self):
        self.configure(permission_denied="write")
        self.assertEqual(self.get("/units/units/").status, 200)
        r = self.post_tli(self.payload())
        self.assertEqual(r.status, 403)
        self.assertEqual(self.stored()["count"], 0)

    def test_unauthenticated_is_checked_before_permission(self):
        self.configure(permission_denied=True)
        self.assertEqual(self.get("/units/units/", token=OTHER_TOKEN).status, 401)


class RadMachineTest(ServerTest):
    extra_args = ("--zone", "Europe/Berlin", "--radmachine")

    def test_rad_authorization_header(self):
        r = self.get("/units/units/?limit=1", token=None, headers={"RadAuthorization": "Token " + TOKEN})
        self.assertEqual(r.status, 200)

    def test_plain_authorization_is_not_enough(self):
        r = self.get("/units/units/?limit=1")
        self.assertEqual(r.status, 401)
        self.assertEqual(r.json(), {"detail": "Authentication credentials were not provided."})

    def test_request_log_names_the_rad_header(self):
        self.get("/auth/", token=None, headers={"RadAuthorization": "Token " + TOKEN})
        entry = self.requests_log()["results"][-1]
        self.assertEqual(entry["auth_header"], "RadAuthorization")
        self.assertTrue(entry["auth_header_present"])


class RoutingTest(ServerTest):
    def test_get_without_slash_is_301_to_slashed_url(self):
        r = self.get("/auth")
        self.assertEqual(r.status, 301)
        self.assertEqual(r.headers["Location"], "/api/auth/")

    def test_redirect_keeps_the_query(self):
        r = self.get("/units/units?serial_number=1234")
        self.assertEqual(r.status, 301)
        self.assertEqual(r.headers["Location"], "/api/units/units/?serial_number=1234")

    def test_post_without_slash_loses_the_body(self):
        r = self.api("POST", "/qa/testlistinstances", self.payload())
        self.assertEqual(r.status, 301)
        self.assertEqual(r.headers["Location"], "/api/qa/testlistinstances/")
        self.assertEqual(self.stored()["count"], 0)

    def test_redirect_comes_before_auth(self):
        self.assertEqual(self.get("/auth", token=None).status, 301)

    def test_unknown_path_is_html_404(self):
        r = self.get("/nothing/here/")
        self.assertEqual(r.status, 404)
        self.assertTrue(r.headers["Content-Type"].startswith("text/html"))
        self.assertIn("<h1>Not Found</h1>", r.text)

    def test_unknown_object_is_json_404(self):
        r = self.get("/qa/tests/999/")
        self.assertEqual(r.status, 404)
        self.assertEqual(r.json(), {"detail": "Not found."})

    def test_method_not_allowed(self):
        r = self.api("PUT", "/units/units/", {})
        self.assertEqual(r.status, 405)
        self.assertEqual(r.json(), {"detail": 'Method "PUT" not allowed.'})

    def test_both_prefixes_answer_and_links_use_qc(self):
        for prefix in ("qa", "qc"):
            r = self.get("/%s/unittestcollections/1/" % prefix)
            self.assertEqual(r.status, 200)
            self.assertEqual(r.json()["url"], self.server.api + "/qc/unittestcollections/1/")
            self.assertEqual(self.get("/%s/testlists/" % prefix).status, 200)
            self.assertEqual(self.get("/%s/tests/1/" % prefix).status, 200)
            self.assertEqual(self.get("/%s/testlistinstances/" % prefix).status, 200)

    def test_head_has_no_body(self):
        r = self.api("HEAD", "/units/units/")
        self.assertEqual(r.status, 200)
        self.assertEqual(r.body, b"")


class UnitsTest(ServerTest):
    def test_by_serial(self):
        r = self.get("/units/units/?serial_number=1234")
        body = r.json()
        self.assertEqual(set(body), {"count", "next", "previous", "results"})
        self.assertEqual(body["count"], 1)
        unit = body["results"][0]
        for field in ("url", "name", "number", "site", "serial_number", "active"):
            self.assertIn(field, unit)
        self.assertEqual(unit["serial_number"], "1234")
        self.assertEqual(unit["number"], 1)
        self.assertEqual(unit["url"], self.server.api + "/units/units/1/")
        self.assertEqual(self.get(unit["site"]).json()["name"], "Main Campus")

    def test_serial_is_not_unique(self):
        body = self.get("/units/units/?serial_number=2222").json()
        self.assertEqual(body["count"], 2)
        self.assertEqual(sorted(u["number"] for u in body["results"]), [3, 4])

    def test_by_number_and_name(self):
        self.assertEqual(self.get("/units/units/?number=2").json()["results"][0]["serial_number"], "5678")
        self.assertEqual(self.get("/units/units/?name=TrueBeam%202").json()["count"], 1)
        self.assertEqual(self.get("/units/units/?name__icontains=truebeam").json()["count"], 4)

    def test_misspelt_filter_returns_every_row(self):
        body = self.get("/units/units/?serial_numbr=1234").json()
        self.assertEqual(body["count"], 5)

    def test_empty_filter_value_is_ignored(self):
        self.assertEqual(self.get("/units/units/?serial_number=").json()["count"], 5)

    def test_invalid_number_is_400(self):
        r = self.get("/units/units/?number=abc")
        self.assertEqual(r.status, 400)
        self.assertEqual(r.json(), {"number": ["Enter a number."]})

    def test_active_filter(self):
        self.assertEqual(self.get("/units/units/?active=false").json()["count"], 1)
        self.assertEqual(self.get("/units/units/?active=maybe").json()["count"], 5)

    def test_pagination_follows_next(self):
        self.configure(page_size=2)
        url, seen, pages = self.server.api + "/units/units/", [], 0
        first = self.get(url).json()
        self.assertIsNone(first["previous"])
        deadline = time.monotonic() + 10
        while url and pages < 10 and time.monotonic() < deadline:
            body = self.get(url).json()
            self.assertEqual(body["count"], 5)
            self.assertLessEqual(len(body["results"]), 2)
            seen += [u["number"] for u in body["results"]]
            url = body["next"]
            if url:
                self.assertTrue(url.startswith("http://127.0.0.1:%d/api/units/units/?" % self.server.port), url)
            pages += 1
        self.assertEqual(pages, 3)
        self.assertEqual(seen, [1, 2, 3, 4, 5])

    def test_limit_offset_links(self):
        body = self.get("/units/units/?offset=3&limit=2&name__icontains=e").json()
        self.assertEqual([u["number"] for u in body["results"]], [4, 5])
        self.assertIsNone(body["next"])
        self.assertEqual(body["previous"],
                         self.server.api + "/units/units/?limit=2&name__icontains=e&offset=1")
        body = self.get("/units/units/?limit=2&offset=2").json()
        self.assertEqual(body["previous"], self.server.api + "/units/units/?limit=2")
        self.assertEqual(body["next"], self.server.api + "/units/units/?limit=2&offset=4")


class UnitTestCollectionsTest(ServerTest):
    def test_qcpump_lookup(self):
        body = self.get("/qa/unittestcollections/?unit__number=1&name=" + urllib.parse.quote(BEAM)).json()
        self.assertEqual(body["count"], 1)
        utc = body["results"][0]
        for field in ("url", "unit", "name", "active", "tests_object"):
            self.assertIn(field, utc)
        self.assertEqual(utc["unit"], self.server.api + "/units/units/1/")
        self.assertEqual(utc["tests_object"], self.server.api + "/qc/testlists/1/")
        self.assertTrue(utc["url"].startswith(self.server.api + "/qc/unittestcollections/"))

    def test_lookup_by_serial_and_test_list_name(self):
        q = urllib.parse.urlencode({"unit__serial_number": "5678", "test_list__name": BEAM})
        body = self.get("/qa/unittestcollections/?" + q).json()
        self.assertEqual(body["count"], 1)
        self.assertEqual(body["results"][0]["unit"], self.server.api + "/units/units/2/")

    def test_duplicate_serial_gives_two(self):
        q = urllib.parse.urlencode({"unit__serial_number": "2222", "test_list__name": BEAM})
        self.assertEqual(self.get("/qa/unittestcollections/?" + q).json()["count"], 2)

    def test_active_filter_skips_inactive_assignment(self):
        q = {"unit__number": 2, "name": "MPC: Enhanced Couch Checks"}
        body = self.get("/qa/unittestcollections/?" + urllib.parse.urlencode(q)).json()
        self.assertEqual(body["count"], 1)
        self.assertFalse(body["results"][0]["active"])
        q["active"] = "true"
        self.assertEqual(self.get("/qa/unittestcollections/?" + urllib.parse.urlencode(q)).json()["count"], 0)

    def test_misspelt_filter_is_silently_ignored(self):
        body = self.get("/qa/unittestcollections/?unit__numbr=1&nme=x").json()
        self.assertEqual(body["count"], 8)

    def test_default_page_size_is_ten(self):
        seed = {"units": [{"number": 1, "serial_number": "1"}],
                "test_lists": [{"name": "L%d" % i, "tests": ["t%d" % i]} for i in range(12)],
                "utcs": [{"unit": 1, "test_list": "L%d" % i} for i in range(12)]}
        self.assertEqual(self.control("POST", "seed", seed).status, 200)
        body = self.get("/qa/unittestcollections/").json()
        self.assertEqual(body["count"], 12)
        self.assertEqual(len(body["results"]), 10)
        self.assertEqual(body["next"], self.server.api + "/qa/unittestcollections/?limit=10&offset=10")


class TestListsTest(ServerTest):
    def test_tests_and_sublists(self):
        body = self.get("/qa/testlists/?name=" + urllib.parse.quote(BEAM)).json()
        self.assertEqual(body["count"], 1)
        tl = body["results"][0]
        self.assertEqual(len(tl["test_lists"]), 1)
        slugs = {}
        for url in tl["tests"]:
            t = self.get(url).json()
            slugs[t["slug"]] = t["type"]
        self.assertEqual(slugs["isocentergroup_isocentersize_mm_6x"], "simple")
        self.assertEqual(slugs["mpc_output_change_mean"], "composite")
        sub = self.get(tl["test_lists"][0]).json()
        self.assertEqual(sub["name"], "MPC: Beam Checks 6FFF")
        sub_slugs = [self.get(u).json()["slug"] for u in sub["tests"]]
        self.assertIn("beamgroup_beamoutputchange_per_6fff", sub_slugs)

    def test_test_types(self):
        body = self.get("/qa/testlists/?name=Daily%20Checks").json()
        types = {self.get(u).json()["slug"]: self.get(u).json()["type"] for u in body["results"][0]["tests"]}
        self.assertEqual(types, {"output_6x": "simple", "door_interlock": "boolean", "signature": "string",
                                 "cal_factor": "constant", "profile_report": "upload"})

    def test_test_filter_by_slug(self):
        body = self.get("/qa/tests/?slug=signature").json()
        self.assertEqual(body["count"], 1)
        self.assertEqual(body["results"][0]["name"], "signature")


class UploadSuccessTest(ServerTest):
    def test_created(self):
        r = self.post_tli(self.payload())
        self.assertEqual(r.status, 201, r.text)
        body = r.json()
        self.assertEqual(body["url"], self.server.api + "/qc/testlistinstances/1/")
        self.assertEqual(r.headers["Location"], body["url"])
        self.assertEqual(body["site_url"], self.server.root + "/qc/session/details/1/")
        self.assertEqual(self.api("GET", body["site_url"], token=None).status, 200)
        self.assertTrue(body["all_reviewed"])
        self.assertEqual(body["tests"]["isocentergroup_isocentersize_mm_6x"]["pass_fail"], ["ok", "OK"])
        self.assertEqual(body["tests"]["mpc_output_change_mean"]["value"], -0.17)
        self.assertEqual(body["work_started"], "2020-06-25T07:11:30+02:00")

    def test_stored_carries_text_and_instant(self):
        self.post_tli(self.payload())
        s = self.stored()
        self.assertEqual(s["count"], 1)
        inst = s["results"][0]
        self.assertEqual(inst["user_key"], "QCPump/MPC/1234/2020-06-25-07-11/Beam and Geometry Checks")
        self.assertEqual(inst["work_started"]["text"], "2020-06-25 07:11:30")
        self.assertEqual(inst["work_started"]["utc"], "2020-06-25T05:11:30Z")
        self.assertEqual(inst["work_started"]["epoch_us"], 1593061890000000)
        self.assertEqual(inst["work_completed"]["utc"], "2020-06-25T05:12:30Z")
        self.assertEqual(inst["unit_number"], 1)
        self.assertEqual(inst["test_list"], BEAM)
        self.assertEqual(inst["tests"]["beamgroup_beamoutputchange_per_6x"]["value"], -0.17)
        self.assertEqual(inst["tests"]["beamgroup_beamoutputchange_per_6x"]["sent"], {"value": -0.17})
        self.assertEqual(len(inst["tests"]), 8)

    def test_work_completed_defaults_to_now(self):
        body = self.payload()
        del body["work_completed"]
        before = time.time()
        self.assertEqual(self.post_tli(body).status, 201)
        wc = self.stored()["results"][0]["work_completed"]
        self.assertIsNone(wc["text"])
        self.assertLessEqual(abs(wc["epoch_us"] / 1e6 - before), 5)

    def test_every_accepted_date_format(self):
        cases = [("2021-01-05 07:11", "2021-01-05T06:11:00Z"),
                 ("2021-01-05 07:11:30", "2021-01-05T06:11:30Z"),
                 ("2021-01-05 07:11:30.250", "2021-01-05T06:11:30.250000Z"),
                 ("05 Jan 2021 07:11", "2021-01-05T06:11:00Z"),
                 ("05 Jan 2021 07:11:30", "2021-01-05T06:11:30Z"),
                 # the Z is a literal: still Berlin wall-clock time
                 ("2021-01-05T07:11:30.000Z", "2021-01-05T06:11:30Z")]
        for i, (text, utc) in enumerate(cases):
            with self.subTest(text=text):
                r = self.post_tli(self.payload(work_started=text, work_completed="2021-01-05 08:00",
                                               user_key="k%d" % i))
                self.assertEqual(r.status, 201, r.text)
                self.assertEqual(self.stored()["results"][-1]["work_started"]["utc"], utc)

    def test_zone_follows_config(self):
        self.configure(zone="UTC")
        self.post_tli(self.payload())
        self.assertEqual(self.stored()["results"][0]["work_started"]["utc"], "2020-06-25T07:11:30Z")

    def test_skipped_counts_as_present(self):
        body = self.payload()
        body["tests"]["beamgroup_beamoutputchange_per_6fff"] = {"skipped": True}
        r = self.post_tli(body)
        self.assertEqual(r.status, 201, r.text)
        t = r.json()["tests"]["beamgroup_beamoutputchange_per_6fff"]
        self.assertEqual(t["pass_fail"], ["not_done", "Not Done"])
        self.assertTrue(self.stored()["results"][0]["tests"]["beamgroup_beamoutputchange_per_6fff"]["skipped"])

    def test_unknown_macros_are_ignored(self):
        body = self.payload()
        body["tests"]["no_such_macro"] = {"value": "x"}
        r = self.post_tli(body)
        self.assertEqual(r.status, 201, r.text)
        self.assertNotIn("no_such_macro", r.json()["tests"])
        self.assertEqual(self.stored()["results"][0]["ignored_tests"], ["no_such_macro"])

    def test_pass_fail_from_tolerances(self):
        body = self.payload()
        body["tests"]["beamgroup_beamoutputchange_per_6x"] = {"value": 1.5}      # tol +-1, act +-2
        body["tests"]["beamgroup_beamuniformitychange_per_6x"] = {"value": -2.5}
        body["tests"]["beamgroup_beamoutputchange_per_6fff"] = {"value": 2.0}    # at the action limit: tolerance
        r = self.post_tli(body)
        tests = r.json()["tests"]
        self.assertEqual(tests["beamgroup_beamoutputchange_per_6x"]["pass_fail"][0], "tolerance")
        self.assertEqual(tests["beamgroup_beamuniformitychange_per_6x"]["pass_fail"][0], "action")
        self.assertEqual(tests["beamgroup_beamoutputchange_per_6fff"]["pass_fail"][0], "tolerance")
        self.assertFalse(r.json()["all_reviewed"])

    def test_no_tolerance_is_no_tol(self):
        body = self.payload(unit_test_collection="/api/qa/unittestcollections/3/",
                            tests={s: {"value": 0.1} for s in ("couchgroup_couchlat_mm_6x", "couchgroup_couchlng_mm_6x",
                                                                "couchgroup_couchvrt_mm_6x",
                                                                "couchgroup_couchrtn_deg_6x")})
        r = self.post_tli(body)
        self.assertEqual(r.status, 201, r.text)
        self.assertEqual(r.json()["tests"]["couchgroup_couchlat_mm_6x"]["pass_fail"], ["no_tol", "No Tol Set"])
        self.assertTrue(r.json()["all_reviewed"])

    def test_list_comment_cancels_review(self):
        r = self.post_tli(self.payload(comment="Fileset:\n\ta/Results.csv"))
        self.assertEqual(r.status, 201)
        self.assertFalse(r.json()["all_reviewed"])
        self.assertEqual(r.json()["comment"], "Fileset:\n\ta/Results.csv")
        self.assertEqual(self.stored()["results"][0]["comment"], "Fileset:\n\ta/Results.csv")

    def test_test_comment_cancels_review(self):
        body = self.payload()
        body["tests"]["isocentergroup_isocentersize_mm_6x"]["comment"] = "Threshold: 0.500,Result: Pass"
        r = self.post_tli(body)
        self.assertFalse(r.json()["all_reviewed"])
        self.assertEqual(self.stored()["results"][0]["tests"]["isocentergroup_isocentersize_mm_6x"]["comment"],
                         "Threshold: 0.500,Result: Pass")

    def test_utc_url_forms(self):
        forms = [self.server.api + "/qa/unittestcollections/2/", self.server.api + "/qc/unittestcollections/2/",
                 "/api/qa/unittestcollections/2/", "/api/qc/unittestcollections/2/",
                 "https://qatrack.example.org/api/qc/unittestcollections/2/"]
        for i, url in enumerate(forms):
            with self.subTest(url=url):
                r = self.post_tli(self.payload(unit_test_collection=url, user_key="form%d" % i))
                self.assertEqual(r.status, 201, r.text)
                self.assertEqual(self.stored()["results"][-1]["unit_number"], 2)

    def test_inactive_assignment_still_accepts_uploads(self):
        tests = {s: {"value": 0.1} for s in ("couchgroup_couchlat_mm_6x", "couchgroup_couchlng_mm_6x",
                                             "couchgroup_couchvrt_mm_6x", "couchgroup_couchrtn_deg_6x")}
        r = self.post_tli(self.payload(unit_test_collection="/api/qa/unittestcollections/4/", tests=tests))
        self.assertEqual(r.status, 201, r.text)

    def test_dedup_precheck(self):
        key = self.payload()["user_key"]
        q = "/qa/testlistinstances/?" + urllib.parse.urlencode({"user_key": key})
        self.assertEqual(self.get(q).json()["count"], 0)
        self.post_tli(self.payload())
        body = self.get(q).json()
        self.assertEqual(body["count"], 1)
        self.assertEqual(body["results"][0]["user_key"], key)
        self.assertEqual(self.get("/qa/testlistinstances/?user_key=other").json()["count"], 0)

    def test_empty_user_key_filter_returns_everything(self):
        self.post_tli(self.payload())
        self.post_tli(self.payload(user_key="second"))
        self.assertEqual(self.get("/qa/testlistinstances/?user_key=").json()["count"], 2)

    def test_utc_last_instance_is_updated(self):
        url = self.post_tli(self.payload()).json()["url"]
        self.assertEqual(self.get("/qa/unittestcollections/1/").json()["last_instance"], url)

    def test_upload_test(self):
        body = {"unit_test_collection": "/api/qa/unittestcollections/8/", "work_started": "2020-06-25 07:00",
                "tests": {"output_6x": {"value": 101.0}, "door_interlock": {"value": True},
                          "signature": {"value": "jdoe"},
                          "profile_report": {"filename": "p.csv", "value": "a,b\n1,2\n", "encoding": "text"}}}
        r = self.post_tli(body)
        self.assertEqual(r.status, 201, r.text)
        t = self.stored()["results"][0]["tests"]
        self.assertEqual(t["profile_report"]["filename"], "p.csv")
        self.assertEqual(t["profile_report"]["size"], 8)
        self.assertEqual(t["signature"]["string_value"], "jdoe")
        self.assertEqual(t["cal_factor"]["value"], 1.0)
        self.assertEqual(t["output_6x"]["pass_fail"], "ok")
        self.assertEqual(t["door_interlock"]["pass_fail"], "ok")

    def test_attachments_are_stored(self):
        r = self.post_tli(self.payload(attachments=[{"filename": "a.png", "value": "aGVsbG8=",
                                                     "encoding": "base64"}]))
        self.assertEqual(r.status, 201, r.text)
        self.assertEqual(self.stored()["results"][0]["attachments"],
                         [{"filename": "a.png", "encoding": "base64", "size": 5}])

    def test_form_encoded_body_is_parsed_like_drf(self):
        r = self.api("POST", "/qa/testlistinstances/",
                     b"unit_test_collection=/api/qa/unittestcollections/1/&work_started=2020-06-25+07:00&tests=x",
                     headers={"Content-Type": "application/x-www-form-urlencoded"})
        self.assertEqual(r.status, 400)
        self.assertEqual(r.json(), {"tests": ['Expected a dictionary of items but got type "str".']})


class UploadFieldErrorsTest(ServerTest):
    def test_iso_with_offset_and_bare_t_are_rejected(self):
        for text in ("2020-06-25T07:11:30+02:00", "2020-06-25T07:11:30", "2020-06-25T07:11:30Z",
                     "2020-06-25", "25/06/2020 07:11"):
            with self.subTest(text=text):
                r = self.post_tli(self.payload(work_started=text))
                self.assertEqual(r.status, 400)
                self.assertEqual(r.json(), {"work_started": [WRONG_FORMAT]})

    def test_both_dates_reported(self):
        r = self.post_tli(self.payload(work_started="x", work_completed="y"))
        self.assertEqual(r.json(), {"work_completed": [WRONG_FORMAT], "work_started": [WRONG_FORMAT]})

    def test_dst_gap_and_fold_are_rejected(self):
        for text in ("2021-03-28 02:30", "2021-10-31 02:30"):
            with self.subTest(text=text):
                r = self.post_tli(self.payload(work_started=text, work_completed="2021-11-01 00:00"))
                self.assertEqual(r.json(), {"work_started": ['Invalid datetime for the timezone "Europe/Berlin".']})
        self.configure(strict_dst=False)
        self.assertEqual(self.post_tli(self.payload(work_started="2021-03-28 02:30",
                                                    work_completed="2021-11-01 00:00")).status, 201)

    def test_required_fields(self):
        r = self.post_tli({})
        self.assertEqual(r.json(), {"tests": ["This field is required."],
                                    "unit_test_collection": ["This field is required."],
                                    "work_started": ["This field is required."]})

    def test_unit_test_collection_does_not_exist(self):
        r = self.post_tli(self.payload(unit_test_collection="/api/qa/unittestcollections/99/"))
        self.assertEqual(r.json(), {"unit_test_collection": ["Invalid hyperlink - Object does not exist."]})

    def test_unit_test_collection_wrong_kind_or_garbage(self):
        r = self.post_tli(self.payload(unit_test_collection="/api/units/units/1/"))
        self.assertEqual(r.json(), {"unit_test_collection": ["Invalid hyperlink - Incorrect URL match."]})
        r = self.post_tli(self.payload(unit_test_collection="/api/qa/unittestcollections/1"))
        self.assertEqual(r.json(), {"unit_test_collection": ["Invalid hyperlink - No URL match."]})
        r = self.post_tli(self.payload(unit_test_collection=1))
        self.assertEqual(r.json(), {"unit_test_collection": ["Incorrect type. Expected URL string, received int."]})

    def test_duplicate_user_key(self):
        self.assertEqual(self.post_tli(self.payload()).status, 201)
        r = self.post_tli(self.payload())
        self.assertEqual(r.status, 400)
        self.assertEqual(r.json(), {"user_key": ["test list instance with this user key already exists."]})
        self.assertEqual(self.stored()["count"], 1)

    def test_field_errors_hide_cross_field_errors(self):
        self.post_tli(self.payload())
        r = self.post_tli(self.payload(tests={}))  # would also be "Missing data"
        self.assertEqual(r.json(), {"user_key": ["test list instance with this user key already exists."]})

    def test_user_key_is_trimmed(self):
        self.assertEqual(self.post_tli(self.payload(user_key="  k  ")).status, 201)
        self.assertEqual(self.stored()["results"][0]["user_key"], "k")
        self.assertEqual(self.stored()["results"][0]["user_key_sent"], "  k  ")
        self.assertEqual(self.post_tli(self.payload(user_key="k")).status, 400)

    def test_blank_user_key_trap(self):
        r = self.post_tli(self.payload(user_key=""))
        self.assertEqual(r.status, 201)
        r = self.post_tli(self.payload(user_key="   "))
        self.assertEqual(r.status, 500)
        self.assertTrue(r.headers["Content-Type"].startswith("text/html"))
        self.assertIn("Server Error (500)", r.text)
        self.assertEqual(self.stored()["count"], 1)

    def test_missing_user_key_many_times_is_fine(self):
        for _ in range(2):
            body = self.payload()
            del body["user_key"]
            self.assertEqual(self.post_tli(body).status, 201)

    def test_user_key_too_long(self):
        r = self.post_tli(self.payload(user_key="x" * 256))
        self.assertEqual(r.json(), {"user_key": ["Ensure this field has no more than 255 characters."]})
        self.assertEqual(self.post_tli(self.payload(user_key="x" * 255)).status, 201)


    def test_tests_must_be_dicts(self):
        r = self.post_tli(self.payload(tests=[1]))
        self.assertEqual(r.json(), {"tests": ['Expected a dictionary of items but got type "list".']})
        r = self.post_tli(self.payload(tests={"a": 1, "b": {"value": 1}, "c": "x"}))
        self.assertEqual(r.json(), {"tests": ['"a", "c" field(s) have errors. Test data must be a dictionary ']})

    def test_bad_booleans_and_day(self):
        r = self.post_tli(self.payload(in_progress="maybe", day="one"))
        self.assertEqual(r.json(), {"day": ["A valid integer is required."],
                                    "in_progress": ["Must be a valid boolean."]})

    def test_bad_attachment(self):
        r = self.post_tli(self.payload(attachments=[{"filename": "a.txt", "value": "not base64!"}]))
        self.assertEqual(r.json(), {"attachments": [
            "base64 encoding requested but content does not appear to be base64"]})

    def test_malformed_json(self):
        r = self.post_tli(b'{"unit_test_collection": ', headers={"Content-Type": "application/json"})
        self.assertEqual(r.status, 400)
        self.assertTrue(r.json()["detail"].startswith("JSON parse error - "), r.text)
        r = self.post_tli(b'{"tests": NaN}', headers={"Content-Type": "application/json"})
        self.assertEqual(r.status, 400)
        self.assertIn("Out of range float values are not JSON compliant", r.json()["detail"])

    def test_json_array_body_crashes(self):
        r = self.post_tli([self.payload()])
        self.assertEqual(r.status, 500)
        self.assertIn("<h1>Server Error (500)</h1>", r.text)

    def test_unsupported_media_type(self):
        r = self.post_tli(b"hello", headers={"Content-Type": "text/plain"})
        self.assertEqual(r.status, 415)
        self.assertEqual(r.json(), {"detail": 'Unsupported media type "text/plain" in request.'})


class UploadCrossFieldTest(ServerTest):
    def test_missing_tests_including_sublists(self):
        body = self.payload()
        del body["tests"]["gantrygroup_gantryabsolute_deg_6x"]
        del body["tests"]["beamgroup_beamuniformitychange_per_6fff"]
        msg = self.non_field(self.post_tli(body))
        self.assertEqual(msg, "Missing data for tests: gantrygroup_gantryabsolute_deg_6x, "
                              "beamgroup_beamuniformitychange_per_6fff")

    def test_autoskip_repost_succeeds(self):
        body = self.payload()
        del body["tests"]["beamgroup_beamoutputchange_per_6fff"]
        msg = self.non_field(self.post_tli(body))
        missing = [m.split(":", 1)[1] for m in msg.split("\n") if m.startswith("Missing data for tests:")][0]
        for slug in (s.strip() for s in missing.split(",")):
            body["tests"][slug] = {"skipped": True}
        self.assertEqual(self.post_tli(body).status, 201)

    def test_wrong_value_type_with_hint(self):
        body = self.payload()
        body["tests"]["beamgroup_beamoutputchange_per_6x"] = {"value": "1.0"}
        body["tests"]["beamgroup_beamuniformitychange_per_6x"] = {"value": None}
        msg = self.non_field(self.post_tli(body))
        lines = msg.split("\n")
        # the composite depends on the 6x output change, which is no number now
        self.assertEqual(lines[0], "Wrong value type (number/string) for tests: beamgroup_beamoutputchange_per_6x, "
                                   "beamgroup_beamuniformitychange_per_6x, mpc_output_change_mean")
        self.assertEqual(lines[1], "If these are composite tests with missing dependencies, they should be marked "
                                   "as skipped in your request (e.g. {'tests': "
                                   "{'beamgroup_beamoutputchange_per_6x': {'skipped': True}}})")
        self.assertEqual(len(lines), 2)

    def test_findings_are_joined_into_one_string(self):
        body = self.payload(work_completed="2020-06-25 07:00")
        del body["tests"]["gantrygroup_gantryabsolute_deg_6x"]
        body["tests"]["beamgroup_beamuniformitychange_per_6fff"] = {"value": "x"}
        msg = self.non_field(self.post_tli(body))
        lines = msg.split("\n")
        self.assertEqual(lines[0], "Missing data for tests: gantrygroup_gantryabsolute_deg_6x")
        self.assertEqual(lines[1], "Wrong value type (number/string) for tests: "
                                   "beamgroup_beamuniformitychange_per_6fff")
        self.assertTrue(lines[2].startswith("If these are composite tests"))
        self.assertEqual(lines[3], "work_completed date must be after work_started")

    def test_work_completed_before_started(self):
        msg = self.non_field(self.post_tli(self.payload(work_completed="2020-06-25 07:11")))
        self.assertEqual(msg, "work_completed date must be after work_started")
        self.assertEqual(self.post_tli(self.payload(work_completed="2020-06-25 07:11:30")).status, 201)

    def test_composite_value_must_not_be_sent(self):
        body = self.payload()
        body["tests"]["mpc_output_change_mean"] = {"value": 5.0}
        msg = self.non_field(self.post_tli(body))
        self.assertEqual(msg, "The following tests are calculated automatically and should not have values "
                              "provided: mpc_output_change_mean")

    def test_composite_with_missing_dependency(self):
        body = self.payload()
        body["tests"]["beamgroup_beamoutputchange_per_6x"] = {"skipped": True}
        msg = self.non_field(self.post_tli(body))
        self.assertTrue(msg.startswith("Wrong value type (number/string) for tests: mpc_output_change_mean\n"
                                       "If these are composite tests"), msg)
        body["tests"]["mpc_output_change_mean"] = {"skipped": True}
        self.assertEqual(self.post_tli(body).status, 201)

    def test_constant_value(self):
        base = {"unit_test_collection": "/api/qa/unittestcollections/8/", "work_started": "2020-06-25 07:00",
                "tests": {"output_6x": {"value": 100.0}, "door_interlock": {"value": 1},
                          "signature": {"value": "x"}, "cal_factor": {"value": 2.0},
                          "profile_report": {"filename": "r.txt", "value": "aGk=", "encoding": "base64"}}}
        self.assertEqual(self.non_field(self.post_tli(base)), "Incorrect constant value passed for cal_factor")

    def test_upload_test_needs_filename(self):
        base = {"unit_test_collection": "/api/qa/unittestcollections/8/", "work_started": "2020-06-25 07:00",
                "tests": {"output_6x": {"value": 100.0}, "door_interlock": {"value": 1},
                          "signature": {"value": "x"}, "profile_report": {"skipped": True}}}
        self.assertEqual(self.non_field(self.post_tli(base)), "profile_report is missing the filename field")
        base["tests"]["profile_report"] = {"filename": "r.bin", "value": "@@@"}
        self.assertEqual(self.non_field(self.post_tli(base)),
                         "base64 encoding requested but content does not appear to be base64")

    def test_day_must_be_zero_for_a_test_list(self):
        msg = self.non_field(self.post_tli(self.payload(day=1)))
        self.assertEqual(msg, "'1' is not a valid day for this Test Collection.  Day must be between 0 & 0")


class ThrottleTest(ServerTest):
    def test_user_rate(self):
        self.configure(user_rate="3/min")
        for _ in range(3):
            self.assertEqual(self.get("/units/units/").status, 200)
        r = self.get("/units/units/")
        self.assertEqual(r.status, 429)
        m = THROTTLED_RE.match(r.json()["detail"])
        self.assertIsNotNone(m, r.text)
        self.assertTrue(1 <= int(m.group(1)) <= 60)
        self.assertEqual(r.headers["Retry-After"], m.group(1))
        self.assertEqual(self.control("GET", "health").status, 200)  # control is never throttled

    def test_test_list_instance_rate(self):
        self.configure(tli_rate="2/min")
        self.assertEqual(self.post_tli(self.payload()).status, 201)
        self.assertEqual(self.post_tli(self.payload()).status, 400)
        r = self.post_tli(self.payload(user_key="third"))
        self.assertEqual(r.status, 429)
        self.assertIsNotNone(THROTTLED_RE.match(r.json()["detail"]))
        self.assertEqual(self.get("/qa/testlistinstances/").status, 200)  # GETs are not in this scope
        self.assertEqual(self.stored()["count"], 1)

    def test_unauthenticated_requests_do_not_count(self):
        self.configure(user_rate="1/min")
        for _ in range(3):
            self.assertEqual(self.get("/units/units/", token=None).status, 401)
        self.assertEqual(self.get("/units/units/").status, 200)
        self.assertEqual(self.get("/units/units/").status, 429)

    def test_reset_clears_counters(self):
        self.configure(user_rate="1/min")
        self.get("/units/units/")
        self.assertEqual(self.get("/units/units/").status, 429)
        self.control("POST", "reset")
        self.configure(user_rate="1/min")
        self.assertEqual(self.get("/units/units/").status, 200)

    def test_defaults(self):
        cfg = self.control("GET", "config").json()
        self.assertEqual((cfg["user_rate"], cfg["tli_rate"]), ("1000/min", "500/min"))

    def test_bad_rate_is_refused(self):
        self.assertEqual(self.control("POST", "config", {"user_rate": "lots"}).status, 400)


class FaultTest(ServerTest):
    def test_status_once_then_normal(self):
        self.fault(method="POST", path_prefix="/api/qa/testlistinstances/", action="status", code=503)
        r = self.post_tli(self.payload())
        self.assertEqual(r.status, 503)
        self.assertTrue(r.headers["Content-Type"].startswith("text/html"))
        self.assertEqual(self.stored()["count"], 0)
        self.assertEqual(self.post_tli(self.payload()).status, 201)

    def test_times_and_skip(self):
        self.fault(action="status", code=502, times=2, skip=1, path_prefix="/api/units/")
        codes = [self.get("/units/units/").status for _ in range(4)]
        self.assertEqual(codes, [200, 502, 502, 200])

    def test_forever(self):
        self.fault(action="status", code=500, times=-1, path_prefix="/api/auth/")
        self.assertEqual([self.get("/auth/").status for _ in range(3)], [500, 500, 500])
        self.assertEqual(self.control("DELETE", "faults").status, 200)
        self.assertEqual(self.get("/auth/").status, 200)

    def test_method_and_prefix_must_match(self):
        self.fault(method="GET", path_prefix="/api/qa/testlistinstances/", action="status", code=503)
        self.assertEqual(self.post_tli(self.payload()).status, 201)
        self.assertEqual(self.get("/units/units/").status, 200)
        self.assertEqual(self.get("/qa/testlistinstances/").status, 503)

    def test_redirect307(self):
        self.fault(action="redirect307", path_prefix="/api/auth/")
        r = self.get("/auth/?x=1")
        self.assertEqual(r.status, 307)
        self.assertEqual(r.headers["Location"], self.server.api + "/auth/?x=1")
        self.assertEqual(self.get("/auth/").status, 200)

    def test_throttle(self):
        self.fault(action="throttle", seconds=7)
        r = self.get("/auth/")
        self.assertEqual(r.status, 429)
        self.assertEqual(r.json(), {"detail": "Request was throttled. Expected available in 7 seconds."})
        self.assertEqual(r.headers["Retry-After"], "7")
        self.fault(action="throttle", seconds=1)
        self.assertEqual(self.get("/auth/").json(),
                         {"detail": "Request was throttled. Expected available in 1 second."})

    def test_reset_sends_rst(self):
        self.fault(method="POST", action="reset")
        with self.assertRaises((ConnectionResetError, urllib.error.URLError)) as cm:
            self.post_tli(self.payload())
        err = cm.exception
        if isinstance(err, urllib.error.URLError):
            err = err.reason
        # A real RST (ECONNRESET), not http.client.RemoteDisconnected (an orderly close).
        self.assertEqual(getattr(err, "errno", None), errno.ECONNRESET, repr(err))
        self.assertEqual(self.stored()["count"], 0)
        self.assertEqual(self.requests_log()["results"][-1]["outcome"], "reset")

    def test_slow(self):
        self.fault(action="slow", seconds=0.6, path_prefix="/api/auth/")
        t0 = time.monotonic()
        r = self.get("/auth/")
        self.assertEqual(r.status, 200)
        self.assertGreaterEqual(time.monotonic() - t0, 0.55)

    def test_timeout_after_store(self):
        self.fault(method="POST", action="timeout_after_store", seconds=3)
        t0 = time.monotonic()
        with self.assertRaises((TimeoutError, socket.timeout, urllib.error.URLError, http.client.HTTPException)):
            self.post_tli(self.payload(), timeout=0.5)
        self.assertLess(time.monotonic() - t0, 2.5)  # the client gave up; the server still holds
        self.assertEqual(self.stored()["count"], 1)  # stored although no answer came
        key = urllib.parse.quote(self.payload()["user_key"])
        self.assertEqual(self.get("/qa/testlistinstances/?user_key=" + key).json()["count"], 1)
        last = [e for e in self.requests_log()["results"] if e["method"] == "POST"][-1]
        self.assertEqual(last["outcome"], "timeout_after_store")
        self.assertEqual(last["would_have_returned"], 201)

    def test_timeout_after_store_closes_without_answer(self):
        self.fault(method="POST", action="timeout_after_store", seconds=0.3)
        with self.assertRaises((http.client.RemoteDisconnected, ConnectionError, urllib.error.URLError)):
            self.post_tli(self.payload(), timeout=5)
        self.assertEqual(self.stored()["count"], 1)

    def test_hang_stores_nothing(self):
        self.fault(method="POST", action="hang", seconds=3)
        t0 = time.monotonic()
        with self.assertRaises((TimeoutError, socket.timeout, urllib.error.URLError, http.client.HTTPException)):
            self.post_tli(self.payload(), timeout=0.5)
        self.assertLess(time.monotonic() - t0, 2.5)
        self.assertEqual(self.stored()["count"], 0)
        self.assertEqual(self.get("/auth/").status, 200)  # other connections are served meanwhile

    def test_bad_rules_are_refused(self):
        for rule in ({"action": "explode"}, {"action": "status", "code": "x"}, {"action": "status", "times": 0},
                     {"action": "status", "colour": "red"}):
            with self.subTest(rule=rule):
                self.assertEqual(self.control("POST", "faults", rule).status, 400)
        self.assertEqual(self.control("GET", "faults").json(), {"faults": []})

    def test_list_of_rules_and_listing(self):
        r = self.control("POST", "faults", [{"action": "status", "code": 503}, {"action": "reset", "times": 2}])
        self.assertEqual(r.status, 200)
        self.assertEqual([f["action"] for f in self.control("GET", "faults").json()["faults"]],
                         ["status", "reset"])

    def test_status_3xx_is_a_login_redirect(self):
        self.fault(action="status", code=302, path_prefix="/api/auth/")
        r = self.get("/auth/")
        self.assertEqual(r.status, 302)
        self.assertEqual(r.headers["Location"], "/accounts/login/?next=/api/auth/")

    def test_custom_body(self):
        self.fault(action="status", code=502, body="<p>gateway</p>")
        r = self.get("/auth/")
        self.assertEqual((r.status, r.text), (502, "<p>gateway</p>"))

    def test_control_is_never_faulted(self):
        self.fault(action="status", code=503, times=-1)
        self.assertEqual(self.control("GET", "stored").status, 200)


class ControlTest(ServerTest):
    def test_seed_replaces_data_set(self):
        seed = {"units": [{"number": 7, "name": "Linac 7", "serial_number": "777"}],
                "test_lists": [{"name": "Only", "tests": [{"slug": "a"}, {"slug": "b", "type": "string"}]}],
                "utcs": [{"unit": 7, "test_list": "Only"}]}
        r = self.control("POST", "seed", seed)
        self.assertEqual(r.json(), {"units": 1, "tests": 2, "test_lists": 1, "utcs": 1})
        self.assertEqual(self.get("/units/units/").json()["count"], 1)
        r = self.post_tli({"unit_test_collection": "/api/qc/unittestcollections/1/",
                           "work_started": "2020-01-01 00:00", "tests": {"a": {"value": 1}, "b": {"value": "x"}}})
        self.assertEqual(r.status, 201, r.text)

    def test_seed_errors_are_explained(self):
        r = self.control("POST", "seed", {"units": [{"number": 1}, {"number": 1}]})
        self.assertEqual(r.status, 400)
        self.assertIn("unit number 1 is used twice", r.json()["error"])
        r = self.control("POST", "seed", {"utcs": [{"unit": 1, "test_list": "x"}]})
        self.assertEqual(r.status, 400)
        self.assertEqual(self.get("/units/units/").json()["count"], 5)  # old data set kept

    def test_requests_log_never_holds_the_token(self):
        self.get("/units/units/")
        self.get("/units/units/", token=None)
        self.get("/units/units/", token=None, headers={"Authorization": TOKEN})
        self.post_tli(self.payload())
        r = self.control("GET", "requests")
        self.assertNotIn(TOKEN, r.text)
        entries = r.json()["results"]
        u = "/api/units/units/"
        self.assertEqual([(e["method"], e["path"], e["status"], e["auth_header_present"]) for e in entries],
                         [("GET", u, 200, True), ("GET", u, 401, False),
                          ("GET", u, 401, True), ("POST", "/api/qa/testlistinstances/", 201, True)])
        self.assertEqual([e["auth_scheme"] for e in entries], ["Token", None, "other", "Token"])
        self.assertNotIn(TOKEN, self.control("GET", "stored").text)

    def test_reset_clears_everything(self):
        self.fault(action="status", code=503, path_prefix="/api/units/")
        self.configure(page_size=1)
        self.post_tli(self.payload())
        self.assertEqual(self.control("POST", "reset").status, 200)
        self.assertEqual(self.stored()["count"], 0)
        self.assertEqual(self.requests_log()["count"], 0)
        self.assertEqual(self.control("GET", "faults").json(), {"faults": []})
        self.assertIsNone(self.control("GET", "config").json()["page_size"])
        self.assertEqual(self.get("/units/units/").status, 200)

    def test_seed_can_be_read_back(self):
        body = self.control("GET", "seed").json()
        self.assertEqual(body["units"], 5)
        self.assertEqual(body["seed"]["units"][0]["serial_number"], "1234")

    def test_test_instances_route(self):
        self.post_tli(self.payload())
        body = self.get("/qa/testinstances/").json()
        self.assertEqual(body["count"], 8)
        first = self.get(body["results"][0]["url"]).json()
        self.assertEqual(first["pass_fail"], "ok")  # a plain code here, a pair in the create answer

    def test_unknown_control_route(self):
        self.assertEqual(self.control("GET", "nothing").status, 404)

    def test_concurrent_posts_store_each_key_once(self):
        import threading
        results = []

        def worker():
            results.append(self.post_tli(self.payload()).status)

        threads = [threading.Thread(target=worker) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(20)
        self.assertEqual(sorted(results), [201] + [400] * 7)
        self.assertEqual(self.stored()["count"], 1)


if __name__ == "__main__":
    unittest.main()
