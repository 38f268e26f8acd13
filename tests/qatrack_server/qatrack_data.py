"""Data model of the QATrack+ test double: sites, units, tests, test lists, assignments.

A DataSet is built from a seed (a JSON-like dict, see README.md) and is read-only
afterwards; stored test list instances live in qatrack_server.App. This module also
holds the django-filter-like query engine (whitelisted filters per route; anything
else is silently ignored, as on the real server) and the JSON representations.
"""

import copy

# Test types, as named by QATrack+ (qatrack/qa/models.py).
BOOLEAN = "boolean"
SIMPLE = "simple"
WRAPAROUND = "wraparound"
CONSTANT = "constant"
COMPOSITE = "composite"
MULTIPLE_CHOICE = "multchoice"
STRING = "string"
UPLOAD = "upload"
STRING_COMPOSITE = "scomposite"
DATE = "date"
DATETIME = "datetime"

TEST_TYPES = (BOOLEAN, SIMPLE, WRAPAROUND, CONSTANT, COMPOSITE, MULTIPLE_CHOICE, STRING,
              UPLOAD, STRING_COMPOSITE, DATE, DATETIME)
NUMERICAL_TYPES = (COMPOSITE, CONSTANT, SIMPLE, WRAPAROUND)
STRING_TYPES = (STRING, STRING_COMPOSITE, MULTIPLE_CHOICE)
DATE_TYPES = (DATE, DATETIME)
CALCULATED_TYPES = (UPLOAD, COMPOSITE, STRING_COMPOSITE)


class SeedError(ValueError):
    """The seed does not describe a consistent data set."""


class Site:
    def __init__(self, id_, name):
        self.id = id_
        self.name = name


class Unit:
    def __init__(self, id_, number, name, serial_number, site, active, location):
        self.id = id_
        self.number = number
        self.name = name
        self.serial_number = serial_number
        self.site = site  # Site or None
        self.active = active
        self.location = location


class Test:
    def __init__(self, id_, spec):
        self.id = id_
        self.slug = spec["slug"]
        self.name = spec.get("name", self.slug)
        self.type = spec.get("type", SIMPLE)
        self.description = spec.get("description", "")
        self.reference = spec.get("reference")
        self.tolerance = spec.get("tolerance")
        self.constant_value = spec.get("constant_value")
        self.depends_on = list(spec.get("depends_on", []))


class TestList:
    def __init__(self, id_, name, slug, description):
        self.id = id_
        self.name = name
        self.slug = slug
        self.description = description
        self.tests = []      # [Test], own tests in order
        self.sublists = []   # [TestList]

    def all_tests(self):
        """Own tests, then every sublist's tests (recursively), each test once."""
        seen, out = set(), []
        for t in self._walk(set()):
            if t.id not in seen:
                seen.add(t.id)
                out.append(t)
        return out

    def _walk(self, visiting):
        visiting = visiting | {self.id}
        yield from self.tests
        for sub in self.sublists:
            if sub.id not in visiting:
                yield from sub._walk(visiting)


class UnitTestCollection:
    def __init__(self, id_, unit, test_list, active, name):
        self.id = id_
        self.unit = unit
        self.test_list = test_list
        self.active = active
        self.name = name
        self.last_instance_id = None


def slugify(text):
    out = []
    for ch in text.lower():
        out.append(ch if ch.isalnum() else "-")
    slug = "-".join(p for p in "".join(out).split("-") if p)
    return slug or "list"


