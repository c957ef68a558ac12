#!/usr/bin/env bash
# Decompression bombs: eight concurrent uploads of a 13000×13000 PNG (about 0.5 MB on the
# wire, about 500 MB decoded) against the release binary on a demo database. Prints each
# answer and the server's peak RSS (VmHWM). Goal: every upload refused in the app's
# envelope and peak RSS under 150 MB. The bomb is written with Python's zlib (no PIL).
# Usage: bench/bombs.sh [uploads, default 8]
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-8}

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

python3 - "$base" "$server" "$n" "$tmp/bomb.png" <<'PY'
import hashlib, json, struct, sys, threading, time, urllib.request, zlib
base, pid, n, path = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]

def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

def bomb(side):
    """An RGB PNG of side×side black pixels, compressed row by row (never held decoded)."""
    z = zlib.compressobj(9)
    row = b"\0" * (1 + 3 * side)
    idat = b"".join(z.compress(row) for _ in range(side)) + z.flush()
    ihdr = struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")

png = bomb(13000)
open(path, "wb").write(png)
print(f"bomb: 13000x13000 RGB PNG, {len(png) / 1e6:.2f} MB on the wire, {13000 * 13000 * 3 / 1e6:.0f} MB decoded")

admin = json.load(urllib.request.urlopen(urllib.request.Request(
    base + "/zhugeleida/admin/login", data=b"username=boss&password=leida-demo")))["data"]

def signed(path):
    ts = str(int(time.time() * 1000))
    sig = hashlib.md5((ts + admin["token"]).encode()).hexdigest()
    return f"{base}{path}?user_id={admin['user_id']}&timestamp={ts}&rand_str={sig}"

def multipart(data):
    b = "bombboundary"
    head = (f"--{b}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.png\"\r\n"
            f"Content-Type: image/png\r\n\r\n").encode()
    return head + data + f"\r\n--{b}--\r\n".encode(), f"multipart/form-data; boundary={b}"

def rss(field):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith(field):
            return int(line.split()[1]) / 1024
    return 0.0

answers = [None] * n
def upload(i):
    body, ct = multipart(png)
    req = urllib.request.Request(signed("/zhugeleida/qiyeweixin/upload"), data=body,
                                 headers={"Content-Type": ct})
    started = time.time()
    answer = json.load(urllib.request.urlopen(req, timeout=120))
    answers[i] = (answer["code"], answer["msg"], time.time() - started)

before = rss("VmRSS")
threads = [threading.Thread(target=upload, args=(i,)) for i in range(n)]
for t in threads: t.start()
for t in threads: t.join()
for i, (code, msg, secs) in enumerate(answers):
    print(f"upload {i + 1}: code {code} in {secs:.2f}s: {msg}")
peak = rss("VmHWM")
print(f"RSS before: {before:.0f} MB, peak (VmHWM) during the run: {peak:.0f} MB  (goal < 150 MB)")
refused = all(code == 303 for code, _, _ in answers)
print("every upload refused in the envelope: " + ("yes" if refused else "NO"))
sys.exit(0 if refused and peak < 150 else 1)
PY
