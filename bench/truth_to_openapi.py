#!/usr/bin/env python3
"""Build an OpenAPI document from a discovery-corpus truth.json (scorer self-test).

    truth_to_openapi.py TRUTH_JSON OUT.json [--style plain|servers|swagger2] [--refs]

Every truth endpoint becomes one operation: its template as path (path parameters declared),
its query_params as `in: query` parameters, and its request_body_fields / response_fields as
nested object properties (dotted names -> nested `properties`). Scoring the result against
the same truth must give F1 = 1 and field recalls of 1 (or n/a).

Styles, to exercise the scorer's template and body rules:

* plain    OpenAPI 3.1, full templates as paths keys, document server = https://<host>;
           an endpoint on another host gets an operation-level server.
* servers  OpenAPI 3.1, the longest common static prefix moves into the document server URL
           (through a server variable); every other path item instead carries its own
           path-item server without the prefix and keeps the full template as its key, and
           operations on another host carry an operation-level server.
* swagger2 Swagger 2.0 with the prefix as basePath, `in: body` parameters, and `in: formData`
           parameters for form / multipart endpoints.

--refs moves schemas and query parameters into components / definitions and $refs them.
"""

from __future__ import annotations

import argparse
import json
import re
import sys

_PARAM_NAME = re.compile(r"\{([^{}]*)\}")
_PARAM = re.compile(r"\{[^{}]*\}")


def path_shape(template):
    return "/" + "/".join(_PARAM.sub("{}", s) for s in template.split("/") if s)


def tree_schema(names):
    """['a', 'a.b', 'c'] -> {"type": "object", "properties": {"a": {... "b": {}}, "c": {}}}"""
    root: dict = {}
    for name in names:
        node = root
        for seg in (s for s in name.split(".") if s):
            node = node.setdefault(seg, {})

    def build(node):
        if not node:
            return {}
        return {"type": "object", "properties": {k: build(v) for k, v in sorted(node.items())}}

    return build(root) if root else {"type": "object"}


def common_static_prefix(templates):
    split = [[s for s in t.split("/") if s] for t in templates]
    if not split:
        return []
    prefix = []
    for i, seg in enumerate(split[0]):
        if "{" in seg or "}" in seg:
            break
        # keep at least one segment in every template after the prefix
        if all(len(s) > i + 1 and s[i] == seg for s in split):
            prefix.append(seg)
        else:
            break
    return prefix


def is_form(content_type):
    ct = (content_type or "").lower()
    return ct.startswith("application/x-www-form-urlencoded") or ct.startswith("multipart/")


