#!/usr/bin/env bash
# Poster benchmark: cold poster (draw + PNG) CPU time and the cached lookup, against a
# baseline measured in the same run (the card's QR code encoded as a PNG alone).
# Usage: bench/poster.sh [cold iterations, default 40] [cached iterations, default 20000] [out.png]
# The example needs the `poster-bench` feature, so `cargo test` never builds it.
set -euo pipefail
cd "$(dirname "$0")/.."
export CLK_TCK=$(getconf CLK_TCK 2>/dev/null || echo 100)
exec cargo run --release --quiet --features poster-bench --example poster_bench -- "$@"
