#!/usr/bin/env bash
# The server's benchmark (called by scripts/bench.sh serve|full, or alone): wrk on loopback against
# POST /webhook/generic with durable accept, on this machine's cores (wrk included), then the figures the issue
# asks for: accepted events/s and latency percentiles (median of RUNS runs), every 2xx stored exactly once
# (counted in the store after each run), the machine's fsync latency, a 50 MiB body's 413 and the server's RSS
# growth, and kill -9 mid-load losing nothing that was answered 2xx.
# Usage: bash scripts/bench-serve.sh PATH-TO-sdetkit [WORK-DIR]
#   env: RUNS (3), DURATION (30s), CONNECTIONS (64), THREADS (1: one wrk thread drives 64 connections and leaves the other core to the server), LOG_LEVEL (info: one JSON line per request)
# Needs: wrk (apt-get install -y wrk), python3, git.
set -euo pipefail
sk=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
work=${2:-/tmp/sdetkit-bench}/serve
runs=${RUNS:-3} duration=${DURATION:-30s} conns=${CONNECTIONS:-64} threads=${THREADS:-1} level=${LOG_LEVEL:-info}
command -v wrk >/dev/null || { echo "bench-serve: needs wrk (apt-get install -y wrk)" >&2; exit 2; }
rm -rf "$work" && mkdir -p "$work"
export SDETKIT_SERVE_TOKEN=bench-token-0123456789
export GIT_CONFIG_GLOBAL=/dev/null GIT_AUTHOR_NAME=b GIT_AUTHOR_EMAIL=b@example.com GIT_COMMITTER_NAME=b GIT_COMMITTER_EMAIL=b@example.com

cat > "$work/post.lua" <<'LUA'
-- One event per request, each with its own Idempotency-Key (so every 2xx must be one stored row).
local threads = {}
local counter = 0
function setup(thread)
  counter = counter + 1
  thread:set("tid", counter)
  table.insert(threads, thread)
end
function init(args)
  n = 0
  ok = 0
  bad = 0
  prefix = os.getenv("BENCH_KEY_PREFIX") or "b"
  body = '{"channel":"bench","user_id":"wrk","text":"benchmark event","metadata":{"source":"wrk"}}'
  headers = { ["Authorization"] = "Bearer " .. os.getenv("SDETKIT_SERVE_TOKEN"), ["Content-Type"] = "application/json" }
end
function request()
  n = n + 1
  headers["Idempotency-Key"] = prefix .. "-" .. tid .. "-" .. n
  return wrk.format("POST", "/webhook/generic", headers, body)
end
function response(status, hdrs, b)
  if status >= 200 and status < 300 then ok = ok + 1 else bad = bad + 1 end
end
function done(summary, latency, requests)
  local oks, bads = 0, 0
  for _, t in ipairs(threads) do
    oks = oks + t:get("ok")
    bads = bads + t:get("bad")
  end
  io.write(string.format('BENCH {"ok":%d,"bad":%d,"errors":%d,"seconds":%.3f,"p50_ms":%.3f,"p90_ms":%.3f,"p99_ms":%.3f,"max_ms":%.3f}\n',
    oks, bads, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.duration / 1e6, latency:percentile(50) / 1e3, latency:percentile(90) / 1e3, latency:percentile(99) / 1e3,
    latency.max / 1e3))
end
LUA

new_repo() {
  rm -rf "$1" && mkdir -p "$1" && git -C "$1" init -q -b main && echo "# bench" > "$1/README.md" \
    && git -C "$1" add -A && git -C "$1" commit -qm init
  (cd "$1" && "$sk" agent init >/dev/null)
  printf 'version: 1\nserve:\n  rate_limit:\n    tokens: 100000000\n    refill_per_second: 100000000\n' > "$1/.sdetkit/agent/config.yaml"
}
start() { # repo -> sets pid, port
  (cd "$1" && exec "$sk" agent serve --port 0 --log-level "$level" > "$1/serve.out" 2> "$1/serve.err") &
  pid=$!
  for _ in $(seq 100); do [ -s "$1/serve.out" ] && break; sleep 0.05; done
  port=$(python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())["port"])' "$1/serve.out")
}
stored() { # repo prefix -> "rows distinct_keys"
  python3 - "$1/.sdetkit/agent/serve.sqlite" "$2" <<'PY'
import sqlite3, sys
c = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True, timeout=30)
rows, keys = c.execute("SELECT count(*), count(DISTINCT external_id) FROM events WHERE channel='bench' AND external_id LIKE ?",
                       (sys.argv[2] + "-%",)).fetchone()
print(rows, keys)
PY
}
rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }

# The machine's fsync latency: 4 KiB appended and fsync'd, 200 times, in the benchmark's directory.
fsync_ms=$(python3 - "$work" <<'PY'
import os, statistics, sys, time
p = os.path.join(sys.argv[1], "fsync.probe"); fd = os.open(p, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600); t = []
for _ in range(200):
    os.write(fd, b"x" * 4096); s = time.perf_counter(); os.fsync(fd); t.append((time.perf_counter() - s) * 1000)
os.close(fd); os.unlink(p); t.sort()
print("%.3f %.3f" % (statistics.median(t), t[int(len(t) * 0.99) - 1]))
PY
)
printf '%-58s %10s ms  (p99 %s ms)\n' "fsync of a 4 KiB append (median of 200)" ${fsync_ms}

