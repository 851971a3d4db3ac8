#!/usr/bin/env python3
"""Unit tests of bench/score_discovery.py against the wording of the corpus README.

    python3 bench/test_score_discovery.py      (or: python3 -m unittest discover bench)
"""

import io
import json
import os
import sys
import tempfile
import unittest
from contextlib import redirect_stdout

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import score_discovery as sd  # noqa: E402


def ep(method, template, alternates=(), query=(), req=(), resp=()):
    return {"method": method, "template": template, "alternates": list(alternates),
            "query_params": list(query), "request_body_fields": list(req),
            "response_fields": list(resp)}


def truth(*eps):
    return {"meta": {"name": "t"}, "endpoints": list(eps)}


def oas(paths, **extra):
    d = {"openapi": "3.1.0", "info": {"title": "x", "version": "1"}, "paths": paths}
    d.update(extra)
    return d


def op(**kw):
    o = {"responses": {"200": {"description": "ok"}}}
    o.update(kw)
    return o


def json_resp(schema, code="200"):
    return {code: {"description": "ok", "content": {"application/json": {"schema": schema}}}}


class Normalization(unittest.TestCase):
    def test_template(self):
        self.assertEqual(sd.endpoint_key("get", "/users/{user_id}"), ("GET", "/users/{}"))
        self.assertEqual(sd.endpoint_key("GET", "//users//{id}/"), ("GET", "/users/{}"))
        self.assertEqual(sd.endpoint_key("GET", "/a%20b/%7Bx%7D"), ("GET", "/a b/{}"))
        self.assertEqual(sd.endpoint_key("GET", "/c/{baseId}...{headId}"), ("GET", "/c/{}...{}"))
        self.assertEqual(sd.endpoint_key("GET", "/"), ("GET", "/"))
        self.assertNotEqual(sd.endpoint_key("GET", "/Users/{id}"), sd.endpoint_key("GET", "/users/{id}"))

    def test_names(self):
        self.assertEqual(sd.normalize_query_name("filter[status]"), "filter")
        self.assertEqual(sd.normalize_query_name("a[b][c]"), "a")
        self.assertEqual(sd.normalize_query_name("ids[]"), "ids")
        self.assertEqual(sd.normalize_field_name("items[].id"), ("items", "id"))
        self.assertEqual(sd.normalize_field_name("a[0]..b."), ("a", "b"))
        self.assertEqual(sd.normalize_field_name("[].x"), ("x",))

    def test_cover(self):
        self.assertTrue(sd.covers(("users", "{}"), ("users", "me")))
        self.assertTrue(sd.covers(("users", "{}"), ("users", "{}")))
        self.assertFalse(sd.covers(("users", "me"), ("users", "{}")))
        self.assertTrue(sd.covers(("conversations.{}",), ("conversations.list",)))
        self.assertFalse(sd.covers(("conversations.{}",), ("conversations.",)))  # one or more
        self.assertTrue(sd.covers(("lists.{}",), ("lists.{}",)))
        self.assertTrue(sd.covers(("{}...{}",), ("a...b",)))
        self.assertFalse(sd.covers(("{}.json",), ("{}",)))
        self.assertFalse(sd.covers(("a", "{}"), ("a",)))


