#!/usr/bin/env bash
# What the console's live radar costs: server memory and CPU with no stream, then with N
# idle streams open (N tabs), and how long a card view takes to reach an open stream.
# Usage: bench/sse.sh [streams, default 200] [idle seconds per phase, default 10]
set -euo pipefail
cd "$(dirname "$0")/.."
streams=${1:-200}
secs=${2:-10}

cargo build --release --quiet
bin=$PWD/target/release/leida
tmp=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
export ROCKET_PORT=$port ROCKET_ADDRESS=127.0.0.1 ROCKET_LOG_LEVEL=off ROCKET_CLI_COLORS=false
export ROCKET_DB_PATH=$tmp/leida.db ROCKET_DATA_DIR=$tmp/files ROCKET_PUBLIC_URL=http://127.0.0.1:$port
"$bin" demo >"$tmp/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; rm -rf "$tmp"' EXIT
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
python3 bench/sse_cost.py "http://127.0.0.1:$port" "$server" "$streams" "$secs"
