#!/usr/bin/env bash
# The console in headless Chromium against `leida demo` on a fresh database.
# SHOTS=docs tests/browser/run.sh refreshes the screenshots in docs/ (README and docs/zhuge.md).
set -euo pipefail
cd "$(dirname "$0")/../.."

BROWSER=$(command -v chromium || command -v chromium-browser || true)
[ -n "$BROWSER" ] || { echo "chromium is required (apt-get install chromium)"; exit 1; }
# LEIDA_BIN runs another build (for example one with a branch merged in).
LEIDA_BIN=${LEIDA_BIN:-}
if [ -z "$LEIDA_BIN" ]; then
  cargo build --quiet --bin leida
  LEIDA_BIN=target/debug/leida
fi

WORK=$(mktemp -d)
SHOTS=${SHOTS:-$WORK/shots}
mkdir -p "$SHOTS"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
PORT=$(free_port)
DEVTOOLS=$(free_port)

cleanup() {
  [ -n "${BROWSER_PID:-}" ] && kill "$BROWSER_PID" 2>/dev/null || true
  [ -n "${SERVER_PID:-}" ] && kill "$SERVER_PID" 2>/dev/null || true
  [ -n "${SETUP_PID:-}" ] && kill "$SETUP_PID" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

ROCKET_PORT=$PORT ROCKET_DB_PATH=$WORK/leida.db ROCKET_DATA_DIR=$WORK/files \
  ROCKET_PUBLIC_URL=http://127.0.0.1:$PORT ROCKET_LOG_LEVEL=critical \
  "$LEIDA_BIN" demo >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 100); do
  curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break
  sleep 0.1
done

"$BROWSER" --headless --no-sandbox --disable-gpu --disable-dev-shm-usage --no-first-run \
  --user-data-dir="$WORK/profile" --remote-debugging-port="$DEVTOOLS" \
  --lang=zh-CN about:blank >"$WORK/browser.log" 2>&1 &
BROWSER_PID=$!

# The first run: a second server on an empty database prints its one-time setup link.
SETUP_PORT=$(free_port)
ROCKET_PORT=$SETUP_PORT ROCKET_DB_PATH=$WORK/fresh.db ROCKET_DATA_DIR=$WORK/fresh-files \
  ROCKET_PUBLIC_URL=http://127.0.0.1:$SETUP_PORT ROCKET_LOG_LEVEL=critical \
  "$LEIDA_BIN" >"$WORK/setup-server.log" 2>&1 &
SETUP_PID=$!
LINK=""
for _ in $(seq 100); do
  LINK=$(grep -o "http://127.0.0.1:$SETUP_PORT/console/#/setup?token=[0-9a-f]*" "$WORK/setup-server.log" || true)
  [ -n "$LINK" ] && curl -sf "http://127.0.0.1:$SETUP_PORT/healthz" >/dev/null 2>&1 && break
  sleep 0.1
done
[ -n "$LINK" ] || { echo "the fresh server printed no setup link"; cat "$WORK/setup-server.log"; exit 1; }

echo "browser test: first run at $LINK"
python3 tests/browser/setup_test.py "http://127.0.0.1:$SETUP_PORT" "$DEVTOOLS" "$LINK" "$SHOTS" || {
  echo "--- setup server log"; tail -20 "$WORK/setup-server.log"; exit 1; }
kill "$SETUP_PID" 2>/dev/null || true

echo "browser test: console at http://127.0.0.1:$PORT/console/"
python3 tests/browser/console_test.py "http://127.0.0.1:$PORT" "$DEVTOOLS" "$SHOTS" || {
  echo "--- server log"; tail -20 "$WORK/server.log"; exit 1; }
