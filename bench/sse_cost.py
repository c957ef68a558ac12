"""Measures the radar stream's cost on a running server. Args: BASE PID STREAMS SECONDS."""

import hashlib
import json
import os
import socket
import sys
import time
import urllib.parse
import urllib.request

BASE, PID, STREAMS, SECS = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
TICKS = os.sysconf("SC_CLK_TCK")


def api(path, data=None):
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    with urllib.request.urlopen(BASE + path, data=body, timeout=10) as r:
        return json.load(r)


def signed(user_id, token):
    ts = str(int(time.time() * 1000))
    return f"user_id={user_id}&timestamp={ts}&rand_str={hashlib.md5((ts + token).encode()).hexdigest()}"


def rss_kb():
    with open(f"/proc/{PID}/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))


def cpu_ticks():
    with open(f"/proc/{PID}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime


def idle_phase():
    start = cpu_ticks()
    time.sleep(SECS)
    return (cpu_ticks() - start) / TICKS / SECS * 100, rss_kb()


def open_stream(query):
    host, port = BASE[len("http://"):].split(":")
    s = socket.create_connection((host, int(port)))
    s.sendall(f"GET /zhugeleida/qiyeweixin/action/stream?{query} HTTP/1.1\r\nHost: {host}\r\n"
              "Accept: text/event-stream\r\n\r\n".encode())
    head = b""
    while b"\r\n\r\n" not in head:
        head += s.recv(1024)
    assert b"text/event-stream" in head, head
    return s


boss = api("/zhugeleida/admin/login", {"username": "boss", "password": "leida-demo"})["data"]
customer = api("/zhugeleida/xiaochengxu/login?code=bench-sse&user_type=2&source=1")["data"]

cpu0, rss0 = idle_phase()
socks = [open_stream(signed(boss["user_id"], boss["token"])) for _ in range(STREAMS)]
time.sleep(1)
rss_open = rss_kb()
cpu1, rss1 = idle_phase()

# Latency: a card view until the first open stream has the event.
probe = socks[0]
probe.settimeout(5)
latencies = []
for _ in range(20):
    while True:  # drain what is pending
        probe.setblocking(False)
        try:
            if not probe.recv(65536):
                break
        except BlockingIOError:
            break
    probe.setblocking(True)
    probe.settimeout(5)
    start = time.time()
    api(f"/zhugeleida/xiaochengxu/mingpian?uid={boss['user_id']}&{signed(customer['cid'], customer['token'])}")
    got = b""
    while b"data:" not in got:
        got += probe.recv(65536)
    latencies.append((time.time() - start) * 1000)
    time.sleep(0.1)
for s in socks:
    s.close()
time.sleep(1)

latencies.sort()
print(f"| open streams | server CPU (% of one core, idle {SECS:.0f} s) | server RSS |")
print("|---|---|---|")
print(f"| 0 | {cpu0:.2f} % | {rss0 / 1024:.1f} MB |")
print(f"| {STREAMS} | {cpu1:.2f} % | {rss1 / 1024:.1f} MB "
      f"(+{(rss_open - rss0) / STREAMS:.1f} KB per stream) |")
print()
print(f"card view → event on an open stream (20 views, {STREAMS} streams open): "
      f"median {latencies[len(latencies) // 2]:.0f} ms, max {latencies[-1]:.0f} ms")
