#!/usr/bin/env python3
"""Crash safety (bench/crash.sh runs this): concurrent writes against the release binary,
SIGKILL mid-load, restart, and check that every acknowledged write is in the database and
`PRAGMA integrity_check` is ok. Python standard library only.

Writes, each acknowledged only when the app answered its success code:
  - chat messages from a customer to the card owner (unique text)      -> zl_chat
  - consulting demands published by a buyer (unique title)             -> cs_post
  - new mini-program customers signing in (unique code)                -> zl_customer
  - card views (read + counter + radar row in one transaction)         -> zl_radar rows
Usage: crash.py BIN [--rounds N] [--workers N] [--seconds S]
"""
import argparse
import hashlib
import json
import os
import random
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Server:
    def __init__(self, binary, workdir):
        self.binary, self.workdir = binary, workdir
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.env = dict(os.environ,
                        ROCKET_PORT=str(self.port), ROCKET_ADDRESS="127.0.0.1",
                        ROCKET_LOG_LEVEL="off", ROCKET_CLI_COLORS="false",
                        ROCKET_DB_PATH=os.path.join(workdir, "leida.db"),
                        ROCKET_DATA_DIR=os.path.join(workdir, "files"),
                        ROCKET_PUBLIC_URL=self.base,
                        # Every customer signs in from 127.0.0.1 here: no per-address limit.
                        ROCKET_LOGIN_LIMIT_PER_ADDRESS="0")
        self.proc = None

    def start(self, demo):
        """Starts the server; returns the seconds until /healthz answers 200."""
        args = [self.binary] + (["demo"] if demo else [])
        log = open(os.path.join(self.workdir, "server.log"), "ab")
        started = time.monotonic()
        self.proc = subprocess.Popen(args, env=self.env, stdout=log, stderr=log)
        while time.monotonic() - started < 30:
            try:
                with urllib.request.urlopen(self.base + "/healthz", timeout=1) as r:
                    if r.status == 200:
                        return time.monotonic() - started
            except OSError:
                time.sleep(0.005)
        raise SystemExit("server did not come up; see " + log.name)

    def kill(self):
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait()

    @property
    def db_path(self):
        return self.env["ROCKET_DB_PATH"]


def call(base, path, body=None, token=None, timeout=10):
    req = urllib.request.Request(base + path, data=body)
    if body is not None:
        req.add_header("Content-Type", "application/x-www-form-urlencoded")
    if token:
        req.add_header("Authorization", "Bearer " + token)
    with urllib.request.urlopen(req, timeout=timeout) as r:
        return json.load(r)


def signature(uid, token):
    ts = str(int(time.time() * 1000))
    rand = hashlib.md5((ts + token).encode()).hexdigest()
    return f"user_id={uid}&timestamp={ts}&rand_str={rand}"


class Load:
    """The acknowledged writes of one round, by kind."""

    def __init__(self, base):
        self.base = base
        admin = call(base, "/zhugeleida/admin/login", b"username=boss&password=leida-demo")["data"]
        me = call(base, "/zhugeleida/xiaochengxu/login?code=crash-reader&user_type=2&source=1")["data"]
        self.uid, self.cid, self.ctoken = admin["user_id"], me["cid"], me["token"]
        bound = call(base, f"/zhugeleida/xiaochengxu/login/binding?{signature(self.cid, self.ctoken)}&uid={self.uid}&source=1")
        assert bound["code"] == 200, bound
        buyer = call(base, "/api/user/login", b"username=buyer&password=leida-demo")
        self.buyer = buyer["token"]
        self.lock = threading.Lock()
        self.acked = {"chat": set(), "post": set(), "customer": set(), "view": 0}
        self.errors = 0
        self.throttled = 0  # rate-limited answers: refusals, never acknowledged
        self.stop = threading.Event()

    def one(self, worker, n):
        tag = f"crash-{worker}-{n}-{random.randrange(1 << 30)}"
        kind = ("chat", "post", "customer", "view")[n % 4]
        sig = signature(self.cid, self.ctoken)
        if kind == "chat":
            content = urllib.parse.quote(json.dumps({"info_type": 1, "msg": tag}))
            r = call(self.base, f"/zhugeleida/xiaochengxu/chat/send_msg/0?{sig}",
                     f"u_id={self.uid}&content={content}".encode())
            ok, key = r["code"] == 200, tag
        elif kind == "post":
            body = urllib.parse.urlencode({"title": tag, "content": "crash test", "price": "1", "tag_id": "1"})
            r = call(self.base, "/api/user/post/publish", body.encode(), token=self.buyer)
            ok, key = r["code"] == 0, tag
        elif kind == "customer":
            r = call(self.base, f"/zhugeleida/xiaochengxu/login?code={tag}&user_type=2&source=1")
            ok, key = r["code"] == 200, r.get("data", {}).get("cid")
        else:
            r = call(self.base, f"/zhugeleida/xiaochengxu/mingpian?{sig}&uid={self.uid}")
            ok, key = r["code"] == 200, None
        if r["code"] == 429:
            with self.lock:
                self.throttled += 1
            return
        if not ok:
            raise RuntimeError(f"{kind} refused: {r}")
        with self.lock:
            if kind == "view":
                self.acked["view"] += 1
            else:
                self.acked[kind].add(key)

    def worker(self, worker):
        n = worker
        while not self.stop.is_set():
            try:
                self.one(worker, n)
            except RuntimeError as e:
                print("  refused:", e, file=sys.stderr)
                with self.lock:
                    self.errors += 1
            except OSError:
                return  # the server is gone: this write was never acknowledged
            n += 1


