#!/usr/bin/env bash
# Benchmarks (release build). Prints medians of several runs for the figures the issues ask for.
# Usage: bash scripts/bench.sh [quick|full|serve]
#   quick: CLI, history, dashboards, audit and demo;  full: quick + 1M-run dashboards, the 100k-file/1 GB audit and
#   the server;  serve: only the server (scripts/bench-serve.sh: wrk, 30 s x 3 at 64 connections, durable accept)
# Needs: hyperfine (apt-get install hyperfine), git, python3. Scratch data goes to ${BENCH_DIR:-/tmp/sdetkit-bench}.
set -euo pipefail
mode=${1:-quick}
here=$(cd "$(dirname "$0")/.." && pwd)
work=${BENCH_DIR:-/tmp/sdetkit-bench}
case "$mode" in quick|full|serve) ;; *) echo "bench: unknown mode '$mode' (quick, full or serve)" >&2; exit 2 ;; esac
command -v hyperfine >/dev/null || { echo "bench: needs hyperfine (apt-get install -y hyperfine)" >&2; exit 2; }
bash "$here/scripts/install-deps.sh"
swift build -c release --static-swift-stdlib --package-path "$here" --product sdetkit >&2
swift build -c release --static-swift-stdlib --package-path "$here" --product sdetkit-bench >&2
bin=$(swift build -c release --static-swift-stdlib --package-path "$here" --show-bin-path)
sk="$bin/sdetkit"
rm -rf "$work" && mkdir -p "$work"
export GIT_CONFIG_GLOBAL=/dev/null GIT_AUTHOR_NAME=b GIT_AUTHOR_EMAIL=b@example.com GIT_COMMITTER_NAME=b GIT_COMMITTER_EMAIL=b@example.com

median() { # hyperfine JSON -> median ms
  python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["results"][0]; print("%.1f" % (r["median"]*1000))' "$1"
}
bench() { # name runs command...
  local name=$1 runs=$2; shift 2
  hyperfine -N --warmup 2 --runs "$runs" --export-json "$work/h.json" "$@" >/dev/null 2>&1
  printf '%-58s %10s ms\n' "$name" "$(median "$work/h.json")"
}
bench_cpu() { # name runs command...: the wall median and the mean CPU time (user + system) beside it
  local name=$1 runs=$2; shift 2
  hyperfine -N --warmup 2 --runs "$runs" --export-json "$work/h.json" "$@" >/dev/null 2>&1
  printf '%-58s %10s ms  (cpu %s ms)\n' "$name" "$(median "$work/h.json")" \
    "$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["results"][0]; print("%.1f" % ((r["user"]+r["system"])*1000))' "$work/h.json")"
}
rss() { # command... -> peak RSS in MB
  /usr/bin/time -f '%M' "$@" 2>&1 >/dev/null | tail -1 | awk '{printf "%.1f", $1/1024}'
}
new_repo() {
  rm -rf "$1" && mkdir -p "$1" && git -C "$1" init -q -b main && echo "# bench" > "$1/README.md" \
    && git -C "$1" add -A && git -C "$1" commit -qm init
}

if [ "$mode" = serve ]; then
  echo "sdetkit server benchmark on $(nproc) cores (wrk included)"
  exec bash "$here/scripts/bench-serve.sh" "$sk" "$work"
