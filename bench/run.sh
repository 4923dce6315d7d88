#!/usr/bin/env bash
# Side-by-side benchmarks of shoal, scikit-learn and R's cluster package on
# the same generated files, in one run. Needs Debian's python3-sklearn,
# python3-pandas, r-base-core and r-cran-cluster (see README.md here).
#   bench/run.sh kmeans     1M×32, k=100: minibatch and Lloyd vs scikit-learn
#   bench/run.sh kernel     the assignment kernel vs numpy.dot
#   bench/run.sh kmedoids   FasterPAM vs R's pam, n = 2000 and 10000, k = 10 and 100
#   bench/run.sh clara      FastCLARA vs R's clara on 1M×16, k=10
#   bench/run.sh output     the 1M×32, k=100 minibatch job without --out, with a labels file, with a labels dataset
set -euo pipefail
cd "$(dirname "$0")/.."
out=${BENCH_DIR:-/tmp/shoal-bench}
mkdir -p "$out"
go build -o "$out/shoal" ./cmd/shoal
shoal="$out/shoal"
py=/usr/bin/python3 # Debian's, with sklearn

gen() { # n d k ext
	local f="$out/blobs-n$1-d$2-k$3-seed7.$4"
	[ -f "$f" ] || "$shoal" gen blobs --n "$1" --d "$2" --k "$3" --seed 7 --out "$f" >/dev/null
	echo "$f"
}

case "${1:-}" in
kmeans)
	pq=$(gen 1000000 32 100 parquet)
	csv=$(gen 1000000 32 100 csv)
	shoalrun() { # algo seed
		/usr/bin/env time -f "shoal $1 seed $2 wall %es" "$shoal" run --workers 2 --input "$pq" \
			--exclude label --k 100 --algo "$1" --seed "$2" 2>&1 | grep -E "job|inertia|time|wall"
	}
	# Mini-batch: five rounds, each shoal then scikit-learn, so that the
	# machine's drift over a run weighs on both alike.
	for round in 1 2 3 4 5; do
		for seed in 1 2 3 4 5; do shoalrun minibatch "$seed"; done
		MODELS=minibatch OPENBLAS_NUM_THREADS=2 "$py" bench/sklearn_kmeans.py "$csv" 100 0 1 2 3 4
	done | tee "$out/kmeans-minibatch.log"
	for seed in 1 2 3 4 5; do shoalrun kmeans "$seed"; done
	MODELS=minibatch-n_init=10,kmeans OPENBLAS_NUM_THREADS=2 "$py" bench/sklearn_kmeans.py "$csv" 100 0 1 2 3 4
	"$py" - "$out/kmeans-minibatch.log" <<-'EOF'
		import re, statistics as st, sys
		text = open(sys.argv[1]).read()
		job = [float(x) for x in re.findall(r"job \S+: minibatch, .*, ([0-9.]+)s$", text, re.M)]
		fit = [float(x) for x in re.findall(r"sklearn minibatch seed \d+  fit ([0-9.]+)s", text)]
		load = [float(x) for x in re.findall(r"np.load ([0-9.]+)s", text)]
		sj, sf, sl = st.median(job), st.median(fit), st.median(load)
		print(f"minibatch, {len(job)} shoal jobs and {len(fit)} scikit-learn fits: median shoal job {sj:.3f}s, "
		      f"scikit-learn fit {sf:.3f}s ({sf / sj:.2f}x), np.load + fit {sl + sf:.3f}s ({(sl + sf) / sj:.2f}x)")
	EOF
	;;
kernel)
	"$shoal" bench assign --n 1000000 --d 32 --k 100
	"$py" bench/numpy_gemm.py 1000000 32 100
	;;
kmedoids)
	for n in 2000 10000; do
		csv=$(gen "$n" 8 10 csv)
		for k in 10 100; do
			echo "== n=$n k=$k"
			"$shoal" bench kmedoids --input "$csv" --exclude label --k "$k" --init build --algo fasterpam
			Rscript bench/r_kmedoids.R "$csv" "$k" pam
		done
	done
	;;
clara)
	pq=$(gen 1000000 16 10 parquet)
	csv=$(gen 1000000 16 10 csv)
	/usr/bin/env time -f "shoal fastclara wall %es" "$shoal" run -q --workers 2 --input "$pq" --exclude label \
		--k 10 --algo fastclara --seed 1 | grep -E "job|total deviation"
	/usr/bin/env time -f "shoal fastclara (80+4k) wall %es" "$shoal" run -q --workers 2 --input "$pq" --exclude label \
		--k 10 --algo fastclara --sample-size 120 --seed 1 | grep -E "job|total deviation"
	Rscript bench/r_kmedoids.R "$csv" 10 clara
	;;
output)
	# What writing the labels costs: the same job (same seed, same model)
	# without --out, with one labels file, and with a dataset of parts the
	# workers write; interleaved over rounds so drift weighs on all three.
	# Each job reports its own time and the CPU time (user + system) of
	# the process: on a machine that other work shares, the CPU time moves
	# far less with the load than the wall time does.
	pq=$(gen 1000000 32 100 parquet)
	dst="$out/output"
	rm -rf "$dst" && mkdir -p "$dst"
	job() { # kind extra-args...
		local kind=$1
		shift
		/usr/bin/env time -f "cpu %U %S" "$shoal" run -q --workers 2 --input "$pq" --exclude label --k 100 \
			--algo minibatch --seed 1 "$@" 2>&1 |
			awk -v kind="$kind" '/^job /{s=$NF; sub(/s$/, "", s)} /^cpu / && s != "" {print kind, s, $2 + $3} /^(shoal:|Command exited)/{print > "/dev/stderr"}'
	}
	for round in 1 2 3 4 5 6 7; do
		job none
		job file --out "$dst/labels.parquet"
		job dataset --out "$dst/labels/"
	done | tee "$out/output.log"
	"$py" - "$out/output.log" <<-'EOF'
		import statistics as st, sys
		t, c = {}, {}
		for line in open(sys.argv[1]):
		    kind, s, cpu = line.split()
		    t.setdefault(kind, []).append(float(s))
		    c.setdefault(kind, []).append(float(cpu))
		none, cnone = st.median(t["none"]), st.median(c["none"])
		for kind in ("file", "dataset"):
		    m, cm = st.median(t[kind]), st.median(c[kind])
		    print(f"{kind}: median {m:.3f}s against {none:.3f}s without --out over {len(t[kind])} rounds: "
		          f"output is {(m - none) / m:.0%} of the job; CPU {cm:.2f}s against {cnone:.2f}s: {(cm - cnone) / cm:.0%}")
	EOF
	;;
*)
	echo "usage: bench/run.sh kmeans|kernel|kmedoids|clara|output" >&2
	exit 2
	;;
esac
