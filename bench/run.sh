#!/usr/bin/env bash
# Side-by-side benchmarks of shoal, scikit-learn and R's cluster package on
# the same generated files, in one run. Needs Debian's python3-sklearn,
# python3-pandas, r-base-core and r-cran-cluster (see README.md here).
#   bench/run.sh kmeans     1M×32, k=100: minibatch and Lloyd, the whole shoal process writing labels, vs scikit-learn's fit with the environment's and the best OpenBLAS kernel
#   bench/run.sh kernel     the assignment kernel vs numpy.dot
#   bench/run.sh kmedoids [JOB...]   BUILD/LAB + FasterPAM vs R's pam, digits and blobs n = 2000..20000, k = 10..100
#   bench/run.sh clara      FastCLARA vs R's clara on 1M×16, k=10
#   bench/run.sh output     the 1M×32, k=100 minibatch job without --out, with a labels file, with a labels dataset
#   bench/run.sh pgo        refresh cmd/shoal/release.pgo (profile-guided optimisation) from the jobs above
#   bench/run.sh memory [N] [BUDGET]   N×32 (default 100M) by minibatch, kmeans and fastclara: peak RSS of the
#                           coordinator and two worker processes under --memory BUDGET (default 2GiB), and the
#                           model and labels against a run that caches everything
set -euo pipefail
cd "$(dirname "$0")/.."
out=${BENCH_DIR:-/tmp/shoal-bench}
mkdir -p "$out"
# Built as the release binaries are (Makefile's binaries target): static
# (CGO_ENABLED=0), trimmed and stripped, with the profile of
# cmd/shoal/release.pgo for profile-guided optimisation. A cgo build is
# dynamically linked, and its loader and libc start-up added 8 ms to
# every 0.25 s job on a virtual machine whose page faults are dear.
CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' -pgo=cmd/shoal/release.pgo -o "$out/shoal" ./cmd/shoal
shoal="$out/shoal"
py=/usr/bin/python3 # Debian's, with sklearn

gen() { # n d k ext
	local f="$out/blobs-n$1-d$2-k$3-seed7.$4"
	[ -f "$f" ] || "$shoal" gen blobs --n "$1" --d "$2" --k "$3" --seed 7 --out "$f" >/dev/null
	echo "$f"
}

# best_coretype names the OpenBLAS kernel for the widest vector unit this
# CPU has (OpenBLAS's own detection may pick an older one, and an
# environment may pin one with OPENBLAS_CORETYPE).
best_coretype() {
	local flags
	flags=$(grep -m1 '^flags' /proc/cpuinfo || true) # none off x86: no kernel to name
	case "$flags" in
	*avx512_bf16*) echo Cooperlake ;;
	*avx512vl*) echo SkylakeX ;;
	*avx2*) echo Haswell ;;
	*) echo "" ;; # OpenBLAS's own choice
	esac
}

