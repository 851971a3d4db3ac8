#!/usr/bin/env bash
# Lampyr's gateway beside nginx `proxy_pass` on the same machine, same upstream, same load.
#
#   bench/gateway.sh [DURATION_SECS]      (default 10; needs root for apt on first run)
#   LAMPYR=path/to/lampyr SCENARIOS=plain bench/gateway.sh 10   (prebuilt binary, a subset)
#
# Layout on a 2-core machine (research note gateway-anchors.md §2.3): the proxy under test
# (nginx with one worker, or Lampyr with one worker thread) is pinned to CPU 1; wrk and the
# upstream (a second nginx answering a 1 KB body) share CPU 0. Every scenario is run against
# nginx and Lampyr back to back; ratios are Lampyr / nginx.
#
# Scenarios:
#   plain  one route, keep-alive both sides, no filters, no access log, mirror off
#   full   + API-key auth, a rate limit per consumer (high enough not to refuse), attack
#          inspection in monitor mode, mirror to analytics (JSON Lines sink) on
#
# Writes bench/out/gateway.md and prints it.
set -euo pipefail
cd "$(dirname "$0")/.."
DUR=${1:-10}
CONNS=${CONNS:-50}
OUT=bench/out
mkdir -p "$OUT"

if ! command -v nginx >/dev/null || ! command -v wrk >/dev/null; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nginx wrk >/dev/null
fi
# LAMPYR=<path> uses a prebuilt binary instead of building one.
if [ -z "${LAMPYR:-}" ]; then
  cargo build --release -q -p lampyr
  LAMPYR=$PWD/target/release/lampyr
fi
# SCENARIOS="plain" (or "full", or both, space-separated) runs a subset.
SCENARIOS=${SCENARIOS:-plain full}