class DataSet:
    """Everything a seed describes. Ids are assigned 1.. in seed order."""

    def __init__(self):
        self.sites = []
        self.units = []
        self.tests = []
        self.test_lists = []
        self.utcs = []
        self.seed = {}

    @staticmethod
    def from_seed(seed):
        """Builds a DataSet. Raises SeedError with a readable message on bad input."""
        if not isinstance(seed, dict):
            raise SeedError("seed must be a JSON object")
        unknown = set(seed) - {"sites", "units", "test_lists", "utcs"}
        if unknown:
            raise SeedError("unknown seed keys: %s" % ", ".join(sorted(unknown)))
        ds = DataSet()
        ds.seed = copy.deepcopy(seed)
        sites_by_name = {}

        def site_named(name):
            if name is None:
                return None
            if name not in sites_by_name:
                site = Site(len(ds.sites) + 1, name)
                ds.sites.append(site)
                sites_by_name[name] = site
            return sites_by_name[name]

        for s in seed.get("sites", []):
            site_named(s["name"] if isinstance(s, dict) else s)

        numbers = set()
        for u in seed.get("units", []):
            if not isinstance(u, dict) or not isinstance(u.get("number"), int) or isinstance(u.get("number"), bool):
                raise SeedError("every unit needs an integer 'number': %r" % (u,))
            if u["number"] in numbers:
                raise SeedError("unit number %d is used twice (number is unique in QATrack+)" % u["number"])
            numbers.add(u["number"])
            ds.units.append(Unit(len(ds.units) + 1, u["number"], u.get("name", "Unit %d" % u["number"]),
                                 u.get("serial_number", ""), site_named(u.get("site")),
                                 bool(u.get("active", True)), u.get("location", "")))

        tests_by_slug = {}
        lists_by_name = {}
        pending_sublists = []
        for spec in seed.get("test_lists", []):
            if not isinstance(spec, dict) or not isinstance(spec.get("name"), str):
                raise SeedError("every test list needs a 'name': %r" % (spec,))
            if spec["name"] in lists_by_name:
                raise SeedError("test list %r is defined twice" % spec["name"])
            tl = TestList(len(ds.test_lists) + 1, spec["name"], spec.get("slug", slugify(spec["name"])),
                          spec.get("description", ""))
            for tspec in spec.get("tests", []):
                if isinstance(tspec, str):
                    tspec = {"slug": tspec}
                if not isinstance(tspec, dict) or not isinstance(tspec.get("slug"), str):
                    raise SeedError("every test needs a 'slug': %r" % (tspec,))
                existing = tests_by_slug.get(tspec["slug"])
                if existing is None:
                    ttype = tspec.get("type", SIMPLE)
                    if ttype not in TEST_TYPES:
                        raise SeedError("test %r has unknown type %r (known: %s)"
                                        % (tspec["slug"], ttype, ", ".join(TEST_TYPES)))
                    existing = Test(len(ds.tests) + 1, tspec)
                    ds.tests.append(existing)
                    tests_by_slug[existing.slug] = existing
                elif len(tspec) > 1 and tspec.get("type", existing.type) != existing.type:
                    raise SeedError("test %r is defined twice with different types" % tspec["slug"])
                tl.tests.append(existing)
            pending_sublists.append((tl, spec.get("sublists", [])))
            ds.test_lists.append(tl)
            lists_by_name[tl.name] = tl
        for tl, names in pending_sublists:
            for name in names:
                if name not in lists_by_name:
                    raise SeedError("test list %r names unknown sublist %r" % (tl.name, name))
                if name == tl.name:
                    raise SeedError("test list %r cannot contain itself" % name)
                tl.sublists.append(lists_by_name[name])
        for t in ds.tests:
            for dep in t.depends_on:
                if dep not in tests_by_slug:
                    raise SeedError("composite %r depends on unknown test %r" % (t.slug, dep))

        units_by_number = {u.number: u for u in ds.units}
        for spec in seed.get("utcs", []):
            if not isinstance(spec, dict):
                raise SeedError("every utc must be an object: %r" % (spec,))
            unit = units_by_number.get(spec.get("unit"))
            if unit is None:
                raise SeedError("utc names unknown unit number %r" % (spec.get("unit"),))
            tl = lists_by_name.get(spec.get("test_list"))
            if tl is None:
                raise SeedError("utc names unknown test list %r" % (spec.get("test_list"),))
            ds.utcs.append(UnitTestCollection(len(ds.utcs) + 1, unit, tl, bool(spec.get("active", True)),
                                              spec.get("name", tl.name)))
        return ds

    def unit(self, pk):
        return _by_id(self.units, pk)

    def site(self, pk):
        return _by_id(self.sites, pk)

    def test(self, pk):
        return _by_id(self.tests, pk)

    def test_list(self, pk):
        return _by_id(self.test_lists, pk)

    def utc(self, pk):
        return _by_id(self.utcs, pk)


