#!/usr/bin/env python3
"""Unit tests of bench/score_pii.py on tiny hand-made truth / report pairs.

    python3 bench/test_score_pii.py      (or: python3 -m unittest discover bench)
"""

import io
import json
import os
import sys
import tempfile
import unittest
from contextlib import redirect_stderr, redirect_stdout

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import score_pii as sp  # noqa: E402

TYPES = ["cn_mobile", "email", "jwt", "cn_resident_id", "ipv4", "bank_card"]


def lab(method, path, where, field, typ):
    return {"method": method, "path": path, "in": where, "field": field, "type": typ,
            "occurrences": 1, "example": "x"}


def hn(method, path, where, field, kind):
    return {"method": method, "path": path, "in": where, "field": field, "kind": kind,
            "occurrences": 1, "example": "y"}


def truth():
    labels = [
        lab("GET", "/api/users/{param1}", "request.path", "{param1}", "cn_mobile"),
        lab("GET", "/api/users/{param1}", "request.header", "authorization", "jwt"),
        lab("GET", "/api/users/{param1}", "response.body", "data.list[].email", "email"),
        lab("GET", "/api/users/{param1}", "response.body", "data.list[].idCard", "cn_resident_id"),
        lab("POST", "/api/orgs/{param1}/members/{param2}", "request.path", "{param2}", "email"),
        lab("POST", "/api/orgs/{param1}/members/{param2}", "request.cookie", "sid", "jwt"),
        lab("POST", "/api/orgs/{param1}/members/{param2}", "request.header", "x-forwarded-for", "ipv4"),
    ]
    hard = [
        hn("GET", "/api/users/{param1}", "response.body", "data.list[].orderNo", "order_id"),
        hn("GET", "/api/users/{param1}", "request.header", "x-request-id", "uuid"),
    ]
    eps = [{"method": "GET", "path": "/api/users/{param1}"},
           {"method": "POST", "path": "/api/orgs/{param1}/members/{param2}"}]
    return {"types": TYPES, "endpoints": eps, "labels": labels, "hard_negatives": hard,
            "entries": [{"index": 0, "response_records": 3}, {"index": 1, "response_records": 0}]}


def perfect_report():
    """The truth written the way Lampyr would: its own parameter names, mixed header case."""
    return {"endpoints": [
        {"method": "get", "host": "h", "path": "/api/users/{userId}", "sensitive": [
            {"in": "request.path", "field": "{userId}", "type": "cn_mobile", "level": "L3"},
            {"in": "request.header", "field": "Authorization", "type": "jwt"},
            {"in": "response.body", "field": "$.data.list[*].email", "type": "email"},
            {"in": "response.body", "field": "data.list[0].idCard", "type": "cn_resident_id"},
        ]},
        {"method": "POST", "path": "/api//orgs/{org}/members/{m}?x=1", "sensitive": [
            {"in": "request.path", "field": "{m}", "type": "email"},
            {"in": "request.cookie", "field": "sid", "type": "jwt"},
            {"in": "request.header", "field": "X-Forwarded-For", "type": "ipv4"},
        ]},
    ]}


def run(report, types=None):
    return sp.score(report, truth(), types)


