#!/usr/bin/env python3
"""Turn an OpenAPI 3 / Swagger 2 spec into synthetic traffic.har + truth.json.

Approximates the procedure described in discovery-dev/README.md.
Usage: gen.py SPEC OUTDIR --name NAME [--seed 1] [--cap 4500] [--idstyle STYLE]
"""
import argparse, base64, copy, datetime, json, math, os, random, re, string, sys, urllib.parse, uuid

try:
    import yaml
except ImportError:
    yaml = None

METHODS = ("get", "put", "post", "delete", "patch", "head", "options")

# ---------------------------------------------------------------- words
ADJ = "brave calm swift happy gentle bold jolly smart solid blue amber red silver golden tidy warm vivid zealous eager kind silly fancy quiet proud".split()
NOUN = "otter falcon badger heron lynx koala gecko raven cobra lemur quokka panda yak tiger marten ferret osprey bison walrus puffin eagle salmon jaguar zebra".split()
PLACE = "meadow canyon harbor river island prairie summit glacier orbit quartz atlas comet".split()
TECH = "api portal billing payments search auth dashboard toolkit widget engine gateway pipeline tracker backend frontend cli sdk service console mobile analytics docs website".split()
COMPANY = "acme globex initech umbrella hooli soylent stark wayne oscorp tyrell cyberdyne wonka aperture".split()
FIRST = "alice bob carol dave emma frank grace hana ivan judy kenji liam mia noah olivia priya sybil yusuf zoe arjun jonas mallory".split()
LAST = "smith lee harris roberts carter nelson anderson walker miller baker davis wilson young".split()


class Gen:
    def __init__(self, rnd, idstyle):
        self.r = rnd
        self.idstyle = idstyle

    def word(self):
        return self.r.choice(ADJ + NOUN + PLACE + TECH)

    def slug(self):
        r = self.r
        k = r.random()
        if k < 0.35:
            s = f"{r.choice(ADJ)}-{r.choice(NOUN)}"
        elif k < 0.6:
            s = f"{r.choice(COMPANY)}-{r.choice(TECH)}"
        elif k < 0.8:
            s = f"{r.choice(TECH + NOUN)}-{r.choice(NOUN + PLACE)}"
        else:
            s = f"{r.choice(TECH + PLACE)}-{r.choice(NOUN + TECH)}"
        if r.random() < 0.3:
            s += f"-{r.randint(2, 99)}"
        return s

    def username(self):
        r = self.r
        f = r.choice(FIRST)
        k = r.random()
        if k < 0.3:
            return f
        if k < 0.5:
            return f"{f}-{r.choice(LAST)}"
        if k < 0.7:
            return f"{f}{r.randint(1, 999)}"
        if k < 0.85:
            return f"{f}_{r.choice(NOUN)}"
        return f"{f[0]}{r.choice(LAST)}"

    def b62(self, n):
        return "".join(self.r.choice(string.ascii_letters + string.digits) for _ in range(n))

    def hexs(self, n):
        return "".join(self.r.choice("0123456789abcdef") for _ in range(n))

    def logint(self, lo=1, hi=10_000_000):
        lo = max(lo, 1)
        hi = max(hi, lo + 1)
        return int(math.exp(self.r.uniform(math.log(lo), math.log(hi))))

    def date(self):
        d = datetime.date(2019, 1, 1) + datetime.timedelta(days=self.r.randint(0, 1800))
        return d.isoformat()

    def datetime(self):
        return self.date() + "T%02d:%02d:%02dZ" % (self.r.randint(0, 23), self.r.randint(0, 59), self.r.randint(0, 59))

    def email(self):
        return f"{self.username().replace('-', '.')}@{self.r.choice(COMPANY)}.com"

    def uuid(self):
        return str(uuid.UUID(int=self.r.getrandbits(128), version=4))

    def idval(self, name, style=None):
        style = style or self.idstyle
        r = self.r
        if style == "uuid":
            return self.uuid()
        if style == "hex24":
            return self.hexs(24)
        if style == "int":
            return str(self.logint())
        if style == "base62":
            return self.b62(22)
        if style == "prefixed":
            base = re.sub(r"(_?id|_?sid|_?key)s?$", "", name, flags=re.I) or name
            p = re.sub(r"[^a-z]", "", base.lower())[:3] or "obj"
            return f"{p}_{self.b62(14)}"
        if style == "upper":
            return "P" + "".join(r.choice(string.ascii_uppercase + string.digits) for _ in range(6))
        if style == "slug":
            return self.slug()
        return self.b62(10)

    def from_pattern(self, pat):
        """Tiny generator for patterns like ^AC[0-9a-fA-F]{32}$ ."""
        m = re.fullmatch(r"\^?([A-Za-z0-9_\-]*)\[([^\]]+)\]\{(\d+)\}\$?", pat or "")
        if not m:
            return None
        prefix, cls, n = m.group(1), m.group(2), int(m.group(3))
        chars = ""
        for a, b in re.findall(r"(.)-(.)", cls):
            chars += "".join(chr(c) for c in range(ord(a), ord(b) + 1))
        chars = "".join(sorted(set(chars.lower()))) if "a-f" in cls else chars
        if not chars:
            return None
        return prefix + "".join(self.r.choice(chars) for _ in range(n))