def _by_id(items, pk):
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        return None
    if 1 <= pk <= len(items):
        return items[pk - 1]
    return None


def _abs_tol(tol_low, tol_high, act_low, act_high):
    return {"type": "absolute", "tol_low": tol_low, "tol_high": tol_high, "act_low": act_low, "act_high": act_high}


def default_seed():
    """A small clinic: MPC test lists like QCPump's, one duplicate serial, one inactive assignment."""
    pm1 = _abs_tol(-1.0, 1.0, -2.0, 2.0)
    return {
        "sites": [{"name": "Main Campus"}, {"name": "Satellite"}],
        "units": [
            {"number": 1, "name": "TrueBeam 1", "serial_number": "1234", "site": "Main Campus"},
            {"number": 2, "name": "TrueBeam 2", "serial_number": "5678", "site": "Main Campus"},
            {"number": 3, "name": "TrueBeam 3", "serial_number": "2222", "site": "Satellite"},
            # Same serial as unit 3 (a replaced console): serial_number is not unique in QATrack+.
            {"number": 4, "name": "TrueBeam 3 (old console)", "serial_number": "2222", "site": "Satellite"},
            {"number": 5, "name": "Decommissioned", "serial_number": "0001", "active": False},
        ],
        "test_lists": [
            {"name": "MPC: Beam and Geometry Checks",
             "tests": [
                 {"slug": "isocentergroup_isocentersize_mm_6x", "reference": 0.0,
                  "tolerance": _abs_tol(None, 0.4, None, 0.5)},
                 {"slug": "isocentergroup_mvimagerprojectionoffset_mm_6x", "reference": 0.0,
                  "tolerance": _abs_tol(None, 0.4, None, 0.5)},
                 {"slug": "beamgroup_beamoutputchange_per_6x", "reference": 0.0, "tolerance": pm1},
                 {"slug": "beamgroup_beamuniformitychange_per_6x", "reference": 0.0, "tolerance": pm1},
                 {"slug": "gantrygroup_gantryabsolute_deg_6x", "reference": 0.0,
                  "tolerance": _abs_tol(-0.2, 0.2, -0.3, 0.3)},
                 # Calculated by the server; must be omitted (or skipped) in uploads.
                 {"slug": "mpc_output_change_mean", "type": COMPOSITE,
                  "depends_on": ["beamgroup_beamoutputchange_per_6x"], "reference": 0.0, "tolerance": pm1},
             ],
             "sublists": ["MPC: Beam Checks 6FFF"]},
            {"name": "MPC: Beam Checks 6FFF",
             "tests": [
                 {"slug": "beamgroup_beamoutputchange_per_6fff", "reference": 0.0, "tolerance": pm1},
                 {"slug": "beamgroup_beamuniformitychange_per_6fff", "reference": 0.0, "tolerance": pm1},
             ]},
            {"name": "MPC: Enhanced Couch Checks",
             "tests": [
                 {"slug": "couchgroup_couchlat_mm_6x"},
                 {"slug": "couchgroup_couchlng_mm_6x"},
                 {"slug": "couchgroup_couchvrt_mm_6x"},
                 {"slug": "couchgroup_couchrtn_deg_6x"},
             ]},
            {"name": "MPC: Enhanced MLC Checks",
             "tests": [
                 {"slug": "collimationgroup_mlcgroup_mlcmaxoffseta_mm_6x"},
                 {"slug": "collimationgroup_mlcgroup_mlcmaxoffsetb_mm_6x"},
             ]},
            {"name": "Daily Checks",
             "tests": [
                 {"slug": "output_6x", "reference": 100.0,
                  "tolerance": {"type": "percent", "tol_low": -2.0, "tol_high": 2.0,
                                "act_low": -3.0, "act_high": 3.0}},
                 {"slug": "door_interlock", "type": BOOLEAN, "reference": 1},
                 {"slug": "signature", "type": STRING},
                 {"slug": "cal_factor", "type": CONSTANT, "constant_value": 1.0},
                 {"slug": "profile_report", "type": UPLOAD},
             ]},
        ],
        "utcs": [
            {"unit": 1, "test_list": "MPC: Beam and Geometry Checks"},
            {"unit": 2, "test_list": "MPC: Beam and Geometry Checks"},
            {"unit": 1, "test_list": "MPC: Enhanced Couch Checks"},
            {"unit": 2, "test_list": "MPC: Enhanced Couch Checks", "active": False},
            {"unit": 1, "test_list": "MPC: Enhanced MLC Checks"},
            {"unit": 3, "test_list": "MPC: Beam and Geometry Checks"},
            {"unit": 4, "test_list": "MPC: Beam and Geometry Checks"},
            {"unit": 1, "test_list": "Daily Checks"},
        ],
    }


