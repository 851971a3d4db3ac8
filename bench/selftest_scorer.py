#!/usr/bin/env python3
"""End-to-end self-test of the discovery scorer on the corpus.

    selftest_scorer.py [CORPUS]     (default: ../shared/corpora/discovery-dev from the repo root)

1. truth.json -> OpenAPI (bench/truth_to_openapi.py, every style, with and without $refs)
   must score F1 = precision = recall = 1 and every field recall 1 (or n/a) on every API.
2. The README's trivial baselines must land on its table (means over the APIs):
   every concrete path is an endpoint -> 0.086 / 0.330 / 0.121,
   numeric / UUID / long-hex segments -> parameter -> 0.240 / 0.447 / 0.267.
Exit status 0 when everything holds.
"""

from __future__ import annotations

import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import score_discovery as sd  # noqa: E402
import trivial_baseline  # noqa: E402
import truth_to_openapi  # noqa: E402

EXPECTED = {"concrete": (0.086, 0.330, 0.121), "ids": (0.240, 0.447, 0.267)}
TOLERANCE = 0.0005


def perfect(r):
    return (r["f1"] == 1.0 and r["precision"] == 1.0 and r["recall"] == 1.0
            and all(r[k] in (None, 1.0) for k in
                    ("query_recall", "request_field_recall", "response_field_recall")))


def main(argv):
    corpus = argv[0] if argv else os.path.join(HERE, "..", "..", "shared", "corpora",
                                                "discovery-dev")
    apis = sorted(a for a in os.listdir(corpus)
                  if os.path.isfile(os.path.join(corpus, a, "truth.json"))
                  and os.path.isfile(os.path.join(corpus, a, "traffic.har")))
    if not apis:
        print(f"no APIs in {corpus}")
        return 2
    ok = True
    means = {k: [0.0, 0.0, 0.0] for k in EXPECTED}
    for api in apis:
        with open(os.path.join(corpus, api, "truth.json"), encoding="utf-8") as fh:
            truth = json.load(fh)
        bad = []
        for style in ("plain", "servers", "swagger2"):
            for refs in (False, True):
                doc = truth_to_openapi.build(truth, style, refs)
                # round-trip through JSON like a real file
                r = sd.score(json.loads(json.dumps(doc)), truth)
                if not perfect(r):
                    bad.append(f"{style}{'+refs' if refs else ''}: {sd.final_line(r)}")
        with open(os.path.join(corpus, api, "traffic.har"), encoding="utf-8") as fh:
            har = json.load(fh)
        base = []
        for strategy in EXPECTED:
            r = sd.score(trivial_baseline.build(har, strategy), truth)
            for i, k in enumerate(("precision", "recall", "f1")):
                means[strategy][i] += r[k] / len(apis)
            base.append(f"{strategy} P={r['precision']:.3f} R={r['recall']:.3f} F1={r['f1']:.3f}")
        status = "truth->openapi F1=1 (6 styles)" if not bad else "truth->openapi NOT PERFECT"
        print(f"{api:18} {status:32} {' | '.join(base)}")
        for b in bad:
            print("    " + b)
        ok &= not bad
    for strategy, exp in EXPECTED.items():
        got = means[strategy]
        match = all(abs(g - e) <= TOLERANCE for g, e in zip(got, exp))
        ok &= match
        print(f"trivial '{strategy}' mean over {len(apis)} APIs: precision={got[0]:.3f} "
              f"recall={got[1]:.3f} F1={got[2]:.3f}  (README {exp[0]:.3f}/{exp[1]:.3f}/"
              f"{exp[2]:.3f}) {'OK' if match else 'MISMATCH'}   "
              f"[unrounded {got[0]:.5f} / {got[1]:.5f} / {got[2]:.5f}]")
    print("selftest " + ("OK" if ok else "FAILED"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
