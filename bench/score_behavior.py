#!/usr/bin/env python3
"""Score behaviour-abuse findings against a behaviour-corpus truth.json.

    score_behavior.py REPORT TRUTH_JSON [--json OUT] [--verbose]

REPORT is any JSON with {"findings": [{"category", "exchanges": [HAR entry index, ...], ...}]}
(a Lampyr report from `lampyr analyze --report`). Implements "Scoring" of
shared/corpora/behavior-dev/README.md:

1. only findings whose category starts with `abuse.` or `leak.` count; a category matches a kind
   when it equals it or extends it after a dot (`abuse.bola.sequential` is `abuse.bola`);
2. a scenario is detected when a finding of its kind cites one of its entries, detected with
   another label when only a finding of an accepted near-synonym (truth `synonyms`) does;
   recall = detected / scenarios, relaxed_recall = (detected + other label) / scenarios, overall
   and per kind;
3. time to detect per detected scenario: how many of its entries come before the first of its
   entries that a detecting finding cites, and the seconds between its first entry and that one;
4. a finding whose valid cited entries are >= 90 % benign is a false alarm, > 10 % and < 90 %
   mixed, otherwise clean; false alarms and mixed findings accuse the benign actors whose
   entries they cite (benign_actors_accused) and the hard negatives with a cited entry
   (hardneg_accused). Findings citing no valid entry neither detect nor accuse.

The last line of the text output is

    behavior recall=0.947 relaxed_recall=1.000 benign_actors_accused=0 hardneg_accused=0

Standard library only. Exit status 2 on unreadable / malformed input.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from collections import defaultdict
from datetime import datetime

FALSE_ALARM = 0.9
CLEAN = 0.1


class ScoreError(Exception):
    pass


def load_json(path: str):
    try:
        with open(path, "rb") as fh:
            return json.loads(fh.read().decode("utf-8-sig"))
    except OSError as exc:
        raise ScoreError(f"cannot read {path}: {exc}") from exc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ScoreError(f"{path} is not JSON: {exc}") from exc


def counts(category: str) -> bool:
    """Only abuse.* and leak.* findings are scored."""
    return category.startswith("abuse.") or category.startswith("leak.")


def matches(category: str, kind: str) -> bool:
    """A category matches a kind when equal or extending it after a dot."""
    return category == kind or category.startswith(kind + ".")


def synonyms_of(kind: str, synonyms) -> set:
    out = set()
    for pair in synonyms:
        if kind in pair:
            out.update(k for k in pair if k != kind)
    return out


def parse_time(text) -> float | None:
    if not isinstance(text, str):
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def findings_of(report) -> list:
    if not isinstance(report, dict) or not isinstance(report.get("findings"), list):
        raise ScoreError('report has no "findings" list')
    out = []
    for f in report["findings"]:
        if not isinstance(f, dict):
            continue
        cat = f.get("category")
        ex = f.get("exchanges")
        if not isinstance(cat, str) or not counts(cat):
            continue
        cited = []
        if isinstance(ex, list):
            cited = [i for i in ex if isinstance(i, int) and not isinstance(i, bool)]
        out.append({"category": cat, "rule": f.get("rule"), "exchanges": cited})
    return out


def score(report, truth) -> dict:
    if not isinstance(truth, dict) or not isinstance(truth.get("entries"), list):
        raise ScoreError("truth has no entries")
    entries = truth["entries"]
    n = len(entries)
    benign = truth.get("benign_actors") or {}
    synonyms = truth.get("synonyms") or []
    scenarios = truth.get("scenarios") or []
    hardnegs = truth.get("hard_negatives") or []
    findings = findings_of(report)
    for f in findings:
        f["valid"] = sorted({i for i in f["exchanges"] if 0 <= i < n})

    kinds = list(dict.fromkeys([s["kind"] for s in scenarios]))
    per_kind = {k: {"scenarios": 0, "detected": 0, "other_label": 0, "entries_to_detect": [],
                    "seconds_to_detect": []} for k in kinds}
    rows = []
    for s in scenarios:
        kind = s["kind"]
        own = s.get("entries") or []
        pos = {e: k for k, e in enumerate(own)}
        syn = synonyms_of(kind, synonyms)
        first_exact = None
        first_other = None
        for f in findings:
            hit = [i for i in f["valid"] if i in pos]
            if not hit:
                continue
            first = min(hit, key=lambda i: pos[i])
            if matches(f["category"], kind):
                if first_exact is None or pos[first] < pos[first_exact]:
                    first_exact = first
            elif any(matches(f["category"], k) for k in syn):
                if first_other is None or pos[first] < pos[first_other]:
                    first_other = first
        row = {"id": s["id"], "kind": kind, "intensity": s.get("intensity"),
               "detected": first_exact is not None,
               "other_label": first_exact is None and first_other is not None}
        first = first_exact if first_exact is not None else first_other
        if first is not None and own:
            row["entries_before"] = pos[first]
            t0 = parse_time(entries[own[0]].get("t"))
            t1 = parse_time(entries[first].get("t"))
            row["seconds_to_detect"] = round(t1 - t0, 1) if t0 is not None and t1 is not None else None
        rows.append(row)
        pk = per_kind[kind]
        pk["scenarios"] += 1
        pk["detected"] += row["detected"]
        pk["other_label"] += row["other_label"]
        if row["detected"]:
            pk["entries_to_detect"].append(row["entries_before"])
            if row.get("seconds_to_detect") is not None:
                pk["seconds_to_detect"].append(row["seconds_to_detect"])

    # False alarms and accusations.
    hn_entries = {h["id"]: set(h.get("entries") or []) for h in hardnegs}
    accused_actors = set()
    accused_hn = set()
    false_alarms = mixed = clean = 0
    for f in findings:
        valid = f["valid"]
        if not valid:
            continue
        ben = [i for i in valid if entries[i].get("actor") in benign]
        share = len(ben) / len(valid)
        if share >= FALSE_ALARM:
            false_alarms += 1
            f["verdict"] = "false_alarm"
        elif share > CLEAN:
            mixed += 1
            f["verdict"] = "mixed"
        else:
            clean += 1
            f["verdict"] = "clean"
            continue
        accused_actors.update(entries[i]["actor"] for i in ben)
        cited = set(ben)
        for hid, es in hn_entries.items():
            if es & cited:
                accused_hn.add(hid)

    total = len(scenarios) or 1
    detected = sum(r["detected"] for r in rows)
    other = sum(r["other_label"] for r in rows)
    kinds_out = {}
    for k, pk in per_kind.items():
        sc = pk["scenarios"] or 1
        kinds_out[k] = {
            "scenarios": pk["scenarios"], "detected": pk["detected"],
            "other_label": pk["other_label"],
            "recall": round(pk["detected"] / sc, 3),
            "relaxed_recall": round((pk["detected"] + pk["other_label"]) / sc, 3),
            "median_entries_to_detect": median(pk["entries_to_detect"]),
            "median_seconds_to_detect": median(pk["seconds_to_detect"]),
        }
    return {
        "scenarios": len(scenarios),
        "recall": round(detected / total, 3),
        "relaxed_recall": round((detected + other) / total, 3),
        "findings": len(findings),
        "false_alarms": false_alarms,
        "mixed_findings": mixed,
        "clean_findings": clean,
        "benign_actors_accused": len(accused_actors),
        "hardneg_accused": len(accused_hn),
        "hardnegs_accused": sorted(accused_hn),
        "per_kind": kinds_out,
        "per_scenario": rows,
        "accused_actors": sorted(accused_actors),
        "flagged": [{"rule": f["rule"], "category": f["category"], "verdict": f["verdict"],
                     "cited": len(f["valid"])}
                    for f in findings if f.get("verdict") in ("false_alarm", "mixed")],
    }


def median(xs):
    return statistics.median(xs) if xs else None


def final_line(r) -> str:
    return (f"behavior recall={r['recall']:.3f} relaxed_recall={r['relaxed_recall']:.3f} "
            f"benign_actors_accused={r['benign_actors_accused']} "
            f"hardneg_accused={r['hardneg_accused']}")


def print_text(r, verbose: bool) -> None:
    print(f"{'kind':28} {'n':>3} {'det':>4} {'other':>5} {'recall':>7} {'relaxed':>8} "
          f"{'med_entries':>11} {'med_s':>8}")
    for k, v in r["per_kind"].items():
        me = "-" if v["median_entries_to_detect"] is None else f"{v['median_entries_to_detect']:g}"
        ms = "-" if v["median_seconds_to_detect"] is None else f"{v['median_seconds_to_detect']:.0f}"
        print(f"{k:28} {v['scenarios']:>3} {v['detected']:>4} {v['other_label']:>5} "
              f"{v['recall']:>7.3f} {v['relaxed_recall']:>8.3f} {me:>11} {ms:>8}")
    print()
    print(f"{'scenario':26} {'intensity':13} {'result':12} {'entries_before':>14} {'seconds':>8}")
    for row in r["per_scenario"]:
        res = "detected" if row["detected"] else ("other_label" if row["other_label"] else "MISSED")
        eb = row.get("entries_before", "-")
        sec = row.get("seconds_to_detect")
        print(f"{row['id']:26} {str(row['intensity']):13} {res:12} {eb!s:>14} "
              f"{'-' if sec is None else f'{sec:.0f}':>8}")
    print()
    print(f"findings={r['findings']} clean={r['clean_findings']} mixed={r['mixed_findings']} "
          f"false_alarms={r['false_alarms']}")
    if r["hardnegs_accused"]:
        print("hard negatives accused: " + ", ".join(r["hardnegs_accused"]))
    if verbose:
        for f in r["flagged"]:
            print(f"  {f['verdict']}: {f['rule']} {f['category']} ({f['cited']} cited)")
        if r["accused_actors"]:
            print("benign actors accused: " + ", ".join(r["accused_actors"]))
    print(final_line(r))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 epilog=__doc__.split("\n\n", 1)[1],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("report", help='report JSON ({"findings": [{category, exchanges}]})')
    ap.add_argument("truth", help="truth.json of the corpus")
    ap.add_argument("--json", metavar="OUT", help="also write the figures as JSON to OUT ('-' = stdout)")
    ap.add_argument("--verbose", "-v", action="store_true", help="list false alarms and accused actors")
    args = ap.parse_args(argv)
    try:
        r = score(load_json(args.report), load_json(args.truth))
    except ScoreError as exc:
        print(f"score_behavior: error: {exc}", file=sys.stderr)
        return 2
    r["line"] = final_line(r)
    if args.json == "-":
        json.dump(r, sys.stdout, indent=1, ensure_ascii=False)
        sys.stdout.write("\n")
        return 0
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(r, fh, indent=1, ensure_ascii=False)
            fh.write("\n")
    print_text(r, args.verbose)
    return 0


if __name__ == "__main__":
    sys.exit(main())