def dqa3_seed():
    """One unit with a DQA3 test list as QATrack+'s create_dqa3_testlist script makes it:
    data_key, signature, device, machine_name and room_name are string tests."""
    strings = ("data_key", "signature", "device", "machine_name", "room_name")
    numbers = ("temperature", "pressure", "dose", "dose_baseline", "dose_diff")
    return {
        "sites": [{"name": "Main Campus"}],
        "units": [{"number": 1, "name": "Versa HD", "serial_number": "151234", "site": "Main Campus"}],
        "test_lists": [{"name": "Daily QA3 Results: 6 MV",
                        "tests": [{"slug": t, "type": STRING} for t in strings] +
                                 [{"slug": t, "type": SIMPLE} for t in numbers]}],
        "utcs": [{"unit": 1, "test_list": "Daily QA3 Results: 6 MV"}],
    }


BUILTIN_SEEDS = {
    "default": default_seed,
    "dqa3": dqa3_seed,
    "empty": lambda: {},
}


# ---------------------------------------------------------------------------
# Filtering (django-filter / drf-filters semantics, reduced to what is modelled).

class FilterError(Exception):
    """Invalid filter value: the real server answers 400 {param: [message]}."""

    def __init__(self, errors):
        super().__init__(errors)
        self.errors = errors


STR_LOOKUPS = ("exact", "icontains", "contains", "in")


class FilterSpec:
    """fields: name -> (kind, lookups, getter); related: name -> (spec factory, getter -> list)."""

    def __init__(self, fields, related=None):
        self.fields = fields
        self.related = related or {}


def _str_field(getter):
    return ("str", STR_LOOKUPS, getter)


def _site_spec():
    return FilterSpec({"name": _str_field(lambda s: s.name)})


def _unit_spec():
    return FilterSpec({
        "number": ("int", ("exact", "in"), lambda u: u.number),
        "name": _str_field(lambda u: u.name),
        "serial_number": _str_field(lambda u: u.serial_number),
        "location": _str_field(lambda u: u.location),
        "active": ("bool", ("exact",), lambda u: u.active),
    }, {"site": (_site_spec, lambda u: [u.site] if u.site else [])})


def _test_spec():
    return FilterSpec({
        "name": _str_field(lambda t: t.name),
        "slug": _str_field(lambda t: t.slug),
        "type": ("choice", ("exact",), lambda t: t.type),
        "description": ("str", ("icontains",), lambda t: t.description),
    })


def _test_list_spec():
    return FilterSpec({
        "name": _str_field(lambda tl: tl.name),
        "slug": _str_field(lambda tl: tl.slug),
        "description": ("str", ("icontains",), lambda tl: tl.description),
    }, {"tests": (_test_spec, lambda tl: tl.tests)})


