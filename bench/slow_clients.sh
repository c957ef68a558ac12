#!/usr/bin/env bash
# Slow clients: N connections that send half a request and never finish it, against the
# release binary started with a soft open-files limit of 1024 (systemd's default) and a
# hard limit of HARD. Prints whether /healthz still answers, the server's descriptors and
# RSS. Rocket 0.5 has no header timeout and no connection cap, so the binary can only raise
# its soft limit to the hard one; the proxy in front must time such clients out (README).
# Usage: bench/slow_clients.sh [N, default 15000] [HARD, default: this shell's hard limit]
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-15000}
hard=${2:-$(ulimit -Hn)}

cargo build --release --quiet
bin=$PWD/target/release/leida
tmp=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
export ROCKET_PORT=$port ROCKET_ADDRESS=127.0.0.1 ROCKET_LOG_LEVEL=off ROCKET_CLI_COLORS=false
export ROCKET_DB_PATH=$tmp/leida.db ROCKET_DATA_DIR=$tmp/files
(ulimit -Sn 1024; ulimit -Hn "$hard"; exec "$bin") >"$tmp/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; rm -rf "$tmp"' EXIT
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
echo "server: $(grep 'open files' /proc/$server/limits)"

python3 - "$port" "$n" "$server" <<'PY'
import os, socket, subprocess, sys, time
port, n, pid = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
socks = []
for i in range(n):
    s = socket.socket()
    s.settimeout(3)
    try:
        s.connect(("127.0.0.1", port))
        s.send(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
    except OSError as e:
        print(f"connection {i + 1} failed: {e}")
        break
    socks.append(s)
time.sleep(2)
started = time.time()
answer = subprocess.run(["curl", "-s", "-m", "5", "-o", "/dev/null", "-w", "%{http_code}",
                         f"http://127.0.0.1:{port}/healthz"], capture_output=True, text=True).stdout
took = time.time() - started
fds = len(os.listdir(f"/proc/{pid}/fd"))
rss = next(l.split()[1] for l in open(f"/proc/{pid}/status") if l.startswith("VmRSS"))
print(f"{len(socks)} half-sent requests open: /healthz -> {answer if answer != '000' else 'no answer'} "
      f"in {took:.2f}s; server holds {fds} descriptors, RSS {int(rss) // 1024} MB")
sys.exit(0 if answer == "200" else 1)
PY