def build(truth, style="plain", refs=False):
    meta = truth.get("meta") or {}
    endpoints = truth["endpoints"]
    hosts = meta.get("hosts") or ["api.example.com"]
    main_host = hosts[0]
    swagger2 = style == "swagger2"

    prefix_segs = common_static_prefix([e["template"] for e in endpoints]) if style != "plain" else []
    prefix = "/" + "/".join(prefix_segs) if prefix_segs else ""

    # one paths key per parameter-name-insensitive path (OpenAPI forbids equivalent keys)
    key_for_shape = {}
    for e in endpoints:
        key_for_shape.setdefault(path_shape(e["template"]), e["template"])

    paths: dict = {}
    components = {"schemas": {}, "parameters": {}}
    item_index = {}

    def schema_ref(name, schema):
        if not refs:
            return schema
        components["schemas"][name] = schema
        return {"$ref": ("#/definitions/" if swagger2 else "#/components/schemas/") + name}

    def param_ref(param):
        if not refs:
            return param
        name = f"q_{param['name']}"
        name = re.sub(r"[^A-Za-z0-9._-]", "_", name)
        components["parameters"][name] = param
        return {"$ref": ("#/parameters/" if swagger2 else "#/components/parameters/") + name}

    for i, e in enumerate(endpoints):
        template = key_for_shape[path_shape(e["template"])]
        idx = item_index.setdefault(template, len(item_index))
        use_item_server = style == "servers" and idx % 2 == 1
        if prefix and not use_item_server:
            key = template[len(prefix):] or "/"
        else:
            key = template
        item = paths.setdefault(key, {})
        if use_item_server and "servers" not in item:
            item["servers"] = [{"url": f"https://{main_host}"}]

        names = []
        for n in _PARAM_NAME.findall(template):
            if n not in names:
                names.append(n)
        params = []
        for n in names:
            p = {"name": n, "in": "path", "required": True}
            if swagger2:
                p["type"] = "string"
            else:
                p["schema"] = {"type": "string"}
            params.append(p)
        for q in e.get("query_params") or []:
            p = {"name": q, "in": "query"}
            if swagger2:
                p["type"] = "string"
            else:
                p["schema"] = {"type": "string"}
            params.append(param_ref(p))

        op: dict = {"operationId": f"op{i}"}
        ctypes = e.get("request_content_types") or []
        ctype = ctypes[0] if ctypes else "application/json"
        req = e.get("request_body_fields") or []
        if req or ctypes:
            if swagger2:
                if is_form(ctype):
                    op["consumes"] = [ctype]
                    tops = []
                    for n in req:
                        top = [s for s in n.split(".") if s][0]
                        if top not in tops:
                            tops.append(top)
                    for top in tops:
                        params.append({"name": top, "in": "formData", "type": "string"})
                else:
                    op["consumes"] = [ctype]
                    params.append({"name": "body", "in": "body",
                                   "schema": schema_ref(f"Req{i}", tree_schema(req))})
            else:
                op["requestBody"] = {"content": {
                    ctype: {"schema": schema_ref(f"Req{i}", tree_schema(req))}}}
        if params:
            op["parameters"] = params

        codes = [c for c in e.get("response_status_codes") or [] if 200 <= int(c) < 300]
        code = str(codes[0]) if codes else "200"
        resp: dict = {"description": "response"}
        fields = e.get("response_fields") or []
        if fields:
            schema = schema_ref(f"Resp{i}", tree_schema(fields))
            if swagger2:
                resp["schema"] = schema
                op["produces"] = ["application/json"]
            else:
                resp["content"] = {"application/json": {"schema": schema}}
        op["responses"] = {code: resp}

        host = e.get("host") or main_host
        if not swagger2 and host != main_host:
            base = "" if (use_item_server or not prefix) else prefix
            op["servers"] = [{"url": f"https://{host}{base}"}]
        item[e["method"].lower()] = op

    title = meta.get("spec_title") or meta.get("name") or "truth"
    if swagger2:
        doc = {"swagger": "2.0", "info": {"title": f"{title} (from truth)", "version": "1"},
               "host": main_host, "basePath": prefix or "/", "schemes": ["https"],
               "paths": paths}
        if components["schemas"]:
            doc["definitions"] = components["schemas"]
        if components["parameters"]:
            doc["parameters"] = components["parameters"]
    else:
        if style == "servers" and prefix:
            server = {"url": "https://{host}" + prefix,
                      "variables": {"host": {"default": main_host}}}
        else:
            server = {"url": f"https://{main_host}{prefix}"}
        doc = {"openapi": "3.1.0", "info": {"title": f"{title} (from truth)", "version": "1"},
               "servers": [server], "paths": paths}
        comp = {k: v for k, v in components.items() if v}
        if comp:
            doc["components"] = comp
    return doc


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("truth")
    ap.add_argument("out")
    ap.add_argument("--style", choices=("plain", "servers", "swagger2"), default="plain")
    ap.add_argument("--refs", action="store_true", help="use components/definitions + $ref")
    args = ap.parse_args(argv)
    with open(args.truth, encoding="utf-8") as fh:
        truth = json.load(fh)
    doc = build(truth, args.style, args.refs)
    with open(args.out, "w", encoding="utf-8") as fh:
        json.dump(doc, fh, indent=1)
        fh.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
