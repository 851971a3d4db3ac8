#!/usr/bin/env python3
"""Trivial discovery baselines: HAR -> OpenAPI 3.1 document (for scorer sanity checks).

    trivial_baseline.py HAR OUT.json [--strategy concrete|ids]

* concrete (default): every concrete (method, URL path) of the HAR is an endpoint.
* ids: numeric, UUID and long-hex path segments become a parameter, everything else stays.

Both export no query parameters and no fields. The README of the discovery corpus reports,
averaged over the 15 DEV APIs, precision/recall/F1 of 0.086/0.330/0.121 for "every concrete
path is an endpoint" and 0.240/0.447/0.267 for "numeric / UUID / long-hex segments ->
parameter" (the exact rule behind the latter is not documented, so expect only closeness).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from urllib.parse import urlsplit

METHODS = {"GET", "PUT", "POST", "DELETE", "OPTIONS", "HEAD", "PATCH", "TRACE"}

_NUMERIC = re.compile(r"^[0-9]+$")
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_LONG_HEX = re.compile(r"^[0-9a-fA-F]{16,}$")


def is_id_segment(seg: str) -> bool:
    return bool(_NUMERIC.match(seg) or _UUID.match(seg) or _LONG_HEX.match(seg))


def url_path(url: str) -> str:
    path = urlsplit(url).path
    return path if path.startswith("/") else "/" + path


def templatize(path: str) -> str:
    out = []
    n = 0
    for seg in path.split("/"):
        if seg and is_id_segment(seg):
            n += 1
            out.append("{p%d}" % n)
        else:
            out.append(seg)
    return "/".join(out)


def build(har: dict, strategy: str = "concrete") -> dict:
    entries = (har.get("log") or {}).get("entries") or []
    hosts = []
    paths: dict = {}
    for entry in entries:
        req = entry.get("request") or {}
        method = str(req.get("method", "")).upper()
        url = req.get("url") or ""
        if method not in METHODS or not url:
            continue
        host = urlsplit(url).netloc
        if host and host not in hosts:
            hosts.append(host)
        path = url_path(url)
        if strategy == "ids":
            path = templatize(path)
        item = paths.setdefault(path, {})
        if method.lower() in item:
            continue
        op = {"responses": {"200": {"description": "observed"}}}
        params = re.findall(r"\{([^{}]*)\}", path)
        if params:
            op["parameters"] = [{"name": p, "in": "path", "required": True,
                                 "schema": {"type": "string"}} for p in params]
        item[method.lower()] = op
    server = f"https://{hosts[0]}" if hosts else "/"
    return {"openapi": "3.1.0",
            "info": {"title": f"trivial baseline ({strategy})", "version": "0"},
            "servers": [{"url": server}],
            "paths": paths}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("har")
    ap.add_argument("out")
    ap.add_argument("--strategy", choices=("concrete", "ids"), default="concrete")
    args = ap.parse_args(argv)
    with open(args.har, encoding="utf-8") as fh:
        har = json.load(fh)
    doc = build(har, args.strategy)
    with open(args.out, "w", encoding="utf-8") as fh:
        json.dump(doc, fh, indent=1)
        fh.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
