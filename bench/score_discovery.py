#!/usr/bin/env python3
"""Score an exported OpenAPI document against a discovery-corpus truth.json.

    score_discovery.py OPENAPI TRUTH_JSON [--json] [--max-examples N]

Implements the metric of shared/corpora/discovery-dev/README.md ("The metric"):

* every exported operation gives a template = server path (operation servers[0], else path
  item servers[0], else document servers[0], variables -> default; Swagger 2: basePath)
  + "/" + paths key; an absolute-URL paths key is used as is, without its host;
* templates are normalized (upper-case method, split on "/", drop empty segments,
  percent-decode each segment, every {...} -> {}, re-join);
* a truth endpoint is matched when its key is exported, or when it has alternates and every
  alternate is exported; precision / recall / F1 over distinct normalized keys;
* query / request-body / response field recall, micro-averaged over matched endpoints;
* over-merged / under-merged diagnostics.

The last line of the text output is

    discovery F1=0.973 precision=0.981 recall=0.965 query_recall=0.912 request_field_recall=0.880 response_field_recall=0.850

Standard library only; YAML documents need PyYAML (optional import).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import defaultdict
from urllib.parse import unquote

# --------------------------------------------------------------------------------------------
# Loading

OAS3_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace", "query")
SWAGGER2_METHODS = ("get", "put", "post", "delete", "options", "head", "patch")

_ABS_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*://")
_PARAM = re.compile(r"\{[^{}]*\}")
_BRACKETS = re.compile(r"\[[^\]]*\]")
_BRACKET_SUFFIX = re.compile(r"(?:\[[^\]]*\])+$")
_SUCCESS_CODE = re.compile(r"^2(?:[0-9]{2}|[xX]{2})$")


class ScoreError(Exception):
    pass


def load_document(path: str):
    """Parse a JSON or YAML file."""
    try:
        with open(path, "rb") as fh:
            raw = fh.read()
    except OSError as exc:
        raise ScoreError(f"cannot read {path}: {exc}") from exc
    text = raw.decode("utf-8-sig", errors="replace")
    try:
        return json.loads(text)
    except ValueError as json_exc:
        stripped = text.lstrip()
        try:
            import yaml  # type: ignore
        except ImportError:
            raise ScoreError(
                f"{path} is not valid JSON ({json_exc}) and PyYAML is not installed to try YAML"
            ) from None
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        try:
            doc = yaml.load(text, Loader=loader)  # noqa: S506 (safe loader)
        except yaml.YAMLError as exc:
            if stripped.startswith("{") or stripped.startswith("["):
                raise ScoreError(f"{path} is not valid JSON: {json_exc}") from None
            raise ScoreError(f"{path} is neither valid JSON nor valid YAML: {exc}") from None
        return doc


# --------------------------------------------------------------------------------------------
# Normalization


def normalize_method(method) -> str:
    return str(method).strip().upper()


def normalize_segments(path: str) -> tuple:
    segs = []
    for seg in str(path).split("/"):
        if not seg:
            continue
        seg = unquote(seg)
        seg = _PARAM.sub("{}", seg)
        segs.append(seg)
    return tuple(segs)


def normalize_template(path: str) -> str:
    return "/" + "/".join(normalize_segments(path))


def endpoint_key(method, path) -> tuple:
    """(METHOD, "/normalized/{}/template")"""
    return (normalize_method(method), normalize_template(path))


def key_str(key) -> str:
    return f"{key[0]} {key[1]}"


def normalize_query_name(name) -> str:
    return _BRACKET_SUFFIX.sub("", str(name))


def normalize_field_name(name) -> tuple:
    """Field name -> tuple of dot segments, without [...] and without empty segments."""
    return tuple(s for s in _BRACKETS.sub("", str(name)).split(".") if s)


# --------------------------------------------------------------------------------------------
# $ref resolution


class RefResolver:
    def __init__(self, root):
        self.root = root
        self.unresolved = set()  # refs that could not be resolved (external, broken)
        self._cache = {}

    def lookup(self, ref):
        """Resolve one local $ref string; None when impossible."""
        if not isinstance(ref, str):
            return None
        if ref in self._cache:
            return self._cache[ref]
        target = None
        if ref.startswith("#"):
            frag = unquote(ref[1:])
            if frag == "":
                target = self.root
            elif frag.startswith("/"):
                node = self.root
                ok = True
                for token in frag[1:].split("/"):
                    token = token.replace("~1", "/").replace("~0", "~")
                    if isinstance(node, dict):
                        if token in node:
                            node = node[token]
                        else:
                            # YAML may have parsed keys such as 200 as integers
                            alt = None
                            for k in node:
                                if not isinstance(k, str) and str(k) == token:
                                    alt = k
                                    break
                            if alt is None:
                                ok = False
                                break
                            node = node[alt]
                    elif isinstance(node, list):
                        try:
                            node = node[int(token)]
                        except (ValueError, IndexError):
                            ok = False
                            break
                    else:
                        ok = False
                        break
                target = node if ok else None
        if target is None:
            self.unresolved.add(ref)
        self._cache[ref] = target
        return target

    def deref(self, node, max_hops: int = 64):
        """Follow a chain of $ref objects (for non-schema objects: parameters, responses,
        request bodies, path items). Returns None on a broken ref or a ref cycle."""
        seen = set()
        hops = 0
        while isinstance(node, dict) and isinstance(node.get("$ref"), str):
            ref = node["$ref"]
            if ref in seen or hops >= max_hops:
                return None
            seen.add(ref)
            hops += 1
            node = self.lookup(ref)
        return node


# --------------------------------------------------------------------------------------------
# Exported document -> operations


def _items(obj):
    return obj.items() if isinstance(obj, dict) else ()


def _list(obj):
    return obj if isinstance(obj, list) else []


def server_url_path(server, warnings: list) -> str:
    """Path part of an OpenAPI 3 server object URL, variables replaced by their default."""
    if not isinstance(server, dict):
        return ""
    url = server.get("url")
    if not isinstance(url, str):
        return ""
    variables = server.get("variables") if isinstance(server.get("variables"), dict) else {}

    def subst(m):
        name = m.group(0)[1:-1]
        var = variables.get(name)
        if isinstance(var, dict) and "default" in var:
            return str(var["default"])
        warnings.append(f"server variable {{{name}}} without default in {url!r}")
        return m.group(0)

    url = _PARAM.sub(subst, url)
    if _ABS_URL.match(url):
        rest = url.split("://", 1)[1]
        path = rest[rest.find("/"):] if "/" in rest else ""
    elif url.startswith("//"):
        rest = url[2:]
        path = rest[rest.find("/"):] if "/" in rest else ""
    else:
        path = url
        if url and not url.startswith("/"):
            warnings.append(
                f"server url {url!r} has no scheme and no leading '/': read as a relative path"
            )
    for sep in ("#", "?"):
        if sep in path:
            path = path.split(sep, 1)[0]
    return path


def join_template(base: str, key: str) -> str:
    if _ABS_URL.match(key):
        rest = key.split("://", 1)[1]
        return rest[rest.find("/"):] if "/" in rest else "/"
    return base.rstrip("/") + "/" + key.lstrip("/")


class Operation:
    __slots__ = ("method", "path_key", "template", "key", "op", "path_item", "params")

    def __init__(self, method, path_key, template, op, path_item, params):
        self.method = normalize_method(method)
        self.path_key = path_key
        self.template = template
        self.key = endpoint_key(method, template)
        self.op = op
        self.path_item = path_item
        self.params = params  # resolved parameter objects (path item + operation)


def document_version(doc) -> str:
    if isinstance(doc, dict):
        if "swagger" in doc:
            return "swagger-" + str(doc.get("swagger"))
        if "openapi" in doc:
            return "openapi-" + str(doc.get("openapi"))
    return "unknown"


def extract_operations(doc, resolver: RefResolver, warnings: list) -> list:
    if not isinstance(doc, dict):
        raise ScoreError("the OpenAPI document is not a mapping")
    version = document_version(doc)
    swagger2 = version.startswith("swagger-")
    if version == "unknown":
        warnings.append("document has neither 'openapi' nor 'swagger': read as OpenAPI 3")
    methods = SWAGGER2_METHODS if swagger2 else OAS3_METHODS
    doc_servers = _list(doc.get("servers"))
    base_path = doc.get("basePath") if isinstance(doc.get("basePath"), str) else ""
    paths = doc.get("paths")
    if paths is None:
        paths = {}
    if not isinstance(paths, dict):
        raise ScoreError("'paths' is not a mapping")
    ops = []
    for path_key, path_item in paths.items():
        path_key = str(path_key)
        if "?" in path_key or "#" in path_key:
            warnings.append(f"paths key {path_key!r} contains '?' or '#': used literally")
        path_item = resolver.deref(path_item)
        if not isinstance(path_item, dict):
            continue
        item_params = []
        for p in _list(path_item.get("parameters")):
            p = resolver.deref(p)
            if isinstance(p, dict):
                item_params.append(p)
        candidates = [(m, path_item.get(m)) for m in methods if m in path_item]
        odd = [k for k in path_item if isinstance(k, str) and k.lower() in methods
               and k not in methods]
        if odd:
            warnings.append(f"paths key {path_key!r}: method keys must be lower-case, "
                            f"ignored: {', '.join(odd)}")
        if not swagger2:
            for m, op in _items(path_item.get("additionalOperations")):
                candidates.append((m, op))
        for method, op in candidates:
            if not isinstance(op, dict):
                continue
            params = list(item_params)
            for p in _list(op.get("parameters")):
                p = resolver.deref(p)
                if isinstance(p, dict):
                    params.append(p)
            if swagger2:
                base = base_path
            else:
                servers = (_list(op.get("servers")) or _list(path_item.get("servers"))
                           or doc_servers)
                base = server_url_path(servers[0], warnings) if servers else ""
            template = join_template(base, path_key)
            ops.append(Operation(method, path_key, template, op, path_item, params))
    return ops, swagger2, version


def query_names(op: Operation) -> set:
    names = set()
    for p in op.params:
        if p.get("in") == "query" and p.get("name") is not None:
            names.add(normalize_query_name(p["name"]))
    return names


def request_schemas(op: Operation, resolver: RefResolver, swagger2: bool):
    """-> (schemas, direct field names) of the request body."""
    schemas, names = [], set()
    if swagger2:
        for p in op.params:
            where = p.get("in")
            if where == "body" and "schema" in p:
                schemas.append(p["schema"])
            elif where == "formData" and p.get("name") is not None:
                n = normalize_field_name(p["name"])
                if n:
                    names.add(n)
    else:
        body = resolver.deref(op.op.get("requestBody"))
        if isinstance(body, dict):
            for _media, mt in _items(body.get("content")):
                mt = resolver.deref(mt)
                if isinstance(mt, dict) and "schema" in mt:
                    schemas.append(mt["schema"])
    return schemas, names


def response_schemas(op: Operation, resolver: RefResolver, swagger2: bool):
    schemas = []
    for code, resp in _items(op.op.get("responses")):
        if not _SUCCESS_CODE.match(str(code).strip()):
            continue
        resp = resolver.deref(resp)
        if not isinstance(resp, dict):
            continue
        if swagger2:
            if "schema" in resp:
                schemas.append(resp["schema"])
        else:
            for _media, mt in _items(resp.get("content")):
                mt = resolver.deref(mt)
                if isinstance(mt, dict) and "schema" in mt:
                    schemas.append(mt["schema"])
    return schemas


def flatten_schemas(schemas, resolver: RefResolver, wanted_prefixes: set) -> set:
    """Flatten schemas into field names (tuples of normalized segments).

    properties give names, items/prefixItems are transparent, allOf/oneOf/anyOf branches are
    all included, $refs are resolved (siblings of $ref are honoured too), additionalProperties
    are not descended into. Each (schema node, prefix) pair is visited once, which makes
    recursive schemas terminate without a depth cut.

    wanted_prefixes is the set of every prefix of every truth name: descent stops at names
    that cannot lead to a truth name. Only names in the truth count ("deeper names cost
    nothing"), so this changes no score, and it bounds recursive schemas by the truth instead
    of by an arbitrary recursion cut.
    """
    found = set()
    seen = set()
    stack = [(s, ()) for s in schemas]
    while stack:
        node, prefix = stack.pop()
        if not isinstance(node, dict):
            continue
        mark = (id(node), prefix)
        if mark in seen:
            continue
        seen.add(mark)
        ref = node.get("$ref")
        if isinstance(ref, str):
            target = resolver.lookup(ref)
            if target is not None:
                stack.append((target, prefix))
        for name, sub in _items(node.get("properties")):
            segs = normalize_field_name(name)
            if not segs:  # e.g. a property named "" or "[]": the name vanishes
                stack.append((sub, prefix))
                continue
            new = prefix + segs
            if new not in wanted_prefixes:
                continue
            found.add(new)
            stack.append((sub, new))
        items = node.get("items")
        if isinstance(items, dict):
            stack.append((items, prefix))
        elif isinstance(items, list):
            stack.extend((s, prefix) for s in items)
        for s in _list(node.get("prefixItems")):
            stack.append((s, prefix))
        for kw in ("allOf", "oneOf", "anyOf"):
            for s in _list(node.get(kw)):
                stack.append((s, prefix))
    return found


def all_prefixes(names) -> set:
    out = set()
    for n in names:
        for i in range(1, len(n) + 1):
            out.add(n[:i])
    return out


# --------------------------------------------------------------------------------------------
# Coverage (diagnostics)

_seg_regex_cache: dict = {}


def _seg_regex(seg: str):
    rx = _seg_regex_cache.get(seg)
    if rx is None:
        parts = seg.split("{}")
        rx = re.compile("[^/]+".join(re.escape(p) for p in parts), re.DOTALL)
        _seg_regex_cache[seg] = rx
    return rx


def segment_covers(general: str, specific: str) -> bool:
    if general == specific or general == "{}":
        return True
    if "{}" in general:
        return _seg_regex(general).fullmatch(specific) is not None
    return False


def covers(general_segs: tuple, specific_segs: tuple) -> bool:
    if len(general_segs) != len(specific_segs):
        return False
    return all(segment_covers(g, s) for g, s in zip(general_segs, specific_segs))


def specificity(segs: tuple):
    """Router precedence: left to right, static > mixed > {}; then more static text."""
    ranks = tuple(0 if s == "{}" else (1 if "{}" in s else 2) for s in segs)
    static_chars = sum(len(s.replace("{}", "")) for s in segs)
    return (ranks, static_chars)


def split_key(key) -> tuple:
    return tuple(s for s in key[1].split("/") if s)


# --------------------------------------------------------------------------------------------
# Scoring


def ratio(num, den):
    return (num / den) if den else None


def score(doc, truth) -> dict:
    warnings: list = []
    resolver = RefResolver(doc)
    ops, swagger2, version = extract_operations(doc, resolver, warnings)

    ops_by_key = defaultdict(list)
    for op in ops:
        ops_by_key[op.key].append(op)
    P = set(ops_by_key)

    if not isinstance(truth, dict) or not isinstance(truth.get("endpoints"), list):
        raise ScoreError("truth has no 'endpoints' list")
    truth_eps = []
    for e in truth["endpoints"]:
        key = endpoint_key(e["method"], e["template"])
        alts = []
        for a in e.get("alternates") or []:
            k = endpoint_key(e["method"], a)
            if k not in alts:
                alts.append(k)
        truth_eps.append({"raw": e, "key": key, "alts": alts})
    G_keys = [t["key"] for t in truth_eps]
    dup = {k for k in G_keys if G_keys.count(k) > 1} if len(set(G_keys)) != len(G_keys) else set()
    if dup:
        warnings.append("truth has duplicate normalized endpoints: "
                        + ", ".join(key_str(k) for k in sorted(dup)))
    truth_key_set = set(G_keys)

    # --- matching
    tp_predictions = set()
    matched = []
    via_alternates = 0
    for t in truth_eps:
        direct = t["key"] in P
        by_alts = bool(t["alts"]) and all(a in P for a in t["alts"])
        t["matched"] = direct or by_alts
        t["direct"] = direct
        t["by_alts"] = by_alts
        if direct:
            tp_predictions.add(t["key"])
        if by_alts:
            tp_predictions.update(t["alts"])
        if t["matched"]:
            matched.append(t)
            if not direct:
                via_alternates += 1

    n_pred = len(P)
    n_truth = len(truth_eps)
    n_tp = len(tp_predictions)
    n_matched = len(matched)
    precision = n_tp / n_pred if n_pred else 0.0
    recall = n_matched / n_truth if n_truth else 0.0
    f1 = 2 * precision * recall / (precision + recall) if (precision + recall) else 0.0

    # --- field recall (micro-averaged over matched endpoints)
    counts = {"query": [0, 0], "request": [0, 0], "response": [0, 0]}
    per_endpoint_missing = []
    for t in matched:
        e = t["raw"]
        keys = []
        if t["direct"]:
            keys.append(t["key"])
        if t["by_alts"]:
            keys.extend(a for a in t["alts"] if a not in keys)
        exported_ops = [op for k in keys for op in ops_by_key[k]]
        missing = {}

        tq = {normalize_query_name(n) for n in e.get("query_params") or []}
        if tq:
            got = set()
            for op in exported_ops:
                got |= query_names(op)
            hit = tq & got
            counts["query"][0] += len(hit)
            counts["query"][1] += len(tq)
            if tq - hit:
                missing["query"] = sorted(tq - hit)

        treq = {normalize_field_name(n) for n in e.get("request_body_fields") or []}
        treq.discard(())
        if treq:
            wanted = all_prefixes(treq)
            got = set()
            for op in exported_ops:
                schemas, direct_names = request_schemas(op, resolver, swagger2)
                got |= direct_names
                got |= flatten_schemas(schemas, resolver, wanted)
            hit = treq & got
            counts["request"][0] += len(hit)
            counts["request"][1] += len(treq)
            if treq - hit:
                missing["request"] = sorted(".".join(n) for n in treq - hit)

        tresp = {normalize_field_name(n) for n in e.get("response_fields") or []}
        tresp.discard(())
        if tresp:
            wanted = all_prefixes(tresp)
            got = set()
            for op in exported_ops:
                got |= flatten_schemas(response_schemas(op, resolver, swagger2), resolver, wanted)
            hit = tresp & got
            counts["response"][0] += len(hit)
            counts["response"][1] += len(tresp)
            if tresp - hit:
                missing["response"] = sorted(".".join(n) for n in tresp - hit)
        if missing:
            per_endpoint_missing.append((key_str(t["key"]), missing))

    # --- diagnostics
    truth_by_shape = defaultdict(list)  # (method, nseg) -> truth entries
    for t in truth_eps:
        t["segs"] = split_key(t["key"])
        truth_by_shape[(t["key"][0], len(t["segs"]))].append(t)

    over_merged = []  # (pred key, [covered truth], [unmatched covered])
    fragments = defaultdict(list)  # truth key -> [pred keys]
    covered_by_pred = defaultdict(list)  # truth key -> [pred keys covering it]
    fp_notes = {}
    for p in sorted(P):
        psegs = split_key(p)
        shape = truth_by_shape.get((p[0], len(psegs)), [])
        covered = [t for t in shape if covers(psegs, t["segs"])]
        for t in covered:
            covered_by_pred[t["key"]].append(p)
        if len(covered) >= 2:
            unmatched = [t for t in covered if not t["matched"]]
            if unmatched:
                over_merged.append((p, covered, unmatched))
        if p not in truth_key_set:
            covering = [t for t in shape if covers(t["segs"], psegs)]
            if covering:
                best = max(covering, key=lambda t: (specificity(t["segs"]), t["key"][1]))
                fragments[best["key"]].append(p)
                if p not in tp_predictions:
                    fp_notes[p] = f"fragment of {key_str(best['key'])}"
        if p not in tp_predictions and p not in fp_notes:
            if covered:
                fp_notes[p] = "covers " + ", ".join(key_str(t["key"]) for t in covered[:3]) + (
                    f" (+{len(covered) - 3})" if len(covered) > 3 else "")
            else:
                fp_notes[p] = "no truth endpoint covers it"

    under_merged = []
    for t in truth_eps:
        if t["matched"]:
            continue
        if fragments.get(t["key"]) and not covered_by_pred.get(t["key"]):
            under_merged.append((t["key"], fragments[t["key"]]))

    missed = []
    under_keys = {k for k, _ in under_merged}
    for t in truth_eps:
        if t["matched"]:
            continue
        k = t["key"]
        if k in under_keys:
            note = f"under-merged: {len(fragments[k])} more specific exported template(s)"
        elif covered_by_pred.get(k):
            note = "swallowed by " + ", ".join(key_str(p) for p in covered_by_pred[k][:3])
        elif t["alts"] and any(a in P for a in t["alts"]):
            got = sum(1 for a in t["alts"] if a in P)
            note = f"only {got}/{len(t['alts'])} alternates exported"
        elif fragments.get(k):
            note = f"{len(fragments[k])} more specific exported template(s)"
        else:
            note = "not exported"
        missed.append((k, note))

    false_positives = [(p, fp_notes.get(p, "")) for p in sorted(P - tp_predictions)]

    return {
        "api": (truth.get("meta") or {}).get("name"),
        "document_version": version,
        "operations_exported": len(ops),
        "endpoints_exported": n_pred,
        "endpoints_truth": n_truth,
        "endpoints_with_alternates": sum(1 for t in truth_eps if t["alts"]),
        "matched": n_matched,
        "matched_via_alternates": via_alternates,
        "true_positive_predictions": n_tp,
        "false_positive_predictions": n_pred - n_tp,
        "missed": n_truth - n_matched,
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "query_recall": ratio(*counts["query"]),
        "request_field_recall": ratio(*counts["request"]),
        "response_field_recall": ratio(*counts["response"]),
        "query_hits": counts["query"][0],
        "query_total": counts["query"][1],
        "request_field_hits": counts["request"][0],
        "request_field_total": counts["request"][1],
        "response_field_hits": counts["response"][0],
        "response_field_total": counts["response"][1],
        "over_merged": len(over_merged),
        "under_merged": len(under_merged),
        "under_merged_fragments": sum(len(f) for _, f in under_merged),
        "unresolved_refs": sorted(resolver.unresolved),
        "warnings": sorted(set(warnings)),
        # detail (not numbers)
        "_over_merged": over_merged,
        "_under_merged": under_merged,
        "_missed": missed,
        "_false_positives": false_positives,
        "_field_misses": per_endpoint_missing,
    }


# --------------------------------------------------------------------------------------------
# Output


def fmt(v) -> str:
    return "n/a" if v is None else f"{v:.3f}"


def final_line(r) -> str:
    return ("discovery F1={} precision={} recall={} query_recall={} request_field_recall={} "
            "response_field_recall={}").format(
        fmt(r["f1"]), fmt(r["precision"]), fmt(r["recall"]), fmt(r["query_recall"]),
        fmt(r["request_field_recall"]), fmt(r["response_field_recall"]))


def _frac(hits, total):
    return f"{hits}/{total}" + (f" ({hits / total:.3f})" if total else " (n/a)")


def print_summary(r, max_examples: int, out=None):
    out = out or sys.stdout
    w = lambda s="": print(s, file=out)  # noqa: E731

    def capped(rows, render):
        for row in rows[:max_examples]:
            w("  " + render(row))
        if len(rows) > max_examples:
            w(f"  ... and {len(rows) - max_examples} more")

    w(f"api: {r['api']}   document: {r['document_version']}, {r['operations_exported']} operations")
    w(f"endpoints: truth {r['endpoints_truth']} ({r['endpoints_with_alternates']} with alternates), "
      f"exported {r['endpoints_exported']} distinct")
    w(f"matched truth endpoints: {r['matched']} ({r['matched_via_alternates']} via alternates), "
      f"missed {r['missed']}")
    w(f"predictions: {r['true_positive_predictions']} true positive, "
      f"{r['false_positive_predictions']} false positive")
    w(f"query params:         {_frac(r['query_hits'], r['query_total'])}")
    w(f"request body fields:  {_frac(r['request_field_hits'], r['request_field_total'])}")
    w(f"response fields:      {_frac(r['response_field_hits'], r['response_field_total'])}")
    if r["warnings"]:
        w(f"warnings: {len(r['warnings'])}")
        capped(r["warnings"], str)
    if r["unresolved_refs"]:
        w(f"unresolved $refs: {len(r['unresolved_refs'])}")
        capped(r["unresolved_refs"], str)
    w()
    w(f"over-merged exported templates: {r['over_merged']}")
    capped(r["_over_merged"], lambda row: "{} covers {} truth endpoints, {} unmatched: {}".format(
        key_str(row[0]), len(row[1]), len(row[2]),
        ", ".join(t["key"][1] for t in row[2][:5]) + (" ..." if len(row[2]) > 5 else "")))
    w(f"under-merged truth endpoints: {r['under_merged']} "
      f"({r['under_merged_fragments']} more specific exported templates)")
    capped(r["_under_merged"], lambda row: "{} <- {} fragments, e.g. {}".format(
        key_str(row[0]), len(row[1]),
        ", ".join(p[1] for p in row[1][:3]) + (" ..." if len(row[1]) > 3 else "")))
    w(f"missed truth endpoints: {len(r['_missed'])}")
    capped(r["_missed"], lambda row: f"{key_str(row[0])}   [{row[1]}]")
    w(f"false-positive predictions: {len(r['_false_positives'])}")
    capped(r["_false_positives"], lambda row: f"{key_str(row[0])}   [{row[1]}]")
    if r["_field_misses"]:
        w(f"matched endpoints with missing names: {len(r['_field_misses'])}")
        capped(r["_field_misses"], lambda row: row[0] + "   " + "; ".join(
            f"{kind}: " + ", ".join(names[:6]) + (f" (+{len(names) - 6})" if len(names) > 6 else "")
            for kind, names in row[1].items()))
    w()
    w(final_line(r))


def json_report(r, max_examples: int) -> dict:
    out = {k: v for k, v in r.items() if not k.startswith("_")}
    out["examples"] = {
        "over_merged": [
            {"exported": key_str(p), "covers": [key_str(t["key"]) for t in cov],
             "unmatched": [key_str(t["key"]) for t in un]}
            for p, cov, un in r["_over_merged"][:max_examples]],
        "under_merged": [
            {"truth": key_str(k), "fragments": len(fr),
             "examples": [key_str(p) for p in fr[:5]]}
            for k, fr in r["_under_merged"][:max_examples]],
        "missed": [{"truth": key_str(k), "note": note} for k, note in r["_missed"][:max_examples]],
        "false_positives": [{"exported": key_str(p), "note": note}
                            for p, note in r["_false_positives"][:max_examples]],
    }
    out["line"] = final_line(r)
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("openapi", help="exported OpenAPI 3.x / Swagger 2.0 document (JSON or YAML)")
    ap.add_argument("truth", help="truth.json of the corpus API")
    ap.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    ap.add_argument("--max-examples", type=int, default=20,
                    help="examples per diagnostic list (default 20)")
    args = ap.parse_args(argv)
    try:
        doc = load_document(args.openapi)
        truth = load_document(args.truth)
        r = score(doc, truth)
    except ScoreError as exc:
        print(f"score_discovery: error: {exc}", file=sys.stderr)
        return 2
    if args.json:
        json.dump(json_report(r, args.max_examples), sys.stdout, indent=1)
        sys.stdout.write("\n")
    else:
        print_summary(r, args.max_examples)
    return 0


if __name__ == "__main__":
    sys.exit(main())
