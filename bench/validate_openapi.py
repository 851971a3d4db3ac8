#!/usr/bin/env python3
"""Validate OpenAPI 3.1 documents with openapi-spec-validator.

    validate_openapi.py [--any-version] [--max-errors N] FILE...

Each FILE (JSON or YAML) must declare `openapi: 3.1.x` and pass the OpenAPI 3.1 validator
(JSON-schema checks of the document plus the semantic checks: path parameters declared,
operationIds unique, local $refs resolvable, ...). With --any-version the validator is picked
from the document's own version (Swagger 2.0, OpenAPI 3.0 / 3.1 / 3.2).

Prints "FILE: OK" or "FILE: INVALID" followed by the errors; exit status 0 when every file
is valid, 1 otherwise, 2 on a usage error or a missing dependency.
Requires: pip install -r .ci/requirements.txt
"""

from __future__ import annotations

import argparse
import json
import sys


def load(path):
    with open(path, "rb") as fh:
        text = fh.read().decode("utf-8-sig")
    try:
        return json.loads(text)
    except ValueError as json_exc:
        try:
            import yaml  # type: ignore
        except ImportError:
            raise ValueError(f"not valid JSON ({json_exc}); PyYAML is not installed") from None
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        try:
            return yaml.load(text, Loader=loader)  # noqa: S506 (safe loader)
        except yaml.YAMLError as exc:
            raise ValueError(f"neither valid JSON ({json_exc}) nor valid YAML ({exc})") from None


def describe(err) -> str:
    where = getattr(err, "json_path", None)
    msg = getattr(err, "message", None) or str(err)
    msg = " ".join(str(msg).split())
    if len(msg) > 400:
        msg = msg[:400] + " ..."
    return f"at {where}: {msg}" if where and where != "$" else msg


def validate_file(path, any_version, max_errors, ovs):
    try:
        doc = load(path)
    except (OSError, ValueError) as exc:
        return [f"cannot load: {exc}"]
    if not isinstance(doc, dict):
        return ["the document is not a JSON/YAML object"]
    if any_version:
        try:
            cls = ovs.shortcuts.get_validator_cls(doc)
        except Exception as exc:  # ValidatorDetectError and friends
            return [f"cannot detect the OpenAPI/Swagger version: {exc!r}"]
    else:
        version = str(doc.get("openapi", ""))
        if not version.startswith("3.1"):
            found = f"openapi: {doc['openapi']!r}" if "openapi" in doc else (
                f"swagger: {doc['swagger']!r}" if "swagger" in doc else "no version field")
            return [f"not an OpenAPI 3.1 document ({found}); use --any-version to accept it"]
        cls = ovs.OpenAPIV31SpecValidator
    errors = []
    try:
        from jsonschema_path import SchemaPath  # dependency of openapi-spec-validator

        validator = cls(SchemaPath.from_dict(doc, base_uri=""))
    except Exception:  # older layouts: plain mapping
        validator = cls(doc)
    try:
        for err in validator.iter_errors():
            errors.append(describe(err))
            if len(errors) >= max_errors:
                errors.append(f"(stopped after {max_errors} errors)")
                break
    except Exception as exc:  # broken $refs, or the semantic pass tripping over a bad document
        msg = " ".join(str(exc).split())
        if len(msg) > 300:
            msg = msg[:300] + " ..."
        errors.append(f"validation stopped: {type(exc).__name__}: {msg}")
    return errors


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("files", nargs="+", metavar="FILE")
    ap.add_argument("--any-version", action="store_true",
                    help="accept Swagger 2.0 / OpenAPI 3.0 / 3.2 too (validator by version)")
    ap.add_argument("--max-errors", type=int, default=20)
    args = ap.parse_args(argv)
    try:
        import openapi_spec_validator as ovs
        import openapi_spec_validator.shortcuts  # noqa: F401
    except ImportError as exc:
        print(f"validate_openapi: {exc}; run: pip install -r .ci/requirements.txt",
              file=sys.stderr)
        return 2
    bad = 0
    for path in args.files:
        errors = validate_file(path, args.any_version, max(1, args.max_errors), ovs)
        if errors:
            bad += 1
            print(f"{path}: INVALID")
            for e in errors:
                print(f"  - {e}")
        else:
            print(f"{path}: OK")
    if bad and len(args.files) > 1:
        print(f"{bad} of {len(args.files)} documents invalid")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
