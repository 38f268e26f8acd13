"""JSON representations of the QATrack+ test double: what the API answers and what
/_control/stored reports. A mixin for qatrack_api.App, which provides self.base,
self.root (site root), self.zone (server zone) and self.dataset."""

import datetime

import qatrack_data as data
import qatrack_validation as validation


class Representations:
    def _url(self, req, kind, pk):
        seg = {"unit": "/units/units/", "site": "/units/sites/", "unittestcollection": "/qc/unittestcollections/",
               "testlist": "/qc/testlists/", "test": "/qc/tests/", "testlistinstance": "/qc/testlistinstances/",
               "testinstance": "/qc/testinstances/"}[kind]
        return "%s%s%s%d/" % (req.host_url if req else "", self.base, seg, pk)

    def _dt(self, value):
        if value is None:
            return None
        text = value.astimezone(self.zone).isoformat()
        return text[:-6] + "Z" if text.endswith("+00:00") else text

    def rep_site(self, req, s):
        return {"url": self._url(req, "site", s.id), "name": s.name,
                "slug": data.slugify(s.name)}

    def rep_unit(self, req, u):
        return {"url": self._url(req, "unit", u.id), "name": u.name, "number": u.number,
                "site": self._url(req, "site", u.site.id) if u.site else None, "type": None,
                "serial_number": u.serial_number, "location": u.location, "install_date": None,
                "date_acceptance": None, "active": u.active, "is_serviceable": True}

    def rep_test(self, req, t):
        calc = ""
        if t.type in (data.COMPOSITE, data.STRING_COMPOSITE):
            calc = "result = mean([%s])" % ", ".join(t.depends_on)
        return {"url": self._url(req, "test", t.id), "name": t.name, "slug": t.slug, "type": t.type,
                "description": t.description, "procedure": "", "category": None, "chart_visibility": True,
                "auto_review": True, "skip_without_comment": False, "hidden": False, "display_image": False,
                "constant_value": t.constant_value, "calculation_procedure": calc, "choices": ""}

    def rep_testlist(self, req, tl):
        return {"url": self._url(req, "testlist", tl.id), "name": tl.name, "slug": tl.slug,
                "description": tl.description, "javascript": "", "warning_message": "Do not treat",
                "tests": [self._url(req, "test", t.id) for t in tl.tests],
                "test_lists": [self._url(req, "testlist", s.id) for s in tl.sublists],
                "created": "2020-01-01T00:00:00Z", "created_by": self._user_url(req),
                "modified": "2020-01-01T00:00:00Z", "modified_by": self._user_url(req)}

    def _user_url(self, req):
        return "%s%s/auth/users/1/" % (req.host_url if req else "", self.base)

    def rep_utc(self, req, c):
        return {"url": self._url(req, "unittestcollection", c.id), "unit": self._url(req, "unit", c.unit.id),
                "frequency": None, "assigned_to": None, "visible_to": [],
                "tests_object": self._url(req, "testlist", c.test_list.id), "name": c.name, "active": c.active,
                "auto_schedule": False, "due_date": None,
                "last_instance": (self._url(req, "testlistinstance", c.last_instance_id)
                                  if c.last_instance_id else None),
                "object_id": c.test_list.id, "next_day": 0,
                "next_test_list": self._url(req, "testlist", c.test_list.id),
                "content_type": "%s%s/contenttypes/contenttypes/26/" % (req.host_url, self.base)}

    def _tli_common(self, req, i):
        return {"url": self._url(req, "testlistinstance", i["id"]),
                "site_url": "%s%s/qc/session/details/%d/" % (req.host_url, self.root, i["id"]),
                "unit_test_collection": self._url(req, "unittestcollection", i["utc_id"]),
                "test_list": self._url(req, "testlist", i["test_list"].id),
                "day": i["day"], "work_started": self._dt(i["work_started"]),
                "work_completed": self._dt(i["work_completed"]), "in_progress": i["in_progress"],
                "include_for_scheduling": i["include_for_scheduling"], "user_key": i["user_key"],
                "all_reviewed": i["all_reviewed"], "reviewed": self._dt(i["created"]) if i["all_reviewed"] else None,
                "reviewed_by": None, "due_date": None, "created": self._dt(i["created"]),
                "modified": self._dt(i["created"]), "created_by": self._user_url(req),
                "modified_by": self._user_url(req), "attachments": [], "flagged": False}

    def rep_tli(self, req, i):
        """A list / detail item: its test instances and comments are hyperlinks."""
        rep = self._tli_common(req, i)
        rep["test_instances"] = [self._url(req, "testinstance", ti["id"]) for ti in i["tests"]]
        rep["comments"] = ["%s%s/comments/%d/" % (req.host_url, self.base, i["id"])] if i["comment"] else []
        return rep

    def rep_tli_created(self, req, i):
        """The TestListInstanceCreator answer: pass_fail is a [code, display] pair there."""
        rep = self._tli_common(req, i)
        tests = {}
        for ti in i["tests"]:
            t = ti["test"]
            tests[t.slug] = {
                "url": self._url(None, "testinstance", ti["id"]),
                "value": ti["value"], "string_value": ti["string_value"] or "",
                "date_value": None, "datetime_value": None,
                "value_display": _value_display(ti), "diff_display": "",
                "pass_fail": [ti["pass_fail"], validation.PASS_FAIL_DISPLAY[ti["pass_fail"]]],
                "skipped": ti["skipped"], "comment": ti["comment"],
                "status": "%s/qc/testinstancestatus/1/" % self.base,
                "reference": "%s/qc/references/%d/" % (self.base, t.id) if t.reference is not None else None,
                "tolerance": "%s/qc/tolerances/%d/" % (self.base, t.id) if t.tolerance else None,
                "attachments": [],
            }
        rep["tests"] = tests
        rep["comment"] = i["comment"]
        return {k: rep[k] for k in CREATED_KEYS}

    def rep_ti(self, req, i, ti):
        return {"url": self._url(req, "testinstance", ti["id"]), "value": ti["value"],
                "string_value": ti["string_value"] or "", "skipped": ti["skipped"], "comment": ti["comment"],
                "pass_fail": ti["pass_fail"], "test_list_instance": self._url(req, "testlistinstance", i["id"]),
                "work_started": self._dt(i["work_started"]), "work_completed": self._dt(i["work_completed"])}

    def stored_json(self, i):
        """What /_control/stored reports for one instance: exactly what arrived and how it was read."""
        def when(dt, text):
            utc = dt.astimezone(datetime.timezone.utc)
            return {"text": text, "utc": utc.isoformat().replace("+00:00", "Z"), "local": self._dt(dt),
                    "epoch_us": (utc - datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc))
                    // datetime.timedelta(microseconds=1)}
        utc = self.dataset.utc(i["utc_id"])
        tests = {}
        for ti in i["tests"]:
            entry = {"type": ti["test"].type, "value": ti["value"], "string_value": ti["string_value"],
                     "skipped": ti["skipped"], "comment": ti["comment"], "pass_fail": ti["pass_fail"],
                     "sent": ti["sent"]}
            for k in ("filename", "encoding", "size"):
                if k in ti:
                    entry[k] = ti[k]
            tests[ti["test"].slug] = entry
        return {"id": i["id"], "url": self._url(None, "testlistinstance", i["id"]),
                "user_key": i["user_key"], "user_key_sent": i["user_key_sent"],
                "unit_test_collection": self._url(None, "unittestcollection", i["utc_id"]),
                "unit_test_collection_sent": i["unit_test_collection_sent"], "utc_id": i["utc_id"],
                "unit_number": utc.unit.number if utc else None,
                "unit_serial_number": utc.unit.serial_number if utc else None,
                "test_list": i["test_list"].name, "day": i["day"],
                "work_started": when(i["work_started"], i["work_started_text"]),
                "work_completed": when(i["work_completed"], i["work_completed_text"]),
                "in_progress": i["in_progress"], "include_for_scheduling": i["include_for_scheduling"],
                "comment": i["comment"], "all_reviewed": i["all_reviewed"], "tests": tests,
                "ignored_tests": i["ignored_tests"], "attachments": i["attachments"],
                "created_utc": i["created"].astimezone(datetime.timezone.utc).isoformat().replace("+00:00", "Z")}


# The keys of the real server's 201 answer, in its order.
CREATED_KEYS = ("url", "work_completed", "comment", "tests", "unit_test_collection", "test_list", "site_url",
                "work_started", "due_date", "in_progress", "flagged", "user_key", "include_for_scheduling",
                "reviewed", "all_reviewed", "day", "reviewed_by", "created_by")


def _value_display(ti):
    if ti["skipped"]:
        return "Skipped"
    v = ti["value"]
    if ti["test"].type == data.BOOLEAN:
        return "Yes" if v else "No"
    if isinstance(v, (int, float)):
        # No fixed decimals: 1.5 -> "1.5", 1.0 -> "1".
        return str(int(v)) if float(v).is_integer() else repr(float(v))
    return ti["string_value"] or ""
