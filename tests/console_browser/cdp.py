"""A headless Chromium driven over the DevTools protocol (CDP), standard library only.

Chromium is started with --remote-debugging-pipe: it reads commands from fd 3 and
writes answers and events to fd 4, each a JSON document ended by a NUL byte. That
needs no WebSocket client and opens no port. One page (target) per Browser.

Every JavaScript error the page reports (an uncaught exception, console.error, an
error log entry) is kept in Browser.errors, so a test can fail on any of them.
"""
import base64
import fcntl
import json
import os
import shutil
import threading
import time


class CdpError(Exception):
    pass


class Browser:
    def __init__(self, profile_dir, log_path, width=1280, height=900):
        exe = shutil.which("chromium")
        if exe is None:
            raise CdpError("chromium is not installed: apt-get install chromium (scripts/install-deps does)")
        cmd_r, self._cmd_w = os.pipe()
        self._res_r, res_w = os.pipe()
        # High descriptors, so neither is already 3 or 4 when the child's dup2 runs.
        cmd_r_hi = fcntl.fcntl(cmd_r, fcntl.F_DUPFD_CLOEXEC, 10)
        res_w_hi = fcntl.fcntl(res_w, fcntl.F_DUPFD_CLOEXEC, 10)
        os.close(cmd_r)
        os.close(res_w)
        self._log = open(log_path, "wb")
        null = os.open(os.devnull, os.O_RDWR | os.O_CLOEXEC)
        args = [exe, "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
                "--no-default-browser-check", "--disable-extensions", "--disable-dev-shm-usage",
                "--remote-debugging-pipe", f"--user-data-dir={profile_dir}",
                f"--window-size={width},{height}", "about:blank"]
        self.pid = os.posix_spawn(exe, args, os.environ, file_actions=[
            (os.POSIX_SPAWN_DUP2, null, 0), (os.POSIX_SPAWN_DUP2, null, 1),
            (os.POSIX_SPAWN_DUP2, self._log.fileno(), 2),
            (os.POSIX_SPAWN_DUP2, cmd_r_hi, 3), (os.POSIX_SPAWN_DUP2, res_w_hi, 4)])
        os.close(null)
        os.close(cmd_r_hi)
        os.close(res_w_hi)
        self._next_id = 0
        self._answers = {}
        self._cond = threading.Condition()
        self._closed = False
        self.errors = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self._session = None
        target = self.call("Target.createTarget", {"url": "about:blank"}, session=False)
        attached = self.call("Target.attachToTarget", {"targetId": target["targetId"], "flatten": True},
                             session=False)
        self._session = attached["sessionId"]
        for domain in ("Page", "Runtime", "Log"):
            self.call(domain + ".enable")

    def _read(self):
        buf = b""
        while True:
            chunk = os.read(self._res_r, 1 << 16)
            if not chunk:
                break
            buf += chunk
            while b"\0" in buf:
                raw, buf = buf.split(b"\0", 1)
                msg = json.loads(raw)
                if "id" in msg:
                    with self._cond:
                        self._answers[msg["id"]] = msg
                        self._cond.notify_all()
                else:
                    self._note_event(msg)
        with self._cond:
            self._closed = True
            self._cond.notify_all()

    def _note_event(self, msg):
        method, p = msg.get("method"), msg.get("params", {})
        if method == "Runtime.exceptionThrown":
            d = p["exceptionDetails"]
            text = d.get("exception", {}).get("description") or d.get("text")
            self.errors.append(f"uncaught: {text} ({d.get('url', '')}:{d.get('lineNumber')})")
        elif method == "Runtime.consoleAPICalled" and p.get("type") == "error":
            args = " ".join(str(a.get("value", a.get("description", ""))) for a in p.get("args", []))
            self.errors.append("console.error: " + args)
        elif method == "Log.entryAdded" and p["entry"]["level"] == "error":
            e = p["entry"]
            self.errors.append(f"log ({e.get('source')}): {e.get('text')} {e.get('url', '')}")

    def call(self, method, params=None, session=True, timeout=30):
        """Sends one command and returns its result; a CDP error raises CdpError."""
        with self._cond:
            self._next_id += 1
            mid = self._next_id
        msg = {"id": mid, "method": method, "params": params or {}}
        if session and self._session:
            msg["sessionId"] = self._session
        os.write(self._cmd_w, json.dumps(msg).encode() + b"\0")
        deadline = time.monotonic() + timeout
        with self._cond:
            while mid not in self._answers:
                left = deadline - time.monotonic()
                if self._closed or left <= 0:
                    raise CdpError(f"{method}: no answer from chromium (see {self._log.name})")
                self._cond.wait(left)
            answer = self._answers.pop(mid)
        if "error" in answer:
            raise CdpError(f"{method}: {answer['error'].get('message')}")
        return answer.get("result", {})

    def evaluate(self, expression):
        """The value of a JavaScript expression in the page (awaited if a promise)."""
        r = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True,
                                           "awaitPromise": True})
        if "exceptionDetails" in r:
            raise CdpError(f"{expression}: {r['exceptionDetails'].get('text')}")
        return r["result"].get("value")

    def wait_for(self, expression, timeout=30):
        """Polls until the expression is truthy; its value, or CdpError naming it."""
        deadline = time.monotonic() + timeout
        while True:
            value = self.evaluate(expression)
            if value:
                return value
            if time.monotonic() > deadline:
                raise CdpError(f"waited {timeout} s for: {expression}")
            time.sleep(0.1)

    def open(self, url):
        """Navigates and waits for the page's load event."""
        self.call("Page.navigate", {"url": url})
        self.wait_for("document.readyState === 'complete' && location.href === " + json.dumps(url))

    def screenshot(self, path):
        data = self.call("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True})
        with open(path, "wb") as f:
            f.write(base64.b64decode(data["data"]))

    def close(self):
        try:
            self.call("Browser.close", session=False, timeout=5)
        except CdpError:
            pass
        for _ in range(50):
            pid, _ = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                break
            time.sleep(0.1)
        else:
            os.kill(self.pid, 9)
            os.waitpid(self.pid, 0)
        os.close(self._cmd_w)
        self._log.close()
