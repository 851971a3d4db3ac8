#!/usr/bin/env python3
"""Markdown table for bench/discovery.sh.

    discovery_table.py OUT_DIR CORPUS_DIR API...

Reads OUT_DIR/<api>.score.json (score_discovery.py --json), OUT_DIR/<api>.seconds and
OUT_DIR/<api>.failed. A failed API counts as precision = recall = F1 = 0 in the means; its
field recalls are n/a. Field-recall means are over the APIs where the recall is defined.
"""

from __future__ import annotations

import json
import os
import sys

F1_BAR = 0.90

COLUMNS = ["api", "endpoints truth", "exported", "precision", "recall", "F1", "query recall",
           "req field recall", "resp field recall", "seconds"]


def read(path):
    try:
        with open(path, encoding="utf-8") as fh:
            return fh.read().strip()
    except OSError:
        return None


def fmt(v):
    return "n/a" if v is None else f"{v:.3f}"


def mean(values):
    vals = [v for v in values if v is not None]
    return sum(vals) / len(vals) if vals else None


def main(argv):
    if len(argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    out_dir, corpus, apis = argv[0], argv[1], argv[2:]
    rows = []
    for api in apis:
        score_txt = read(os.path.join(out_dir, f"{api}.score.json"))
        failed = read(os.path.join(out_dir, f"{api}.failed"))
        secs = read(os.path.join(out_dir, f"{api}.seconds"))
        secs = float(secs) if secs else None
        if score_txt and not failed:
            s = json.loads(score_txt)
            rows.append({"api": api, "truth": s["endpoints_truth"],
                         "exported": s["endpoints_exported"], "precision": s["precision"],
                         "recall": s["recall"], "f1": s["f1"], "query": s["query_recall"],
                         "req": s["request_field_recall"], "resp": s["response_field_recall"],
                         "seconds": secs, "failed": None})
        else:
            try:
                with open(os.path.join(corpus, api, "truth.json"), encoding="utf-8") as fh:
                    n_truth = len(json.load(fh)["endpoints"])
            except (OSError, ValueError, KeyError):
                n_truth = None
            rows.append({"api": api, "truth": n_truth, "exported": None, "precision": 0.0,
                         "recall": 0.0, "f1": 0.0, "query": None, "req": None, "resp": None,
                         "seconds": secs, "failed": failed or "no score"})

    lines = ["| " + " | ".join(COLUMNS) + " |",
             "|" + "|".join(["---"] + ["---:"] * (len(COLUMNS) - 1)) + "|"]
    for r in rows:
        name = f"`{r['api']}`" + (f" **FAILED** ({r['failed']})" if r["failed"] else "")
        lines.append("| " + " | ".join([
            name,
            "?" if r["truth"] is None else str(r["truth"]),
            "-" if r["exported"] is None else str(r["exported"]),
            fmt(r["precision"]), fmt(r["recall"]), fmt(r["f1"]),
            fmt(r["query"]), fmt(r["req"]), fmt(r["resp"]),
            "-" if r["seconds"] is None else f"{r['seconds']:.2f}",
        ]) + " |")
    n = len(rows)
    total_truth = sum(r["truth"] or 0 for r in rows)
    total_exported = sum(r["exported"] or 0 for r in rows)
    total_secs = sum(r["seconds"] or 0.0 for r in rows)
    lines.append("| " + " | ".join([
        f"**mean** ({n} API{'' if n == 1 else 's'})",
        f"Σ {total_truth}", f"Σ {total_exported}",
        fmt(mean(r["precision"] for r in rows)), fmt(mean(r["recall"] for r in rows)),
        fmt(mean(r["f1"] for r in rows)),
        fmt(mean(r["query"] for r in rows)), fmt(mean(r["req"] for r in rows)),
        fmt(mean(r["resp"] for r in rows)),
        f"Σ {total_secs:.2f}",
    ]) + " |")
    below = [r["api"] for r in rows if r["f1"] < F1_BAR]
    lines.append("")
    lines.append(f"APIs below F1 {F1_BAR:.2f}: {len(below)} of {n}"
                 + (" (" + ", ".join(below) + ")" if below else ""))
    failed = [r["api"] for r in rows if r["failed"]]
    if failed:
        lines.append(f"failed runs: {len(failed)} ({', '.join(failed)})")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
