#!/usr/bin/env python3
"""A QATrack+ 3.1.1 REST API test double with fault injection (standard library only).

    python3 qatrack_server.py --host 127.0.0.1 --port 0 --port-file PATH --token <40 hex>
                              [--zone Europe/Berlin] [--base /api] [--radmachine] [--seed default]

Listens on loopback only, writes the bound port to --port-file (atomically) once it
accepts connections, prints one line to stderr, and exits cleanly on SIGTERM/SIGINT.
The API under --base follows shared/spec/qatrack-api.md; /_control/ (no auth) lets
tests seed data, inject faults and read back what arrived. See README.md.
"""

import argparse
import io
import ipaddress
import json
import os
import re
import signal
import socket
import struct
import sys
import threading
import zoneinfo
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import qatrack_data as data  # noqa: E402
from qatrack_api import App, Drop, Request, Response  # noqa: E402
from qatrack_faults import RuleError  # noqa: E402

MAX_BODY = 64 * 1024 * 1024


class Control:
    """The /_control/ API: not part of QATrack+, no auth, JSON in and out."""

    def __init__(self, app):
        self.app = app

    def handle(self, method, path, body):
        route = path[len("/_control/"):].strip("/")
        try:
            payload = json.loads(body.decode("utf-8")) if body.strip() else None
        except ValueError as e:
            return Response.json(400, {"error": "body is not JSON: %s" % e})
        app = self.app
        try:
            if route == "health" and method == "GET":
                return Response.json(200, {"ok": True})
            if route == "seed" and method == "POST":
                if payload is None or (isinstance(payload, dict) and set(payload) == {"builtin"}):
                    name = (payload or {}).get("builtin", "default")
                    if name not in data.BUILTIN_SEEDS:
                        return Response.json(400, {"error": "unknown builtin seed %r" % (name,)})
                    payload = data.BUILTIN_SEEDS[name]()
                app.seed(payload)
                return Response.json(200, self._summary())
            if route == "seed" and method == "GET":
                return Response.json(200, dict(self._summary(), seed=app.dataset.seed))
            if route == "faults" and method == "POST":
                if payload is None:
                    return Response.json(400, {"error": "POST a fault rule (or a list of rules)"})
                app.faults.add(payload)
                return Response.json(200, {"faults": app.faults.to_json()})
            if route == "faults" and method == "GET":
                return Response.json(200, {"faults": app.faults.to_json()})
            if route == "faults" and method == "DELETE":
                app.faults.clear()
                return Response.json(200, {"faults": []})
            if route == "config" and method == "POST":
                return Response.json(200, app.configure(payload if payload is not None else {}))
            if route == "config" and method == "GET":
                with app.lock:
                    return Response.json(200, dict(app.config))
            if route == "stored" and method == "GET":
                with app.lock:
                    results = [app.stored_json(i) for i in app.instances]
                return Response.json(200, {"count": len(results), "results": results})
            if route == "requests" and method == "GET":
                with app.lock:
                    results = list(app.request_log)
                return Response.json(200, {"count": len(results), "results": results})
            if route == "reset" and method == "POST":
                app.reset()
                return Response.json(200, {"ok": True})
        except (data.SeedError, RuleError) as e:
            return Response.json(400, {"error": str(e)})
        return Response.json(404, {"error": "no control route %s %s" % (method, path)})

    def _summary(self):
        ds = self.app.dataset
        return {"units": len(ds.units), "tests": len(ds.tests), "test_lists": len(ds.test_lists),
                "utcs": len(ds.utcs)}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate send()s; without TCP_NODELAY every
    # kept-alive request after the first waits ~40 ms for a delayed ACK.
    disable_nagle_algorithm = True
    def version_string(self):
        return "qatrack-test-server/1"
    timeout = 120  # idle keep-alive connections

    def do_GET(self):
        self._dispatch()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = do_GET

    def log_message(self, fmt, *args):
        if self.server.verbose:
            sys.stderr.write("qatrack_server: %s %s\n" % (self.address_string(), fmt % args))

    def _read_body(self):
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            return b"".join(chunks)
        length = int(self.headers.get("Content-Length") or 0)
        if length < 0 or length > MAX_BODY:
            raise ValueError("bad Content-Length")
        return self.rfile.read(length) if length else b""

    def _dispatch(self):
        try:
            body = self._read_body()
        except ValueError:
            self.send_error(400, "Bad request body")
            return
        app = self.server.app
        path = self.path.split("?", 1)[0]
        if path.startswith("/_control/") or path == "/_control":
            self._send(self.server.control.handle(self.command, path, body))
            return
        host = self.headers.get("Host") or "%s:%d" % self.server.server_address[:2]
        req = Request(self.command, self.path, self.headers, body, "http://" + host)
        try:
            result = app.handle(req)
        except Exception as e:  # a bug here must look like a server crash, not kill the thread silently
            sys.stderr.write("qatrack_server: internal error: %r\n" % (e,))
            result = Response.html(500, "<h1>Server Error (500)</h1>")
        if isinstance(result, Drop):
            self._drop(result)
        else:
            self._send(result)

    def _send(self, resp):
        self.send_response(resp.status)
        for name, value in resp.headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(resp.body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(resp.body)
        self.wfile.flush()

    def _drop(self, drop):
        self.close_connection = True
        if drop.kind == "hang":
            self.server.app.stop_event.wait(drop.seconds)
            return
        # reset: SO_LINGER {on, 0} makes close() send RST instead of FIN.
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.rfile.close()
            self.wfile.close()
            self.connection.close()  # the last reference: the kernel sends RST now
        except OSError:
            pass
        self.wfile = io.BytesIO()  # http.server flushes wfile after every request


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64

    def __init__(self, address, app, verbose=False):
        self.address_family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        self.app = app
        self.control = Control(app)
        self.verbose = verbose
        super().__init__(address, Handler)


def write_port_file(path, port):
    tmp = "%s.tmp.%d" % (path, os.getpid())
    with open(tmp, "w") as f:
        f.write("%d\n" % port)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def load_seed(name):
    if name in data.BUILTIN_SEEDS:
        return data.BUILTIN_SEEDS[name]()
    with open(name, encoding="utf-8") as f:
        return json.load(f)


def parse_args(argv):
    p = argparse.ArgumentParser(description="QATrack+ 3.1.1 REST API test double")
    p.add_argument("--host", default="127.0.0.1", help="loopback address to listen on")
    p.add_argument("--port", type=int, default=0, help="0 picks a free port")
    p.add_argument("--port-file", help="the bound port is written here once listening")
    p.add_argument("--token", required=True, help="the API token (40 hex characters)")
    p.add_argument("--zone", default="America/Toronto", help="the server's TIME_ZONE")
    p.add_argument("--base", default="/api", help="API root path")
    p.add_argument("--radmachine", action="store_true", help="expect 'RadAuthorization: Token <key>'")
    p.add_argument("--seed", default="default", help="builtin seed (default, dqa3, empty) or a JSON file")
    p.add_argument("--verbose", action="store_true", help="log every request to stderr")
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    try:
        if not ipaddress.ip_address(args.host).is_loopback:
            raise ValueError
    except ValueError:
        sys.stderr.write("qatrack_server: refusing to listen on %r: only loopback addresses are allowed\n"
                         % args.host)
        return 2
    if not re.fullmatch(r"[0-9a-f]{40}", args.token):
        sys.stderr.write("qatrack_server: --token must be 40 lower-case hex characters\n")
        return 2
    try:
        zoneinfo.ZoneInfo(args.zone)
        app = App(args.token, args.zone, radmachine=args.radmachine, base=args.base, seed=load_seed(args.seed))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError, data.SeedError) as e:
        sys.stderr.write("qatrack_server: %s\n" % e)
        return 2
    server = Server((args.host, args.port), app, verbose=args.verbose)
    port = server.server_address[1]
    stop = threading.Event()

    def on_signal(signum, frame):
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    if args.port_file:
        write_port_file(args.port_file, port)
    host = "[%s]" % args.host if ":" in args.host else args.host
    sys.stderr.write("qatrack_server: listening on http://%s:%d%s (zone %s, seed %s%s)\n"
                     % (host, port, app.base, args.zone, args.seed, ", radmachine" if args.radmachine else ""))
    sys.stderr.flush()
    while not stop.wait(0.5):
        pass
    app.stop_event.set()  # releases hanging connections
    server.shutdown()
    server.server_close()
    thread.join(5)
    return 0


if __name__ == "__main__":
    sys.exit(main())
