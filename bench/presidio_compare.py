#!/usr/bin/env python3
"""Side-by-side of Microsoft Presidio's regex recognizers and Lampyr on a PII corpus.

    presidio_compare.py HAR TRUTH_JSON [--lampyr-report r.json] [--out DIR] [--threshold 0.3]

Run it with the Python of a venv that has `presidio-analyzer` (bench/presidio.sh makes one).

1. Extracts from every HAR entry the locations Lampyr's classifier sees, named like the truth:
   JSON body leaves (request and response) as dotted paths with `[]` for array items, query
   parameters, form-urlencoded body parameters, request headers (lower-case name; the `cookie`
   header is split into `request.cookie` locations), response headers (not `set-cookie`), and
   path segments (mapped to the truth template's `{paramN}` by matching the entry's path
   against the truth endpoints; the most specific template wins).
2. Runs Presidio (regex recognizers only: NoOpNlpEngine, no spaCy model; tldextract's
   public-suffix-list download disabled) on every value with score_threshold 0.3 and the
   entities CREDIT_CARD, EMAIL_ADDRESS, IBAN_CODE, IP_ADDRESS, MAC_ADDRESS, PHONE_NUMBER,
   US_SSN; the field-name tokens are passed as `context=` so that field names count as
   context. Identical (value, context) pairs are analysed once.
3. Maps entities to Lampyr types (CREDIT_CARD -> bank_card, EMAIL_ADDRESS -> email, IBAN_CODE ->
   iban, IP_ADDRESS -> ipv4 / ipv6 by the matched text, MAC_ADDRESS -> mac_address, PHONE_NUMBER
   -> phone, US_SSN -> us_ssn); a location gets a type if any value there got it. Writes the
   result as a report ($OUT/presidio-report.json, same shape as Lampyr's).
4. Scores it, and the Lampyr report when given, with score_pii.py restricted to those 8 types and
   prints one Markdown table (also $OUT/presidio-compare.md).
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import re
import sys
import time
from collections import defaultdict
from urllib.parse import parse_qsl, unquote, urlsplit

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import score_pii  # noqa: E402

ENTITY_TYPES = {
    "CREDIT_CARD": "bank_card",
    "EMAIL_ADDRESS": "email",
    "IBAN_CODE": "iban",
    "IP_ADDRESS": None,  # ipv4 / ipv6 by the matched text
    "MAC_ADDRESS": "mac_address",
    "PHONE_NUMBER": "phone",
    "US_SSN": "us_ssn",
}
SHARED_TYPES = ["bank_card", "email", "iban", "ipv4", "ipv6", "mac_address", "phone", "us_ssn"]

_CAMEL = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+")


# --------------------------------------------------------------------------------------------
# HAR -> (endpoint, in, field, value)


def field_tokens(field: str) -> list:
    """`data.list[].emergencyContact.phone` -> ['data', 'list', 'emergency', 'contact', 'phone']"""
    out = []
    for part in re.split(r"[^A-Za-z0-9]+", field):
        out.extend(t.lower() for t in _CAMEL.findall(part))
    return out


def json_leaves(node, prefix=""):
    """Yield (dotted path with [] for arrays, scalar as text) for every scalar leaf."""
    if isinstance(node, dict):
        for k, v in node.items():
            yield from json_leaves(v, f"{prefix}.{k}" if prefix else str(k))
    elif isinstance(node, list):
        for v in node:
            yield from json_leaves(v, prefix + "[]")
    elif isinstance(node, bool) or node is None:
        return
    elif isinstance(node, (int, float)):
        yield prefix, json.dumps(node)
    else:
        yield prefix, str(node)


def body_text(obj) -> str | None:
    if not isinstance(obj, dict):
        return None
    text = obj.get("text")
    if not isinstance(text, str) or not text:
        return None
    if obj.get("encoding") == "base64":
        try:
            text = base64.b64decode(text).decode("utf-8", errors="replace")
        except ValueError:
            return None
    return text


def body_locations(where: str, obj, headers):
    text = body_text(obj)
    if text is None:
        return
    mime = str(obj.get("mimeType") or headers.get("content-type") or "").lower()
    stripped = text.lstrip()
    if "x-www-form-urlencoded" in mime:
        for k, v in parse_qsl(text, keep_blank_values=True):
            yield where, k, v
        return
    if "json" in mime or stripped[:1] in ("{", "["):
        try:
            doc = json.loads(text)
        except ValueError:
            return
        for path, value in json_leaves(doc):
            yield where, path, value


def header_map(headers) -> dict:
    out = {}
    for h in headers or []:
        if isinstance(h, dict) and h.get("name") is not None:
            out.setdefault(str(h["name"]).lower(), str(h.get("value", "")))
    return out


class TemplateMatcher:
    """Concrete path -> truth template ({paramN} matches one segment; most static wins)."""

    def __init__(self, truth):
        self.by_method = defaultdict(list)
        for e in truth.get("endpoints") or []:
            segs = [s for s in str(e["path"]).split("/") if s]
            static = sum(1 for s in segs if not s.startswith("{"))
            self.by_method[str(e["method"]).upper()].append((segs, static, e["path"]))

    def match(self, method, segs):
        best = None
        for tsegs, static, path in self.by_method.get(method.upper(), ()):
            if len(tsegs) != len(segs):
                continue
            if all(t.startswith("{") or t == s for t, s in zip(tsegs, segs)):
                rank = (static, [not t.startswith("{") for t in tsegs])
                if best is None or rank > best[0]:
                    best = (rank, tsegs, path)
        return (best[1], best[2]) if best else (None, None)


def entry_locations(entry, matcher: TemplateMatcher):
    """-> (method, template, [(in, field, value)])"""
    req, resp = entry.get("request") or {}, entry.get("response") or {}
    method = str(req.get("method") or "GET").upper()
    url = urlsplit(str(req.get("url") or ""))
    segs = [unquote(s) for s in url.path.split("/") if s]
    tsegs, template = matcher.match(method, segs)
    locs = []
    if tsegs is None:
        template = "/" + "/".join(segs)
    else:
        for t, s in zip(tsegs, segs):
            if t.startswith("{"):
                locs.append(("request.path", t, s))
    qs = req.get("queryString")
    if isinstance(qs, list) and qs:
        locs.extend(("request.query", str(q.get("name")), str(q.get("value", ""))) for q in qs)
    else:
        locs.extend(("request.query", k, v) for k, v in parse_qsl(url.query, keep_blank_values=True))
    rh = header_map(req.get("headers"))
    cookies = {}
    for name, value in rh.items():
        if name == "cookie":
            for part in value.split(";"):
                if "=" in part:
                    k, v = part.split("=", 1)
                    cookies.setdefault(k.strip(), v.strip())
        elif not name.startswith(":"):
            locs.append(("request.header", name, value))
    for c in req.get("cookies") or []:
        if isinstance(c, dict) and c.get("name"):
            cookies.setdefault(str(c["name"]), str(c.get("value", "")))
    locs.extend(("request.cookie", k, v) for k, v in cookies.items())
    locs.extend(body_locations("request.body", req.get("postData"), rh))
    resh = header_map(resp.get("headers"))
    locs.extend(("response.header", k, v) for k, v in resh.items() if k != "set-cookie")
    locs.extend(body_locations("response.body", resp.get("content"), resh))
    return method, template, locs


# --------------------------------------------------------------------------------------------
# Presidio


def build_analyzer():
    os.environ.setdefault("TLDEXTRACT_CACHE", os.path.join(os.environ.get("TMPDIR", "/tmp"),
                                                           "lampyr-tldextract"))
    import logging

    import tldextract
    # no network: use the public suffix list snapshot bundled with tldextract
    offline = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)
    tldextract.extract = offline
    logging.getLogger("presidio-analyzer").setLevel(logging.ERROR)

    from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
    from presidio_analyzer.nlp_engine import NoOpNlpEngine

    nlp = NoOpNlpEngine(models=[{"lang_code": "en", "model_name": "none"}])
    nlp.load()
    reg = RecognizerRegistry(supported_languages=["en"])
    reg.load_predefined_recognizers(languages=["en"], nlp_engine=nlp)
    return AnalyzerEngine(registry=reg, nlp_engine=nlp, supported_languages=["en"])


def presidio_types(results, text) -> set:
    out = set()
    for r in results:
        typ = ENTITY_TYPES.get(r.entity_type, "skip")
        if typ == "skip":
            continue
        if typ is None:
            typ = "ipv6" if ":" in text[r.start:r.end] else "ipv4"
        out.add(typ)
    return out


def run_presidio(har, truth, threshold, max_len, progress=True):
    analyzer = build_analyzer()
    matcher = TemplateMatcher(truth)
    entities = list(ENTITY_TYPES)
    cache = {}
    labels = defaultdict(set)  # (method, template) -> {(in, field, type)}
    n_values = n_calls = 0
    elapsed = 0.0
    entries = har["log"]["entries"]
    for i, entry in enumerate(entries):
        method, template, locs = entry_locations(entry, matcher)
        key = (method, template)
        labels.setdefault(key, set())
        for where, field, value in locs:
            if not value or not value.strip():
                continue
            n_values += 1
            ctx = tuple(field_tokens(field))
            ck = (value, ctx)
            types = cache.get(ck)
            if types is None:
                text = value[:max_len]
                t0 = time.perf_counter()
                res = analyzer.analyze(text=text, language="en", entities=entities,
                                       context=list(ctx), score_threshold=threshold)
                elapsed += time.perf_counter() - t0
                n_calls += 1
                types = presidio_types(res, text)
                cache[ck] = types
            for t in types:
                labels[key].add((where, field, t))
        if progress and (i + 1) % 200 == 0:
            print(f"  presidio: {i + 1}/{len(entries)} entries, {n_calls} analyze() calls, "
                  f"{elapsed:.1f}s", file=sys.stderr)
    report = {"tool": "presidio-analyzer (regex recognizers, NoOpNlpEngine)",
              "endpoints": [{"method": m, "path": p,
                             "sensitive": [{"in": w, "field": f, "type": t}
                                           for (w, f, t) in sorted(s)]}
                            for (m, p), s in sorted(labels.items())]}
    timing = {"values": n_values, "analyze_calls": n_calls, "seconds": elapsed,
              "ms_per_value": 1000 * elapsed / n_calls if n_calls else 0.0}
    return report, timing


# --------------------------------------------------------------------------------------------
# Table


def cell(v):
    return f"{v:.3f}"


def table(pres, lamp, timing, types) -> str:
    lines = []
    head = "| type | truth | Presidio P | Presidio R | Presidio F1 |"
    sep = "|---|---:|---:|---:|---:|"
    if lamp is not None:
        head += " Lampyr P | Lampyr R | Lampyr F1 |"
        sep += "---:|---:|---:|"
    lines += [head, sep]
    for t in types:
        p = pres["per_type"][t]
        row = f"| `{t}` | {p['truth']} | {cell(p['precision'])} | {cell(p['recall'])} | {cell(p['f1'])} |"
        if lamp is not None:
            q = lamp["per_type"][t]
            row += f" {cell(q['precision'])} | {cell(q['recall'])} | {cell(q['f1'])} |"
        lines.append(row)
    row = (f"| **micro** | {pres['truth_labels']} | {cell(pres['micro_precision'])} | "
           f"{cell(pres['micro_recall'])} | **{cell(pres['micro_f1'])}** |")
    if lamp is not None:
        row += (f" {cell(lamp['micro_precision'])} | {cell(lamp['micro_recall'])} | "
                f"**{cell(lamp['micro_f1'])}** |")
    lines.append(row)
    row = (f"| macro F1 | | | | {cell(pres['macro_f1'])} |")
    if lamp is not None:
        row += f" | | {cell(lamp['macro_f1'])} |"
    lines.append(row)
    row = (f"| hard-negative FP rate | {pres['hard_negatives']} | | | "
           f"{cell(pres['hardneg_fp_rate'])} ({pres['hard_negatives_hit']}) |")
    if lamp is not None:
        row += f" | | {cell(lamp['hardneg_fp_rate'])} ({lamp['hard_negatives_hit']}) |"
    lines.append(row)
    lines.append("")
    lines.append(f"Presidio: {timing['values']} values, {timing['analyze_calls']} distinct "
                 f"(value, context) pairs analysed in {timing['seconds']:.1f}s = "
                 f"**{timing['ms_per_value']:.2f} ms per value** (CPython, regex recognizers only, "
                 f"score_threshold {timing['threshold']}).")
    lines.append("")
    lines.append("Unit = labelled location (endpoint, in, field, type), scored by `score_pii.py "
                 "--types " + ",".join(types) + "`; hard negatives count a location hit by any "
                 "of these types. Truth `phone` means non-mainland numbers only: Presidio "
                 "PHONE_NUMBER hits on Chinese mobiles / landlines (and on IPs, dates, long digit "
                 "ids) are counted as `phone` false positives, which is the honest comparison for "
                 "a China-facing deployment. Presidio has no entity for the other "
                 f"{29 - len(types)} Lampyr types (Chinese ids, names, addresses, JWTs, secrets, ...).")
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 epilog=__doc__.split("\n\n", 1)[1],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("har", help="traffic.har of the corpus")
    ap.add_argument("truth", help="truth.json of the corpus")
    ap.add_argument("--lampyr-report", help="Lampyr report of the same HAR, scored on the same types")
    ap.add_argument("--out", default="target/pii-bench", help="output folder (default target/pii-bench)")
    ap.add_argument("--threshold", type=float, default=0.3, help="Presidio score_threshold (0.3)")
    ap.add_argument("--max-len", type=int, default=20000,
                    help="analyse at most this many characters of one value (default 20000)")
    ap.add_argument("--quiet", "-q", action="store_true", help="no progress on stderr")
    args = ap.parse_args(argv)
    try:
        truth = score_pii.load_json(args.truth)
        har = score_pii.load_json(args.har)
        lamp_doc = score_pii.load_json(args.lampyr_report) if args.lampyr_report else None
    except score_pii.ScoreError as exc:
        print(f"presidio_compare: error: {exc}", file=sys.stderr)
        return 2
    try:
        import presidio_analyzer  # noqa: F401
    except ImportError:
        print("presidio_compare: presidio-analyzer is not installed in this Python "
              f"({sys.executable}); run bench/presidio.sh", file=sys.stderr)
        return 2
    os.makedirs(args.out, exist_ok=True)
    report, timing = run_presidio(har, truth, args.threshold, args.max_len, not args.quiet)
    timing["threshold"] = args.threshold
    with open(os.path.join(args.out, "presidio-report.json"), "w", encoding="utf-8") as fh:
        json.dump(report, fh, indent=1, ensure_ascii=False)
    types = set(SHARED_TYPES)
    pres = score_pii.score(report, truth, types)
    lamp = score_pii.score(lamp_doc, truth, types) if lamp_doc is not None else None
    if lamp is not None and lamp["matched_truth_endpoints"] * 2 < lamp["truth_endpoints"]:
        print(f"presidio_compare: warning: the Lampyr report matches only "
              f"{lamp['matched_truth_endpoints']} of {lamp['truth_endpoints']} truth endpoints; "
              f"is {args.lampyr_report} a report of {args.har}?", file=sys.stderr)
    for name, r in (("presidio", pres), ("lampyr", lamp)):
        if r is None:
            continue
        r["timing"] = timing if name == "presidio" else None
        with open(os.path.join(args.out, f"{name}-score.json"), "w", encoding="utf-8") as fh:
            json.dump(r, fh, indent=1, ensure_ascii=False)
        with open(os.path.join(args.out, f"{name}-score.txt"), "w", encoding="utf-8") as fh:
            score_pii.print_text(r, True, out=fh)
    md = table(pres, lamp, timing, SHARED_TYPES)
    with open(os.path.join(args.out, "presidio-compare.md"), "w", encoding="utf-8") as fh:
        fh.write(md + "\n")
    print(md)
    print()
    print("presidio " + score_pii.final_line(pres))
    if lamp is not None:
        print("lampyr   " + score_pii.final_line(lamp))
    return 0


if __name__ == "__main__":
    sys.exit(main())
