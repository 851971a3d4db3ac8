#!/usr/bin/env python3
"""Replays the CRS regression corpus and benign API traffic through Lampyr and ModSecurity.

Both get the same request bytes: Lampyr through `lampyr scan-request --batch` (one process),
ModSecurity through nginx on a loopback port (one connection per request, kept open until the
answer as go-ftw does). A 403 from nginx is "blocked"; other 4xx/5xx answers nginx gives before
ModSecurity runs are "unresolved" and left out of the rates, as GoTestWAF does.

    crs_compare.py --crs DIR [--benign HAR ...] --lampyr BIN --paranoia 1 2
                   [--modsec HOST:PORT:PL ...] [--json OUT] [--markdown OUT]
"""
import argparse
import base64
import json
import os
import socket
import subprocess
import sys
from collections import defaultdict
from urllib.parse import urlsplit

# Families that carry attack payloads (the headline numbers); the others test CRS mechanics.
PAYLOAD = ["sqli", "xss", "rce", "lfi", "rfi", "php", "java", "generic", "session-fixation"]


def crs_cases(crs_dir):
    for name in sorted(os.listdir(crs_dir)):
        if not name.endswith(".jsonl") or name.startswith("response-"):
            continue
        with open(os.path.join(crs_dir, name), encoding="utf-8") as f:
            for line in f:
                if not line.strip():
                    continue
                case = json.loads(line)
                yield {
                    "id": case["id"],
                    "family": case["family"],
                    "expect": case["expect"],
                    "pl": case.get("paranoia_level") or 1,
                    "raw": raw_of_crs(case),
                }


def raw_of_crs(case):
    """The bytes go-ftw puts on the wire for a case."""
    if case.get("raw_request_b64") and case.get("autocomplete_headers") is False:
        return base64.b64decode(case["raw_request_b64"])
    body = case.get("body")
    body_bytes = body.encode("utf-8", "surrogateescape") if body is not None else b""
    lines = [f"{case['method']} {case['uri']} {case.get('version') or 'HTTP/1.1'}"]
    headers = case.get("headers") or {}
    have_len = any(k.lower() == "content-length" for k in headers)
    for k, v in headers.items():
        lines.append(f"{k}: {v}")
    if body is not None and not have_len and case.get("autocomplete_headers") is not False:
        lines.append(f"Content-Length: {len(body_bytes)}")
    if not any(k.lower() == "host" for k in headers):
        lines.append("Host: localhost")
    if case.get("autocomplete_headers") is not False and not any(
        k.lower() == "connection" for k in headers
    ):
        lines.append("Connection: close")
    head = "\r\n".join(lines).encode("utf-8", "surrogateescape") + b"\r\n\r\n"
    return head + body_bytes


def har_cases(path):
    with open(path, encoding="utf-8") as f:
        har = json.load(f)
    for i, e in enumerate(har["log"]["entries"]):
        r = e["request"]
        u = urlsplit(r["url"])
        target = (u.path or "/") + (("?" + u.query) if u.query else "")
        body = ((r.get("postData") or {}).get("text")) or ""
        body_bytes = body.encode("utf-8", "surrogateescape")
        lines = [f"{r['method']} {target} HTTP/1.1", f"Host: {u.hostname or 'localhost'}"]
        for h in r.get("headers", []):
            n = h["name"]
            if n.startswith(":") or n.lower() in ("host", "content-length", "connection",
                                                   "transfer-encoding", "content-encoding"):
                continue
            lines.append(f"{n}: {h['value']}")
        if body_bytes:
            lines.append(f"Content-Length: {len(body_bytes)}")
        lines.append("Connection: close")
        head = "\r\n".join(lines).encode("utf-8", "surrogateescape") + b"\r\n\r\n"
        yield {
            "id": f"{path}#{i}",
            "family": "benign-api",
            "expect": "benign",
            "pl": 1,
            "raw": head + body_bytes,
        }


def run_lampyr(binary, cases, paranoia, config=None):
    cmd = [binary, "scan-request", "--batch", "--paranoia", str(paranoia)]
    if config:
        cmd += ["--config", config]
    payload = "".join(
        json.dumps({"id": n, "raw_b64": base64.b64encode(c["raw"]).decode()}) + "\n"
        for n, c in enumerate(cases)
    )
    out = subprocess.run(cmd, input=payload.encode(), capture_output=True, check=True).stdout
    verdicts = {}
    for line in out.decode().splitlines():
        v = json.loads(line)
        if v.get("error"):
            continue
        verdicts[v["id"]] = "blocked" if v["attack"] else "passed"
    return [verdicts.get(n, "unresolved") for n in range(len(cases))]


