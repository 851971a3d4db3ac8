#!/usr/bin/env python3
"""Unit tests of bench/score_behavior.py against the "Scoring" section of the behaviour corpus
README, on a tiny hand-made truth.

    python3 bench/test_score_behavior.py      (or: python3 -m unittest discover bench)
"""

import io
import json
import os
import sys
import tempfile
import unittest
from contextlib import redirect_stdout

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import score_behavior as sb  # noqa: E402


def truth():
    # Entries 0-3: scenario s1 (bola); 4-5: scenario s2 (credential stuffing); 6-9 benign
    # (b1: 6, 7; b2: 8, 9); hard negative hn1 = entries 8, 9.
    actors = ["s1"] * 4 + ["s2"] * 2 + ["b1", "b1", "b2", "b2"]
    entries = [{"i": i, "t": f"2024-06-11T08:00:{i * 10:02d}.000+08:00", "actor": a}
               for i, a in enumerate(actors)]
    return {
        "entries": entries,
        "synonyms": [["abuse.credential_stuffing", "abuse.brute_force"],
                     ["abuse.scraping", "leak.bulk_sensitive"]],
        "scenarios": [
            {"id": "s1", "kind": "abuse.bola", "intensity": "obvious", "entries": [0, 1, 2, 3]},
            {"id": "s2", "kind": "abuse.credential_stuffing", "intensity": "moderate",
             "entries": [4, 5]},
        ],
        "hard_negatives": [{"id": "hn1", "entries": [8, 9]}],
        "benign_actors": {"b1": {"kind": "x"}, "b2": {"kind": "y"}},
    }


def f(category, exchanges, rule="r"):
    return {"rule": rule, "category": category, "exchanges": exchanges}


class Scoring(unittest.TestCase):
    def test_exact_kind_and_subcategory_detect(self):
        r = sb.score({"findings": [f("abuse.bola.sequential", [2, 3]),
                                   f("abuse.credential_stuffing", [5])]}, truth())
        self.assertEqual(r["recall"], 1.0)
        row = r["per_scenario"][0]
        self.assertEqual((row["entries_before"], row["seconds_to_detect"]), (2, 20.0))
        self.assertEqual(r["per_scenario"][1]["entries_before"], 1)

    def test_synonym_counts_only_for_relaxed_recall(self):
        r = sb.score({"findings": [f("abuse.brute_force", [4])]}, truth())
        self.assertEqual(r["recall"], 0.0)
        self.assertEqual(r["relaxed_recall"], 0.5)
        self.assertTrue(r["per_scenario"][1]["other_label"])

    def test_other_prefixes_and_wrong_kinds_do_not_detect(self):
        r = sb.score({"findings": [f("attack.sqli", [0]), f("abuse.bolaX", [0]),
                                   f("abuse.scanner", [0])]}, truth())
        self.assertEqual(r["relaxed_recall"], 0.0)
        self.assertEqual(r["findings"], 2)

    def test_false_alarm_mixed_and_clean(self):
        r = sb.score({"findings": [
            f("abuse.scraping", [8, 9]),                       # all benign: false alarm
            f("abuse.bola", [0, 1, 6]),                         # 1/3 benign: mixed
            f("abuse.bola", list(range(4)) * 1 + [4, 5, 0, 1, 2, 3] + [6]),  # 1/7 benign: mixed
        ]}, truth())
        self.assertEqual(r["false_alarms"], 1)
        self.assertEqual(r["mixed_findings"], 2)
        self.assertEqual(r["benign_actors_accused"], 2)
        self.assertEqual(r["hardneg_accused"], 1)

    def test_clean_finding_tolerates_few_benign_entries(self):
        # 1 benign of 11 distinct cited entries is > 10 %: use 10 attacker entries + 1 benign
        # out of 11 -> 9.1 % -> clean.
        t = truth()
        t["entries"] += [{"i": 10 + k, "t": "2024-06-11T08:02:00.000+08:00", "actor": "s1"}
                         for k in range(6)]
        t["scenarios"][0]["entries"] += list(range(10, 16))
        r = sb.score({"findings": [f("abuse.bola", [0, 1, 2, 3, 10, 11, 12, 13, 14, 15, 6])]}, t)
        self.assertEqual(r["clean_findings"], 1)
        self.assertEqual(r["benign_actors_accused"], 0)

    def test_invalid_indexes_neither_detect_nor_accuse(self):
        r = sb.score({"findings": [f("abuse.bola", [99, -1, "x"])]}, truth())
        self.assertEqual(r["recall"], 0.0)
        self.assertEqual(r["false_alarms"], 0)

    def test_cli_prints_summary_line_and_rejects_bad_input(self):
        with tempfile.TemporaryDirectory() as d:
            rp, tp = os.path.join(d, "r.json"), os.path.join(d, "t.json")
            json.dump({"findings": [f("abuse.bola", [0])]}, open(rp, "w"))
            json.dump(truth(), open(tp, "w"))
            out = io.StringIO()
            with redirect_stdout(out):
                self.assertEqual(sb.main([rp, tp]), 0)
            self.assertEqual(out.getvalue().strip().splitlines()[-1],
                             "behavior recall=0.500 relaxed_recall=0.500 "
                             "benign_actors_accused=0 hardneg_accused=0")
            json.dump({"nope": 1}, open(rp, "w"))
            with redirect_stdout(io.StringIO()):
                self.assertEqual(sb.main([rp, tp]), 2)


if __name__ == "__main__":
    unittest.main()
