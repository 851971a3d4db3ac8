#!/usr/bin/env python3
"""Score a sensitive-data report against a PII-corpus truth.json.

    score_pii.py REPORT TRUTH_JSON [--types a,b] [--json OUT] [--verbose] [--records FILE]

REPORT is a Lampyr analysis report (`lampyr analyze … --report r.json`) or any JSON of the shape
{"endpoints": [{"method", "path", "sensitive": [{"in", "field", "type", ...}]}]}.
Implements "Scoring" of shared/corpora/pii-dev/README.md:

1. report endpoints are matched to truth endpoints by method and template with parameter names
   ignored ({id} = {param1}); host, query string and empty segments are ignored. Labels of
   unmatched report endpoints are false positives, labels of unmatched truth endpoints false
   negatives;
2. fields are normalised: header names lower-cased, a `$.` / `$` prefix dropped, `[0]` / `[*]` /
   `[n]` written `[]`; a request.path field given as the report template's own parameter name
   (`{id}` or `id`) is mapped to `{paramN}` by its position; labels on the `cookie` /
   `set-cookie` headers themselves are ignored;
3. unit = label (endpoint, in, field, type): per-type precision / recall / F1, micro F1 over all
   labels, macro F1 = mean F1 over the types present in the truth;
4. hard-negative FP rate = hard-negative locations with any label / all hard-negative locations.

`--types` restricts truth and report labels to a type subset before scoring (used by the
Presidio side-by-side). `--records FILE` also scores per-entry record counts: FILE is JSON Lines
of {"index": n, "response_records": k}, compared with truth.entries[].response_records.

The last line of the text output is

    pii microF1=0.912 macroF1=0.874 hardneg_fp=0.015

Standard library only. Exit status 2 on unreadable / malformed input.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import defaultdict
from urllib.parse import unquote, urlsplit

IN_VALUES = ("request.path", "request.query", "request.header", "request.cookie",
             "request.body", "response.body", "response.header")
HEADER_INS = ("request.header", "response.header")
IGNORED_HEADERS = ("cookie", "set-cookie")

_PARAM = re.compile(r"\{[^{}]*\}")
_INDEX = re.compile(r"\[(?:\d+|\*)?\]")
_ABS_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*://")


class ScoreError(Exception):
    pass


def load_json(path: str):
    try:
        with open(path, "rb") as fh:
            return json.loads(fh.read().decode("utf-8-sig"))
    except OSError as exc:
        raise ScoreError(f"cannot read {path}: {exc}") from exc
    except ValueError as exc:
        raise ScoreError(f"{path} is not valid JSON: {exc}") from exc


# --------------------------------------------------------------------------------------------
# Normalisation


def path_only(path: str) -> str:
    """Drop scheme/host, query string and fragment from a template or URL."""
    path = str(path or "")
    if _ABS_URL.match(path) or path.startswith("//"):
        path = urlsplit(path if not path.startswith("//") else "http:" + path).path
    for sep in ("?", "#"):
        if sep in path:
            path = path.split(sep, 1)[0]
    return path


def template_segments(path: str) -> list:
    return [unquote(s) for s in path_only(path).split("/") if s]


def endpoint_key(method, path) -> tuple:
    """(METHOD, '/a/{}/b') with every {...} written {} and empty segments dropped."""
    segs = [_PARAM.sub("{}", s) for s in template_segments(path)]
    return (str(method or "").strip().upper(), "/" + "/".join(segs))


def template_param_names(path: str) -> list:
    """Parameter names of a template, left to right (`/a/{x}/b/{y}` -> ['x', 'y'])."""
    names = []
    for seg in template_segments(path):
        names.extend(m.group(0)[1:-1] for m in _PARAM.finditer(seg))
    return names


def normalize_in(where) -> str:
    return str(where or "").strip().lower()


def normalize_field(where: str, field, param_names=()) -> str:
    """Field normalisation of README step 2. `param_names` are the report template's names."""
    f = str(field if field is not None else "").strip()
    if where in HEADER_INS:
        return f.lower()
    if where == "request.path":
        bare = f[1:-1] if f.startswith("{") and f.endswith("}") else f
        if bare in param_names:
            return "{param%d}" % (list(param_names).index(bare) + 1)
        m = re.fullmatch(r"param(\d+)", bare)
        if m:
            return "{param%s}" % m.group(1)
        if bare.isdigit():  # positional index, 1-based
            return "{param%s}" % bare
        return "{" + bare + "}"
    if where in ("request.body", "response.body"):
        if f.startswith("$."):
            f = f[2:]
        elif f.startswith("$[") or f == "$":
            f = f[1:]
        f = _INDEX.sub("[]", f)
    return f