def _utc_spec():
    return FilterSpec({
        "active": ("bool", ("exact",), lambda c: c.active),
        "name": _str_field(lambda c: c.name),
    }, {"unit": (_unit_spec, lambda c: [c.unit]),
        "test_list": (_test_list_spec, lambda c: [c.test_list])})


def tli_filter_spec(store_lookup):
    return FilterSpec({
        "user_key": ("str", ("exact",), lambda i: i["user_key"]),
        "in_progress": ("bool", ("exact",), lambda i: i["in_progress"]),
        "all_reviewed": ("bool", ("exact",), lambda i: i["all_reviewed"]),
        "day": ("int", ("exact", "in"), lambda i: i["day"]),
    }, {"unit_test_collection": (_utc_spec, lambda i: [store_lookup(i["utc_id"])]),
        "test_list": (_test_list_spec, lambda i: [i["test_list"]])})


SPECS = {
    "site": _site_spec,
    "unit": _unit_spec,
    "test": _test_spec,
    "testlist": _test_list_spec,
    "utc": _utc_spec,
}


def _parse_int(text):
    try:
        return int(text)
    except ValueError:
        try:
            f = float(text)
        except ValueError:
            return None
        return int(f) if f.is_integer() else f


def _bool_value(text):
    return {"1": True, "0": False, "true": True, "false": False}.get(text.lower())


def _compile(spec, parts, raw, param):
    """Returns a predicate for one query parameter, or None when the parameter is unknown."""
    head, rest = parts[0], parts[1:]
    if head in spec.related:
        factory, getter = spec.related[head]
        if not rest or rest == ["exact"]:
            # A bare related filter takes the related object's primary key.
            pk = _parse_int(raw)
            if not isinstance(pk, int):
                raise FilterError({param: ["Select a valid choice. That choice is not one of the available choices."]})
            return lambda obj: any(o is not None and o.id == pk for o in getter(obj))
        inner = _compile(factory(), rest, raw, param)
        if inner is None:
            return None
        return lambda obj: any(o is not None and inner(o) for o in getter(obj))
    if head not in spec.fields:
        return None
    kind, lookups, getter = spec.fields[head]
    if len(rest) > 1:
        return None
    lookup = rest[0] if rest else "exact"
    if lookup not in lookups:
        return None
    value = raw.strip()
    if kind == "bool":
        b = _bool_value(value)
        if b is None:
            return None  # BooleanWidget maps anything else to "no filter"
        return lambda obj: getter(obj) == b
    if lookup == "in":
        values = [v.strip() for v in value.split(",")]
        if kind == "int":
            nums = [_parse_int(v) for v in values]
            if any(n is None for n in nums):
                raise FilterError({param: ["Enter a number."]})
            return lambda obj: getter(obj) in nums
        return lambda obj: getter(obj) in values
    if kind == "int":
        n = _parse_int(value)
        if n is None:
            raise FilterError({param: ["Enter a number."]})
        return lambda obj: getter(obj) == n
    if lookup == "icontains":
        needle = value.casefold()
        return lambda obj: needle in (getter(obj) or "").casefold()
    if lookup == "contains":
        return lambda obj: value in (getter(obj) or "")
    return lambda obj: getter(obj) == value


RESERVED_PARAMS = ("limit", "offset", "format", "ordering")


def apply_filters(items, spec, params):
    """Keeps the items every known filter accepts. Unknown parameters and empty values
    are ignored (the real server's quirk: a misspelt filter returns every row).
    Raises FilterError for a known filter with an invalid value."""
    preds = []
    for name, raw in params.items():
        if name in RESERVED_PARAMS or raw.strip() == "":
            continue
        pred = _compile(spec, name.split("__"), raw, name)
        if pred is not None:
            preds.append(pred)
    return [it for it in items if all(p(it) for p in preds)]
