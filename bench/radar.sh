#!/usr/bin/env bash
# Radar at scale: 1M radar events for 50 salespeople in a temporary database; times
# action/time, action/customer and action/count for a typical and a heavy salesperson (the
# query alone, and the whole signed request) against a primary-key lookup and /healthz
# measured in the same run. Usage: bench/radar.sh [events, default 1000000] [iterations, default 300]
set -euo pipefail
cd "$(dirname "$0")/.."
cargo run --release --quiet --example radar_bench -- "${1:-1000000}" "${2:-300}"