def truth_key(endpoint_key_, where, field, typ=None) -> tuple:
    return (endpoint_key_, where, field) if typ is None else (endpoint_key_, where, field, typ)


def fmt_key(k) -> str:
    return " ".join(str(x) for x in (k[0][0], k[0][1]) + tuple(k[1:]))


# --------------------------------------------------------------------------------------------
# Loading truth and report


def read_truth(truth: dict, types=None):
    if not isinstance(truth, dict) or not isinstance(truth.get("labels"), list):
        raise ScoreError("truth has no 'labels' list")
    eps = {}
    for e in truth.get("endpoints") or []:
        k = endpoint_key(e.get("method"), e.get("path"))
        eps[k] = e
    labels = {}
    for lab in truth["labels"]:
        if types is not None and lab.get("type") not in types:
            continue
        k = endpoint_key(lab.get("method"), lab.get("path"))
        eps.setdefault(k, {"method": k[0], "path": k[1]})
        where = normalize_in(lab.get("in"))
        key = (k, where, normalize_field(where, lab.get("field")), lab.get("type"))
        labels[key] = lab
    hard = {}
    for hn in truth.get("hard_negatives") or []:
        k = endpoint_key(hn.get("method"), hn.get("path"))
        eps.setdefault(k, {"method": k[0], "path": k[1]})
        where = normalize_in(hn.get("in"))
        hard[(k, where, normalize_field(where, hn.get("field")))] = hn
    return eps, labels, hard


def report_endpoints(report):
    if isinstance(report, list):
        return report
    if isinstance(report, dict) and isinstance(report.get("endpoints"), list):
        return report["endpoints"]
    raise ScoreError("report has no 'endpoints' list")


def read_report(report, truth_eps: dict, types=None, warnings=None):
    """-> (set of predicted label keys, stats). Keys use the truth endpoint key when matched."""
    warnings = warnings if warnings is not None else []
    predicted = {}
    matched_truth = set()
    unmatched_report = []
    n_eps = 0
    ignored_cookie = 0
    for ep in report_endpoints(report):
        if not isinstance(ep, dict):
            continue
        n_eps += 1
        path = ep.get("path", ep.get("template"))
        k = endpoint_key(ep.get("method"), path)
        names = template_param_names(path or "")
        sens = ep.get("sensitive") or []
        if k in truth_eps:
            matched_truth.add(k)
        elif sens:
            unmatched_report.append(k)
        for item in sens:
            if not isinstance(item, dict):
                continue
            typ = item.get("type")
            if types is not None and typ not in types:
                continue
            where = normalize_in(item.get("in"))
            if where not in IN_VALUES:
                warnings.append(f"unknown 'in' value {item.get('in')!r} on {k[0]} {k[1]}")
            field = normalize_field(where, item.get("field"), names)
            if where in HEADER_INS and field in IGNORED_HEADERS:
                ignored_cookie += 1
                continue
            predicted.setdefault((k, where, field, typ), item)
    stats = {"report_endpoints": n_eps, "matched_truth_endpoints": len(matched_truth),
             "_matched": matched_truth,
             "unmatched_report_endpoints_with_labels": sorted(set(unmatched_report)),
             "ignored_cookie_header_labels": ignored_cookie}
    return predicted, stats


# --------------------------------------------------------------------------------------------
# Metric