# ---------------------------------------------------------------- spec access
class Spec:
    def __init__(self, doc):
        self.doc = doc
        self.v3 = "openapi" in doc

    def resolve(self, obj, seen=None):
        while isinstance(obj, dict) and "$ref" in obj:
            ref = obj["$ref"]
            if not ref.startswith("#/"):
                return {}
            if seen is not None:
                if ref in seen:
                    return None
                seen = seen | {ref}
            cur = self.doc
            for part in ref[2:].split("/"):
                part = part.replace("~1", "/").replace("~0", "~")
                cur = cur.get(part, {}) if isinstance(cur, dict) else {}
            obj = cur
        return obj if seen is None else (obj, seen)


def server_of(spec, path_item, op, name):
    doc = spec.doc
    if spec.v3:
        servers = op.get("servers") or path_item.get("servers") or doc.get("servers") or [{"url": "/"}]
        s = servers[0]
        url = s.get("url", "/")
        for k, v in (s.get("variables") or {}).items():
            url = url.replace("{" + k + "}", str(v.get("default", "")))
        u = urllib.parse.urlsplit(url)
        host = u.netloc or f"api.{name}.example.com"
        scheme = u.scheme or "https"
        base = u.path
    else:
        host = doc.get("host") or f"api.{name}.example.com"
        base = doc.get("basePath", "")
        schemes = op.get("schemes") or doc.get("schemes") or ["https"]
        scheme = "https" if "https" in schemes else schemes[0]
    base = base.rstrip("/")
    return scheme, host, base


def norm_template(t):
    segs = [urllib.parse.unquote(s) for s in t.split("/") if s]
    segs = [re.sub(r"\{[^}]*\}", "{}", s) for s in segs]
    return "/" + "/".join(segs)


