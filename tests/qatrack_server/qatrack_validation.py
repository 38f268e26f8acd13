"""POST /api/qa/testlistinstances/ validation, reproducing QATrack+ 3.1 / DRF behaviour.

Order of checks, as on the real server:
  1. field validation of every field (all errors collected, keyed by field name);
  2. only when no field failed: cross-field validation (day, constants, uploads,
     composites, then "Missing data" / "Wrong value type" / auto values /
     work_completed, joined into ONE string under non_field_errors);
  3. creation, where a second blank user_key hits the database unique constraint
     (the real server answers an HTML 500 page).
"""

import base64
import datetime
import json
import re
from numbers import Number
from urllib.parse import unquote, urlparse

from qatrack_data import (BOOLEAN, CALCULATED_TYPES, COMPOSITE, CONSTANT, DATE_TYPES, NUMERICAL_TYPES,
                          STRING_COMPOSITE, STRING_TYPES, UPLOAD)

# In the order the real server lists them in its "wrong format" message.
INPUT_FORMATS = (
    "%d %b %Y %H:%M",
    "%d %b %Y %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M:%S.%f",
    "%Y-%m-%dT%H:%M:%S.%fZ",
)

# rest_framework.utils.humanize_datetime.humanize_strptime, same order of replacement.
_HUMANIZE = (("%Y", "YYYY"), ("%y", "YY"), ("%m", "MM"), ("%b", "[Jan-Dec]"), ("%B", "[January-December]"),
             ("%d", "DD"), ("%H", "hh"), ("%I", "hh"), ("%M", "mm"), ("%S", "ss"), ("%f", "uuuuuu"),
             ("%a", "[Mon-Sun]"), ("%A", "[Monday-Sunday]"), ("%p", "[AM|PM]"), ("%z", "[+HHMM|-HHMM]"))


def humanize_formats(formats):
    text = ", ".join(formats)
    for key, val in _HUMANIZE:
        text = text.replace(key, val)
    return text


MSG_WRONG_FORMAT = "Datetime has wrong format. Use one of these formats instead: %s." % humanize_formats(INPUT_FORMATS)
MSG_REQUIRED = "This field is required."
MSG_NULL = "This field may not be null."
MSG_BLANK = "This field may not be blank."
MSG_NOT_STRING = "Not a valid string."
MSG_BOOL = "Must be a valid boolean."
MSG_INT = "A valid integer is required."
MSG_MAX_255 = "Ensure this field has no more than 255 characters."
MSG_KEY_EXISTS = "test list instance with this user key already exists."
MSG_NO_MATCH = "Invalid hyperlink - No URL match."
MSG_INCORRECT_MATCH = "Invalid hyperlink - Incorrect URL match."
MSG_DOES_NOT_EXIST = "Invalid hyperlink - Object does not exist."
MSG_BASE64 = "base64 encoding requested but content does not appear to be base64"
MSG_ATTACHMENTS = ('`attachments` field must be list of form '
                   '[{"filename": "file_name.txt", "value": "<base64 encoded bytes|text>", '
                   '"encoding": "<base64|text>], ...]')
MSG_COMPOSITE_HINT = ("If these are composite tests with missing dependencies, they should be marked as skipped "
                      "in your request (e.g. {'tests': {'%s': {'skipped': True}}})")

BASE64_RE = re.compile("^([A-Za-z0-9+/]{4})*([A-Za-z0-9+/]{4}|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{2}==)$")
_TRUE = {"t", "T", "y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON", "1", 1, True}
_FALSE = {"f", "F", "n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF", "0", 0, 0.0, False}
_EPSILON = 1e-10

PASS_FAIL_DISPLAY = {"ok": "OK", "tolerance": "Tolerance", "action": "Action", "no_tol": "No Tol Set",
                     "not_done": "Not Done"}


class FieldError(Exception):
    def __init__(self, message):
        super().__init__(message)
        self.message = message


class ServerCrash(Exception):
    """The real server would raise an unhandled exception: answer an HTML 500 page."""


class Context:
    """What validation needs from the running server.

    zone: zoneinfo.ZoneInfo of the server; strict_dst: reject ambiguous / non-existent
    local times (pytz is_dst=None behaviour); resolve(path) -> (view_name, pk) or None;
    dataset: qatrack_data.DataSet; key_exists(user_key) -> bool; blank_key_exists() -> bool;
    now: aware UTC datetime; autoreview: pass_fail codes auto-reviewed when uncommented.
    """

    def __init__(self, zone, strict_dst, resolve, dataset, key_exists, now, autoreview):
        self.zone = zone
        self.strict_dst = strict_dst
        self.resolve = resolve
        self.dataset = dataset
        self.key_exists = key_exists
        self.now = now
        self.autoreview = autoreview