def prf(tp, fp, fn):
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def score(report, truth, types=None) -> dict:
    warnings = []
    truth_eps, labels, hard = read_truth(truth, types)
    predicted, stats = read_report(report, truth_eps, types, warnings)
    matched = stats.pop("_matched")
    vocab = list(truth.get("types") or [])
    truth_set, pred_set = set(labels), set(predicted)
    tp_set = truth_set & pred_set
    fp_set = pred_set - truth_set
    fn_set = truth_set - pred_set

    truth_locs = defaultdict(set)  # location -> truth types (all types, for the FP notes)
    for (k, w, f, t) in (read_truth(truth)[1] if types is not None else truth_set):
        truth_locs[(k, w, f)].add(t)

    per_type = {}
    all_types = [t for t in vocab if types is None or t in types]
    for t in sorted({key[3] for key in truth_set | pred_set}, key=str):
        if t not in all_types:
            all_types.append(t)
    for t in all_types:
        tp = sum(1 for x in tp_set if x[3] == t)
        fp = sum(1 for x in fp_set if x[3] == t)
        fn = sum(1 for x in fn_set if x[3] == t)
        p, r, f = prf(tp, fp, fn)
        per_type[t] = {"truth": tp + fn, "predicted": tp + fp, "tp": tp, "fp": fp, "fn": fn,
                       "precision": p, "recall": r, "f1": f}
    tp, fp, fn = len(tp_set), len(fp_set), len(fn_set)
    mp, mr, mf = prf(tp, fp, fn)
    present = [t for t, v in per_type.items() if v["truth"] > 0]
    macro = sum(per_type[t]["f1"] for t in present) / len(present) if present else 0.0

    pred_locs = defaultdict(set)
    for (k, w, f, t) in pred_set:
        pred_locs[(k, w, f)].add(t)
    hard_hit = {loc: sorted(map(str, pred_locs[loc])) for loc in hard if loc in pred_locs}
    per_kind = defaultdict(lambda: [0, 0])
    for loc, hn in hard.items():
        per_kind[hn.get("kind", "?")][1] += 1
        if loc in hard_hit:
            per_kind[hn.get("kind", "?")][0] += 1

    def fp_note(key):
        k, w, f, t = key
        loc = (k, w, f)
        if k not in truth_eps:
            return "endpoint not in truth"
        if loc in hard:
            return f"hard negative ({hard[loc].get('kind')})"
        if loc in truth_locs:
            return "location is " + ",".join(sorted(truth_locs[loc]))
        return "unlabelled location"

    def fn_note(key):
        k, w, f, t = key
        if k not in matched:
            return "endpoint not matched"
        got = pred_locs.get((k, w, f))
        if got:
            return "predicted " + ",".join(sorted(map(str, got)))
        return "location not labelled"

    fps = sorted(((fmt_key(x), fp_note(x), _example(predicted[x])) for x in fp_set))
    fns = sorted(((fmt_key(x), fn_note(x), _example(labels[x])) for x in fn_set))
    return {
        "types_restricted": sorted(types) if types is not None else None,
        "truth_labels": len(truth_set), "predicted_labels": len(pred_set),
        "tp": tp, "fp": fp, "fn": fn,
        "micro_precision": mp, "micro_recall": mr, "micro_f1": mf,
        "macro_f1": macro, "macro_types": len(present),
        "hard_negatives": len(hard), "hard_negatives_hit": len(hard_hit),
        "hardneg_fp_rate": len(hard_hit) / len(hard) if hard else 0.0,
        "hard_negatives_per_kind": {k: {"hit": v[0], "total": v[1]}
                                    for k, v in sorted(per_kind.items())},
        "per_type": per_type,
        "truth_endpoints": len(truth_eps),
        **{k: v for k, v in stats.items()},
        "false_positives": [{"label": a, "note": b, "example": c} for a, b, c in fps],
        "false_negatives": [{"label": a, "note": b, "example": c} for a, b, c in fns],
        "hard_negative_hits": [{"location": fmt_key(loc), "kind": hard[loc].get("kind"),
                                "types": ts} for loc, ts in sorted(hard_hit.items())],
        "warnings": sorted(set(warnings)),
    }


def _example(item):
    if not isinstance(item, dict):
        return None
    for name in ("example", "sample", "evidence"):
        v = item.get(name)
        if isinstance(v, str):
            return v if len(v) <= 80 else v[:77] + "..."
    return None


# --------------------------------------------------------------------------------------------
# Record counts (--records)


def score_records(path: str, truth: dict) -> dict:
    want = {}
    for e in truth.get("entries") or []:
        if isinstance(e, dict) and isinstance(e.get("index"), int):
            want[e["index"]] = int(e.get("response_records") or 0)
    got = {}
    try:
        with open(path, encoding="utf-8") as fh:
            for lineno, line in enumerate(fh, 1):
                line = line.strip()
                if not line:
                    continue
                try:
                    obj = json.loads(line)
                    got[int(obj["index"])] = int(obj["response_records"])
                except (ValueError, KeyError, TypeError) as exc:
                    raise ScoreError(f"{path}:{lineno}: expected "
                                     f'{{"index": n, "response_records": k}} ({exc})') from None
    except OSError as exc:
        raise ScoreError(f"cannot read {path}: {exc}") from exc
    # a missing entry counts as a miss (not exact) with error = the truth count
    exact, abs_err, missing = 0, 0, 0
    for idx, k in want.items():
        if idx not in got:
            missing += 1
            abs_err += k
            continue
        exact += got[idx] == k
        abs_err += abs(got[idx] - k)
    n = len(want)
    return {"entries": n, "reported": len(set(got) & set(want)), "missing": missing,
            "extra": len(set(got) - set(want)),
            "exact_match_rate": exact / n if n else 0.0,
            "mean_abs_error": abs_err / n if n else 0.0}


# --------------------------------------------------------------------------------------------
# Output


