#!/usr/bin/env bash
# The whole platform under load: gateway + streaming analytics + SQLite store, against the
# gateway alone, same binary, same upstream, same load.
#
#   bench/platform.sh [DURATION_SECS]                 (default 20; needs root for apt on first run)
#   LAMPYR=path/to/lampyr bench/platform.sh 20        (prebuilt binary)
#
# Layout on a 2-core machine: Lampyr (`serve --workers 1`, so one proxy thread plus the
# analytics thread) is pinned to CPU 1; wrk and the upstream (nginx answering a 1.1 KB JSON
# patient record full of personal data) share CPU 0. wrk varies the object id in the path
# (`/api/patients/<n>`) so discovery has something to template.
#
# Scenarios:
#   gateway    API-key auth, inspection in monitor mode, mirror off, analytics off
#   platform   the same + mirror → streaming analytics → store (samples, retention)
#
# Reported per scenario: proxied req/s, p99, Lampyr CPU (% of one core, from /proc over the
# run), peak RSS; for `platform` also exchanges analysed per second, exchanges shed by the
# mirror (counted by the gateway when analytics falls behind) and the store's size.
# Writes bench/out/platform.md and prints it.
set -euo pipefail
cd "$(dirname "$0")/.."
DUR=${1:-20}
CONNS=${CONNS:-50}
OUT=bench/out
mkdir -p "$OUT"

if ! command -v nginx >/dev/null || ! command -v wrk >/dev/null; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nginx wrk >/dev/null
fi
if [ -z "${LAMPYR:-}" ]; then
  cargo build --release -q -p lampyr
  LAMPYR=$PWD/target/release/lampyr
fi

