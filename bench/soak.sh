#!/usr/bin/env bash
# Soak: mixed load at 64 connections for ten minutes (default) against the release binary
# on the demo data, from 32 customers of one salesperson. The mix (bench/soak.lua): card views and chat messages (writes), the
# card list, products, chat history, the employee list, consulting tags and /healthz
# (reads). Reports req/s and p99 for the first and the last minute and for the whole run,
# and the server's RSS at the start and the end (sampled every 10 s into the log).
# With PROBE=1, each endpoint of the mix is also loaded alone (16 connections, 4 s) before
# and after the soak, to show which ones slow down as the data grows.
# Then (issue 17 §3) the bytes the database grows per card view, on a fresh demo database
# with and without Work WeChat configured (GROWTH_SECS of card views each, default 30):
# without it, a view should cost no more than its radar row and the tallies.
# GROWTH_ONLY=1 runs only that; LEIDA_BIN runs another build (bytes do not depend on it).
# Usage: [PROBE=1] [GROWTH_ONLY=1] bench/soak.sh [total seconds, default 600]   (not run by CI)
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-600}
slice=$(( secs >= 180 ? 60 : secs / 3 ))

command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
if [ -n "${LEIDA_BIN:-}" ]; then bin=$(realpath "$LEIDA_BIN"); else
  cargo build --release --quiet
  bin=$PWD/target/release/leida
fi

