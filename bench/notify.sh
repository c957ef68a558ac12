#!/usr/bin/env bash
# WeChat Pay notifies: a v3 notify verified (RSA-SHA256), decrypted (AES-256-GCM), checked and
# applied, against a v2 notify (XML, MD5) in the same run, each paying its own order through
# /api/pay/notify. Prints both medians and their ratio. Usage: bench/notify.sh [per version, default 2000]
set -euo pipefail
cd "$(dirname "$0")/.."
cargo run --release --quiet --example notify_bench -- "${1:-2000}"
