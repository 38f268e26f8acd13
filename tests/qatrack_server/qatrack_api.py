"""The QATrack+ REST API of the test double: routing, auth, throttling, views, JSON shapes.

App.handle(Request) is transport-free: it returns a Response, or a Drop telling the HTTP
layer to break the connection (reset / hang). qatrack_server.py owns the sockets.
"""

import datetime
import hmac
import json
import re
import threading
import time
import zoneinfo
from http import HTTPStatus
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import qatrack_data as data
import qatrack_validation as validation
from qatrack_repr import Representations
from qatrack_faults import FaultList, RuleError, Throttle, parse_rate, throttle_detail

HTML_404 = ('<!doctype html>\n<html lang="en">\n<head>\n  <title>Not Found</title>\n</head>\n<body>\n'
            '  <h1>Not Found</h1><p>The requested resource was not found on this server.</p>\n</body>\n</html>\n')
HTML_500 = ('<!doctype html>\n<html lang="en">\n<head>\n  <title>Server Error (500)</title>\n</head>\n<body>\n'
            '  <h1>Server Error (500)</h1><p></p>\n</body>\n</html>\n')
HTML_PROXY = ('<html>\r\n<head><title>%(code)d %(phrase)s</title></head>\r\n<body>\r\n'
              '<center><h1>%(code)d %(phrase)s</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n')

DETAIL_NOT_PROVIDED = "Authentication credentials were not provided."
DETAIL_INVALID_TOKEN = "Invalid token."
DETAIL_FORBIDDEN = "You do not have permission to perform this action."
DETAIL_NOT_FOUND = "Not found."

DEFAULT_PAGE_SIZE = {"unittestcollection": 10, "testlistinstance": 10}  # everything else: 100
PASS_FAIL_CODES = ("ok", "tolerance", "action", "no_tol", "not_done")
REQUEST_LOG_LIMIT = 10000


def default_config(zone_name):
    return {"user_rate": "1000/min", "tli_rate": "500/min", "tli_throttle_methods": ["POST"],
            "page_size": None, "permission_denied": False, "read_only_tokens": [], "strict_dst": True,
            "autoreview": ["ok", "no_tol", "not_done"], "zone": zone_name}


class Request:
    def __init__(self, method, target, headers, body, host_url):
        self.method = method.upper()
        parts = urlsplit(target)
        self.path = parts.path
        self.query = parts.query
        # QueryDict.get(): the last value of a repeated parameter wins.
        self.params = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        self.headers = headers      # case-insensitive mapping (email.message.Message)
        self.body = body
        self.host_url = host_url    # "http://127.0.0.1:PORT", from the Host header

    def absolute_uri(self):
        return self.host_url + self.path + ("?" + self.query if self.query else "")


class Response:
    def __init__(self, status, body=b"", content_type=None, headers=None):
        self.status = status
        self.body = body if isinstance(body, bytes) else body.encode("utf-8")
        self.headers = list(headers or [])
        if content_type:
            self.headers.append(("Content-Type", content_type))

    @staticmethod
    def json(status, obj, headers=None):
        text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
        return Response(status, text, "application/json", [("Vary", "Accept")] + list(headers or []))

    @staticmethod
    def html(status, text):
        return Response(status, text, "text/html; charset=utf-8")


class Drop:
    """Break the connection without an HTTP answer: kind "reset" (RST) or "hang" (hold, then FIN)."""

    def __init__(self, kind, seconds=0.0, would_have_returned=None):
        self.kind = kind
        self.seconds = seconds
        self.status = would_have_returned


def replace_query_param(url, key, val):
    scheme, netloc, path, query, fragment = urlsplit(url)
    qd = parse_qs(query, keep_blank_values=True)
    qd[key] = [str(val)]
    return urlunsplit((scheme, netloc, path, urlencode(sorted(qd.items()), doseq=True), fragment))


def remove_query_param(url, key):
    scheme, netloc, path, query, fragment = urlsplit(url)
    qd = parse_qs(query, keep_blank_values=True)
    qd.pop(key, None)
    return urlunsplit((scheme, netloc, path, urlencode(sorted(qd.items()), doseq=True), fragment))


def _positive_int(text, strict):
    n = int(text)
    if n < 0 or (strict and n == 0):
        raise ValueError(text)
    return n


def _strict_constant(o):
    raise ValueError("Out of range float values are not JSON compliant: " + repr(o))