case "${1:-}" in
kmeans)
	pq=$(gen 1000000 32 100 parquet)
	csv=$(gen 1000000 32 100 csv)
	labels="$out/kmeans-labels.parquet"
	# shoal's figure is the whole process: starting the embedded NATS
	# server and two workers, reading the Parquet file, fitting, and
	# writing every row's label to a Parquet file. scikit-learn's is fit
	# on an array already in memory. The process is timed to the
	# millisecond (time(1) gives hundredths, a twentieth of a 0.2 s run).
	shoalrun() { # algo seed
		local t0 t1 summary
		t0=$EPOCHREALTIME
		summary=$("$shoal" run -q --workers 2 --input "$pq" \
			--exclude label --k 100 --algo "$1" --seed "$2" --out "$labels" 2>&1)
		t1=$EPOCHREALTIME
		grep -E "job|inertia|time" <<<"$summary"
		awk -v a="$t0" -v b="$t1" -v algo="$1" -v seed="$2" \
			'BEGIN { printf "shoal %s seed %s process %.3fs\n", algo, seed, b - a }'
	}
	# scikit-learn runs with the OpenBLAS kernel the environment gives
	# (OPENBLAS_CORETYPE may be set, as it is on some hosts) and with the
	# best kernel this CPU runs; threadpoolctl names each.
	best=$(best_coretype)
	sklearn() { # log models seeds...
		local log=$1 models=$2
		shift 2
		MODELS=$models OPENBLAS_NUM_THREADS=2 "$py" bench/sklearn_kmeans.py "$csv" 100 "$@" | tee -a "$log"
	}
	rm -f "$out"/kmeans-*.log
	# Mini-batch: five rounds, each shoal then scikit-learn with both
	# kernels, so that the machine's drift over a run weighs on all alike.
	for round in 1 2 3 4 5; do
		for seed in 1 2 3 4 5; do shoalrun minibatch "$seed"; done | tee -a "$out/kmeans-shoal.log"
		sklearn "$out/kmeans-sklearn-env.log" minibatch 0 1 2 3 4
		OPENBLAS_CORETYPE=$best sklearn "$out/kmeans-sklearn-best.log" minibatch 0 1 2 3 4
	done
	for seed in 1 2 3 4 5; do shoalrun kmeans "$seed"; done
	OPENBLAS_CORETYPE=$best sklearn /dev/null minibatch-n_init=10,kmeans 0 1 2 3 4
	"$py" - "$out" <<-'EOF'
		import re, statistics as st, sys
		d = sys.argv[1]
		text = open(f"{d}/kmeans-shoal.log").read()
		proc = [float(x) for x in re.findall(r"shoal minibatch seed \d+ process ([0-9.]+)s", text)]
		inertia = sorted(float(x) for x in re.findall(r"inertia ([0-9.e+]+)", text))
		sp = st.median(proc)
		print(f"minibatch: median shoal process {sp:.3f}s over {len(proc)} runs (labels written); "
		      f"inertia {inertia[0]:.4g}..{inertia[-1]:.4g}")
		for kind in ("env", "best"):
		    t = open(f"{d}/kmeans-sklearn-{kind}.log").read()
		    blas = re.search(r"^blas (.*)$", t, re.M)
		    fit = [float(x) for x in re.findall(r"sklearn minibatch seed \d+  fit ([0-9.]+)s", t)]
		    inr = sorted(float(x) for x in re.findall(r"inertia ([0-9.e+]+)", t))
		    sf = st.median(fit)
		    print(f"  scikit-learn fit, {blas.group(1) if blas else '?'}: median {sf:.3f}s over {len(fit)} fits: "
		          f"{sf / sp:.2f}x shoal's whole process; inertia {inr[0]:.4g}..{inr[-1]:.4g}")
	EOF
	;;
kernel)
	"$shoal" bench assign --n 1000000 --d 32 --k 100
	"$py" bench/numpy_gemm.py 1000000 32 100
	;;