def final_line(r) -> str:
    return "pii microF1={:.3f} macroF1={:.3f} hardneg_fp={:.3f}".format(
        r["micro_f1"], r["macro_f1"], r["hardneg_fp_rate"])


def print_text(r, verbose: bool, out=None):
    out = out or sys.stdout
    w = lambda s="": print(s, file=out)  # noqa: E731
    if r["types_restricted"] is not None:
        w("types: " + ",".join(r["types_restricted"]))
    w(f"endpoints: truth {r['truth_endpoints']}, report {r['report_endpoints']}, "
      f"matched {r['matched_truth_endpoints']}; unmatched report endpoints with labels: "
      f"{len(r['unmatched_report_endpoints_with_labels'])}")
    for k in r["unmatched_report_endpoints_with_labels"][:20]:
        w(f"  {k[0]} {k[1]}")
    if r["ignored_cookie_header_labels"]:
        w(f"ignored labels on cookie / set-cookie headers: {r['ignored_cookie_header_labels']}")
    for msg in r["warnings"][:10]:
        w(f"warning: {msg}")
    w()
    w(f"| {'type':<20} | truth | pred |  tp |  fp |  fn |     P |     R |    F1 |")
    w(f"|{'-' * 22}|------:|-----:|----:|----:|----:|------:|------:|------:|")
    for t, v in r["per_type"].items():
        if v["truth"] == 0 and v["predicted"] == 0:
            continue
        w(f"| {t:<20} | {v['truth']:5d} | {v['predicted']:4d} | {v['tp']:3d} | {v['fp']:3d} | "
          f"{v['fn']:3d} | {v['precision']:.3f} | {v['recall']:.3f} | {v['f1']:.3f} |")
    w(f"| {'micro':<20} | {r['truth_labels']:5d} | {r['predicted_labels']:4d} | {r['tp']:3d} | "
      f"{r['fp']:3d} | {r['fn']:3d} | {r['micro_precision']:.3f} | {r['micro_recall']:.3f} | "
      f"{r['micro_f1']:.3f} |")
    w()
    w(f"hard negatives labelled: {r['hard_negatives_hit']}/{r['hard_negatives']}")
    kinds = [f"{k} {v['hit']}/{v['total']}" for k, v in r["hard_negatives_per_kind"].items()
             if v["hit"]]
    if kinds:
        w("  by kind: " + ", ".join(kinds))
    if verbose:
        w()
        w(f"false positives: {len(r['false_positives'])}")
        for x in r["false_positives"]:
            w(f"  FP {x['label']}   [{x['note']}]" + (f"  e.g. {x['example']!r}" if x["example"] else ""))
        w(f"false negatives: {len(r['false_negatives'])}")
        for x in r["false_negatives"]:
            w(f"  FN {x['label']}   [{x['note']}]" + (f"  e.g. {x['example']!r}" if x["example"] else ""))
    else:
        w(f"false positives: {len(r['false_positives'])}, false negatives: "
          f"{len(r['false_negatives'])} (--verbose lists them)")
    if "records" in r:
        rec = r["records"]
        w()
        w(f"records: {rec['entries']} entries, {rec['missing']} missing; exact match "
          f"{rec['exact_match_rate']:.3f}, mean abs error {rec['mean_abs_error']:.3f}")
    w()
    w(final_line(r))


def parse_types(text, vocab):
    if text is None:
        return None
    types = {t.strip() for t in text.split(",") if t.strip()}
    if not types:
        raise ScoreError("--types selected no type")
    unknown = sorted(t for t in types if vocab and t not in vocab)
    if unknown:
        raise ScoreError(f"--types: unknown type(s) {', '.join(unknown)}; known: {', '.join(vocab)}")
    return types


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 epilog=__doc__.split("\n\n", 1)[1],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("report", help="report JSON ({endpoints: [{method, path, sensitive: [...]}]})")
    ap.add_argument("truth", help="truth.json of the corpus")
    ap.add_argument("--types", help="comma-separated type subset to score (others ignored)")
    ap.add_argument("--json", metavar="OUT", help="also write the figures as JSON to OUT ('-' = stdout)")
    ap.add_argument("--verbose", "-v", action="store_true", help="list every FP and FN")
    ap.add_argument("--records", metavar="FILE",
                    help='JSON Lines of {"index": n, "response_records": k} to score record counts')
    args = ap.parse_args(argv)
    try:
        truth = load_json(args.truth)
        report = load_json(args.report)
        types = parse_types(args.types, truth.get("types") if isinstance(truth, dict) else None)
        r = score(report, truth, types)
        if args.records:
            r["records"] = score_records(args.records, truth)
    except ScoreError as exc:
        print(f"score_pii: error: {exc}", file=sys.stderr)
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
