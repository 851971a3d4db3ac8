#!/usr/bin/env bash
# Presidio side-by-side: Microsoft Presidio's regex recognizers vs Lampyr on the PII corpus.
#
#   bench/presidio.sh [LAMPYR_REPORT]
#
#   LAMPYR_REPORT  Lampyr report of the same HAR (default: $OUT/<corpus name>.report.json as
#                  written by bench/pii.sh for that corpus, else /tmp/pii-report.json, used when
#                  it exists; otherwise only Presidio is scored)
#   PII_CORPUS     corpus folder (env, default: ../shared/corpora/pii-dev)
#   PRESIDIO_VENV  venv with presidio-analyzer (env, default: /work/presidio-venv); created and
#                  `pip install presidio-analyzer` (~400 MB, no spaCy model) when missing
#   OUT            output folder (env, default: target/pii-bench)
#
# Prints a Markdown table (also $OUT/presidio-compare.md); $OUT/presidio-report.json is
# Presidio's result as a report, $OUT/{presidio,lampyr}-score.txt the full scorer outputs.
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$SCRIPT_DIR/.." && pwd)
usage() { sed -n '2,16p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }
abspath() { case "$1" in /*) printf '%s\n' "$1" ;; *) if [ -e "$1" ]; then printf '%s/%s\n' "$(pwd)" "$1"; else printf '%s/%s\n' "$ROOT" "$1"; fi ;; esac; }
case "${1:-}" in -h|--help) usage; exit 0 ;; esac

VENV=${PRESIDIO_VENV:-/work/presidio-venv}
CORPUS=$(abspath "${PII_CORPUS:-../shared/corpora/pii-dev}")
OUT=$(abspath "${OUT:-target/pii-bench}")
# the report of this corpus: /tmp/pii-report.json is the *first* corpus of the last pii.sh
# run, which is pii-dev when PII_CORPUS pointed at a holdout only as an extra argument
REPORT=${1:-}
if [ -z "$REPORT" ]; then
    REPORT=$OUT/$(basename "$CORPUS").report.json
    [ -f "$REPORT" ] || REPORT=/tmp/pii-report.json
fi

if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c 'import presidio_analyzer' 2>/dev/null; then
    echo "presidio.sh: installing presidio-analyzer into $VENV" >&2
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check presidio-analyzer >&2
fi
ARGS=("$CORPUS/traffic.har" "$CORPUS/truth.json" --out "$OUT")
if [ -f "$REPORT" ]; then
    ARGS+=(--lampyr-report "$(abspath "$REPORT")")
else
    echo "presidio.sh: no Lampyr report at $REPORT (run bench/pii.sh first); scoring Presidio only" >&2
fi
cd "$ROOT"
# no network for tldextract (public-suffix list): presidio_compare.py uses the bundled snapshot
"$VENV/bin/python" "$SCRIPT_DIR/presidio_compare.py" "${ARGS[@]}"