kmedoids)
	# The whole job (matrix + start + swaps) of shoal on both cores beside
	# R's pam(pamonce = 6), its FasterPAM, which starts from BUILD, on
	# scikit-learn's digits (1797×64) and 8-D blobs. shoal runs from the
	# same BUILD (so the same local search) and from LAB (cheaper; its loss
	# is printed beside R's). Jobs under a second run in 7 rounds, each
	# shoal then R, and the summary takes medians, so that the load of a
	# shared machine weighs on both alike. Further arguments pick jobs,
	# "N K" or "digits K": R takes minutes at n = 10000 and k = 100, and
	# several times that at n = 20000.
	digits=coordinator/testdata/digits.csv
	shift
	jobs=("$@")
	[ ${#jobs[@]} -gt 0 ] || jobs=("digits 10" "digits 50" "2000 10" "2000 100" "10000 10" "10000 100" "20000 100")
	for job in "${jobs[@]}"; do
		set -- $job
		rounds=1
		if [ "$1" = digits ]; then csv=$digits rounds=7; else csv=$(gen "$1" 8 10 csv); fi
		[ "$1" != 2000 ] || rounds=7
		for round in $(seq "$rounds"); do
			echo "== $1 k=$2 round $round"
			for init in build lab; do
				"$shoal" bench kmedoids --input "$csv" --exclude label --k "$2" --init "$init" --algo fasterpam | grep -E "^total"
			done
			Rscript bench/r_kmedoids.R "$csv" "$2" pam
		done
	done | tee "$out/kmedoids.log"
	"$py" - "$out/kmedoids.log" <<-'EOF'
		import re, statistics as st, sys
		text = open(sys.argv[1]).read()
		runs = {}
		for block in text.split("== ")[1:]:
		    job = block.splitlines()[0].split(" round")[0]
		    r = re.search(r"R pam\(pamonce=6\) ([0-9.]+)s .* swap ([0-9.]+)", block)
		    tot = re.findall(r"^total\s+([0-9.]+)s\s+= matrix ([0-9.]+) \+ (\w+) ([0-9.]+) \+ fasterpam ([0-9.]+)\s+loss ([0-9.]+)", block, re.M)
		    if not r:
		        continue
		    for t, m, init, s0, sw, loss in tot:
		        runs.setdefault((job, init), []).append((float(t), float(m), float(s0), float(sw), float(loss), float(r.group(1)), float(r.group(2))))
		for (job, init), rs in runs.items():
		    med = lambda i: st.median(x[i] for x in rs)
		    t, rt, loss, rl = med(0), med(5), rs[0][4], rs[0][6]
		    print(f"{job:>12} {init:5} ({len(rs)} rounds, medians): shoal {t:.3f}s (matrix {med(1):.3f} + {init} {med(2):.3f} + swaps {med(3):.3f}) "
		          f"vs R {rt:.3f}s: {rt / t:.1f}x; loss {loss:.6f} vs R {rl:.6f} ({(loss - rl) / rl:+.4%})")
	EOF
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
memory)
	# Peak RSS (/usr/bin/time -v) of every process of a job on data larger
	# than the budgets: a NATS server, the coordinator (shoal run
	# --workers 0) and two worker processes, each under --memory. The
	# reference is the same job in one process with room to cache every
	# shard where the machine allows (GOGC=25 keeps its heap within it);
	# its model and
	# labels must be byte-identical, but for the job's time in the model.
	n=${2:-100000000} budget=${3:-2GiB}
	pq=$(gen "$n" 32 100 parquet)
	dst="$out/memory-$n"
	rm -rf "$dst" && mkdir -p "$dst"
	nats="$out/nats-server"
	[ -x "$nats" ] || go build -o "$nats" github.com/nats-io/nats-server/v2
	port=14322
	"$nats" -a 127.0.0.1 -p "$port" -js -sd "$dst/js" >"$dst/nats.log" 2>&1 &
	natspid=$!
	trap 'kill $natspid 2>/dev/null && wait $natspid || true' EXIT
	sleep 1
	kill -0 "$natspid" # a server already on the port would make this one exit
	rss() { awk -F': ' '/Maximum resident/{printf "%.2f GB", $2 * 1024 / 1e9}' "$1"; }
	# The job's wall time and its time per row, from the coordinator's.
	wall() { awk -F': ' -v n="$n" '/Elapsed/{k = split($2, p, ":"); s = 0; for (i = 1; i <= k; i++) s = s * 60 + p[i]; printf "%.0f s, %.2f µs a row", s, s * 1e6 / n}' "$1"; }
	# Room for every shard, up to 16 GiB (two thirds of 100M rows' shards
	# on a machine of 24 GiB).
	refgib=$(((n * 32 * 4 * 2 / 1073741824) + 4))
	refmem=$((refgib < 16 ? refgib : 16))GiB
	for algo in minibatch kmeans fastclara; do
		wpids=()
		for w in 1 2; do
			"$shoal" worker --nats "nats://127.0.0.1:$port" --memory "$budget" --name "w$w" 2>"$dst/$algo-worker$w.log" &
			wpids+=($!)
		done
		/usr/bin/time -v -o "$dst/$algo-coordinator.time" "$shoal" run -q --nats "nats://127.0.0.1:$port" --workers 0 \
			--memory "$budget" --input "$pq" --exclude label --k 100 --algo "$algo" --seed 1 \
			--model "$dst/$algo-bounded.json" --out "$dst/$algo-bounded.parquet" >"$dst/$algo-bounded.txt"
		# A worker's peak RSS is its VmHWM, read before it is stopped.
		wrss=()
		for pid in "${wpids[@]}"; do
			wrss+=("$(awk '/VmHWM/{printf "%.2f GB", $2 * 1024 / 1e9}' "/proc/$pid/status")")
			kill -TERM "$pid"
		done
		wait "${wpids[@]}" || true
		GOGC=25 /usr/bin/time -v -o "$dst/$algo-reference.time" "$shoal" run -q --workers 2 --memory "$refmem" \
			--input "$pq" --exclude label --k 100 --algo "$algo" --seed 1 \
			--model "$dst/$algo-reference.json" --out "$dst/$algo-reference.parquet" >"$dst/$algo-reference.txt"
		same=different
		if cmp -s "$dst/$algo-bounded.parquet" "$dst/$algo-reference.parquet" &&
			"$py" -c 'import json, sys; a, b = (json.load(open(f)) for f in sys.argv[1:]); [m.pop("seconds", None) for m in (a, b)]; sys.exit(a != b)' \
				"$dst/$algo-bounded.json" "$dst/$algo-reference.json"; then
			same="identical model and labels"
		fi
		echo "$algo n=$n --memory $budget: $(wall "$dst/$algo-coordinator.time"); coordinator $(rss "$dst/$algo-coordinator.time"), workers ${wrss[0]} and ${wrss[1]}; reference (one process, --memory $refmem) $(rss "$dst/$algo-reference.time"); $same"
	done | tee "$dst/summary.txt"
	;;
pgo)
	# Refreshes cmd/shoal/release.pgo, the CPU profile that the release
	# builds (Makefile) and this script give go build -pgo for
	# profile-guided optimisation (the compiler inlines and devirtualises
	# the calls that are hot in it; results do not change): profiles of
	# the jobs that the benchmarks above run, merged.
	pq=$(gen 1000000 32 100 parquet)
	csv=$(gen 1000000 32 100 csv)
	small=$(gen 5000 8 10 csv)
	prof="$out/pgo"
	rm -rf "$prof" && mkdir -p "$prof"
	job() { # name args...
		local name=$1
		shift
		"$shoal" run -q --workers 2 --exclude label --cpu-profile "$prof/$name.pprof" "$@" >/dev/null
	}
	for seed in 1 2 3; do
		job "minibatch-$seed" --input "$pq" --k 100 --algo minibatch --seed "$seed" --out "$prof/labels.parquet"
	done
	job lloyd --input "$pq" --k 100 --algo kmeans --seed 1 --out "$prof/labels.parquet"
	job csv --input "$csv" --k 100 --algo minibatch --seed 1 --out "$prof/labels.parquet"
	job fastclara --input "$pq" --k 10 --algo fastclara --seed 1 --out "$prof/labels.parquet"
	job fasterpam --input "$small" --k 10 --algo fasterpam --seed 1 --out "$prof/labels.csv"
	go tool pprof -proto "$prof"/*.pprof >cmd/shoal/release.pgo
	ls -l cmd/shoal/release.pgo
	;;
*)
	echo "usage: bench/run.sh kmeans|kernel|kmedoids|clara|output|memory|pgo" >&2
	exit 2
	;;
esac