# Bytes of database growth per card view: a fresh demo server (extra ROCKET_* settings in
# "$@"), the salesperson given a Work WeChat userid, GROWTH_SECS of views of their card by
# 32 customers, then the file checkpointed and measured (pages in use, per table by dbstat).
growth() { # label, env assignments... → one report line
  local label=$1; shift
  local dir port pid base
  dir=$(mktemp -d)
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  base=http://127.0.0.1:$port
  env ROCKET_PORT=$port ROCKET_LOG_LEVEL=off ROCKET_DB_PATH=$dir/leida.db ROCKET_DATA_DIR=$dir/files \
      ROCKET_PUBLIC_URL=$base ROCKET_AUTH_MAX_SKEW_SECS=3600 "$@" "$bin" demo >"$dir/server.log" 2>&1 &
  pid=$!
  for _ in $(seq 100); do curl -sf "$base/healthz" >/dev/null && break; sleep 0.1; done
  sqlite3 "$dir/leida.db" "PRAGMA busy_timeout=5000; UPDATE zl_employee SET userid = 'soak-user'" >/dev/null
  local urls
  urls=$(python3 - "$base" <<'PY'
import hashlib, json, sys, time, urllib.request
base = sys.argv[1]
get = lambda path: json.load(urllib.request.urlopen(base + path))
admin = json.load(urllib.request.urlopen(urllib.request.Request(
    base + "/zhugeleida/admin/login", data=b"username=boss&password=leida-demo")))["data"]
for i in range(32):
    me = get(f"/zhugeleida/xiaochengxu/login?code=growth-{i}&user_type=2&source=1")["data"]
    ts = str(int(time.time() * 1000))
    sig = f"user_id={me['cid']}&timestamp={ts}&rand_str={hashlib.md5((ts + me['token']).encode()).hexdigest()}"
    get(f"/zhugeleida/xiaochengxu/login/binding?{sig}&uid={admin['user_id']}&source=1")
    print(f"/zhugeleida/xiaochengxu/mingpian?{sig}&uid={admin['user_id']}")
PY
)
  printf '%s\n' "$urls" >"$dir/urls.txt"
  cat >"$dir/views.lua" <<LUA
local urls, i = {}, 0
for line in io.lines("$dir/urls.txt") do urls[#urls + 1] = line end
request = function() i = i % #urls + 1; return wrk.format("GET", urls[i]) end
LUA
  measure() {
    sqlite3 "$dir/leida.db" "PRAGMA busy_timeout=5000; PRAGMA wal_checkpoint(TRUNCATE);" >/dev/null
    sqlite3 "$dir/leida.db" "SELECT (SELECT page_count FROM pragma_page_count) * (SELECT page_size FROM pragma_page_size)
      - (SELECT freelist_count FROM pragma_freelist_count) * (SELECT page_size FROM pragma_page_size),
      (SELECT count(*) FROM zl_radar), (SELECT count(*) FROM outbox),
      (SELECT COALESCE(SUM(pgsize), 0) FROM dbstat WHERE name LIKE 'zl_radar%' OR name LIKE 'sqlite_autoindex_zl_radar%')"
  }
  local before after
  before=$(measure)
  wrk -t2 -c16 -d"${GROWTH_SECS:-30}s" -s "$dir/views.lua" "$base" >/dev/null 2>&1
  sleep 1
  after=$(measure)
  kill $pid 2>/dev/null; wait $pid 2>/dev/null || true
  python3 - "$label" "$before" "$after" <<'PY'
import sys
label, before, after = sys.argv[1], sys.argv[2].split("|"), sys.argv[3].split("|")
d = [int(a) - int(b) for a, b in zip(after, before)]
views = max(d[1], 1)
print(f"{label:<28} {views:>8} views  {d[0] / views:8.1f} bytes/view  "
      f"(radar + tallies {d[3] / views:6.1f})  outbox rows +{d[2]} ({d[2] / views:.2f}/view)")
PY
  rm -rf "$dir"
}

if [ "${GROWTH_ONLY:-0}" = 1 ]; then
  echo "database growth per card view:"
  growth "without Work WeChat"
  growth "with Work WeChat (config)" ROCKET_WORK_WECHAT_CORPID=soak-corp \
    ROCKET_WORK_WECHAT_SECRET=soak-secret ROCKET_WORK_WECHAT_AGENTID=1000002 \
    ROCKET_WORK_WECHAT_API=http://127.0.0.1:9
  exit 0
fi

tmp=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
export ROCKET_PORT=$port ROCKET_ADDRESS=127.0.0.1 ROCKET_LOG_LEVEL=off ROCKET_CLI_COLORS=false
export ROCKET_DB_PATH=$tmp/leida.db ROCKET_DATA_DIR=$tmp/files ROCKET_PUBLIC_URL=http://127.0.0.1:$port
# Signatures are made once, at the start: let them live for the whole run.
export ROCKET_AUTH_MAX_SKEW_SECS=$(( secs + 600 ))
"$bin" demo >"$tmp/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; rm -rf "$tmp"' EXIT
base=http://127.0.0.1:$port
for _ in $(seq 100); do curl -sf "$base/healthz" >/dev/null && break; sleep 0.1; done

# One employee (the demo administrator) and 32 customers bound to their card: the load is
# spread over 32 customer-salesperson pairs, as a card's visitors would be.
python3 - "$base" >"$tmp/env.lua" <<'PY'
import hashlib, json, sys, time, urllib.request
base = sys.argv[1]
get = lambda path: json.load(urllib.request.urlopen(base + path))
admin = json.load(urllib.request.urlopen(urllib.request.Request(
    base + "/zhugeleida/admin/login", data=b"username=boss&password=leida-demo")))["data"]
def sig(uid, token):
    ts = str(int(time.time() * 1000))
    return f"user_id={uid}&timestamp={ts}&rand_str={hashlib.md5((ts + token).encode()).hexdigest()}"
uid = admin["user_id"]
customers = []
for i in range(32):
    me = get(f"/zhugeleida/xiaochengxu/login?code=soak-{i}&user_type=2&source=1")["data"]
    cs = sig(me["cid"], me["token"])
    get(f"/zhugeleida/xiaochengxu/login/binding?{cs}&uid={uid}&source=1")
    customers.append(cs)
print("customer_sigs = {" + ", ".join(f'"{c}"' for c in customers) + "}")
print(f'employee_sig = "{sig(uid, admin["token"])}"\nuid = "{uid}"')
PY

rss() { awk '/VmRSS/ {print $2}' "/proc/$server/status"; }
# RSS split into the heap (anon) and mapped files (the binary, SQLite's -shm), with threads.
detail() { awk '/RssAnon|RssFile|RssShmem|Threads/ {printf "%s%s ", $1, $2}' "/proc/$server/status"; }
(while kill -0 $server 2>/dev/null; do echo "$(date +%s) $(rss) $(detail)" >>"$tmp/rss.log"; sleep 10; done) &
sampler=$!
trap 'kill $sampler $server 2>/dev/null; rm -rf "$tmp"' EXIT

run() { # seconds → "req/s p99_ms non2xx"
  (cd "$tmp" && wrk -t2 -c64 -d"$1s" --latency -s "$OLDPWD/bench/soak.lua" "$base") 2>&1 | awk '
    /Requests\/sec/ {rps=$2}
    /^ +99%/ {v=$2; if (v ~ /us$/) {sub(/us/,"",v); v/=1000} else if (v ~ /ms$/) {sub(/ms/,"",v)} else if (v ~ /s$/) {sub(/s/,"",v); v*=1000}; p99=v}
    /Non-2xx/ {bad=$NF}
    END {printf "%s %s %s\n", rps, p99, (bad==""?0:bad)}'
}

# One customer's signature, the salesperson's, and the endpoints of the mix.
cs=$(sed -n 's/^customer_sigs = {"\([^"]*\)".*/\1/p' "$tmp/env.lua")
es=$(sed -n 's/^employee_sig = "\(.*\)"$/\1/p' "$tmp/env.lua")
uid=$(sed -n 's/^uid = "\(.*\)"$/\1/p' "$tmp/env.lua")
probe() { # "label" → one line per endpoint: req/s path
  [ "${PROBE:-0}" = 1 ] || return 0
  echo "endpoints alone, $1:"
  for p in "/zhugeleida/xiaochengxu/mingpian?$cs&uid=$uid" "/zhugeleida/xiaochengxu/chat/getmsg/0?$cs&u_id=$uid" \
           "/zhugeleida/xiaochengxu/mingpian/all?$cs" "/zhugeleida/xiaochengxu/product/product_list?$cs&uid=$uid" \
           "/zhugeleida/xiaochengxu/chat?$cs&u_id=$uid" "/zhugeleida/qiyeweixin/user?$es" "/healthz"; do
    printf '  %10s  %s\n' "$(wrk -t2 -c16 -d4s "$base$p" 2>&1 | awk '/Requests\/sec/ {print $2}')" "${p%%\?*}"
  done
}
probe "before the soak" >"$tmp/probe.txt"

rss_start=$(rss)
read -r a_rps a_p99 a_bad < <(run "$slice")
rss_first=$(rss)
read -r m_rps m_p99 m_bad < <(run $(( secs - 2 * slice )))
read -r z_rps z_p99 z_bad < <(run "$slice")
rss_end=$(rss)
peak=$(awk '/VmHWM/ {print $2}' "/proc/$server/status")
rows=$(sqlite3 "$ROCKET_DB_PATH" "SELECT (SELECT count(*) FROM zl_radar) || ' radar rows, ' || (SELECT count(*) FROM zl_chat) || ' chat rows'" 2>/dev/null || echo "?")

printf '%-22s %10s %10s %8s\n' phase req/s p99_ms non2xx
printf '%-22s %10s %10s %8s\n' "first ${slice}s" "$a_rps" "$a_p99" "$a_bad"
printf '%-22s %10s %10s %8s\n' "middle $(( secs - 2 * slice ))s" "$m_rps" "$m_p99" "$m_bad"
printf '%-22s %10s %10s %8s\n' "last ${slice}s" "$z_rps" "$z_p99" "$z_bad"
echo "RSS: before load $((rss_start / 1024)) MB, after first slice $((rss_first / 1024)) MB, end $((rss_end / 1024)) MB, peak $((peak / 1024)) MB"
echo "database after the run: $rows, $(du -h "$ROCKET_DB_PATH" | cut -f1) (+ WAL $(du -h "$ROCKET_DB_PATH-wal" 2>/dev/null | cut -f1))"
echo "RSS samples (KB, every 10 s): $(awk '{printf "%s ", $2}' "$tmp/rss.log")"
echo "at the end: $(tail -1 "$tmp/rss.log" | cut -d' ' -f3-)"
probe "after the soak" >>"$tmp/probe.txt"
cat "$tmp/probe.txt"
echo "database growth per card view:"
growth "without Work WeChat"
growth "with Work WeChat (config)" ROCKET_WORK_WECHAT_CORPID=soak-corp \
  ROCKET_WORK_WECHAT_SECRET=soak-secret ROCKET_WORK_WECHAT_AGENTID=1000002 \
  ROCKET_WORK_WECHAT_API=http://127.0.0.1:9