def parse_datetime(value, ctx):
    """Returns an aware datetime in the server zone or raises FieldError (DRF DateTimeField)."""
    for fmt in INPUT_FORMATS:
        try:
            naive = datetime.datetime.strptime(value, fmt)
        except (ValueError, TypeError):
            continue
        aware = naive.replace(tzinfo=ctx.zone)
        if ctx.strict_dst:
            other = naive.replace(tzinfo=ctx.zone, fold=1)
            if aware.utcoffset() != other.utcoffset():
                raise FieldError('Invalid datetime for the timezone "%s".' % ctx.zone.key)
        return aware
    raise FieldError(MSG_WRONG_FORMAT)


def _char(value, allow_blank, allow_null, max_length=None):
    if value is None:
        if allow_null:
            return None
        raise FieldError(MSG_NULL)
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise FieldError(MSG_NOT_STRING)
    text = str(value)
    if text.strip() == "":
        # DRF returns '' before running validators (so no uniqueness check for blanks).
        if not allow_blank:
            raise FieldError(MSG_BLANK)
        return ""
    text = text.strip()
    if max_length is not None and len(text) > max_length:
        raise FieldError(MSG_MAX_255)
    return text


def _boolean(value):
    if value is None:
        raise FieldError(MSG_NULL)
    try:
        if value in _TRUE:
            return True
        if value in _FALSE:
            return False
    except TypeError:  # unhashable
        pass
    raise FieldError(MSG_BOOL)


def _integer(value):
    if value is None:
        raise FieldError(MSG_NULL)
    if isinstance(value, str) and len(value) > 1000:
        raise FieldError("String value too large.")
    try:
        return int(re.sub(r"\.0*\s*$", "", str(value)))
    except (ValueError, TypeError):
        raise FieldError(MSG_INT)


def _hyperlink(value, ctx, view_name):
    if value is None:
        raise FieldError(MSG_NULL)
    if not isinstance(value, str):
        raise FieldError("Incorrect type. Expected URL string, received %s." % type(value).__name__)
    path = urlparse(value).path if value.startswith(("http:", "https:")) else value
    match = ctx.resolve(unquote(path))
    if match is None:
        raise FieldError(MSG_NO_MATCH)
    name, pk = match
    if name != view_name:
        raise FieldError(MSG_INCORRECT_MATCH)
    obj = ctx.dataset.utc(pk) if pk is not None and str(pk).isdigit() else None
    if obj is None:
        raise FieldError(MSG_DOES_NOT_EXIST)
    return obj


def validate_fields(data, ctx):
    """Field-level validation. Returns (validated dict, errors dict)."""
    v, errors = {}, {}

    def field(name, fn, required=False, default=None):
        if name not in data:
            if required:
                errors[name] = [MSG_REQUIRED]
            elif default is not None:
                v[name] = default()
            return
        try:
            v[name] = fn(data[name])
        except FieldError as e:
            errors[name] = [e.message]

    def dt(value):
        if value is None:
            raise FieldError(MSG_NULL)
        return parse_datetime(value, ctx)

    def comment(value):
        # The real server stores "" and null as "no comment" (201), not a blank-field 400.
        return _char(value, allow_blank=True, allow_null=True) or ""

    def tests(value):
        if value is None:
            raise FieldError(MSG_NULL)
        if not isinstance(value, dict):
            raise FieldError('Expected a dictionary of items but got type "%s".' % type(value).__name__)
        bad = ['"%s"' % slug for slug, d in value.items() if not isinstance(d, dict)]
        if bad:
            raise FieldError("%s field(s) have errors. Test data must be a dictionary " % ", ".join(bad))
        return value

    def attachments(value):
        if value is None:
            raise FieldError(MSG_NULL)
        if not isinstance(value, list):
            raise FieldError('Expected a list of items but got type "%s".' % type(value).__name__)
        out = []
        for a in value:
            if not isinstance(a, dict) or "filename" not in a or "value" not in a:
                raise FieldError(MSG_ATTACHMENTS)
            out.append(_decode_file(a))
        return out

    def user_key(value):
        key = _char(value, allow_blank=True, allow_null=True, max_length=255)
        if key and ctx.key_exists(key):
            raise FieldError(MSG_KEY_EXISTS)
        return key

    field("work_completed", dt, default=lambda: ctx.now)
    field("comment", comment)
    field("tests", tests, required=True)
    field("unit_test_collection", lambda x: _hyperlink(x, ctx, "unittestcollection-detail"), required=True)
    field("attachments", attachments)
    field("day", _integer)
    field("work_started", dt, required=True)
    field("in_progress", _boolean, default=lambda: False)
    field("include_for_scheduling", _boolean, default=lambda: True)
    field("user_key", user_key)
    return v, errors