W=$(mktemp -d)
cleanup() {
  for p in "$W"/*.pid; do [ -f "$p" ] && kill "$(cat "$p")" 2>/dev/null || true; done
  rm -rf "$W"
}
trap cleanup EXIT

UP=18190 NGX=18180 LMP=18170 ADM=18171
BODY=$(python3 -c 'import json; print(json.dumps({"items": [{"id": i, "name": "item-%04d" % i, "price": i * 3} for i in range(24)]})[:1024].ljust(1024), end="")')

nginx_conf() { # name port block
  mkdir -p "$W/$1"/{b,p,f,u,s}
  cat > "$W/$1/nginx.conf" <<CONF
worker_processes 1;
pid $W/$1.pid;
error_log $W/$1/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $W/$1/b; proxy_temp_path $W/$1/p; fastcgi_temp_path $W/$1/f;
  uwsgi_temp_path $W/$1/u; scgi_temp_path $W/$1/s;
  keepalive_requests 1000000;
  $3
}
CONF
}

# Upstream: a 1 KB body from memory (text/plain, so masking would not apply anyway).
nginx_conf up $UP "server { listen 127.0.0.1:$UP; location / { default_type text/plain; return 200 '$BODY'; } }"
taskset -c 0 nginx -c "$W/up/nginx.conf"

# Baseline proxy: nginx proxy_pass with upstream keepalive.
nginx_conf px $NGX "upstream app { server 127.0.0.1:$UP; keepalive 64; }
  server { listen 127.0.0.1:$NGX; location / { proxy_pass http://app; proxy_http_version 1.1; proxy_set_header Connection \"\"; } }"
taskset -c 1 nginx -c "$W/px/nginx.conf"

export BENCH_KEY=lpk_benchkey_0123456789abcdefghijklmnopqrstuv
export LAMPYR_ADMIN_TOKEN=bench-admin-token
export LAMPYR_MASTER_KEY=$(printf '%064d' 7)

lampyr_conf() { # scenario
  local route_extra="inspect: {mode: off}" consumers="" mirror="mirror: {enabled: false}" mirror_file=""
  if [ "$1" = full ]; then
    route_extra="auth: [api_key]
      allow_consumers: [bench]
      rate_limits: [{key: consumer, requests: 10000000}]
      inspect: {mode: monitor}"
    consumers="consumers:
    - name: bench
      credentials: [{type: api_key, key_env: BENCH_KEY}]"
    mirror="mirror: {enabled: true, max_body: 65536, capacity: 65536}"
    mirror_file="mirror_file: /dev/null
  analytics: {enabled: false}"
  fi
  cat > "$W/lampyr-$1.yaml" <<YAML
version: 1
serve:
  data_dir: $W/data-$1
  admin: {address: "127.0.0.1:$ADM", token_env: LAMPYR_ADMIN_TOKEN}
  master_key_env: LAMPYR_MASTER_KEY
  $mirror_file
gateway:
  listeners: [{name: main, address: "127.0.0.1:$LMP"}]
  upstreams: [{name: app, targets: [{address: "127.0.0.1:$UP"}]}]
  routes:
    - name: all
      upstream: app
      $route_extra
  $consumers
  $mirror
  access_log: {target: "off"}
YAML
}

wait_port() { # port
  for _ in $(seq 1 200); do
    if (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null; then return 0; fi
    sleep 0.05
  done
  echo "port $1 did not open" >&2; return 1
}

run_wrk() { # port header-args... ; prints "rps p50_ms p99_ms"
  local port=$1; shift
  taskset -c 0 wrk -t1 -c"$CONNS" -d"${DUR}s" --latency "$@" "http://127.0.0.1:$port/items/1" > "$W/wrk.txt"
  python3 - "$W/wrk.txt" <<'PY'
import re, sys
t = open(sys.argv[1]).read()
def ms(label):
    m = re.search(r"^\s*%s\s+([\d.]+)(us|ms|s)\s*$" % re.escape(label), t, re.M)
    v, u = float(m.group(1)), m.group(2)
    return v / 1000 if u == "us" else v * 1000 if u == "s" else v
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", t).group(1))
non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", t)
print(f"{rps:.0f} {ms('50%'):.3f} {ms('99%'):.3f} {non2xx.group(1) if non2xx else 0}")
PY
}

wait_port $UP; wait_port $NGX
# Warm-up, then the baseline once per scenario (back to back with Lampyr).
taskset -c 0 wrk -t1 -c"$CONNS" -d2s "http://127.0.0.1:$NGX/items/1" >/dev/null
echo "| scenario | nginx req/s | Lampyr req/s | ratio | nginx p50 / p99 ms | Lampyr p50 / p99 ms | p99 ratio | Lampyr non-2xx |" > "$OUT/gateway.md"
echo "|---|---|---|---|---|---|---|---|" >> "$OUT/gateway.md"
for scen in $SCENARIOS; do
  lampyr_conf $scen
  taskset -c 1 "$LAMPYR" serve -c "$W/lampyr-$scen.yaml" --workers 1 > "$W/lampyr-$scen.log" 2>&1 &
  echo $! > "$W/lampyr.pid"
  if ! wait_port $LMP; then cat "$W/lampyr-$scen.log" >&2; exit 1; fi
  HDR=()
  [ "$scen" = full ] && HDR=(-H "X-API-Key: $BENCH_KEY")
  run_wrk $LMP "${HDR[@]}" >/dev/null   # warm-up
  read -r n_rps n_p50 n_p99 _ < <(run_wrk $NGX "${HDR[@]}")
  read -r l_rps l_p50 l_p99 l_bad < <(run_wrk $LMP "${HDR[@]}")
  kill "$(cat "$W/lampyr.pid")"; wait "$(cat "$W/lampyr.pid")" 2>/dev/null || true; rm -f "$W/lampyr.pid"
  python3 - "$scen" "$n_rps" "$l_rps" "$n_p50" "$n_p99" "$l_p50" "$l_p99" "$l_bad" >> "$OUT/gateway.md" <<'PY'
import sys
s, nr, lr, n50, n99, l50, l99, bad = sys.argv[1:]
nr, lr, n50, n99, l50, l99 = map(float, (nr, lr, n50, n99, l50, l99))
print(f"| {s} | {nr:,.0f} | {lr:,.0f} | {lr/nr:.2f}× | {n50:.3f} / {n99:.3f} | {l50:.3f} / {l99:.3f} | {l99/n99:.2f}× | {bad} |")
PY
done
echo >> "$OUT/gateway.md"
echo "wrk -t1 -c$CONNS -d${DUR}s; proxy on CPU 1 (nginx 1 worker / lampyr --workers 1); wrk + upstream nginx on CPU 0; 1 KB body; $(nproc) cores; $(date -u +%F)" >> "$OUT/gateway.md"
cat "$OUT/gateway.md"