def verify(db_path, load, views_before):
    db = sqlite3.connect(db_path)
    integrity = db.execute("PRAGMA integrity_check").fetchone()[0]
    chats = {json.loads(c).get("msg") for (c,) in db.execute("SELECT content FROM zl_chat WHERE content LIKE '%crash-%'")}
    posts = {t for (t,) in db.execute("SELECT title FROM cs_post WHERE title LIKE 'crash-%'")}
    customers = {i for (i,) in db.execute("SELECT id FROM zl_customer")}
    views = db.execute("SELECT count(*) FROM zl_radar WHERE customer_id = ? AND action = 1", (load.cid,)).fetchone()[0]
    db.close()
    lost = {
        "chat": len(load.acked["chat"] - chats),
        "post": len(load.acked["post"] - posts),
        "customer": len(load.acked["customer"] - customers),
        # Every acknowledged view added one radar row; a view in flight may add one more.
        "view": max(0, load.acked["view"] - (views - views_before)),
    }
    return integrity, lost


def views_now(db_path, cid):
    db = sqlite3.connect(db_path)
    n = db.execute("SELECT count(*) FROM zl_radar WHERE customer_id = ? AND action = 1", (cid,)).fetchone()[0]
    db.close()
    return n


def round_(binary, workers, seconds):
    with tempfile.TemporaryDirectory() as tmp:
        server = Server(binary, tmp)
        try:
            server.start(demo=True)
            load = Load(server.base)
            before = views_now(server.db_path, load.cid)
            threads = [threading.Thread(target=load.worker, args=(w,)) for w in range(workers)]
            for t in threads:
                t.start()
            time.sleep(random.uniform(seconds / 2, seconds))
            server.kill()
            load.stop.set()
            for t in threads:
                t.join()
            restart = server.start(demo=False)
            integrity, lost = verify(server.db_path, load, before)
        finally:
            server.stop()
    acked = {k: (v if isinstance(v, int) else len(v)) for k, v in load.acked.items()}
    return acked, lost, integrity, restart, load.errors


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("binary")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--workers", type=int, default=16)
    ap.add_argument("--seconds", type=float, default=4.0, help="load lasts between S/2 and S before the kill")
    args = ap.parse_args()
    print(f"{'round':>5} {'acknowledged':>13} {'chat/post/customer/view':>24} {'lost':>5} {'integrity':>10} {'restart ms':>10}")
    total_acked = total_lost = 0
    restarts, bad = [], 0
    for i in range(1, args.rounds + 1):
        acked, lost, integrity, restart, errors = round_(args.binary, args.workers, args.seconds)
        n_acked, n_lost = sum(acked.values()), sum(lost.values())
        total_acked += n_acked
        total_lost += n_lost
        restarts.append(restart * 1000)
        bad += integrity != "ok" or errors > 0
        split = "/".join(str(acked[k]) for k in ("chat", "post", "customer", "view"))
        print(f"{i:>5} {n_acked:>13} {split:>24} {n_lost:>5} {integrity:>10} {restart * 1000:>10.0f}"
              + (f"  ({errors} refused)" if errors else ""))
    print(f"total: {total_acked} acknowledged, {total_lost} lost; restart {min(restarts):.0f}-{max(restarts):.0f} ms")
    sys.exit(1 if total_lost or bad else 0)


if __name__ == "__main__":
    main()