fi
echo "sdetkit benchmarks ($mode) on $(nproc) cores; medians of hyperfine runs"
echo
# The machine's own process-start cost, for reading the figures below: on the 2-core VM these were taken on,
# it moves between ~0.5 and ~0.8 ms over minutes, and every start-up-bound figure moves with it.
bench "process start floor (/bin/true)" 200 "/bin/true"
small="$work/small"; new_repo "$small"; (cd "$small" && "$sk" agent init >/dev/null)
cd "$small"
bench "sdetkit agent --help" 30 "$sk agent --help"
bench "agent run (one fs.write action, durable)" 30 "$sk agent run 'action fs.write {\"path\":\".sdetkit/agent/workdir/b.txt\",\"content\":\"x\"}'"
# One shell.run of /bin/true, with and without the Landlock sandbox (launched through sdetkit-sandbox).
for mode_ in landlock off; do
  sb="$work/shell-$mode_"; new_repo "$sb"; (cd "$sb" && "$sk" agent init >/dev/null)
  printf 'version: 1\nsafety:\n  shell_allowlist: ["true"]\n  sandbox: %s\n' "$mode_" > "$sb/.sdetkit/agent/config.yaml"
  (cd "$sb" && bench "agent run (one shell.run 'true', sandbox $mode_)" 30 "$sk agent run --approve 'action shell.run {\"cmd\":\"true\"}'")
done

for n in 10000 100000; do
  h="$work/h$n"; new_repo "$h"
  "$bin/sdetkit-bench" history "$h" "$n" >/dev/null
  hd="$work/hd$n"; new_repo "$hd"
  "$bin/sdetkit-bench" history "$hd" "$n" --distinct >/dev/null
  cd "$h"; "$sk" agent history list --limit 1 >/dev/null
  bench "history list --limit 10 @ $n runs" 20 "$sk agent history list --limit 10"
  bench "history export --format csv @ $n runs" 5 "$sk agent history export --format csv --output $work/out.csv"
  printf '%-58s %10s MB\n' "history export peak RSS @ $n runs" "$(rss "$sk" agent history export --format csv --output "$work/out.csv")"
  cd "$hd"; "$sk" agent history list --limit 1 >/dev/null
  hyperfine -N --warmup 1 --runs 5 --export-json "$work/h.json" "$sk agent history verify" >/dev/null 2>&1
  ms=$(median "$work/h.json")
  printf '%-58s %10s ms  (%s records/s)\n' "history verify @ $n distinct records" "$ms" "$(python3 -c "print(int($n/($ms/1000)))")"
  cd "$h"
  for f in json md html csv; do
    bench "dashboard build --format $f @ $n runs" 5 "$sk agent dashboard build --format $f --output $work/dash.$f"
  done
done

if [ "$mode" = full ]; then
  h="$work/h1m"; new_repo "$h"
  "$bin/sdetkit-bench" history "$h" 1000000 >/dev/null
  cd "$h"; "$sk" agent history list --limit 1 >/dev/null
  for f in json md html csv; do
    bench "dashboard build --format $f @ 1000000 runs" 3 "$sk agent dashboard build --format $f --output $work/dash.$f"
  done
  printf '%-58s %10s MB\n' "dashboard build --format csv peak RSS @ 1M runs" "$(rss "$sk" agent dashboard build --format csv --output "$work/dash.csv")"
fi

# Audit and demo on a fresh clone of a public ~4,000-file Python project (ansible-core 2.16.0 from its PyPI
# sdist: 4,852 files, 37 MB), or on a synthetic 4,000-file tree when PyPI cannot be reached; and on 3 files.
# The demo exits 1 on ansible-core (its test fixtures hold private keys, so the release gate fails): -i.
mid="$work/r4000"; label="synthetic 4000 files"
rm -rf "$mid" "$work/pypi" && mkdir -p "$work/pypi"
if pip download -q --no-deps --no-binary :all: ansible-core==2.16.0 -d "$work/pypi" >/dev/null 2>&1; then
  tar xzf "$work/pypi"/ansible-core-2.16.0.tar.gz -C "$work/pypi"
  src="$work/pypi/ansible-core-2.16.0"
  git -C "$src" init -q -b main && git -C "$src" add -A && git -C "$src" commit -qm import
  git clone -q "$src" "$mid"; label="ansible-core 2.16.0 clone, $(git -C "$mid" ls-files | wc -l) files"
else
  python3 "$here/scripts/make-synthetic-repo.py" "$mid" --files 4000 --total-mb 40 >/dev/null