class ScorePiiTest(unittest.TestCase):
    def test_perfect_report(self):
        r = run(perfect_report())
        self.assertEqual((r["tp"], r["fp"], r["fn"]), (7, 0, 0))
        self.assertEqual(r["micro_f1"], 1.0)
        self.assertEqual(r["macro_f1"], 1.0)
        self.assertEqual(r["hardneg_fp_rate"], 0.0)
        self.assertEqual(r["macro_types"], 5)  # bank_card is in the vocabulary but not the truth

    def test_missing_label_lowers_recall(self):
        rep = perfect_report()
        rep["endpoints"][0]["sensitive"].pop(2)  # email
        r = run(rep)
        self.assertEqual(r["fn"], 1)
        self.assertLess(r["micro_recall"], 1.0)
        self.assertEqual(r["micro_precision"], 1.0)
        self.assertEqual(r["per_type"]["email"]["recall"], 0.5)
        self.assertEqual(r["false_negatives"][0]["label"],
                         "GET /api/users/{} response.body data.list[].email email")

    def test_hard_negative_label(self):
        rep = perfect_report()
        rep["endpoints"][0]["sensitive"].append(
            {"in": "response.body", "field": "data.list[].orderNo", "type": "bank_card"})
        r = run(rep)
        self.assertEqual(r["hardneg_fp_rate"], 0.5)
        self.assertEqual(r["fp"], 1)
        self.assertEqual(r["per_type"]["bank_card"]["precision"], 0.0)
        self.assertIn("hard negative (order_id)", r["false_positives"][0]["note"])
        # macro F1 ignores bank_card (not in the truth) -> still 1.0
        self.assertEqual(r["macro_f1"], 1.0)

    def test_path_params_named_differently(self):
        rep = perfect_report()
        rep["endpoints"][1]["path"] = "/api/orgs/{a}/members/{b}"
        rep["endpoints"][1]["sensitive"][0]["field"] = "b"  # bare name
        r = run(rep)
        self.assertEqual(r["micro_f1"], 1.0)
        # positional {param2} in the report works as well
        rep["endpoints"][1]["sensitive"][0]["field"] = "{param2}"
        self.assertEqual(run(rep)["micro_f1"], 1.0)
        # the wrong position is a miss + a false positive
        rep["endpoints"][1]["sensitive"][0]["field"] = "{a}"
        r = run(rep)
        self.assertEqual((r["fp"], r["fn"]), (1, 1))

    def test_header_case_insensitive(self):
        rep = perfect_report()
        rep["endpoints"][0]["sensitive"][1]["field"] = "AUTHORIZATION"
        self.assertEqual(run(rep)["micro_f1"], 1.0)

    def test_cookie_header_labels_ignored(self):
        rep = perfect_report()
        rep["endpoints"][1]["sensitive"].append({"in": "request.header", "field": "Cookie",
                                                 "type": "jwt"})
        rep["endpoints"][1]["sensitive"].append({"in": "response.header", "field": "Set-Cookie",
                                                 "type": "jwt"})
        r = run(rep)
        self.assertEqual(r["fp"], 0)
        self.assertEqual(r["ignored_cookie_header_labels"], 2)

    def test_unmatched_endpoint_labels_are_fps(self):
        rep = perfect_report()
        rep["endpoints"].append({"method": "GET", "path": "/other", "sensitive": [
            {"in": "response.body", "field": "email", "type": "email"}]})
        r = run(rep)
        self.assertEqual(r["fp"], 1)
        self.assertIn("endpoint not in truth", r["false_positives"][0]["note"])
        # a wrong method does not match either
        rep = perfect_report()
        rep["endpoints"][0]["method"] = "POST"
        r = run(rep)
        self.assertEqual((r["tp"], r["fn"]), (3, 4))

    def test_duplicates_and_split_endpoints_count_once(self):
        rep = perfect_report()
        rep["endpoints"][0]["sensitive"].append({"in": "request.header", "field": "authorization",
                                                 "type": "jwt"})
        rep["endpoints"].append({"method": "GET", "path": "/api/users/{x}", "sensitive": [
            {"in": "response.body", "field": "data.list[].email", "type": "email"}]})
        r = run(rep)
        self.assertEqual((r["tp"], r["fp"], r["fn"]), (7, 0, 0))

    def test_types_subset(self):
        rep = perfect_report()
        rep["endpoints"][0]["sensitive"].pop(0)  # cn_mobile missing: not scored below
        r = run(rep, types={"email", "ipv4"})
        self.assertEqual((r["tp"], r["fp"], r["fn"]), (3, 0, 0))
        self.assertEqual(set(r["per_type"]), {"email", "ipv4"})

    def test_records_and_cli(self):
        with tempfile.TemporaryDirectory() as d:
            tp, rp = os.path.join(d, "truth.json"), os.path.join(d, "r.json")
            rec, out = os.path.join(d, "rec.jsonl"), os.path.join(d, "out.json")
            for path, doc in ((tp, truth()), (rp, perfect_report())):
                with open(path, "w") as fh:
                    json.dump(doc, fh)
            with open(rec, "w") as fh:
                fh.write('{"index": 0, "response_records": 2}\n{"index": 1, "response_records": 0}\n')
            buf = io.StringIO()
            with redirect_stdout(buf):
                rc = sp.main([rp, tp, "--json", out, "--records", rec, "--verbose"])
            self.assertEqual(rc, 0)
            self.assertEqual(buf.getvalue().strip().splitlines()[-1],
                             "pii microF1=1.000 macroF1=1.000 hardneg_fp=0.000")
            with open(out) as fh:
                data = json.load(fh)
            self.assertEqual(data["records"]["exact_match_rate"], 0.5)
            self.assertEqual(data["records"]["mean_abs_error"], 0.5)
            with redirect_stdout(io.StringIO()), redirect_stderr(io.StringIO()):
                self.assertEqual(sp.main([rp, tp, "--types", "nope"]), 2)


if __name__ == "__main__":
    unittest.main()