def send(host, port, raw):
    try:
        with socket.create_connection((host, port), timeout=10) as s:
            s.sendall(raw)
            data = b""
            while b"\r\n" not in data:
                chunk = s.recv(4096)
                if not chunk:
                    break
                data += chunk
            parts = data.split(b" ", 2)
            return int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0
    except OSError:
        return 0


def run_modsec(host, port, cases):
    out = []
    for c in cases:
        status = send(host, port, c["raw"])
        if status == 403:
            out.append("blocked")
        elif status in (200, 404):
            out.append("passed")
        else:
            out.append("unresolved")
    return out


def tabulate(cases, results):
    rows = defaultdict(lambda: defaultdict(int))
    for c, r in zip(cases, results):
        fam = c["family"]
        groups = [fam, "ALL (request side)" if fam != "benign-api" else None]
        if fam in PAYLOAD:
            groups.append("PAYLOAD FAMILIES")
        for g in filter(None, groups):
            row = rows[g]
            if r == "unresolved":
                row["unresolved"] += 1
                continue
            if c["expect"] == "attack":
                row["attacks"] += 1
                row["caught"] += r == "blocked"
                if c["pl"] <= 2:
                    row["attacks_pl12"] += 1
                    row["caught_pl12"] += r == "blocked"
            else:
                row["benign"] += 1
                row["blocked"] += r == "blocked"
    return {k: dict(v) for k, v in rows.items()}


def pct(a, b):
    return f"{100.0 * a / b:.1f} %" if b else "-"


def markdown(tables):
    names = list(tables)
    fams = sorted({f for t in tables.values() for f in t}, key=lambda f: (
        f in ("PAYLOAD FAMILIES", "ALL (request side)", "benign-api"), f))
    out = ["| family | " + " | ".join(f"{n} attacks caught | {n} benign blocked" for n in names) + " |",
           "|---|" + "---:|---:|" * len(names)]
    for f in fams:
        cells = []
        for n in names:
            r = tables[n].get(f, {})
            cells.append(f"{r.get('caught', 0)}/{r.get('attacks', 0)} ({pct(r.get('caught', 0), r.get('attacks', 0))})"
                         if r.get("attacks") else "-")
            cells.append(f"{r.get('blocked', 0)}/{r.get('benign', 0)} ({pct(r.get('blocked', 0), r.get('benign', 0))})"
                         if r.get("benign") else "-")
        out.append(f"| {f} | " + " | ".join(cells) + " |")
    return "\n".join(out) + "\n"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--crs", required=True)
    ap.add_argument("--benign", nargs="*", default=[])
    ap.add_argument("--lampyr", required=True)
    ap.add_argument("--config")
    ap.add_argument("--paranoia", nargs="*", type=int, default=[1, 2])
    ap.add_argument("--modsec", nargs="*", default=[], help="HOST:PORT:LABEL")
    ap.add_argument("--json")
    ap.add_argument("--markdown")
    a = ap.parse_args()
    cases = list(crs_cases(a.crs))
    for h in a.benign:
        cases.extend(har_cases(h))
    tables = {}
    for pl in a.paranoia:
        tables[f"Lampyr PL{pl}"] = tabulate(cases, run_lampyr(a.lampyr, cases, pl, a.config))
    for spec in a.modsec:
        host, port, label = spec.split(":", 2)
        tables[label] = tabulate(cases, run_modsec(host, int(port), cases))
    md = markdown(tables)
    print(md)
    for name, t in tables.items():
        p, b = t.get("PAYLOAD FAMILIES", {}), t.get("benign-api", {})
        print(f"{name}: payload attacks {pct(p.get('caught', 0), p.get('attacks', 0))}, "
              f"PL1-2 attacks {pct(p.get('caught_pl12', 0), p.get('attacks_pl12', 0))}, "
              f"CRS benign blocked {pct(p.get('blocked', 0), p.get('benign', 0))}, "
              f"API benign blocked {b.get('blocked', 0)}/{b.get('benign', 0)}, "
              f"unresolved {t.get('ALL (request side)', {}).get('unresolved', 0)}")
    if a.json:
        with open(a.json, "w") as f:
            json.dump(tables, f, indent=1)
    if a.markdown:
        with open(a.markdown, "w") as f:
            f.write(md)


if __name__ == "__main__":
    sys.exit(main())
