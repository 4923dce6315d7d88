#!/usr/bin/env bash
# Interleaved comparison of shoal builds on the kmeans bench job (1M×32,
# k=100, minibatch, labels written), so that a shared machine's drift
# weighs on every build alike: each round runs seeds 1–5, each seed once
# per build in turn. Prints each build's median and mean wall time, to
# the millisecond (bash's EPOCHREALTIME, as bench/run.sh kmeans), and
# CPU time (user + system, from /usr/bin/time, in hundredths).
#   bench/compare.sh ROUNDS NAME=BINARY [NAME=BINARY ...]
# e.g. bench/compare.sh 6 before=/tmp/shoal-old after=/tmp/shoal-new
# The data file is the one `bench/run.sh kmeans` generates.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -lt 2 ] || ! [ "$1" -ge 1 ] 2>/dev/null; then
	echo "usage: bench/compare.sh ROUNDS NAME=BINARY [NAME=BINARY ...]" >&2
	exit 2
fi
rounds=$1
shift
out=${BENCH_DIR:-/tmp/shoal-bench}
input="$out/blobs-n1000000-d32-k100-seed7.parquet"
[ -f "$input" ] || { echo "compare.sh: $input is missing; bench/run.sh kmeans generates it" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for build in "$@"; do
	[ -x "${build#*=}" ] || { echo "compare.sh: ${build#*=} is not an executable" >&2; exit 2; }
done
for _ in $(seq "$rounds"); do
	for seed in 1 2 3 4 5; do
		for build in "$@"; do
			name=${build%%=*} bin=${build#*=}
			t0=$EPOCHREALTIME
			/usr/bin/time -f "%U %S" -o "$work/cpu" "$bin" run -q --workers 2 --input "$input" \
				--exclude label --k 100 --algo minibatch --seed "$seed" --out "$work/$name-labels.parquet" >/dev/null
			t1=$EPOCHREALTIME
			echo "$t0 $t1 $(cat "$work/cpu")" >>"$work/$name.times"
		done
	done
done
for build in "$@"; do
	name=${build%%=*}
	/usr/bin/python3 - "$work/$name.times" "$name" <<-'PY'
		import statistics as st, sys
		rows = [[float(v) for v in line.split()] for line in open(sys.argv[1]) if line.strip()]
		wall = [r[1] - r[0] for r in rows]
		cpu = [r[2] + r[3] for r in rows]
		print(f"{sys.argv[2]}: {len(rows)} runs, wall median {st.median(wall):.3f} s mean {st.mean(wall):.3f} s, "
		      f"CPU median {st.median(cpu):.3f} s mean {st.mean(cpu):.3f} s")
	PY
done
