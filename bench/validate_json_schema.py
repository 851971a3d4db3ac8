#!/usr/bin/env python3
"""Validate a JSON document, or every line of a JSONL file, against a JSON Schema (2020-12).

    validate_json_schema.py [--jsonl | --json] [--formats] [--max-errors N] SCHEMA FILE

FILE is read as JSON Lines when its name ends in .jsonl / .ndjson, with --jsonl, or when it
holds several JSON values one per line (blank lines are skipped); as one JSON document
otherwise, or always with --json. A FILE of "-" is stdin.
The schema is checked against the 2020-12 meta-schema first; its own "$schema" is honoured
when it names another draft. --formats turns "format" into an assertion (it is an
annotation by default in 2020-12).

Exit status: 0 valid, 1 invalid, 2 on a usage error, unreadable input or a missing
dependency (pip install -r .ci/requirements.txt).
"""

from __future__ import annotations

import argparse
import json
import sys


def fail(msg):
    print(f"validate_json_schema: {msg}", file=sys.stderr)
    return 2


def describe(err) -> str:
    where = err.json_path if hasattr(err, "json_path") else "$"
    msg = " ".join(str(err.message).split())
    if len(msg) > 400:
        msg = msg[:400] + " ..."
    return f"at {where}: {msg}"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("schema")
    ap.add_argument("file")
    mode = ap.add_mutually_exclusive_group()
    mode.add_argument("--jsonl", action="store_true", help="FILE is JSON Lines")
    mode.add_argument("--json", action="store_true", help="FILE is one JSON document")
    ap.add_argument("--formats", action="store_true", help="assert 'format' keywords")
    ap.add_argument("--max-errors", type=int, default=20)
    args = ap.parse_args(argv)
    try:
        import jsonschema
        from jsonschema import Draft202012Validator
        from jsonschema.exceptions import SchemaError
    except ImportError as exc:
        return fail(f"{exc}; run: pip install -r .ci/requirements.txt")

    try:
        with open(args.schema, encoding="utf-8-sig") as fh:
            schema = json.load(fh)
    except (OSError, ValueError) as exc:
        return fail(f"cannot read schema {args.schema}: {exc}")
    cls = Draft202012Validator
    if isinstance(schema, dict) and "$schema" in schema:
        cls = jsonschema.validators.validator_for(schema, default=Draft202012Validator)
    try:
        cls.check_schema(schema)
    except SchemaError as exc:
        return fail(f"invalid schema {args.schema}: {describe(exc)}")
    kwargs = {"format_checker": cls.FORMAT_CHECKER} if args.formats else {}
    validator = cls(schema, **kwargs)

    try:
        if args.file == "-":
            text = sys.stdin.read()
        else:
            with open(args.file, encoding="utf-8-sig") as fh:
                text = fh.read()
    except OSError as exc:
        return fail(f"cannot read {args.file}: {exc}")

    jsonl = args.jsonl or (not args.json and args.file.lower().endswith((".jsonl", ".ndjson")))
    if not jsonl and not args.json:
        try:
            json.loads(text)
        except ValueError as exc:
            # several documents, one per line, in a file without a .jsonl name
            jsonl = "Extra data" in str(exc) and "\n" in text.strip()
    instances = []  # (label, instance)
    if jsonl:
        for n, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                instances.append((f"line {n}", json.loads(line)))
            except ValueError as exc:
                print(f"{args.file}: line {n}: not valid JSON: {exc}")
                return 1
        if not instances:
            print(f"{args.file}: no JSON lines")
            return 1
    else:
        try:
            instances.append((None, json.loads(text)))
        except ValueError as exc:
            print(f"{args.file}: not valid JSON: {exc}")
            return 1

    shown = 0
    bad = 0
    for label, inst in instances:
        errors = sorted(validator.iter_errors(inst), key=lambda e: list(e.absolute_path))
        if not errors:
            continue
        bad += 1
        for err in errors:
            if shown >= args.max_errors:
                break
            prefix = f"{args.file}: {label}: " if label else f"{args.file}: "
            print(prefix + describe(err))
            shown += 1
    if bad:
        if shown >= args.max_errors:
            print(f"(stopped after {args.max_errors} errors)")
        what = f"{bad} of {len(instances)} lines" if jsonl else "document"
        print(f"{args.file}: INVALID ({what} failed {args.schema})")
        return 1
    what = f"{len(instances)} lines" if jsonl else "document"
    print(f"{args.file}: OK ({what} valid against {args.schema})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