W=$(mktemp -d)
cleanup() {
  for p in "$W"/*.pid; do [ -f "$p" ] && kill "$(cat "$p")" 2>/dev/null || true; done
  rm -rf "$W"
}
trap cleanup EXIT

UP=18290 LMP=18270 ADM=18271
BODY='{"id":10042,"name":"王秀英","idCard":"11010519491231002X","mobile":"13812345678","email":"wang.xiuying@example.cn","address":"北京市朝阳区建国路88号","dateOfBirth":"1949-12-31","medicalRecordNo":"MR20231104","allergies":["penicillin"],"diagnoses":[{"icd10":"E11.9","name":"2型糖尿病"},{"icd10":"I10","name":"原发性高血压"}],"doctor":{"id":"D017","name":"李建国","department":"内分泌科"},"insurance":{"provider":"城镇职工医保","number":"3201234567"},"updatedAt":"2026-11-30T08:12:44Z"}'

mkdir -p "$W/up"/{b,p,f,u,s}
cat > "$W/up/nginx.conf" <<CONF
worker_processes 1;
pid $W/up.pid;
error_log $W/up/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $W/up/b; proxy_temp_path $W/up/p; fastcgi_temp_path $W/up/f;
  uwsgi_temp_path $W/up/u; scgi_temp_path $W/up/s;
  keepalive_requests 1000000;
  server { listen 127.0.0.1:$UP; location / { default_type application/json; return 200 '$BODY'; } }
}
CONF
taskset -c 0 nginx -c "$W/up/nginx.conf"

export BENCH_KEY=lpk_benchkey_0123456789abcdefghijklmnopqrstuv
export LAMPYR_ADMIN_TOKEN=bench-admin-token
export LAMPYR_MASTER_KEY=$(printf '%064d' 7)
export LAMPYR_CONSOLE_PASSWORD=bench-console-password

cat > "$W/paths.lua" <<'LUA'
local n = 0
request = function()
  n = n + 1
  return wrk.format(nil, "/api/patients/" .. (10000 + (n * 7919) % 10000))
end
LUA

lampyr_conf() { # scenario
  local analytics="enabled: false" mirror="mirror: {enabled: false}"
  if [ "$1" = platform ]; then
    analytics="enabled: true"
    mirror="mirror: {enabled: true}"
  fi
  cat > "$W/lampyr-$1.yaml" <<YAML
version: 1
serve:
  data_dir: $W/data-$1
  admin: {address: "127.0.0.1:$ADM", token_env: LAMPYR_ADMIN_TOKEN}
  master_key_env: LAMPYR_MASTER_KEY
  analytics: {$analytics}
  console: {admin_password_env: LAMPYR_CONSOLE_PASSWORD}
gateway:
  listeners: [{name: main, address: "127.0.0.1:$LMP"}]
  upstreams: [{name: app, targets: [{address: "127.0.0.1:$UP"}]}]
  routes:
    - name: api
      paths: [/api]
      upstream: app
      auth: [api_key]
      allow_consumers: [bench]
      inspect: {mode: monitor}
  consumers:
    - name: bench
      credentials: [{type: api_key, key_env: BENCH_KEY}]
  $mirror
  access_log: {target: "off"}
YAML
}

wait_port() {
  for _ in $(seq 1 200); do
    if (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null; then return 0; fi
    sleep 0.05
  done
  echo "port $1 did not open" >&2; return 1
}

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
status() { curl -s -H "Authorization: Bearer $LAMPYR_ADMIN_TOKEN" "http://127.0.0.1:$ADM/admin/v1/overview"; }

echo "| scenario | req/s | p99 ms | Lampyr CPU (% of 1 core) | peak RSS MiB | analysed/s | shed | store MiB |" > "$OUT/platform.md"
echo "|---|---|---|---|---|---|---|---|" >> "$OUT/platform.md"
wait_port $UP
for scen in gateway platform; do
  lampyr_conf $scen
  taskset -c 1 "$LAMPYR" serve -c "$W/lampyr-$scen.yaml" --workers 1 > "$W/lampyr-$scen.log" 2>&1 &
  pid=$!
  echo $pid > "$W/lampyr.pid"
  if ! wait_port $LMP; then cat "$W/lampyr-$scen.log" >&2; exit 1; fi
  taskset -c 0 wrk -t1 -c"$CONNS" -d2s -s "$W/paths.lua" -H "X-API-Key: $BENCH_KEY" "http://127.0.0.1:$LMP" >/dev/null
  before=$(status); t0=$(cpu_ticks $pid); s0=$(date +%s.%N)
  taskset -c 0 wrk -t1 -c"$CONNS" -d"${DUR}s" --latency -s "$W/paths.lua" -H "X-API-Key: $BENCH_KEY" "http://127.0.0.1:$LMP" > "$W/wrk.txt"
  t1=$(cpu_ticks $pid); s1=$(date +%s.%N)
  # Let analytics catch up with what it took, then read its counters.
  for _ in $(seq 1 100); do
    q=$(status | python3 -c 'import json,sys; print(json.load(sys.stdin).get("pipeline",{}).get("queue",0))' 2>/dev/null || echo 0)
    [ "$q" = 0 ] && break; sleep 0.2
  done
  after=$(status)
  rss=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status")
  kill $pid; wait $pid 2>/dev/null || true; rm -f "$W/lampyr.pid"
  store=$(du -sk "$W/data-$scen" | cut -f1)
  python3 - "$scen" "$W/wrk.txt" "$t0" "$t1" "$s0" "$s1" "$rss" "$store" "$before" "$after" "$(getconf CLK_TCK)" >> "$OUT/platform.md" <<'PY'
import json, re, sys
scen, wrk, t0, t1, s0, s1, rss, store, before, after, hz = sys.argv[1:]
t = open(wrk).read()
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", t).group(1))
m = re.search(r"^\s*99%\s+([\d.]+)(us|ms|s)\s*$", t, re.M)
p99 = float(m.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[m.group(2)]
secs = float(s1) - float(s0)
cpu = (int(t1) - int(t0)) / int(hz) / secs * 100
def pipe(s):
    try:
        return json.loads(s).get("pipeline", {})
    except Exception:
        return {}
b, a = pipe(before), pipe(after)
if scen == "platform":
    analysed = (a.get("exchanges", 0) - b.get("exchanges", 0)) / secs
    shed = a.get("shed", 0) - b.get("shed", 0)
    sent = a.get("mirror_sent", 0) - b.get("mirror_sent", 0)
    shed_txt = f"{shed:,} ({shed / max(1, shed + sent) * 100:.1f} %)"
    analysed_txt = f"{analysed:,.0f}"
else:
    shed_txt = analysed_txt = "–"
print(f"| {scen} | {rps:,.0f} | {p99:.2f} | {cpu:.0f} | {int(rss) / 1024:.0f} | {analysed_txt} | {shed_txt} | {int(store) / 1024:.1f} |")
PY
done
echo >> "$OUT/platform.md"
echo "wrk -t1 -c$CONNS -d${DUR}s, varying /api/patients/<n>; Lampyr --workers 1 on CPU 1 (proxy + analytics threads share it); wrk + upstream nginx on CPU 0; 1.1 KB JSON patient record; $(nproc) cores; $(date -u +%F)" >> "$OUT/platform.md"
cat "$OUT/platform.md"
