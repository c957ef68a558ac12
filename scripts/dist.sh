#!/usr/bin/env bash
# Builds the release artifact that runs on the VPSes small firms rent (CentOS 7, Alibaba
# Cloud Linux 2/3, Ubuntu 18.04+, Debian 9+): dist/leida-<version>-x86_64-linux and its
# .sha256. It links against glibc 2.17 through cargo-zigbuild (zig as the C toolchain and
# linker, for SQLite, ring and the libc symbols), checks that no symbol needs a newer glibc,
# then starts the artifact on a temporary database and asks /healthz. docs/operating.md says
# why glibc 2.17 rather than a static musl build.
#
#   scripts/dist.sh            build, check, smoke-run
#   DIST_TARGET_DIR=...        where cargo builds (default target/dist)
set -euo pipefail
cd "$(dirname "$0")/.."

GLIBC=2.17
TRIPLE=x86_64-unknown-linux-gnu
TARGET_DIR=${DIST_TARGET_DIR:-target/dist}
TOOLS=${DIST_TOOLS:-target/dist-tools}

say() { printf '\033[1mdist:\033[0m %s\n' "$*"; }

# What a fresh machine lacks, installed here: zig and cargo-zigbuild from the Python
# registry (prebuilt wheels; no network at build time beyond the registries), objdump.
if ! command -v objdump >/dev/null; then
  say "installing binutils (objdump)"
  apt-get update -qq && apt-get install -y -qq binutils >/dev/null
fi
if [ ! -x "$TOOLS/bin/cargo-zigbuild" ]; then
  say "installing ziglang and cargo-zigbuild into $TOOLS"
  python3 -m venv "$TOOLS"
  "$TOOLS/bin/pip" install -q ziglang cargo-zigbuild
fi
export PATH="$PWD/$TOOLS/bin:$PATH"
rustup target list --installed 2>/dev/null | grep -qx "$TRIPLE" || rustup target add "$TRIPLE"

version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)
say "building leida $version for $TRIPLE with glibc $GLIBC"
cargo zigbuild --release --locked --target "$TRIPLE.$GLIBC" --target-dir "$TARGET_DIR" --bin leida

mkdir -p dist
artifact="dist/leida-$version-x86_64-linux"
cp "$TARGET_DIR/$TRIPLE/release/leida" "$artifact"
(cd dist && sha256sum "$(basename "$artifact")" > "$(basename "$artifact").sha256")

# The newest glibc symbol version the binary asks for must be at most 2.17.
newest=$(objdump -T "$artifact" | grep -o 'GLIBC_[0-9.]*' | sed 's/GLIBC_//' | sort -uV | tail -n 1)
if [ "$(printf '%s\n%s\n' "$newest" "$GLIBC" | sort -V | tail -n 1)" != "$GLIBC" ]; then
  say "FAIL: $artifact needs GLIBC_$newest (at most $GLIBC allowed):"
  objdump -T "$artifact" | grep "GLIBC_$newest" | head
  exit 1
fi
say "newest glibc symbol: GLIBC_$newest"

"$artifact" --version | grep -q "^leida $version" || { say "FAIL: --version"; exit 1; }

work=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cleanup() { [ -n "${pid:-}" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
ROCKET_PORT=$port ROCKET_DB_PATH=$work/leida.db ROCKET_DATA_DIR=$work/files \
  ROCKET_PUBLIC_URL=http://127.0.0.1:$port "$artifact" >"$work/server.log" 2>&1 &
pid=$!
healthy=""
for _ in $(seq 100); do
  if python3 -c "import urllib.request,sys; urllib.request.urlopen('http://127.0.0.1:$port/healthz', timeout=1)" 2>/dev/null; then
    healthy=1; break
  fi
  sleep 0.1
done
[ -n "$healthy" ] || { say "FAIL: /healthz did not answer"; cat "$work/server.log"; exit 1; }
say "ok: $artifact ($(du -h "$artifact" | cut -f1)), $(cat "$artifact.sha256" | cut -c1-16)…"
