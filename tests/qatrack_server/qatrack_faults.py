"""Fault injection rules and DRF-style throttling for the QATrack+ test double."""

import math
import threading
import time
from collections import deque

ACTIONS = ("status", "redirect307", "throttle", "reset", "slow", "timeout_after_store", "hang")
DEFAULT_SECONDS = {"throttle": 2, "slow": 2, "timeout_after_store": 30, "hang": 30}
RULE_KEYS = {"method", "path_prefix", "action", "code", "seconds", "times", "skip", "body", "content_type"}


class RuleError(ValueError):
    pass


class FaultRule:
    """One rule: matching requests (method, path prefix) get `action` instead of (or around)
    the normal answer. `skip` lets that many matching requests through first; `times` is how
    often it fires (-1: forever)."""

    def __init__(self, spec):
        if not isinstance(spec, dict):
            raise RuleError("a fault rule must be a JSON object")
        unknown = set(spec) - RULE_KEYS
        if unknown:
            raise RuleError("unknown fault keys: %s" % ", ".join(sorted(unknown)))
        self.action = spec.get("action")
        if self.action not in ACTIONS:
            raise RuleError("action must be one of %s" % ", ".join(ACTIONS))
        self.method = str(spec.get("method") or "*").upper()
        self.path_prefix = str(spec.get("path_prefix") or "")
        self.code = spec.get("code", 503)
        self.seconds = spec.get("seconds", DEFAULT_SECONDS.get(self.action, 0))
        self.times = spec.get("times", 1)
        self.skip = spec.get("skip", 0)
        self.body = spec.get("body")
        self.content_type = spec.get("content_type")
        for name in ("code", "times", "skip"):
            val = getattr(self, name)
            if not isinstance(val, int) or isinstance(val, bool):
                raise RuleError("%s must be an integer" % name)
        if not isinstance(self.seconds, (int, float)) or isinstance(self.seconds, bool) or self.seconds < 0:
            raise RuleError("seconds must be a non-negative number")
        if self.times == 0 or self.times < -1:
            raise RuleError("times must be >= 1, or -1 for forever")
        if not 100 <= self.code <= 599:
            raise RuleError("code must be an HTTP status code")
        if self.body is not None and not isinstance(self.body, str):
            raise RuleError("body must be a string")

    def matches(self, method, path):
        return (self.method in ("*", method)) and path.startswith(self.path_prefix)

    def to_json(self):
        return {"method": self.method, "path_prefix": self.path_prefix, "action": self.action, "code": self.code,
                "seconds": self.seconds, "times": self.times, "skip": self.skip, "body": self.body,
                "content_type": self.content_type}


class FaultList:
    """Thread-safe ordered list of rules; the first live matching rule fires."""

    def __init__(self):
        self._lock = threading.Lock()
        self._rules = []

    def add(self, specs):
        rules = [FaultRule(s) for s in (specs if isinstance(specs, list) else [specs])]
        with self._lock:
            self._rules.extend(rules)

    def clear(self):
        with self._lock:
            self._rules = []

    def to_json(self):
        with self._lock:
            return [r.to_json() for r in self._rules]

    def take(self, method, path):
        """Returns the rule that fires for this request (counting it down), or None."""
        with self._lock:
            for rule in self._rules:
                if not rule.matches(method, path):
                    continue
                if rule.skip > 0:
                    rule.skip -= 1
                    continue
                if rule.times > 0:
                    rule.times -= 1
                    if rule.times == 0:
                        self._rules.remove(rule)
                return rule
        return None


_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(rate):
    """DRF rate syntax: "1000/min", "5/s", "3/hour". Returns (num_requests, seconds)."""
    try:
        num, period = str(rate).split("/")
        n = int(num)
        seconds = _PERIODS[period.strip()[0]]
    except (ValueError, KeyError, IndexError):
        raise RuleError("rate must look like 1000/min, 5/s, 100/hour or 10/day, not %r" % (rate,))
    if n < 1:
        raise RuleError("rate needs at least one request per period")
    return n, seconds


def throttle_detail(wait):
    """The DRF Throttled message for a wait in seconds (rounded up)."""
    wait = int(math.ceil(wait))
    unit = "second" if wait == 1 else "seconds"
    return wait, "Request was throttled. Expected available in %d %s." % (wait, unit)


class Throttle:
    """DRF SimpleRateThrottle: a sliding window of request times per key."""

    def __init__(self, rate):
        self.rate = rate
        self.num_requests, self.duration = parse_rate(rate)
        self._history = {}

    def allow(self, key, now=None):
        """Returns (True, None) when allowed (and counts the request), else (False, wait)
        where wait is seconds or None (DRF gives no estimate when over the limit)."""
        now = time.monotonic() if now is None else now
        hist = self._history.setdefault(key, deque())
        while hist and hist[-1] <= now - self.duration:
            hist.pop()
        if len(hist) >= self.num_requests:
            remaining = self.duration - (now - hist[-1])
            available = self.num_requests - len(hist) + 1
            return False, (remaining / available if available > 0 else None)
        hist.appendleft(now)
        return True, None

    def reset(self):
        self._history = {}