fi
cd "$mid"
bench "agent audit @ $label" 5 "$sk agent audit --output $work/audit.json"
bench_cpu "agent demo @ $label" 5 -i --prepare "rm -rf $mid/.sdetkit" "$sk agent demo"
# The same tree with the Python sdetkit's 18 templates in templates/automations (two replace shipped ones the
# demo runs: repo-health-audit and security-governance-summary). Target: 300 ms.
py="$work/r4000py"; rm -rf "$py"; git clone -q "$mid" "$py"; mkdir -p "$py/templates/automations"
find "$here/Tests/Fixtures/python-sdetkit-1.2.0/templates" -name '*.yaml' ! -name enterprise-followup-pass-handoff.yaml \
  -exec cp {} "$py/templates/automations/" \;
git -C "$py" add -A && git -C "$py" commit -qm "python templates"
cd "$py"
bench_cpu "agent demo @ $label + Python templates" 5 -i --prepare "rm -rf $py/.sdetkit" "$sk agent demo"
three="$work/r3"; new_repo "$three"; echo "MIT" > "$three/LICENSE"; echo "x" > "$three/main.py"
git -C "$three" add -A && git -C "$three" commit -qm three
cd "$three"
bench_cpu "agent demo @ 3 files" 10 --prepare "rm -rf $three/.sdetkit" "$sk agent demo"

if [ "$mode" = full ]; then
  big="$work/r100k"
  python3 "$here/scripts/make-synthetic-repo.py" "$big" --files 100000 --total-mb 1024 >/dev/null
  cd "$big"
  mb=$(du -sm --exclude=.git . | cut -f1)
  hyperfine -N --warmup 1 --runs 3 --export-json "$work/h.json" "$sk agent audit --output $work/audit.json" >/dev/null 2>&1
  ms=$(median "$work/h.json")
  printf '%-58s %10s ms  (%s MB/s over %s MB)\n' "agent audit @ 100k files" "$ms" "$(python3 -c "print(int($mb/($ms/1000)))")" "$mb"
  # git grep with the audit's own pre-filter keywords (`sdetkit-bench audit-keywords`: every keyword a line must
  # contain before a secret rule's regex runs), as the issue asks, as one -E alternation; and the 8-keyword
  # pattern of earlier sessions. (`git grep -F -f` with the same 171 keywords is far slower, ~500 s once on
  # the 2-core VM, so it is not run here.)
  "$bin/sdetkit-bench" audit-keywords > "$work/keywords.txt"
  # One line, the keywords escaped for ERE and joined by |: the same as one -E pattern, without shell quoting.
  python3 -c 'import re,sys; print("|".join(re.sub(r"([][.^$*+?(){}|\\])", r"\\\1", w) for w in open(sys.argv[1]).read().split("\n") if w))' \
    "$work/keywords.txt" > "$work/keywords.ere"
  nkw=$(wc -l < "$work/keywords.txt")
  hyperfine --warmup 1 --runs 3 --export-json "$work/h.json" "git grep -c -i -E -f $work/keywords.ere -- ." >/dev/null 2>&1 || true
  ms=$(median "$work/h.json")
  printf '%-58s %10s ms  (%s MB/s)\n' "git grep -c -i -E (audit's $nkw keywords) @ 100k files" "$ms" "$(python3 -c "print(int($mb/($ms/1000)))")"
  hyperfine --warmup 1 --runs 3 --export-json "$work/h.json" \
    "git grep -c -i -E 'AKIA|ghp_|xox[bpar]-|sk_live_|PRIVATE KEY|password|secret|token' -- ." >/dev/null 2>&1 || true
  ms=$(median "$work/h.json")
  printf '%-58s %10s ms  (%s MB/s)\n' "git grep -c -i -E (8 keywords, earlier sessions) @ 100k files" "$ms" "$(python3 -c "print(int($mb/($ms/1000)))")"
fi

if [ "$mode" = full ]; then
  echo
  bash "$here/scripts/bench-serve.sh" "$sk" "$work"
fi