def _decode_file(d):
    """{filename, value, encoding} -> stored description; raises FieldError on bad base64."""
    content = d.get("value")
    encoding = d.get("encoding", "base64")
    if encoding == "base64":
        if not (isinstance(content, str) and content and BASE64_RE.match(content)):
            raise FieldError(MSG_BASE64)
        size = len(base64.b64decode(content))
    else:
        size = len(str(content).encode("utf-8"))
    return {"filename": d.get("filename"), "encoding": encoding, "size": size}


def _json_text(value):
    """How a non-string JSON value reads as text: 101 -> "101", true -> "true"."""
    return json.dumps(value, ensure_ascii=False)


def _is_number(value):
    return isinstance(value, Number)


def _type_okay(ttype, value):
    if ttype in STRING_TYPES + DATE_TYPES and not isinstance(value, str):
        try:
            json.dumps(value)
        except (TypeError, ValueError):
            return False
    elif ttype in NUMERICAL_TYPES and not _is_number(value):
        return False
    return True


def _composite_value(test, tests):
    """Stand-in for QATrack+'s calculation procedure: the mean of the dependencies;
    None (a failed calculation) when any dependency is missing, skipped or not a number."""
    if test.type == STRING_COMPOSITE:
        return ""
    vals = []
    for dep in test.depends_on:
        d = tests.get(dep)
        if not d or d.get("skipped") or not _is_number(d.get("value")):
            return None
        vals.append(float(d["value"]))
    return sum(vals) / len(vals) if vals else 0.0


def validate_cross(v, ctx):
    """Cross-field validation. Returns (test list, processed tests) or raises FieldError
    whose message goes under non_field_errors."""
    utc = v["unit_test_collection"]
    day = v.get("day", 0)
    if day != 0:
        raise FieldError("'%s' is not a valid day for this Test Collection.  Day must be between 0 & 0" % day)
    tl = utc.test_list
    all_tests = tl.all_tests()
    post_tests = v["tests"]
    tests = {slug: dict(d) for slug, d in post_tests.items()}

    has_composite, uploads = False, []
    for t in all_tests:
        if t.type == CONSTANT:
            d = tests.get(t.slug, {})
            val = d.get("value")
            if val not in ("", None) and val != t.constant_value:
                raise FieldError("Incorrect constant value passed for %s" % t.slug)
            d["value"] = t.constant_value
            tests[t.slug] = d
        elif t.type == UPLOAD:
            uploads.append(t)
        elif t.type in (COMPOSITE, STRING_COMPOSITE):
            has_composite = True
            tests.setdefault(t.slug, {}).setdefault("value", "")
    upload_info = {}
    for t in uploads:
        d = tests.get(t.slug, {})
        if "filename" not in d:
            raise FieldError("%s is missing the filename field" % t.slug)
        upload_info[t.slug] = _decode_file(d)
    if has_composite:
        for t in all_tests:
            if t.type in (COMPOSITE, STRING_COMPOSITE):
                tests[t.slug]["value"] = _composite_value(t, tests)

    missing, wrong, autos, msgs = [], [], [], []
    for t in all_tests:
        if t.slug not in tests:
            missing.append(t.slug)
            continue
        d = tests[t.slug]
        skipped = d.get("skipped")
        provided = post_tests.get(t.slug, {}).get("value")
        val = d.get("value")
        auto = t.type in (CONSTANT,) + CALCULATED_TYPES
        if not skipped and not auto and not _type_okay(t.type, val):
            wrong.append(t.slug)
        if auto and not (provided in (None, "") or provided == val):
            autos.append(t.slug)
        elif auto and not _type_okay(t.type, val) and not skipped:
            wrong.append(t.slug)
    if missing:
        msgs.append("Missing data for tests: %s" % ", ".join(missing))
    if wrong:
        msgs.append("Wrong value type (number/string) for tests: %s\n%s"
                    % (", ".join(wrong), MSG_COMPOSITE_HINT % wrong[0]))
    if autos:
        msgs.append("The following tests are calculated automatically and should not have values provided: %s"
                    % ", ".join(autos))
    if v["work_completed"] < v["work_started"]:
        msgs.append("work_completed date must be after work_started")
    if msgs:
        raise FieldError("\n".join(msgs))

    processed = []
    for t in all_tests:
        d = tests[t.slug]
        skipped = bool(d.get("skipped"))
        val = d.get("value")
        entry = {"test": t, "skipped": skipped, "comment": d.get("comment") or "", "value": None,
                 "string_value": "", "sent": post_tests.get(t.slug)}
        if t.type in STRING_TYPES or t.type in DATE_TYPES:
            # A number sent to a string test is stored as its text ("101").
            entry["string_value"] = val if isinstance(val, str) or val is None else _json_text(val)
        elif t.type == UPLOAD:
            entry.update(upload_info[t.slug])
            entry["string_value"] = d.get("filename")
        else:
            # true/false sent to a numeric test is stored as 1.0/0.0.
            entry["value"] = float(val) if isinstance(val, bool) and t.type != BOOLEAN else val
        entry["pass_fail"] = pass_fail(t, entry)
        processed.append(entry)
    return tl, processed