class Matching(unittest.TestCase):
    def test_basic_and_duplicates(self):
        t = truth(ep("GET", "/users/{id}"), ep("GET", "/users/me"), ep("POST", "/users"))
        d = oas({"/users/{user_id}/": {"get": op()}, "/users/{id}": {"get": op()},
                 "/nope": {"get": op()}})
        r = sd.score(d, t)
        self.assertEqual(r["endpoints_exported"], 2)   # duplicates count once
        self.assertEqual(r["matched"], 1)
        self.assertAlmostEqual(r["precision"], 0.5)
        self.assertAlmostEqual(r["recall"], 1 / 3)
        self.assertAlmostEqual(r["f1"], 2 * 0.5 * (1 / 3) / (0.5 + 1 / 3))
        self.assertEqual(r["over_merged"], 1)   # /users/{} swallows unmatched /users/me

    def test_alternates(self):
        alt = ep("GET", "/lists.{format}", alternates=["/lists.json", "/lists.jsonp"],
                 resp=["a", "b"])
        # all alternates -> matched, both alternates are true positives
        d = oas({"/lists.json": {"get": op(responses=json_resp({"properties": {"a": {}}}))},
                 "/lists.jsonp": {"get": op(responses=json_resp({"properties": {"b": {}}}))}})
        r = sd.score(d, truth(alt))
        self.assertEqual((r["matched"], r["matched_via_alternates"]), (1, 1))
        self.assertEqual((r["precision"], r["recall"]), (1.0, 1.0))
        self.assertEqual(r["response_field_recall"], 1.0)   # union over both operations
        # only some alternates -> not matched, and an under-merged diagnostic
        d = oas({"/lists.json": {"get": op()}})
        r = sd.score(d, truth(alt))
        self.assertEqual((r["matched"], r["precision"]), (0, 0.0))
        self.assertEqual(r["under_merged"], 1)
        # the template itself
        d = oas({"/lists.{fmt}": {"get": op()}})
        self.assertEqual(sd.score(d, truth(alt))["f1"], 1.0)
        # template + one stray alternate: the alternate is a false positive
        d = oas({"/lists.{fmt}": {"get": op()}, "/lists.json": {"get": op()}})
        r = sd.score(d, truth(alt))
        self.assertEqual((r["recall"], r["precision"]), (1.0, 0.5))
        # template + all alternates: everything is a true positive
        d = oas({"/lists.{fmt}": {"get": op()}, "/lists.json": {"get": op()},
                 "/lists.jsonp": {"get": op()}})
        self.assertEqual(sd.score(d, truth(alt))["precision"], 1.0)
        # method matters for alternates as well
        d = oas({"/lists.json": {"post": op()}, "/lists.jsonp": {"get": op()}})
        self.assertEqual(sd.score(d, truth(alt))["matched"], 0)

    def test_empty(self):
        r = sd.score(oas({}), truth(ep("GET", "/a")))
        self.assertEqual((r["precision"], r["recall"], r["f1"]), (0.0, 0.0, 0.0))
        self.assertIsNone(r["query_recall"])
        self.assertIn("precision=0.000", sd.final_line(r))
        self.assertIn("query_recall=n/a", sd.final_line(r))

    def test_under_merged(self):
        t = truth(ep("PUT", "/gists/{id}/star"), ep("GET", "/gists/{id}"))
        d = oas({f"/gists/{n}/star": {"put": op()} for n in (1, 22, 333)})
        d["paths"]["/gists/{id}"] = {"get": op()}
        r = sd.score(d, t)
        self.assertEqual((r["under_merged"], r["under_merged_fragments"]), (1, 3))
        self.assertEqual(r["over_merged"], 0)

    def test_fragment_charged_to_most_specific(self):
        t = truth(ep("GET", "/a/{x}/{y}"), ep("GET", "/a/b/{y}"))
        r = sd.score(oas({"/a/b/c": {"get": op()}}), t)
        self.assertEqual([sd.key_str(k) for k, _ in r["_under_merged"]], ["GET /a/b/{}"])

    def test_over_merged_mixed(self):
        t = truth(ep("GET", "/conversations.list"), ep("GET", "/conversations.info"),
                  ep("GET", "/chat.post"))
        r = sd.score(oas({"/conversations.{m}": {"get": op()}}), t)
        self.assertEqual(r["over_merged"], 1)
        self.assertEqual(len(r["_over_merged"][0][1]), 2)


class Templates(unittest.TestCase):
    T = truth(ep("GET", "/api/v1/accounts/{id}/env"))

    def f1(self, d):
        return sd.score(d, self.T)["f1"]

    def test_servers(self):
        p = {"/accounts/{id}/env": {"get": op()}}
        self.assertEqual(self.f1(oas(p, servers=[{"url": "https://h/api/v1"}])), 1.0)
        self.assertEqual(self.f1(oas(p, servers=[{"url": "/api/v1/"}])), 1.0)
        self.assertEqual(self.f1(oas(
            p, servers=[{"url": "https://{h}/{b}/v1", "variables": {
                "h": {"default": "x"}, "b": {"default": "api"}}}])), 1.0)
        self.assertEqual(self.f1(oas({"/api/v1/accounts/{id}/env": {"get": op()}},
                                     servers=[{"url": "https://api.netlify.com"}])), 1.0)
        # path item servers beat the document, operation servers beat the path item
        d = oas({"/accounts/{id}/env": {"servers": [{"url": "https://h/api/v1"}],
                                        "get": op()}}, servers=[{"url": "https://h/zzz"}])
        self.assertEqual(self.f1(d), 1.0)
        d = oas({"/accounts/{id}/env": {"servers": [{"url": "https://h/zzz"}],
                                        "get": op(servers=[{"url": "//h/api/v1"}])}},
                servers=[{"url": "https://h/yyy"}])
        self.assertEqual(self.f1(d), 1.0)
        # only servers[0] counts
        d = oas(p, servers=[{"url": "https://h"}, {"url": "https://h/api/v1"}])
        self.assertEqual(self.f1(d), 0.0)

    def test_absolute_key(self):
        d = oas({"https://other.host/api/v1/accounts/{id}/env": {"get": op()}},
                servers=[{"url": "https://h/ignored"}])
        self.assertEqual(self.f1(d), 1.0)

    def test_swagger2(self):
        d = {"swagger": "2.0", "basePath": "/api/v1", "host": "h",
             "paths": {"/accounts/{id}/env": {"get": {"responses": {}}}}}
        self.assertEqual(self.f1(d), 1.0)

    def test_path_item_ref(self):
        d = oas({"/api/v1/accounts/{id}/env": {"$ref": "#/components/pathItems/P"}},
                components={"pathItems": {"P": {"get": op()}}})
        self.assertEqual(self.f1(d), 1.0)