# ---------------------------------------------------------------- body generation
class BodyGen:
    def __init__(self, spec, g, rnd):
        self.spec, self.g, self.r = spec, g, rnd

    def flatten_allof(self, sch, seen):
        out = {"type": "object", "properties": {}, "required": []}
        for part in sch.get("allOf", []):
            res = self.spec.resolve(part, seen)
            if res is None or res[0] is None:
                continue
            p, s2 = res
            if "allOf" in p:
                p = self.flatten_allof(p, s2)
            for k, v in (p.get("properties") or {}).items():
                out["properties"][k] = v
            out["required"] += p.get("required") or []
            for k in ("type", "items", "enum", "format"):
                if k in p and k not in ("type",):
                    out[k] = p[k]
            if p.get("type") and p.get("type") != "object" and not p.get("properties"):
                out["type"] = p["type"]
        for k, v in (sch.get("properties") or {}).items():
            out["properties"][k] = v
        out["required"] += sch.get("required") or []
        return out

    def gen(self, sch, name="", depth=0, opt=0.85, seen=frozenset(), budget=None):
        if budget is not None:
            if budget[0] <= 0:
                return None
            budget[0] -= 1
        if depth > 7:
            return None
        res = self.spec.resolve(sch, seen)
        if res is None or res[0] is None:
            return None
        sch, seen = res
        if not isinstance(sch, dict):
            return None
        r, g = self.r, self.g
        if "allOf" in sch:
            sch = self.flatten_allof(sch, seen)
        for k in ("oneOf", "anyOf"):
            if sch.get(k):
                choice = r.choice(sch[k])
                merged = dict(sch)
                merged.pop(k)
                res = self.spec.resolve(choice, seen)
                if res is None or res[0] is None:
                    return None
                c, seen = res
                if not merged.get("properties") and not merged.get("type"):
                    return self.gen(c, name, depth, opt, seen, budget)
                if "allOf" in c:
                    c = self.flatten_allof(c, seen)
                props = dict(merged.get("properties") or {})
                props.update(c.get("properties") or {})
                merged["properties"] = props
                merged["type"] = c.get("type", merged.get("type"))
                sch = merged
                break
        if "enum" in sch and sch["enum"]:
            return r.choice(sch["enum"])
        t = sch.get("type")
        if isinstance(t, list):
            t = next((x for x in t if x != "null"), "string")
        if t is None:
            if "properties" in sch or "additionalProperties" in sch:
                t = "object"
            elif "items" in sch:
                t = "array"
            else:
                t = "string"
        if t == "object":
            out = {}
            req = set(sch.get("required") or [])
            for k, v in (sch.get("properties") or {}).items():
                if k in req or r.random() < opt:
                    val = self.gen(v, k, depth + 1, opt, seen, budget)
                    if val is not None or k in req:
                        out[k] = val
            ap = sch.get("additionalProperties")
            if not sch.get("properties") and isinstance(ap, dict):
                for _ in range(r.randint(1, 2)):
                    out[g.word() + "_" + g.word()] = self.gen(ap, "", depth + 1, opt, seen, budget)
            return out
        if t == "array":
            n = r.randint(1, 3)
            items = [self.gen(sch.get("items") or {}, name, depth + 1, opt, seen, budget) for _ in range(n)]
            return [i for i in items if i is not None]
        if t == "integer":
            return g.logint(1, 100000)
        if t == "number":
            return round(r.uniform(0, 1000), 2)
        if t == "boolean":
            return r.random() < 0.5
        return self.string(sch, name)

    def string(self, sch, name):
        g, r = self.g, self.r
        f = sch.get("format", "")
        n = (name or "").lower()
        if f == "date-time":
            return g.datetime()
        if f == "date":
            return g.date()
        if f == "email" or "email" in n:
            return g.email()
        if f in ("uri", "url") or n.endswith("url") or n.endswith("uri"):
            return f"https://{r.choice(COMPANY)}.com/{g.slug()}"
        if f == "uuid":
            return g.uuid()
        if f in ("byte", "binary"):
            return base64.b64encode(g.b62(12).encode()).decode()
        if n == "id" or n.endswith("id") or n.endswith("_id"):
            return g.idval(name)
        if "name" in n:
            return f"{r.choice(ADJ).title()} {r.choice(NOUN).title()}"
        if n in ("description", "text", "body", "message", "comment", "title", "summary"):
            return " ".join(g.word() for _ in range(r.randint(2, 6))).capitalize()
        return g.word() if r.random() < 0.6 else g.slug()


def schema_key(sch):
    s = {k: v for k, v in (sch or {}).items() if k not in ("description", "example", "examples", "title")}
    return json.dumps(s, sort_keys=True, default=str)


