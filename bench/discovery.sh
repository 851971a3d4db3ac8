#!/usr/bin/env bash
# API-discovery benchmark: run `lampyr analyze` on every API of the discovery corpus, score
# the exported OpenAPI against truth.json, print a Markdown table (also $OUT/summary.md).
#
#   bench/discovery.sh [--only api1,api2] [BIN]
#
#   BIN     lampyr binary (default: target/release/lampyr)
#   CORPUS  corpus folder (env, default: ../shared/corpora/discovery-dev)
#   OUT     output folder (env, default: target/discovery-bench)
#   PYTHON  python interpreter (env, default: python3)
#
# Relative BIN / CORPUS paths are taken from the current directory when they exist there,
# otherwise from the repository root; a relative OUT is always under the repository root.
# Per API, $OUT holds <api>.openapi.json, <api>.report.json, <api>.log (analyze output),
# <api>.score.txt / <api>.score.json (scorer output) and <api>.seconds.
# Exit status: 0 when every analyze run succeeded, 1 when one failed, 2 on usage errors.
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$SCRIPT_DIR/.." && pwd)
PYTHON=${PYTHON:-python3}

usage() { sed -n '2,17p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }
die() { echo "discovery.sh: $*" >&2; exit 2; }

abspath() {  # abspath PATH [cwd-first]
    case "$1" in
        /*) printf '%s\n' "$1" ;;
        *)
            if [ "${2:-}" = cwd-first ] && [ -e "$1" ]; then
                printf '%s/%s\n' "$(pwd)" "$1"
            else
                printf '%s/%s\n' "$ROOT" "$1"
            fi ;;
    esac
}

ONLY=""
BIN_ARG=""
while [ $# -gt 0 ]; do
    case "$1" in
        -h|--help) usage; exit 0 ;;
        --only) [ $# -ge 2 ] || die "--only needs a comma-separated list of APIs"; ONLY=$2; shift 2 ;;
        --only=*) ONLY=${1#--only=}; shift ;;
        -*) die "unknown option: $1 (see --help)" ;;
        *) [ -z "$BIN_ARG" ] || die "more than one BIN given: $BIN_ARG, $1"; BIN_ARG=$1; shift ;;
    esac
done

BIN=$(abspath "${BIN_ARG:-target/release/lampyr}" cwd-first)
CORPUS=$(abspath "${CORPUS:-../shared/corpora/discovery-dev}" cwd-first)
OUT=$(abspath "${OUT:-target/discovery-bench}")

if [ ! -e "$BIN" ]; then
    echo "discovery.sh: lampyr binary not found: $BIN" >&2
    echo "  build it first (cargo build --release -p lampyr) or pass its path: bench/discovery.sh path/to/lampyr" >&2
    exit 2
fi
[ -x "$BIN" ] && [ -f "$BIN" ] || die "not an executable file: $BIN"
[ -d "$CORPUS" ] || die "corpus folder not found: $CORPUS (set CORPUS=...)"
command -v "$PYTHON" >/dev/null 2>&1 || die "python interpreter not found: $PYTHON"
CORPUS=$(cd "$CORPUS" && pwd)

ALL=()
for dir in "$CORPUS"/*/; do
    dir=${dir%/}
    [ -f "$dir/traffic.har" ] && [ -f "$dir/truth.json" ] && ALL+=("$(basename "$dir")")
done
[ ${#ALL[@]} -gt 0 ] || die "no API folders (with traffic.har and truth.json) in $CORPUS"

APIS=()
if [ -n "$ONLY" ]; then
    IFS=',' read -r -a wanted <<< "$ONLY"
    for api in "${wanted[@]}"; do
        api=${api// /}
        [ -n "$api" ] || continue
        if [ -f "$CORPUS/$api/traffic.har" ] && [ -f "$CORPUS/$api/truth.json" ]; then
            APIS+=("$api")
        else
            die "unknown API '$api'; available: ${ALL[*]}"
        fi
    done
    [ ${#APIS[@]} -gt 0 ] || die "--only selected no API"
else
    APIS=("${ALL[@]}")
fi

mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)

now() {
    local t
    t=$(date +%s.%N 2>/dev/null || true)
    case "$t" in
        *N*|"") "$PYTHON" -c 'import time; print(f"{time.time():.6f}")' ;;
        *) printf '%s\n' "$t" ;;
    esac
}

echo "discovery bench: $BIN on ${#APIS[@]} API(s) of $CORPUS -> $OUT" >&2
failed=0
for api in "${APIS[@]}"; do
    dir="$CORPUS/$api"
    rm -f "$OUT/$api.openapi.json" "$OUT/$api.report.json" "$OUT/$api.log" \
          "$OUT/$api.score.json" "$OUT/$api.score.txt" "$OUT/$api.seconds" "$OUT/$api.failed"
    start=$(now)
    rc=0
    "$BIN" analyze "$dir/traffic.har" --openapi "$OUT/$api.openapi.json" \
        --report "$OUT/$api.report.json" >"$OUT/$api.log" 2>&1 || rc=$?
    end=$(now)
    "$PYTHON" -c 'import sys; print(f"{float(sys.argv[2]) - float(sys.argv[1]):.3f}")' \
        "$start" "$end" >"$OUT/$api.seconds"
    secs=$(cat "$OUT/$api.seconds")
    if [ "$rc" -ne 0 ] || [ ! -s "$OUT/$api.openapi.json" ]; then
        failed=$((failed + 1))
        if [ "$rc" -ne 0 ]; then reason="exit status $rc"; else reason="no OpenAPI document written"; fi
        echo "$reason" >"$OUT/$api.failed"
        echo "  $api: FAILED ($reason, ${secs}s); last lines of $OUT/$api.log:" >&2
        tail -n 5 "$OUT/$api.log" | sed 's/^/    /' >&2
        continue
    fi
    if ! "$PYTHON" "$SCRIPT_DIR/score_discovery.py" "$OUT/$api.openapi.json" "$dir/truth.json" \
            >"$OUT/$api.score.txt" 2>&1; then
        failed=$((failed + 1))
        echo "scorer failed" >"$OUT/$api.failed"
        echo "  $api: scoring FAILED:" >&2
        tail -n 5 "$OUT/$api.score.txt" | sed 's/^/    /' >&2
        continue
    fi
    "$PYTHON" "$SCRIPT_DIR/score_discovery.py" "$OUT/$api.openapi.json" "$dir/truth.json" \
        --json >"$OUT/$api.score.json"
    echo "  $api (${secs}s): $(tail -n 1 "$OUT/$api.score.txt")" >&2
done

"$PYTHON" "$SCRIPT_DIR/discovery_table.py" "$OUT" "$CORPUS" "${APIS[@]}" >"$OUT/summary.md"
cat "$OUT/summary.md"
[ "$failed" -eq 0 ] || { echo "discovery.sh: $failed API(s) failed" >&2; exit 1; }
