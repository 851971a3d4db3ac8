#!/usr/bin/env bash
# Sensitive-data classification benchmark: build lampyr, run `lampyr analyze` on the PII corpus
# (and on any extra corpora), score each report against its truth.json.
#
#   bench/pii.sh [--no-build] [-v] [CORPUS_DIR...]
#
#   PII_CORPUS  main corpus folder (env, default: ../shared/corpora/pii-dev)
#   OUT         output folder (env, default: target/pii-bench)
#   BIN         lampyr binary (env, default: target/release/lampyr; the build honours
#               CARGO_TARGET_DIR, so BIN defaults to $CARGO_TARGET_DIR/release/lampyr then)
#   PYTHON      python interpreter (env, default: python3)
#
# Each CORPUS_DIR holds traffic.har + truth.json (e.g. one made by bench/gen_pii.py). Relative
# paths are taken from the repository root. Per corpus, $OUT holds <name>.report.json,
# <name>.log, <name>.score.txt (full scorer output, FP/FN lists) and <name>.score.json.
# Prints one summary line per corpus: `<name>: pii microF1=… macroF1=… hardneg_fp=…`.
# Exit status: 0 when every run succeeded, 1 when one failed, 2 on usage errors.
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$SCRIPT_DIR/.." && pwd)
PYTHON=${PYTHON:-python3}
usage() { sed -n '2,19p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }
die() { echo "pii.sh: $*" >&2; exit 2; }
abspath() { case "$1" in /*) printf '%s\n' "$1" ;; *) printf '%s/%s\n' "$ROOT" "$1" ;; esac; }

BUILD=1
VERBOSE=()
EXTRA=()
while [ $# -gt 0 ]; do
    case "$1" in
        -h|--help) usage; exit 0 ;;
        --no-build) BUILD=0; shift ;;
        -v|--verbose) VERBOSE=(--verbose); shift ;;
        -*) die "unknown option: $1 (see --help)" ;;
        *) EXTRA+=("$1"); shift ;;
    esac
done

cd "$ROOT"
TARGET=${CARGO_TARGET_DIR:-target}
BIN=$(abspath "${BIN:-$TARGET/release/lampyr}")
OUT=$(abspath "${OUT:-target/pii-bench}")
if [ "$BUILD" -eq 1 ]; then
    echo "pii.sh: cargo build --release" >&2
    cargo build --release >&2
fi
[ -x "$BIN" ] || die "lampyr binary not found: $BIN (build it or set BIN=...)"
mkdir -p "$OUT"

CORPORA=("$(abspath "${PII_CORPUS:-../shared/corpora/pii-dev}")")
for c in "${EXTRA[@]+"${EXTRA[@]}"}"; do
    case "$c" in /*) CORPORA+=("$c") ;; *) if [ -d "$c" ]; then CORPORA+=("$(cd "$c" && pwd)"); else CORPORA+=("$(abspath "$c")"); fi ;; esac
done

failed=0
LINES=()
for dir in "${CORPORA[@]}"; do
    name=$(basename "$dir")
    if [ ! -f "$dir/traffic.har" ] || [ ! -f "$dir/truth.json" ]; then
        echo "pii.sh: $dir has no traffic.har + truth.json, skipped" >&2
        failed=$((failed + 1)); LINES+=("$name: FAILED (no traffic.har + truth.json)"); continue
    fi
    report="$OUT/$name.report.json"
    rm -f "$report"
    start=$(date +%s.%N)
    if ! "$BIN" analyze "$dir/traffic.har" --report "$report" -q >"$OUT/$name.log" 2>&1 || [ ! -s "$report" ]; then
        echo "pii.sh: lampyr analyze failed on $dir; last lines of $OUT/$name.log:" >&2
        tail -n 5 "$OUT/$name.log" | sed 's/^/    /' >&2
        failed=$((failed + 1)); LINES+=("$name: FAILED (analyze)"); continue
    fi
    end=$(date +%s.%N)
    [ "$name" = "$(basename "${CORPORA[0]}")" ] && cp "$report" /tmp/pii-report.json
    if ! "$PYTHON" "$SCRIPT_DIR/score_pii.py" "$report" "$dir/truth.json" --verbose \
            --json "$OUT/$name.score.json" >"$OUT/$name.score.txt" 2>&1; then
        echo "pii.sh: scoring failed for $name:" >&2
        tail -n 5 "$OUT/$name.score.txt" | sed 's/^/    /' >&2
        failed=$((failed + 1)); LINES+=("$name: FAILED (scorer)"); continue
    fi
    if [ ${#VERBOSE[@]} -gt 0 ]; then cat "$OUT/$name.score.txt"; echo; fi
    secs=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.2f", b - a }')
    LINES+=("$name: $(tail -n 1 "$OUT/$name.score.txt")  (analyze ${secs}s)")
done
if [ ${#VERBOSE[@]} -eq 0 ]; then
    # per-type table of the main corpus
    sed -n '/^| type/,/^| micro/p' "$OUT/$(basename "${CORPORA[0]}").score.txt" 2>/dev/null || true
    echo
fi
printf '%s\n' "${LINES[@]}"
[ "$failed" -eq 0 ] || exit 1