class App(Representations):
    """All state of one server. Thread-safe; every mutation holds self.lock."""

    def __init__(self, token, zone_name, radmachine=False, base="/api", seed=None):
        self.token = token
        self.radmachine = radmachine
        self.base = "/" + base.strip("/") if base.strip("/") else ""
        self.root = self.base[:-len("/api")] if self.base.endswith("/api") else ""
        self.initial_zone = zone_name
        self.lock = threading.RLock()
        self.stop_event = threading.Event()
        self.faults = FaultList()
        self.routes = self._build_routes()
        self.dataset = data.DataSet.from_seed(seed if seed is not None else data.default_seed())
        self.reset()

    # ----- state -----------------------------------------------------------------

    def reset(self):
        """Clears stored instances, the request log, faults, throttle history and config."""
        with self.lock:
            self.instances = []
            self.test_instance_count = 0
            self.request_log = []
            self.request_seq = 0
            self.faults.clear()
            self.config = default_config(self.initial_zone)
            self._apply_config()
            for utc in self.dataset.utcs:
                utc.last_instance_id = None

    def seed(self, seed):
        """Replaces the data set (and drops stored instances, which referred to the old one)."""
        ds = data.DataSet.from_seed(seed)
        with self.lock:
            self.dataset = ds
            self.instances = []
            self.test_instance_count = 0

    def configure(self, changes):
        if not isinstance(changes, dict):
            raise RuleError("config must be a JSON object")
        unknown = set(changes) - set(default_config(""))
        if unknown:
            raise RuleError("unknown config keys: %s" % ", ".join(sorted(unknown)))
        with self.lock:
            new = dict(self.config)
            new.update(changes)
            for key in ("user_rate", "tli_rate"):
                parse_rate(new[key])
            ps = new["page_size"]
            if ps is not None and (not isinstance(ps, int) or isinstance(ps, bool) or ps < 1):
                raise RuleError("page_size must be a positive integer or null")
            if new["permission_denied"] not in (True, False, "write"):
                raise RuleError('permission_denied must be true, false or "write"')
            tokens = new["read_only_tokens"]
            if not isinstance(tokens, list) or not all(isinstance(t, str) and re.fullmatch(r"[0-9a-f]{40}", t)
                                                       for t in tokens):
                raise RuleError("read_only_tokens must be a list of 40-hex tokens")
            if not set(new["autoreview"]) <= set(PASS_FAIL_CODES):
                raise RuleError("autoreview must list pass_fail codes: %s" % ", ".join(PASS_FAIL_CODES))
            try:
                zoneinfo.ZoneInfo(new["zone"])
            except (zoneinfo.ZoneInfoNotFoundError, ValueError, TypeError):
                raise RuleError("unknown time zone %r" % (new["zone"],))
            rates_changed = (new["user_rate"], new["tli_rate"]) != (self.config["user_rate"], self.config["tli_rate"])
            self.config = new
            if rates_changed:
                self._apply_config()
            self.zone = zoneinfo.ZoneInfo(new["zone"])
            return dict(self.config)

    def _apply_config(self):
        self.zone = zoneinfo.ZoneInfo(self.config["zone"])
        self.user_throttle = Throttle(self.config["user_rate"])
        self.tli_throttle = Throttle(self.config["tli_rate"])

    # ----- routing ---------------------------------------------------------------

    def _build_routes(self):
        b = re.escape(self.base)
        qa = b + "/(?:qa|qc)"
        pk = "(?P<pk>[^/.]+)"
        table = [
            ("api-root", b + "/", ("GET",)),
            ("auth-root", b + "/auth/", ("GET",)),
            ("units-root", b + "/units/", ("GET",)),
            ("unit-list", b + "/units/units/", ("GET",)),
            ("unit-detail", b + "/units/units/" + pk + "/", ("GET",)),
            ("site-list", b + "/units/sites/", ("GET",)),
            ("site-detail", b + "/units/sites/" + pk + "/", ("GET",)),
            ("qa-root", qa + "/", ("GET",)),
        ]
        for name, seg, methods in (("unittestcollection", "unittestcollections", ("GET",)),
                                   ("testlist", "testlists", ("GET",)),
                                   ("test", "tests", ("GET",)),
                                   ("testlistinstance", "testlistinstances", ("GET", "POST")),
                                   ("testinstance", "testinstances", ("GET",))):
            table.append((name + "-list", qa + "/" + seg + "/", methods))
            table.append((name + "-detail", qa + "/" + seg + "/" + pk + "/", ("GET",)))
        table.append(("tli-page", re.escape(self.root) + r"/qc/session/details/(?P<pk>\d+)/", ("GET",)))
        return [(name, re.compile("^" + rx + "$"), methods) for name, rx, methods in table]

    def resolve(self, path):
        """(view name, pk or None, allowed methods) for a path, or None (Django resolve())."""
        for name, rx, methods in self.routes:
            m = rx.match(path)
            if m:
                return name, m.groupdict().get("pk"), methods
        return None

    def resolve_hyperlink(self, path):
        r = self.resolve(path)
        return None if r is None else (r[0], r[1])

    # ----- request handling --------------------------------------------------------

    def handle(self, req):
        """Answers one API request. Returns a Response or a Drop; logs it."""
        rule = self.faults.take(req.method, req.path)
        action = rule.action if rule else None
        if action == "slow":
            self.stop_event.wait(rule.seconds)
        if action in (None, "slow", "timeout_after_store"):
            result = self._serve(req)
            if action == "timeout_after_store":
                result = Drop("hang", rule.seconds, would_have_returned=result.status)
        else:
            result = self._fault_response(rule, req)
        self._log(req, result, action)
        return result

    def _log(self, req, result, fault):
        auth_name = "RadAuthorization" if self.radmachine else "Authorization"
        header = req.headers.get(auth_name)
        scheme = None
        if header is not None:
            first = header.split()[0] if header.split() else ""
            scheme = first if first.lower() in ("token", "bearer", "basic") else "other"
        with self.lock:
            self.request_seq += 1
            entry = {"seq": self.request_seq,
                     "time": datetime.datetime.now(datetime.timezone.utc).isoformat().replace("+00:00", "Z"),
                     "method": req.method, "path": req.path, "query": req.query,
                     "status": result.status if isinstance(result, Response) else None,
                     "outcome": "response" if isinstance(result, Response) else result.kind,
                     "fault": fault, "auth_header": auth_name, "auth_header_present": header is not None,
                     "auth_scheme": scheme, "content_type": req.headers.get("Content-Type"),
                     "body_bytes": len(req.body)}
            if isinstance(result, Drop) and fault == "timeout_after_store":
                entry["outcome"] = "timeout_after_store"
                entry["would_have_returned"] = result.status
            self.request_log.append(entry)
            del self.request_log[:-REQUEST_LOG_LIMIT]

    def _fault_response(self, rule, req):
        if rule.action == "reset":
            return Drop("reset")
        if rule.action == "hang":
            return Drop("hang", rule.seconds)
        if rule.action == "redirect307":
            return Response(307, b"", "text/html; charset=utf-8", [("Location", req.absolute_uri())])
        if rule.action == "throttle":
            wait, detail = throttle_detail(rule.seconds)
            return Response.json(429, {"detail": detail}, [("Retry-After", str(wait))])
        code = rule.code
        if rule.body is not None:
            return Response(code, rule.body, rule.content_type or "text/html; charset=utf-8")
        try:
            phrase = HTTPStatus(code).phrase
        except ValueError:
            phrase = "Error"
        if code >= 500:  # what a reverse proxy in front of QATrack+ sends
            return Response.html(code, HTML_PROXY % {"code": code, "phrase": phrase})
        if code in (301, 302, 303, 307, 308):  # a login redirect, as for an expired session
            return Response(code, b"", "text/html; charset=utf-8",
                            [("Location", "%s/accounts/login/?next=%s" % (self.root, req.path))])
        details = {401: DETAIL_INVALID_TOKEN, 403: DETAIL_FORBIDDEN, 404: DETAIL_NOT_FOUND,
                   429: "Request was throttled."}
        return Response.json(code, {"detail": details.get(code, phrase)})

    def _authenticate(self, req):
        """(token, None) when authenticated, else (None, the DRF 401 detail). Besides the
        server's token, config read_only_tokens are users without qa.add_testlistinstance."""
        header = req.headers.get("RadAuthorization" if self.radmachine else "Authorization")
        parts = (header or "").split()
        if not parts or parts[0].lower() != "token":
            return None, DETAIL_NOT_PROVIDED
        if len(parts) == 1:
            return None, "Invalid token header. No credentials provided."
        if len(parts) > 2:
            return None, "Invalid token header. Token string should not contain spaces."
        sent = parts[1].encode("utf-8", "replace")
        for token in [self.token] + list(self.config["read_only_tokens"]):
            if hmac.compare_digest(sent, token.encode("utf-8")):
                return token, None
        return None, DETAIL_INVALID_TOKEN

    def _serve(self, req):
        path = req.path
        match = self.resolve(path)
        if match is None:
            if not path.endswith("/") and self.resolve(path + "/") is not None:
                # Django CommonMiddleware APPEND_SLASH: a relative Location; a POST body is lost.
                location = path + "/" + ("?" + req.query if req.query else "")
                return Response(301, b"", "text/html; charset=utf-8", [("Location", location)])
            return Response.html(404, HTML_404)
        name, pk, methods = match
        if name == "tli-page":
            with self.lock:
                exists = any(i["id"] == int(pk) for i in self.instances)
            if not exists:
                return Response.html(404, HTML_404)
            return Response.html(200, "<!doctype html>\n<html><head><title>Test List Instance %s</title></head>"
                                      "<body><h1>Test List Instance %s</h1></body></html>\n" % (pk, pk))
        with self.lock:
            token, detail = self._authenticate(req)
        # The /auth/ root is AllowAny: without a Token header (none, Bearer, or the other
        # product's header) it answers 200, so it proves nothing about a token.
        public = name == "auth-root" and detail == DETAIL_NOT_PROVIDED
        if detail is not None and not public:
            return Response.json(401, {"detail": detail}, [("WWW-Authenticate", "Token")])
        with self.lock:
            denied = self.config["permission_denied"]
            unsafe = req.method not in ("GET", "HEAD", "OPTIONS")
            read_only = token in self.config["read_only_tokens"]
            if not public and (denied is True or (unsafe and (denied == "write" or read_only))):
                return Response.json(403, {"detail": DETAIL_FORBIDDEN})
            throttled = self._throttle(req, name, token or "anonymous")
        if throttled is not None:
            return throttled
        allow = ", ".join(list(methods) + ["HEAD", "OPTIONS"])
        if req.method == "OPTIONS":
            return Response.json(200, {"name": name, "description": "", "renders": ["application/json", "text/html"],
                                       "parses": ["application/json", "application/x-www-form-urlencoded",
                                                  "multipart/form-data"]}, [("Allow", allow)])
        method = "GET" if req.method == "HEAD" else req.method
        if method not in methods:
            return Response.json(405, {"detail": 'Method "%s" not allowed.' % req.method}, [("Allow", allow)])
        with self.lock:
            resp = self._view(req, name, pk)
        resp.headers.append(("Allow", allow))
        return resp

    def _throttle(self, req, view_name, token):
        waits = []
        now = time.monotonic()
        ok, wait = self.user_throttle.allow(token, now)
        if not ok:
            waits.append(wait)
        if view_name.startswith("testlistinstance-") and req.method in self.config["tli_throttle_methods"]:
            ok, wait = self.tli_throttle.allow(token, now)
            if not ok:
                waits.append(wait)
        if not waits:
            return None
        known = [w for w in waits if w is not None]
        if not known:
            return Response.json(429, {"detail": "Request was throttled."})
        wait, detail = throttle_detail(max(known))
        return Response.json(429, {"detail": detail}, [("Retry-After", str(wait))])

    def _view(self, req, name, pk):
        ds = self.dataset
        if name == "api-root":
            return Response.json(200, {k: "%s%s/%s/" % (req.host_url, self.base, k)
                                       for k in ("attachments", "auth", "comments", "contenttypes", "faults",
                                                 "parts", "qa", "servicelog", "units")})
        if name == "auth-root":
            return Response.json(200, {k: "%s%s/auth/%s/" % (req.host_url, self.base, k)
                                       for k in ("users", "groups")})
        if name == "units-root":
            return Response.json(200, {k: "%s%s/units/%s/" % (req.host_url, self.base, k)
                                       for k in ("units", "sites", "vendors", "unittypes", "modalities")})
        if name == "qa-root":
            prefix = req.path.rstrip("/")
            return Response.json(200, {k: "%s%s/%s/" % (req.host_url, prefix, k)
                                       for k in ("unittestcollections", "testlists", "tests",
                                                 "testlistinstances", "testinstances")})
        kind, _, which = name.partition("-")
        if kind == "testlistinstance" and req.method == "POST":
            return self._create_tli(req)
        if kind == "testinstance":
            items = [(i, ti) for i in self.instances for ti in i["tests"]]
            if which == "detail":
                for i, ti in items:
                    if str(ti["id"]) == pk:
                        return Response.json(200, self.rep_ti(req, i, ti))
                return Response.json(404, {"detail": DETAIL_NOT_FOUND})
            return self._paginate(req, [self.rep_ti(req, i, ti) for i, ti in items], kind)
        sources = {
            "unit": (ds.units, data.SPECS["unit"], self.rep_unit, ds.unit),
            "site": (ds.sites, data.SPECS["site"], self.rep_site, ds.site),
            "test": (ds.tests, data.SPECS["test"], self.rep_test, ds.test),
            "testlist": (ds.test_lists, data.SPECS["testlist"], self.rep_testlist, ds.test_list),
            "unittestcollection": (ds.utcs, data.SPECS["utc"], self.rep_utc, ds.utc),
            "testlistinstance": (self.instances, lambda: data.tli_filter_spec(ds.utc), self.rep_tli, self._instance),
        }
        items, spec, rep, get = sources[kind]
        if which == "detail":
            obj = get(pk)
            if obj is None:
                return Response.json(404, {"detail": DETAIL_NOT_FOUND})
            return Response.json(200, rep(req, obj))
        try:
            chosen = data.apply_filters(items, spec(), req.params)
        except data.FilterError as e:
            return Response.json(400, e.errors)
        return self._paginate(req, [rep(req, o) for o in chosen], kind)

    def _instance(self, pk):
        for i in self.instances:
            if str(i["id"]) == str(pk):
                return i
        return None

    def _paginate(self, req, results, kind):
        """DRF LimitOffsetPagination."""
        default = self.config["page_size"] or DEFAULT_PAGE_SIZE.get(kind, 100)
        try:
            limit = _positive_int(req.params["limit"], strict=True)
        except (KeyError, ValueError):
            limit = default
        try:
            offset = _positive_int(req.params["offset"], strict=False)
        except (KeyError, ValueError):
            offset = 0
        count = len(results)
        url = req.absolute_uri()
        nxt = prev = None
        if offset + limit < count:
            nxt = replace_query_param(replace_query_param(url, "limit", limit), "offset", offset + limit)
        if offset > 0:
            base = replace_query_param(url, "limit", limit)
            prev = (remove_query_param(base, "offset") if offset - limit <= 0
                    else replace_query_param(base, "offset", offset - limit))
        return Response.json(200, {"count": count, "next": nxt, "previous": prev,
                                   "results": results[offset:offset + limit]})

    def _parse_body(self, req):
        """DRF parsers: (data, None) or (None, error Response)."""
        ctype = (req.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if not req.body:
            return {}, None
        if ctype == "application/json":
            try:
                return json.loads(req.body.decode("utf-8"), parse_constant=_strict_constant), None
            except ValueError as e:
                return None, Response.json(400, {"detail": "JSON parse error - %s" % e})
        if ctype == "application/x-www-form-urlencoded":
            pairs = parse_qs(req.body.decode("utf-8", "replace"), keep_blank_values=True)
            return {k: v[-1] for k, v in pairs.items()}, None
        raw = req.headers.get("Content-Type") or ""
        return None, Response.json(415, {"detail": 'Unsupported media type "%s" in request.' % raw})

    def _create_tli(self, req):
        body, error = self._parse_body(req)
        if error is not None:
            return error
        ctx = validation.Context(
            zone=self.zone, strict_dst=self.config["strict_dst"], resolve=self.resolve_hyperlink,
            dataset=self.dataset, key_exists=lambda k: any(i["user_key"] == k for i in self.instances),
            now=datetime.datetime.now(datetime.timezone.utc), autoreview=set(self.config["autoreview"]))
        try:
            outcome, result = validation.create_instance(
                body, ctx, blank_key_exists=lambda: any(i["user_key"] == "" for i in self.instances))
        except validation.ServerCrash:
            return Response.html(500, HTML_500)
        if outcome == "invalid":
            return Response.json(400, result)
        record = result
        record["id"] = len(self.instances) + 1
        record["utc_id"] = record.pop("utc").id
        for ti in record["tests"]:
            self.test_instance_count += 1
            ti["id"] = self.test_instance_count
        self.instances.append(record)
        self.dataset.utc(record["utc_id"]).last_instance_id = record["id"]
        rep = self.rep_tli_created(req, record)
        return Response.json(201, rep, [("Location", rep["url"])])
