#!/usr/bin/env bash
# Crash safety: concurrent writes (chat messages, consulting demands, customer sign-ins,
# card views) against the release binary, `kill -9` mid-load, restart, then every write
# the server acknowledged must be in the database and `PRAGMA integrity_check` must be ok.
# Prints one line per round (acknowledged, lost, restart time); exits 1 if anything was
# lost. Usage: bench/crash.sh [rounds, default 5] [workers, default 16]   (not run by CI)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
exec python3 bench/crash.py "$PWD/target/release/leida" --rounds "${1:-5}" --workers "${2:-16}"
