#!/usr/bin/env bash
# Lampyr's attack inspector beside ModSecurity 3 + OWASP CRS (Debian packages) on the same
# request bytes: the CRS regression corpus and the benign API corpora, then per-request cost.
#
#   bench/crs.sh [SHARED_DIR]          (default ../shared; needs root for apt on first run)
#
# Writes bench/out/crs-compare.{md,json} and prints the throughput lines that go into
# docs/benchmarks.md. ModSecurity runs in nginx with one worker process, proxying to a second
# nginx server that answers 200 (a WAF that only `return`s never reads bodies).
set -euo pipefail
cd "$(dirname "$0")/.."
SHARED=${1:-../shared}
OUT=bench/out
mkdir -p "$OUT"

if ! dpkg -s libnginx-mod-http-modsecurity modsecurity-crs wrk >/dev/null 2>&1; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    nginx libnginx-mod-http-modsecurity modsecurity-crs wrk >/dev/null
fi
cargo build --release -q -p lampyr
LAMPYR=$PWD/target/release/lampyr

PEER=$(mktemp -d)
trap 'for p in $PEER/*.pid; do [ -f "$p" ] && kill "$(cat "$p")" 2>/dev/null || true; done; rm -rf "$PEER"' EXIT

# CRS 3 allows only GET HEAD POST OPTIONS by default; an API operator allows the REST methods
# (900200), otherwise every PUT/PATCH/DELETE of the benign corpora is blocked by policy.
# One nginx per paranoia level (ports 18081.. for PL1..), plus a plain proxy (18080) as the
# no-WAF baseline for the cost figure. The backend answers 200 on 18090.
start_nginx() { # name port modsec(on|off) pl
  local name=$1 port=$2 modsec=$3 pl=$4 dir=$PEER/$1
  mkdir -p "$dir"/{b,p,f,u,s}
  cat > "$dir/main.conf" <<CONF
Include /etc/nginx/modsecurity.conf
SecRuleEngine On
SecAuditEngine Off
SecDebugLogLevel 0
SecAction "id:900000,phase:1,nolog,pass,t:none,setvar:tx.paranoia_level=$pl"
SecAction "id:900200,phase:1,nolog,pass,t:none,setvar:'tx.allowed_methods=GET HEAD POST OPTIONS PUT PATCH DELETE'"
Include /etc/modsecurity/crs/crs-setup.conf
Include /usr/share/modsecurity-crs/rules/*.conf
CONF
  cat > "$dir/nginx.conf" <<CONF
load_module /usr/lib/nginx/modules/ngx_http_modsecurity_module.so;
worker_processes 1;
pid $PEER/$name.pid;
error_log $dir/error.log crit;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $dir/b; proxy_temp_path $dir/p; fastcgi_temp_path $dir/f;
  uwsgi_temp_path $dir/u; scgi_temp_path $dir/s;
  client_max_body_size 16m;
  server {
    listen 127.0.0.1:$port;
    modsecurity $modsec;
    modsecurity_rules_file $dir/main.conf;
    location / { proxy_pass http://127.0.0.1:18090; }
  }
  $( [ "$name" = backend ] && echo "server { listen 127.0.0.1:18090; location / { return 200 \"ok\\n\"; } }" )
}
CONF
  nginx -q -c "$dir/nginx.conf"
}

start_nginx backend 18099 off 1
start_nginx plain 18080 off 1
start_nginx pl1 18081 on 1
start_nginx pl2 18082 on 2
# Readiness: wait until each port answers (bounded).
for port in 18080 18081 18082 18090; do
  for _ in $(seq 100); do
    curl -s -o /dev/null "http://127.0.0.1:$port/" && break
    sleep 0.1
  done
done

BENIGN=$(ls "$SHARED"/corpora/discovery-dev/*/traffic.har "$SHARED"/corpora/pii-dev/traffic.har)
python3 bench/crs_compare.py --crs "$SHARED/corpora/crs-regression" --benign $BENIGN \
  --lampyr "$LAMPYR" --paranoia 1 2 \
  --modsec 127.0.0.1:18081:"ModSecurity+CRS3.3.4 PL1" 127.0.0.1:18082:"ModSecurity+CRS3.3.4 PL2" \
  --json "$OUT/crs-compare.json" --markdown "$OUT/crs-compare.md"

# Per-request cost of inspection: a 4 KB JSON POST, ModSecurity PL2 vs the same nginx without
# it (both one worker on one core), and Lampyr's inspector from its criterion bench.
python3 - "$PEER/post.lua" <<'PY'
import json, sys
items = [{"id": i, "name": "Customer %d" % i, "email": "c%d@example.com" % i,
          "note": "delivered to the front desk, signed"} for i in range(40)]
body = json.dumps({"items": items})[:4096]
body = body[: body.rfind("}") + 1] + "]}"
open(sys.argv[1], "w").write(
    'wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\nwrk.body = %s\n'
    % json.dumps(body))
PY
for target in "plain 18080" "modsec-pl1 18081" "modsec-pl2 18082"; do
  set -- $target
  post=$(wrk -t1 -c8 -d10s -s "$PEER/post.lua" "http://127.0.0.1:$2/api/orders" | awk '/Requests\/sec/ {print $2}')
  get=$(wrk -t1 -c8 -d10s "http://127.0.0.1:$2/api/orders?page=2&size=20&sort=created_at" | awk '/Requests\/sec/ {print $2}')
  echo "nginx $1: 4 KB JSON POST $post requests/s, small GET $get requests/s (one worker)"
done