# Throughput and latency: RUNS fresh servers, each loaded for DURATION.
results=()
for r in $(seq "$runs"); do
  repo="$work/run$r"
  new_repo "$repo"
  start "$repo"
  export BENCH_KEY_PREFIX="r$r"
  line=$(wrk -t"$threads" -c"$conns" -d"$duration" -s "$work/post.lua" "http://127.0.0.1:$port" | grep '^BENCH ' | cut -c7-)
  sleep 1
  read -r rows keys < <(stored "$repo" "r$r")
  kill -TERM "$pid"; wait "$pid" || true
  results+=("$(python3 -c 'import json,sys; d=json.loads(sys.argv[1]); d["rows"]=int(sys.argv[2]); d["keys"]=int(sys.argv[3]); print(json.dumps(d))' "$line" "$rows" "$keys")")
  echo "  run $r: ${results[-1]}" >&2
done
python3 - "$conns" "${results[@]}" <<'PY'
import json, statistics, sys
conns = int(sys.argv[1]); rs = [json.loads(a) for a in sys.argv[2:]]
med = lambda k: statistics.median(r[k] for r in rs)
rate = statistics.median(r["ok"] / r["seconds"] for r in rs)
print("%-58s %10.0f /s" % (f"POST /webhook/generic, durable accept, {conns} connections", rate))
for k in ("p50_ms", "p90_ms", "p99_ms"):
    print("%-58s %10.2f ms" % (f"  latency {k[:-3]}", med(k)))
# Exactly once: no key stored twice; every 2xx stored; at most the requests still in flight when wrk stopped
# (sent, committed, never answered to wrk) stored beyond the 2xx count.
once = all(r["rows"] == r["keys"] and r["ok"] <= r["rows"] <= r["ok"] + conns for r in rs)
print("%-58s %10s" % ("  every 2xx stored exactly once (all runs)", "yes" if once else "NO"))
print("%-58s %10s" % ("  non-2xx answers, socket errors (all runs)", "%d, %d" % (sum(r["bad"] for r in rs), sum(r["errors"] for r in rs))))
if not once:
    print("bench-serve: " + json.dumps(rs), file=sys.stderr); sys.exit(1)
PY

# A 50 MiB body on an idle server: 413 decided from Content-Length, RSS growth (first and fifth attempt).
repo="$work/big"
new_repo "$repo"
start "$repo"
python3 - "$port" "$pid" <<'PY'
import socket, sys, time
port, pid = int(sys.argv[1]), sys.argv[2]
def rss():
    return next(int(l.split()[1]) for l in open(f"/proc/{pid}/status") if l.startswith("VmRSS:"))
def attempt():
    s = socket.create_connection(("127.0.0.1", port), timeout=10); got = b""
    s.sendall(("POST /webhook/generic HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer bench-token-0123456789\r\n"
               f"Content-Type: application/json\r\nContent-Length: {50 << 20}\r\n\r\n").encode())
    try:
        for _ in range(800): s.sendall(b"x" * 65536)
    except OSError: pass
    try:
        s.settimeout(5)
        while b"\r\n\r\n" not in got:
            part = s.recv(65536)
            if not part: break
            got += part
    except OSError: pass
    s.close(); time.sleep(0.5)
    return got.split(b" ", 2)[1].decode() if got.startswith(b"HTTP/") else "closed"
base = rss(); first = attempt(); after1 = rss()
for _ in range(4): last = attempt()
after5 = rss()
print("%-58s %10s    (RSS +%.1f MiB after one, +%.1f MiB after five; base %.1f MiB)"
      % ("50 MiB body: answer", first + "/" + last, (after1 - base) / 1024, (after5 - base) / 1024, base / 1024))
PY
kill -TERM "$pid"; wait "$pid" || true

# kill -9 mid-load: every event answered 2xx is in the store after a restart.
repo="$work/k9"
new_repo "$repo"
start "$repo"
export BENCH_KEY_PREFIX=k9
( sleep 5; kill -KILL "$pid" ) &
line=$(wrk -t"$threads" -c"$conns" -d10s -s "$work/post.lua" "http://127.0.0.1:$port" 2>/dev/null | grep '^BENCH ' | cut -c7- || true)
wait "$pid" 2>/dev/null || true
start "$repo"
read -r rows keys < <(stored "$repo" k9)
kill -TERM "$pid"; wait "$pid" || true
ok=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["ok"])' "$line")
verdict=$([ "$rows" -ge "$ok" ] && [ "$rows" = "$keys" ] && echo "nothing lost" || echo "LOST $((ok - rows))")
printf '%-58s %10s    (%s answered 2xx, %s stored)\n' "kill -9 after 5 s of load, restart" "$verdict" "$ok" "$rows"