def pass_fail(test, entry):
    """QATrack+ TestInstance.calculate_pass_fail with the seeded reference / tolerance."""
    value = entry["value"]
    if entry["skipped"] or (value is None and entry["string_value"] in (None, "")):
        return "not_done"
    ref, tol = test.reference, test.tolerance
    if test.type == BOOLEAN:
        if ref is None:
            return "no_tol"
        return "ok" if bool(value) == bool(ref) else "action"
    if test.type not in NUMERICAL_TYPES or ref is None or not tol or not _is_number(value):
        return "no_tol"
    if tol.get("type", "absolute") == "percent":
        if ref == 0:
            return "no_tol"
        diff = 100.0 * (float(value) - ref) / ref
    else:
        diff = float(value) - ref
    act_low, tol_low, tol_high, act_high = (tol.get(k) for k in ("act_low", "tol_low", "tol_high", "act_high"))
    if act_low is not None and diff < act_low - _EPSILON:
        return "action"
    if act_high is not None and diff > act_high + _EPSILON:
        return "action"
    if tol_low is not None and diff < tol_low - _EPSILON:
        return "tolerance"
    if tol_high is not None and diff > tol_high + _EPSILON:
        return "tolerance"
    return "ok"


def create_instance(data, ctx, blank_key_exists):
    """Validates a POST body (already JSON-decoded). Returns one of
    ("invalid", errors_dict) or ("created", record) and raises ServerCrash where the real
    server crashes (a body that is not an object; a second blank user_key)."""
    if not isinstance(data, dict):
        raise ServerCrash("AttributeError: '%s' object has no attribute 'items'" % type(data).__name__)
    v, errors = validate_fields(data, ctx)
    if errors:
        return "invalid", errors
    try:
        tl, processed = validate_cross(v, ctx)
    except FieldError as e:
        return "invalid", {"non_field_errors": [e.message]}
    if v.get("user_key") == "" and blank_key_exists():
        raise ServerCrash("IntegrityError: duplicate key value violates unique constraint "
                          '"qa_testlistinstance_user_key_key"')
    known = {e["test"].slug for e in processed}
    list_comment = v.get("comment") or ""
    commented = bool(list_comment) or any(e["comment"] for e in processed)
    all_reviewed = not commented and all(e["pass_fail"] in ctx.autoreview for e in processed)
    record = {
        "utc": v["unit_test_collection"],
        "unit_test_collection_sent": data.get("unit_test_collection"),
        "test_list": tl,
        "day": v.get("day", 0),
        "work_started": v["work_started"],
        "work_started_text": data.get("work_started"),
        "work_completed": v["work_completed"],
        "work_completed_text": data.get("work_completed"),
        "in_progress": v["in_progress"],
        "include_for_scheduling": v["include_for_scheduling"],
        "user_key": v.get("user_key"),
        "user_key_sent": data.get("user_key"),
        "comment": list_comment,
        "tests": processed,
        "ignored_tests": [slug for slug in v["tests"] if slug not in known],
        "attachments": v.get("attachments", []),
        "all_reviewed": all_reviewed,
        "created": ctx.now,
    }
    return "created", record
