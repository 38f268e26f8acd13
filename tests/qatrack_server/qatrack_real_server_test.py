"""Self-tests of the QATrack+ test double against what a real QATrack+ was seen to do.

One test per point of qatrack-api.md's "Seen on a real QATrack+" (measured against a
real server), and the upload-permission probe `qcflow validate` relies on. Run with
the other self-tests: cd tests/qatrack_server && python3 -m unittest -v
"""
import unittest
import urllib.parse

from qatrack_server_test import BEAM, TOKEN, WRONG_FORMAT, ServerTest


READ_ONLY_TOKEN = "abcdefabcdefabcdefabcdefabcdefabcdefabcd"


class SeenOnRealServerTest(ServerTest):
    """One test per point of the spec's "Seen on a real QATrack+" list, in its order."""

    def test_1_auth_root_answers_without_credentials(self):
        for headers in ({}, {"Authorization": "Bearer " + TOKEN}, {"RadAuthorization": "Token " + TOKEN}):
            r = self.get("/auth/", token=None, headers=headers)
            self.assertEqual(r.status, 200, headers)
        # ...while a route that needs a token refuses the same requests.
        for headers in ({}, {"Authorization": "Bearer " + TOKEN}, {"RadAuthorization": "Token " + TOKEN}):
            self.assertEqual(self.get("/units/units/?limit=1", token=None, headers=headers).status, 401, headers)
        self.assertEqual(self.get("/units/units/?limit=1").status, 200)

    def test_2_empty_or_null_comment_is_no_comment(self):
        r = self.post_tli(self.payload(comment=""))
        self.assertEqual(r.status, 201, r.text)
        self.assertEqual(r.json()["comment"], "")
        self.assertTrue(r.json()["all_reviewed"])
        r = self.post_tli(self.payload(comment=None, user_key="second"))
        self.assertEqual(r.status, 201, r.text)
        self.assertEqual([i["comment"] for i in self.stored()["results"]], ["", ""])

    def test_3_number_to_a_string_test_is_stored_as_text(self):
        self.control("POST", "seed", {"builtin": "dqa3"})
        tests = {"data_key": {"value": 101}, "signature": {"value": "jdoe"}, "device": {"value": "QA3"},
                 "machine_name": {"value": "Versa"}, "room_name": {"value": "Bunker 2"},
                 "temperature": {"value": 21.5}, "pressure": {"value": 1013}, "dose": {"value": 1.0},
                 "dose_baseline": {"value": 1.0}, "dose_diff": {"value": 0.0}}
        r = self.post_tli(self.payload(tests=tests))
        self.assertEqual(r.status, 201, r.text)
        self.assertEqual(r.json()["tests"]["data_key"]["string_value"], "101")
        self.assertEqual(self.stored()["results"][0]["tests"]["data_key"]["string_value"], "101")

    def test_4_true_to_a_numeric_test_is_one(self):
        body = self.payload()
        body["tests"]["beamgroup_beamuniformitychange_per_6x"] = {"value": True}
        r = self.post_tli(body)
        self.assertEqual(r.status, 201, r.text)
        t = r.json()["tests"]["beamgroup_beamuniformitychange_per_6x"]
        self.assertEqual((t["value"], t["value_display"]), (1.0, "1"))

    def test_5_value_display_has_no_fixed_decimals(self):
        body = self.payload()
        body["tests"]["beamgroup_beamoutputchange_per_6x"] = {"value": 1.5}
        body["tests"]["beamgroup_beamuniformitychange_per_6x"] = {"value": 1.0}
        tests = self.post_tli(body).json()["tests"]
        self.assertEqual(tests["beamgroup_beamoutputchange_per_6x"]["value_display"], "1.5")
        self.assertEqual(tests["beamgroup_beamuniformitychange_per_6x"]["value_display"], "1")

    def test_6_created_answer_keys(self):
        r = self.post_tli(self.payload())
        self.assertEqual(set(r.json()), {
            "url", "work_completed", "comment", "tests", "unit_test_collection", "test_list", "site_url",
            "work_started", "due_date", "in_progress", "flagged", "user_key", "include_for_scheduling",
            "reviewed", "all_reviewed", "day", "reviewed_by", "created_by"})

    def test_7_list_items_carry_test_instances_comments_flagged(self):
        self.post_tli(self.payload())
        for path in ("/qa/testlistinstances/", "/qa/testlistinstances/?user_key=" +
                     urllib.parse.quote(self.payload()["user_key"])):
            item = self.get(path).json()["results"][0]
            self.assertLessEqual({"test_instances", "comments", "flagged"}, set(item), path)
            self.assertEqual(len(item["test_instances"]), 8)

    def test_8_unit_utc_test_list_and_auth_root_fields(self):
        unit = self.get("/units/units/?number=1").json()["results"][0]
        self.assertEqual(set(unit), {"url", "name", "number", "site", "type", "serial_number", "location",
                                     "install_date", "date_acceptance", "active", "is_serviceable"})
        utc = self.get("/qa/unittestcollections/?unit__number=1").json()["results"][0]
        self.assertLessEqual({"next_day", "next_test_list"}, set(utc))
        tl = self.get("/qa/testlists/?name=" + urllib.parse.quote(BEAM)).json()["results"][0]
        self.assertLessEqual({"created", "created_by", "modified", "modified_by"}, set(tl))
        self.assertEqual(set(self.get("/auth/").json()), {"users", "groups"})

    def test_9_date_format_error_lists_formats_in_server_order(self):
        r = self.post_tli(self.payload(work_started="2020-06-25T07:11:30"))
        self.assertEqual(r.json(), {"work_started": [WRONG_FORMAT]})

    def test_10_user_without_upload_permission_reads_but_cannot_post(self):
        self.configure(read_only_tokens=[READ_ONLY_TOKEN])
        for path in ("/units/units/", "/qa/unittestcollections/", "/qa/testlists/", "/qa/testlistinstances/"):
            self.assertEqual(self.get(path, token=READ_ONLY_TOKEN).status, 200, path)
        r = self.post_tli(self.payload(), token=READ_ONLY_TOKEN)
        self.assertEqual(r.status, 403)
        self.assertEqual(r.json(), {"detail": "You do not have permission to perform this action."})
        self.assertEqual(self.stored()["count"], 0)
        self.assertEqual(self.post_tli(self.payload()).status, 201)  # the server's own token still may

    def test_11_dqa3_seed_has_string_context_tests(self):
        self.control("POST", "seed", {"builtin": "dqa3"})
        tl = self.get("/qa/testlists/?name=" + urllib.parse.quote("Daily QA3 Results: 6 MV")).json()["results"][0]
        types = {}
        for url in tl["tests"]:
            t = self.get(url).json()
            types[t["slug"]] = t["type"]
        for slug in ("data_key", "signature", "device", "machine_name", "room_name"):
            self.assertEqual(types[slug], "string", slug)
        self.assertEqual(types["dose"], "simple")


class UploadPermissionProbeTest(ServerTest):
    """POST {} to testlistinstances/: how validate learns whether a token may upload."""

    def test_empty_body_without_permission_is_403(self):
        self.configure(read_only_tokens=[READ_ONLY_TOKEN])
        r = self.post_tli({}, token=READ_ONLY_TOKEN)
        self.assertEqual(r.status, 403)

    def test_empty_body_with_permission_names_the_required_fields(self):
        r = self.post_tli({})
        self.assertEqual(r.status, 400)
        self.assertLessEqual({"work_started", "tests"}, set(r.json()))
        self.assertEqual(r.json()["tests"], ["This field is required."])
        self.assertEqual(self.stored()["count"], 0)

    def test_read_only_tokens_must_be_tokens(self):
        r = self.control("POST", "config", {"read_only_tokens": ["short"]})
        self.assertEqual(r.status, 400)


if __name__ == "__main__":
    unittest.main()