class Fields(unittest.TestCase):
    def test_query(self):
        t = truth(ep("GET", "/a", query=["filter", "page", "q"]), ep("GET", "/b"))
        d = oas({"/a": {"parameters": [{"name": "page", "in": "query"}],
                        "get": op(parameters=[
                            {"name": "filter[status]", "in": "query"},
                            {"$ref": "#/components/parameters/Q"},
                            {"name": "x", "in": "header"}])}},
                components={"parameters": {"Q": {"name": "q", "in": "query"}}})
        r = sd.score(d, t)
        self.assertEqual((r["query_hits"], r["query_total"]), (3, 3))

    def test_query_wrong_location(self):
        t = truth(ep("GET", "/a", query=["q"]))
        d = oas({"/a": {"get": op(parameters=[{"name": "q", "in": "header"}])}})
        self.assertEqual(sd.score(d, t)["query_recall"], 0.0)

    def test_body_flattening(self):
        schema = {
            "type": "array",
            "items": {"allOf": [
                {"$ref": "#/components/schemas/Base"},
                {"oneOf": [{"properties": {"o1": {"type": "string"}}},
                           {"anyOf": [{"properties": {"o2": {}}}]}]},
                {"properties": {
                    "map": {"type": "object", "additionalProperties": {
                        "properties": {"inner": {}}}},
                    "list": {"type": "array", "items": {"items": {"properties": {"deep": {}}}}},
                }},
            ]},
        }
        comps = {"schemas": {
            "Base": {"properties": {"id": {}, "node": {"$ref": "#/components/schemas/Node"}}},
            "Node": {"properties": {"name": {}, "child": {"$ref": "#/components/schemas/Node"}},
                     "allOf": [{"$ref": "#/components/schemas/Node"}]},
        }}
        want = ["id", "node", "node.name", "node.child", "node.child.child.child.name",
                "o1", "o2", "map", "list", "list.deep", "map.inner", "nope",
                "list[].deep", "list..deep"]
        t = truth(ep("GET", "/a", resp=want))
        d = oas({"/a": {"get": op(responses=json_resp(schema, "2XX"))}}, components=comps)
        r = sd.score(d, t)
        missing = dict(r["_field_misses"])["GET /a"]["response"]
        self.assertEqual(missing, ["map.inner", "nope"])
        # list[].deep and list..deep normalize to list.deep: 12 distinct truth names
        self.assertEqual((r["response_field_hits"], r["response_field_total"]), (10, 12))

    def test_vanishing_property_names(self):
        schema = {"properties": {"[]": {"properties": {"x": {}}},
                                 "a": {"properties": {"": {"properties": {"b": {}}}}}}}
        t = truth(ep("GET", "/a", resp=["x", "a", "a.b"]))
        r = sd.score(oas({"/a": {"get": op(responses=json_resp(schema))}}), t)
        self.assertEqual(r["response_field_recall"], 1.0)

    def test_response_codes(self):
        t = truth(ep("GET", "/a", resp=["ok", "err", "dflt", "created"]))
        responses = {}
        responses.update(json_resp({"properties": {"ok": {}}}, "200"))
        responses.update(json_resp({"properties": {"created": {}}}, "201"))
        responses.update(json_resp({"properties": {"err": {}}}, "404"))
        responses.update(json_resp({"properties": {"dflt": {}}}, "default"))
        r = sd.score(oas({"/a": {"get": op(responses=responses)}}), t)
        self.assertEqual((r["response_field_hits"], r["response_field_total"]), (2, 4))

    def test_request_oas3_and_swagger2(self):
        t = truth(ep("POST", "/a", req=["x", "y", "y.z", "f"]))
        d = oas({"/a": {"post": op(requestBody={"$ref": "#/components/requestBodies/B"})}},
                components={"requestBodies": {"B": {"content": {
                    "application/json": {"schema": {"properties": {
                        "x": {}, "y": {"properties": {"z": {}}}}}},
                    "multipart/form-data": {"schema": {"properties": {"f": {}}}}}}}})
        self.assertEqual(sd.score(d, t)["request_field_recall"], 1.0)
        s2 = {"swagger": "2.0", "paths": {"/a": {
            "parameters": [{"name": "f", "in": "formData", "type": "string"}],
            "post": {"parameters": [
                {"name": "body", "in": "body", "schema": {"$ref": "#/definitions/B"}}],
                "responses": {}}}},
            "definitions": {"B": {"properties": {"x": {}, "y": {"properties": {"z": {}}}}}}}
        self.assertEqual(sd.score(s2, t)["request_field_recall"], 1.0)
        # Swagger 2: requestBody is not a Swagger 2 thing and is ignored
        s2["paths"]["/a"] = {"post": {"requestBody": d["paths"]["/a"]["post"]["requestBody"],
                                      "responses": {}}}
        self.assertEqual(sd.score(s2, t)["request_field_recall"], 0.0)

    def test_empty_truth_lists_do_not_count(self):
        t = truth(ep("GET", "/a", resp=["x"]), ep("GET", "/b"), ep("GET", "/c", resp=["y"]))
        d = oas({"/a": {"get": op(responses=json_resp({"properties": {"x": {}}}))},
                 "/b": {"get": op(responses=json_resp({"properties": {"q": {}}}))},
                 "/c": {"get": op()}})
        r = sd.score(d, t)
        self.assertEqual((r["response_field_hits"], r["response_field_total"]), (1, 2))
        self.assertIsNone(r["request_field_recall"])

    def test_unmatched_endpoints_do_not_count(self):
        t = truth(ep("GET", "/a", resp=["x"]), ep("GET", "/b", resp=["y", "z"]))
        d = oas({"/a": {"get": op(responses=json_resp({"properties": {"x": {}}}))}})
        r = sd.score(d, t)
        self.assertEqual(r["response_field_recall"], 1.0)

    def test_union_of_operations_matching_one_endpoint(self):
        t = truth(ep("GET", "/u/{id}", resp=["a", "b"]))
        d = oas({"/u/{id}": {"get": op(responses=json_resp({"properties": {"a": {}}}))},
                 "/u/{user}/": {"get": op(responses=json_resp({"properties": {"b": {}}}))}})
        self.assertEqual(sd.score(d, t)["response_field_recall"], 1.0)

    def test_ref_cycle_only(self):
        comps = {"schemas": {"A": {"$ref": "#/components/schemas/B"},
                             "B": {"allOf": [{"$ref": "#/components/schemas/A"}],
                                   "properties": {"k": {}}}}}
        t = truth(ep("GET", "/a", resp=["k", "k.k"]))
        d = oas({"/a": {"get": op(responses=json_resp({"$ref": "#/components/schemas/A"}))}},
                components=comps)
        self.assertEqual(sd.score(d, t)["response_field_hits"], 1)

    def test_yaml_int_codes(self):
        try:
            import yaml  # noqa: F401
        except ImportError:
            self.skipTest("PyYAML not installed")
        text = """
openapi: 3.0.3
info: {title: x, version: '1'}
servers: [{url: 'https://h/v1'}]
paths:
  /a:
    get:
      responses:
        200:
          $ref: '#/components/responses/R'
components:
  responses:
    R:
      description: ok
      content:
        application/json:
          schema: {properties: {f: {type: string}}}
"""
        with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as fh:
            fh.write(text)
        try:
            d = sd.load_document(fh.name)
        finally:
            os.unlink(fh.name)
        r = sd.score(d, truth(ep("GET", "/v1/a", resp=["f"])))
        self.assertEqual((r["f1"], r["response_field_recall"]), (1.0, 1.0))


class Cli(unittest.TestCase):
    def test_last_line_and_json(self):
        with tempfile.TemporaryDirectory() as tmp:
            dp, tp = os.path.join(tmp, "d.json"), os.path.join(tmp, "t.json")
            with open(dp, "w") as fh:
                json.dump(oas({"/a": {"get": op()}}), fh)
            with open(tp, "w") as fh:
                json.dump(truth(ep("GET", "/a", query=["q"])), fh)
            buf = io.StringIO()
            with redirect_stdout(buf):
                self.assertEqual(sd.main([dp, tp]), 0)
            last = buf.getvalue().rstrip("\n").split("\n")[-1]
            self.assertEqual(last, "discovery F1=1.000 precision=1.000 recall=1.000 "
                                   "query_recall=0.000 request_field_recall=n/a "
                                   "response_field_recall=n/a")
            buf = io.StringIO()
            with redirect_stdout(buf):
                self.assertEqual(sd.main([dp, tp, "--json"]), 0)
            obj = json.loads(buf.getvalue())
            self.assertEqual(obj["f1"], 1.0)
            self.assertIsNone(obj["request_field_recall"])


if __name__ == "__main__":
    unittest.main()
