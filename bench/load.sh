#!/usr/bin/env bash
# Load benchmark: the signed card view (read + counter UPDATE + radar INSERT in one
# transaction) against /healthz, both at 64 connections, in the same run on the same
# machine. Reports req/s, p99 and the ratio card/healthz (machines here are noisy: compare
# ratios, not absolute numbers). Usage: bench/load.sh [seconds per run, default 10]
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-10}

command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
cargo build --release --quiet
bin=$PWD/target/release/leida

tmp=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
export ROCKET_PORT=$port ROCKET_ADDRESS=127.0.0.1 ROCKET_LOG_LEVEL=off ROCKET_CLI_COLORS=false
export ROCKET_DB_PATH=$tmp/leida.db ROCKET_DATA_DIR=$tmp/files ROCKET_PUBLIC_URL=http://127.0.0.1:$port
"$bin" demo >"$tmp/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; rm -rf "$tmp"' EXIT
base=http://127.0.0.1:$port
for _ in $(seq 100); do curl -sf "$base/healthz" >/dev/null && break; sleep 0.1; done

# A customer signs in (offline dev mode), binds to the demo administrator's card, and signs
# one card-view URL (a signature may be repeated within auth_max_skew_secs).
card_url=$(python3 - "$base" <<'PY'
import hashlib, json, sys, time, urllib.request
base = sys.argv[1]
get = lambda path: json.load(urllib.request.urlopen(base + path))
admin = json.load(urllib.request.urlopen(urllib.request.Request(
    base + "/zhugeleida/admin/login", data=b"username=boss&password=leida-demo")))["data"]
me = get("/zhugeleida/xiaochengxu/login?code=bench&user_type=2&source=1")["data"]
ts = str(int(time.time() * 1000))
sig = f"user_id={me['cid']}&timestamp={ts}&rand_str={hashlib.md5((ts + me['token']).encode()).hexdigest()}"
get(f"/zhugeleida/xiaochengxu/login/binding?{sig}&uid={admin['user_id']}&source=1")
print(f"{base}/zhugeleida/xiaochengxu/mingpian?{sig}&uid={admin['user_id']}")
PY
)

run() { # url → "req/s p99_ms non2xx"
  wrk -t2 -c64 -d"${secs}s" --latency "$1" 2>&1 | awk '
    /Requests\/sec/ {rps=$2}
    /^ +99%/ {v=$2; if (v ~ /us$/) {sub(/us/,"",v); v/=1000} else if (v ~ /ms$/) {sub(/ms/,"",v)} else if (v ~ /s$/) {sub(/s/,"",v); v*=1000}; p99=v}
    /Non-2xx/ {bad=$NF}
    END {printf "%s %s %s\n", rps, p99, (bad==""?0:bad)}'
}

wrk -t2 -c16 -d2s "$base/healthz" >/dev/null 2>&1 # warm-up
read -r h_rps h_p99 h_bad < <(run "$base/healthz")
read -r c_rps c_p99 c_bad < <(run "$card_url")
printf '%-28s %10s %10s %8s\n' endpoint req/s p99_ms non2xx
printf '%-28s %10s %10s %8s\n' /healthz "$h_rps" "$h_p99" "$h_bad"
printf '%-28s %10s %10s %8s\n' "signed card view" "$c_rps" "$c_p99" "$c_bad"
python3 -c "print(f'ratio card/healthz: {float(\"$c_rps\")/float(\"$h_rps\"):.2f}  (goal >= 0.40 with p99 <= 25 ms)')"