# ---------------------------------------------------------------- main
def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("spec")
    ap.add_argument("out")
    ap.add_argument("--name", required=True)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--cap", type=int, default=4500)
    ap.add_argument("--idstyle", default=None)
    a = ap.parse_args()
    rnd = random.Random(a.seed)
    text = open(a.spec).read()
    doc = json.loads(text) if a.spec.endswith(".json") else yaml.safe_load(text)
    spec = Spec(doc)
    idstyle = a.idstyle or rnd.choice(["uuid", "hex24", "int", "base62", "prefixed", "upper", "slug"])
    g = Gen(rnd, idstyle)
    bg = BodyGen(spec, g, rnd)
    fmt = ("openapi-" + doc["openapi"]) if spec.v3 else "swagger-" + str(doc.get("swagger"))

    # ---- collect operations
    ops = []
    for pkey, pitem in (doc.get("paths") or {}).items():
        pitem = spec.resolve(pitem) or {}
        clean = pkey.split("#")[0]
        fixed_q = []
        if "?" in clean:
            clean, qs = clean.split("?", 1)
            fixed_q = urllib.parse.parse_qsl(qs, keep_blank_values=True)
        for m in METHODS:
            if m not in pitem:
                continue
            op = pitem[m]
            params = {}
            for p in (pitem.get("parameters") or []) + (op.get("parameters") or []):
                p = spec.resolve(p)
                if not isinstance(p, dict) or "name" not in p:
                    continue
                params[(p["name"], p.get("in"))] = p
            scheme, host, base = server_of(spec, pitem, op, a.name)
            ops.append(dict(method=m.upper(), key=pkey, path=clean, fixed_q=fixed_q, op=op,
                            params=list(params.values()), scheme=scheme, host=host, base=base,
                            template=base + clean))

    # ---- merge into endpoints
    endpoints = {}
    for o in ops:
        k = (o["method"], norm_template(o["template"]))
        if k not in endpoints:
            endpoints[k] = dict(method=o["method"], template=o["template"], ops=[], key=k)
        endpoints[k]["ops"].append(o)
    eps = list(endpoints.values())

    # ---- router: per method, segment priority
    def seg_re(seg):
        if "{" not in seg:
            return None
        parts = re.split(r"(\{[^}]*\})", seg)
        return re.compile("".join("[^/]+" if p.startswith("{") else re.escape(p) for p in parts if p) + r"\Z")

    for e in eps:
        segs = [s for s in e["key"][1].split("/") if s]
        e["segs"] = [(s, seg_re(s)) for s in segs]

    by_method = {}
    for e in eps:
        by_method.setdefault(e["method"], []).append(e)

    def route(method, path):
        segs = [urllib.parse.unquote(s) for s in path.split("/") if s]
        best, bestk, tie = None, None, False
        for e in by_method.get(method, []):
            if len(e["segs"]) != len(segs):
                continue
            k = []
            ok = True
            for (s, rx), v in zip(e["segs"], segs):
                if rx is None:
                    if s != v:
                        ok = False
                        break
                    k.append(2)
                elif s == "{}":
                    k.append(0)
                else:
                    if not rx.match(v):
                        ok = False
                        break
                    k.append(1)
            if not ok:
                continue
            k = tuple(k)
            if bestk is None or k > bestk:
                best, bestk, tie = e, k, False
            elif k == bestk:
                tie = True
        return best, tie

    # ---- value pools
    pools = {}

    def path_kind(name, sch):
        n = name.lower()
        t = sch.get("type", "string")
        f = sch.get("format", "")
        if sch.get("enum"):
            return "enum"
        if t in ("integer", "number"):
            return "int"
        if t == "boolean":
            return "bool"
        if f == "uuid" or "uuid" in n or "guid" in n:
            return "uuid"
        if f == "date" or n.endswith("date") or n in ("start", "end", "from", "to", "day"):
            return "date"
        if f == "date-time":
            return "datetime"
        if f == "email" or "email" in n:
            return "email"
        if sch.get("pattern") and g.from_pattern(sch["pattern"]):
            return "pattern"
        if n in ("sha", "hash", "commit", "commit_sha", "ref_sha", "digest", "revision", "node") or n.endswith("sha"):
            return "hex40"
        if n in ("locale", "lang"):
            return "locale"
        if n in ("country", "country_code", "countrycode", "market"):
            return "country"
        if n in ("currency",):
            return "currency"
        if n in ("format", "ext", "extension"):
            return "format"
        if re.search(r"(user_?name|owner|login|^user$|^member$|^author$|^assignee$|workspace|^username$|selected_user|^target_user)", n):
            return "username"
        if re.search(r"(slug|name$|^repo|namespace|^org$|organization$|^team$|^project$|^key$|_key$|^version$)", n):
            return "slug"
        if re.search(r"(id|sid|ids)$", n) or n in ("id", "uid"):
            return "id"
        # untyped, unrecognised name: the API's id style or a word, fixed per name
        if re.search(r"(keyword|query|^q$|term|path|type|kind|category|tag|status|state|action|field|scope|section|filter|event|mode|method|resource|entity|provider|platform|service|feature|property|attribute|role|permission|context)", n):
            return "word"
        return "id"

    def make_value(name, sch, kind):
        if kind == "int":
            lo = sch.get("minimum", 1)
            hi = sch.get("maximum", 10_000_000)
            try:
                return str(g.logint(int(lo) if lo else 1, int(hi)))
            except Exception:
                return str(g.logint())
        if kind == "bool":
            return rnd.choice(["true", "false"])
        if kind == "uuid":
            return g.uuid()
        if kind == "date":
            return g.date()
        if kind == "datetime":
            return g.datetime()
        if kind == "email":
            return g.email()
        if kind == "pattern":
            return g.from_pattern(sch["pattern"])
        if kind == "hex40":
            return g.hexs(40)
        if kind == "locale":
            return rnd.choice(["en-US", "de-DE", "fr-FR", "ja-JP", "es-ES", "pt-BR"])
        if kind == "country":
            return rnd.choice(["US", "DE", "FR", "JP", "GB", "BR", "ES"])
        if kind == "currency":
            return rnd.choice(["usd", "eur", "gbp", "jpy"])
        if kind == "format":
            return rnd.choice(["json", "xml", "csv"])
        if kind == "username":
            return g.username()
        if kind == "slug":
            return g.slug()
        if kind == "id":
            return g.idval(name)
        return g.word() if rnd.random() < 0.5 else g.slug()

    def pool_value(p):
        name = p["name"]
        sch = spec.resolve(p.get("schema")) if spec.v3 else p
        sch = sch or {}
        if sch.get("type") == "array":
            sch = spec.resolve(sch.get("items")) or {}
        kind = path_kind(name, sch)
        if kind == "enum":
            return str(rnd.choice(sch["enum"])), True
        key = (name, kind, sch.get("pattern"))
        if key not in pools:
            vals = []
            seen = set()
            for _ in range(400):
                v = make_value(name, sch, kind)
                if v not in seen:
                    seen.add(v)
                    vals.append(v)
                if len(vals) >= 70:
                    break
            w = [1.0 / (i + 1) ** 0.6 for i in range(len(vals))]
            pools[key] = (vals, w)
        vals, w = pools[key]
        return rnd.choices(vals, w)[0], False

    # ---- call counts
    def has_pp(e):
        return "{" in e["template"]

    for e in eps:
        if rnd.random() < 0.13:
            e["n"] = rnd.randint(1, 3)
        elif has_pp(e):
            e["n"] = int(round(math.exp(rnd.uniform(math.log(5), math.log(50)))))
        else:
            e["n"] = int(round(math.exp(rnd.uniform(math.log(4), math.log(40)))))
    total = sum(e["n"] for e in eps)
    if total > a.cap:
        s = a.cap / total
        for e in eps:
            if e["n"] > 3:
                e["n"] = max(1, int(round(e["n"] * s)))

    # ---- security
    def sec_schemes():
        if spec.v3:
            return (doc.get("components") or {}).get("securitySchemes") or {}
        return doc.get("securityDefinitions") or {}

    schemes = {k: spec.resolve(v) for k, v in sec_schemes().items()}

    UAS = ["Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0",
           "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15",
           "curl/8.5.0", "python-requests/2.31.0", "okhttp/4.12.0", "axios/1.6.8", "Go-http-client/2.0"]
    clients = [dict(ua=rnd.choice(UAS), token=g.b62(32), key=g.hexs(32)) for _ in range(4)]

    # ---- build entries
    entries_meta = []  # (endpoint, entry dict)
    STATUS_TEXT = {200: "OK", 201: "Created", 202: "Accepted", 204: "No Content", 301: "Moved Permanently",
                   302: "Found", 303: "See Other", 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden",
                   404: "Not Found", 409: "Conflict", 422: "Unprocessable Entity", 429: "Too Many Requests",
                   500: "Internal Server Error"}
    qprob = {}
    skipped = []
    budget_nodes = 250 if len(eps) < 150 else 120

    def content_of(container):
        """Return (media, schema) preferring JSON."""
        if spec.v3:
            c = (container or {}).get("content") or {}
            if not c:
                return None, None
            for mt in c:
                if "json" in mt:
                    return mt, (c[mt] or {}).get("schema")
            mt = next(iter(c))
            return mt, (c[mt] or {}).get("schema")
        return None, None

    for e in eps:
        done_paths = set()
        attempts = 0
        made = 0
        target_distinct = e["n"]
        while made < e["n"] and attempts < e["n"] * 30:
            attempts += 1
            o = rnd.choice(e["ops"])
            op = o["op"]
            pvals = {}
            path = o["path"]
            for p in o["params"]:
                if p.get("in") == "path":
                    v, _ = pool_value(p)
                    pvals[p["name"]] = v
            def sub(m):
                nm = m.group(1)
                v = pvals.get(nm)
                if v is None:
                    v, _ = pool_value({"name": nm, "in": "path", "schema": {"type": "string"}})
                return urllib.parse.quote(v, safe="@:-_.~!$&'()*+,;=")
            concrete = o["base"] + re.sub(r"\{([^}]*)\}", sub, path)
            if "{" in path:
                dest, tie = route(e["method"], concrete)
                if dest is not e or tie:
                    continue
                # repeats allowed once distinct target reached-ish
                if concrete in done_paths and rnd.random() < 0.75:
                    continue
            done_paths.add(concrete)
            made += 1
            # query
            q = list(o["fixed_q"])
            headers = []
            for p in o["params"]:
                loc = p.get("in")
                if loc not in ("query", "header"):
                    continue
                req = p.get("required", False)
                pk = (e["key"], p["name"], loc)
                if pk not in qprob:
                    qprob[pk] = rnd.uniform(0.08, 0.6) if loc == "query" else 0.05
                if not (req or rnd.random() < qprob[pk]):
                    continue
                sch = spec.resolve(p.get("schema")) if spec.v3 else p
                sch = sch or {}
                if sch.get("type") == "array":
                    it = spec.resolve(sch.get("items")) or {}
                    vals = [str(bg.gen(it, p["name"], opt=0.5)) for _ in range(rnd.randint(1, 3))]
                    explode = p.get("explode", p.get("style", "form") == "form") if spec.v3 else p.get("collectionFormat") == "multi"
                    if loc == "header":
                        headers.append((p["name"], ",".join(vals)))
                    elif explode:
                        q += [(p["name"], v) for v in vals]
                    else:
                        q.append((p["name"], ",".join(vals)))
                    continue
                if spec.v3 and p.get("style") == "deepObject" and sch.get("type") == "object":
                    obj = bg.gen(sch, p["name"], opt=0.5) or {}
                    for kk, vv in obj.items():
                        q.append((f"{p['name']}[{kk}]", str(vv)))
                    continue
                if sch.get("enum"):
                    v = rnd.choice(sch["enum"])
                elif sch.get("type") in ("integer", "number"):
                    v = g.logint(1, 1000)
                elif sch.get("type") == "boolean":
                    v = rnd.choice(["true", "false"])
                else:
                    v = bg.gen(sch, p["name"], opt=0.5)
                    if isinstance(v, (dict, list)):
                        v = json.dumps(v)
                if isinstance(v, bool):
                    v = "true" if v else "false"
                if loc == "header":
                    headers.append((p["name"], str(v)))
                else:
                    q.append((p["name"], str(v)))
            client = rnd.choice(clients)
            # security
            sec = op.get("security", doc.get("security"))
            auth_headers = []
            if sec:
                req0 = sec[0] if sec else {}
                for sname in req0:
                    s = schemes.get(sname) or {}
                    st = s.get("type")
                    if st == "apiKey":
                        if s.get("in") == "query":
                            q.append((s["name"], client["key"]))
                        elif s.get("in") == "header":
                            auth_headers.append((s["name"], client["key"]))
                        else:
                            auth_headers.append(("Cookie", f"{s.get('name')}={client['key']}"))
                    elif st == "basic" or (st == "http" and s.get("scheme", "").lower() == "basic"):
                        auth_headers.append(("Authorization", "Basic " + base64.b64encode(f"user:{client['key']}".encode()).decode()))
                    else:
                        auth_headers.append(("Authorization", "Bearer " + client["token"]))
            elif rnd.random() < 0.3:
                auth_headers.append(("Authorization", "Bearer " + client["token"]))
            # request body
            body_text, body_mt = None, None
            if spec.v3:
                rb = spec.resolve(op.get("requestBody"))
                if rb:
                    mt, sch = content_of(rb)
                    if mt:
                        body_mt = mt
                        obj = bg.gen(sch or {}, opt=0.55, budget=[budget_nodes]) if sch else {}
                        body_text = encode_body(mt, obj, g)
            else:
                bp = [p for p in o["params"] if p.get("in") == "body"]
                fp = [p for p in o["params"] if p.get("in") == "formData"]
                if bp:
                    body_mt = "application/json"
                    obj = bg.gen(bp[0].get("schema") or {}, opt=0.55, budget=[budget_nodes])
                    body_text = json.dumps(obj)
                elif fp:
                    cons = op.get("consumes") or doc.get("consumes") or ["application/x-www-form-urlencoded"]
                    body_mt = "multipart/form-data" if any("multipart" in c for c in cons) else "application/x-www-form-urlencoded"
                    obj = {}
                    for p in fp:
                        if p.get("required") or rnd.random() < 0.55:
                            obj[p["name"]] = "file.bin" if p.get("type") == "file" else bg.gen(p, p["name"], opt=0.5)
                    body_text = encode_body(body_mt, obj, g)
            # response
            responses = op.get("responses") or {}
            codes = [c for c in responses if str(c).isdigit()]
            succ = sorted([int(c) for c in codes if str(c).startswith("2")]) or sorted([int(c) for c in codes if str(c).startswith("3")]) or [200]
            status = succ[0]
            is_err = rnd.random() < 0.06
            resp_key = str(status) if str(status) in responses else ("default" if "default" in responses else None)
            if is_err:
                errs = [c for c in codes if str(c)[0] in "45"]
                if errs:
                    c = rnd.choice(errs)
                    status, resp_key = int(c), c
                else:
                    status, resp_key = rnd.choice([400, 401, 403, 404, 429, 500]), None
            resp_text, resp_mt = "", ""
            rh = []
            if resp_key is not None and status != 204:
                r = spec.resolve(responses.get(resp_key)) or {}
                if spec.v3:
                    mt, sch = content_of(r)
                else:
                    sch = r.get("schema")
                    prods = op.get("produces") or doc.get("produces") or ["application/json"]
                    mt = next((p for p in prods if "json" in p), prods[0]) if sch else None
                if mt:
                    resp_mt = mt
                    if "json" in mt:
                        obj = bg.gen(sch, opt=0.85, budget=[budget_nodes]) if sch else {}
                        resp_text = json.dumps(obj)
                    else:
                        resp_text = "<placeholder/>" if "xml" in mt else "placeholder"
            elif is_err and resp_key is None:
                resp_mt = "application/json"
                resp_text = json.dumps({"error": STATUS_TEXT.get(status, "Error"), "message": "request failed"})
            entries_meta.append(dict(e=e, method=e["method"], url=f"{o['scheme']}://{o['host']}{concrete}" + (("?" + urllib.parse.urlencode(q, quote_via=urllib.parse.quote)) if q else ""),
                                     host=o["host"], q=q, headers=headers + auth_headers, client=client,
                                     body=body_text, body_mt=body_mt, status=status, resp=resp_text, resp_mt=resp_mt,
                                     path=concrete))
        e["made"] = made
        if made == 0:
            skipped.append(f"{e['method']} {e['template']}")

    rnd.shuffle(entries_meta)
    t0 = datetime.datetime(2024, 3, 19, 1, 0, 0)
    t = 0.0
    har_entries = []
    for i, m in enumerate(entries_meta):
        t += rnd.expovariate(1 / 0.45)
        ts = t0 + datetime.timedelta(seconds=t)
        rqh = [("Host", m["host"]), ("User-Agent", m["client"]["ua"]), ("Accept", "application/json"),
               ("Accept-Encoding", "gzip, deflate, br")] + m["headers"]
        if m["body"] is not None:
            rqh += [("Content-Type", m["body_mt"]), ("Content-Length", str(len(m["body"].encode())))]
        rsh = [("Date", ts.strftime("%a, %d %b %Y %H:%M:%S GMT")), ("Server", rnd.choice(["nginx", "cloudflare", "AmazonS3"]))]
        if m["resp_mt"]:
            rsh.append(("Content-Type", m["resp_mt"] + ("; charset=utf-8" if "json" in m["resp_mt"] else "")))
        rsh += [("Content-Length", str(len(m["resp"].encode()))), ("X-Request-Id", g.uuid())]
        if m["method"] == "POST" and m["status"] == 201:
            rsh.append(("Location", m["url"].split("?")[0].rstrip("/") + "/" + g.idval("id")))
        tt = round(rnd.uniform(20, 300), 3)
        req = {"method": m["method"], "url": m["url"], "httpVersion": "HTTP/1.1", "cookies": [],
               "headers": [{"name": k, "value": v} for k, v in rqh],
               "queryString": [{"name": k, "value": str(v)} for k, v in m["q"]],
               "headersSize": -1, "bodySize": len(m["body"].encode()) if m["body"] is not None else 0}
        if m["body"] is not None:
            req["postData"] = {"mimeType": m["body_mt"], "text": m["body"]}
        har_entries.append({
            "startedDateTime": ts.isoformat(timespec="milliseconds") + "Z", "time": tt, "request": req,
            "response": {"status": m["status"], "statusText": STATUS_TEXT.get(m["status"], ""), "httpVersion": "HTTP/1.1",
                         "cookies": [], "headers": [{"name": k, "value": v} for k, v in rsh],
                         "content": {"size": len(m["resp"].encode()), "mimeType": m["resp_mt"], "text": m["resp"]},
                         "redirectURL": "", "headersSize": -1, "bodySize": len(m["resp"].encode())},
            "cache": {}, "timings": {"blocked": -1, "dns": -1, "connect": -1, "ssl": -1, "send": 1.0, "wait": tt - 2, "receive": 1.0}})
        m["idx"] = i

    # ---- truth
    truth_eps = []
    for e in eps:
        if e["made"] == 0:
            continue
        mine = [m for m in entries_meta if m["e"] is e]
        # enum alternates
        alternates = []
        o0 = e["ops"][0]
        enum_params = {}
        for p in o0["params"]:
            if p.get("in") != "path":
                continue
            sch = spec.resolve(p.get("schema")) if spec.v3 else p
            if sch and sch.get("enum"):
                enum_params[p["name"]] = [str(x) for x in sch["enum"]]
        if enum_params and all(len(v) <= 8 for v in enum_params.values()) and math.prod(len(v) for v in enum_params.values()) <= 16:
            names = re.findall(r"\{([^}]*)\}", o0["path"])
            segs_t = [s for s in e["template"].split("/")]
            seen_alt = set()
            rx = "^" + re.sub(r"\\\{([^}]*)\\\}", lambda mm: f"(?P<p{names.index(mm.group(1))}>[^/]+)" if mm.group(1) in names else "[^/]+", re.escape(e["template"])) + "/?$"
            try:
                crx = re.compile(rx)
            except re.error:
                crx = None
            for m in mine:
                mm = crx.match(urllib.parse.unquote(m["path"])) if crx else None
                if not mm:
                    continue
                alt = e["template"]
                for i, nm in enumerate(names):
                    if nm in enum_params:
                        alt = alt.replace("{" + nm + "}", mm.group(f"p{i}"), 1)
                seen_alt.add(alt)
            alternates = sorted(seen_alt)
        truth_eps.append({"method": e["method"], "template": e["template"], "alternates": alternates,
                          "path_params": re.findall(r"\{([^}]*)\}", e["template"]),
                          "host": o0["host"], "calls": len(mine), "distinct_paths": len({m["path"] for m in mine}),
                          "query_params": sorted({re.sub(r"\[.*", "", k) for m in mine for k, _ in m["q"]}),
                          "request_body_fields": [], "response_fields": [],
                          "source_templates": [o["template"] for o in e["ops"]],
                          "operation_ids": [o["op"].get("operationId") for o in e["ops"]],
                          "entries": [m["idx"] for m in mine]})
    os.makedirs(a.out, exist_ok=True)
    with open(os.path.join(a.out, "traffic.har"), "w") as f:
        json.dump({"log": {"version": "1.2", "creator": {"name": "holdout-gen", "version": "0.1"}, "pages": [], "entries": har_entries}}, f)
    meta = {"name": a.name, "spec_format": fmt, "seed": a.seed, "idstyle": idstyle,
            "operations": len(ops), "endpoints": len(truth_eps), "entries": len(har_entries),
            "skipped_operations": skipped, "hosts": sorted({o["host"] for o in ops})}
    with open(os.path.join(a.out, "truth.json"), "w") as f:
        json.dump({"meta": meta, "endpoints": truth_eps}, f, indent=1)
    print(json.dumps(meta))


def encode_body(mt, obj, g):
    if "json" in mt:
        return json.dumps(obj)
    if "x-www-form-urlencoded" in mt:
        pairs = []
        if isinstance(obj, dict):
            for k, v in obj.items():
                if isinstance(v, dict):
                    for k2, v2 in v.items():
                        pairs.append((f"{k}[{k2}]", json.dumps(v2) if isinstance(v2, (dict, list)) else str(v2)))
                elif isinstance(v, list):
                    for v2 in v:
                        pairs.append((f"{k}[]", json.dumps(v2) if isinstance(v2, (dict, list)) else str(v2)))
                else:
                    pairs.append((k, str(v)))
        return urllib.parse.urlencode(pairs)
    if "multipart" in mt:
        b = "----holdout" + g.hexs(12)
        parts = []
        for k, v in (obj or {}).items() if isinstance(obj, dict) else []:
            parts.append(f"--{b}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v if not isinstance(v, (dict, list)) else json.dumps(v)}\r\n")
        return "".join(parts) + f"--{b}--\r\n"
    if "xml" in mt:
        return "<placeholder/>"
    return "placeholder"


if __name__ == "__main__":
    main()
