#!/bin/sh
# Whole-process speed of `kaval analyze` on JSON lines beside govader's
# whole-process JSON-lines run (scripts/govaderjsonl) on the same posts:
# the 80–280-character posts of `kaval bench analyze` (76,382 lines).
# Each pair runs back to back, RUNS times; figures go to docs/BENCHMARKS.md.
#
#   scripts/bench-analyze-jsonl.sh [RUNS]
set -eu
runs=${1:-3}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go build -o "$tmp/kaval" ./cmd/kaval
go build -o "$tmp/govaderjsonl" ./scripts/govaderjsonl
"$tmp/kaval" bench-analyze --jsonl "$tmp/posts.jsonl"
n=$(wc -l < "$tmp/posts.jsonl")
t() { # label, then the command; prints wall and CPU seconds and posts/s
	/usr/bin/time -f "%e %U %S" -o "$tmp/t" "$@" < "$tmp/posts.jsonl" > /dev/null
	read -r wall user sys < "$tmp/t"
	echo "$wall $user $sys" | awk -v n="$n" -v l="$label" '{printf "%-34s wall %6.2f s  cpu %6.2f s  %8.0f posts/s wall  %8.0f posts/s per cpu-second\n", l, $1, $2+$3, n/$1, n/($2+$3)}'
}
for i in $(seq "$runs"); do
	label="govader (1 goroutine)" t "$tmp/govaderjsonl"
	label="kaval analyze (all cores)" t "$tmp/kaval" analyze
	label="govader, one core (taskset -c 0)" t taskset -c 0 "$tmp/govaderjsonl"
	label="kaval analyze, one core" t taskset -c 0 "$tmp/kaval" analyze --workers 1
done
