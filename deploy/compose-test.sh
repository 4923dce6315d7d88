#!/usr/bin/env bash
# End-to-end check of the Compose deployment: NATS, the coordinator service
# and $WORKERS workers sharing one named volume run a real FastCLARA job on
# a generated dataset, and the result is checked from outside:
#
#   - `shoal submit --wait` exits 0 and the model file says n=$N, k=$K;
#   - at least two workers finished tasks (counted in their debug logs);
#   - `shoal eval` against the generating labels gives ARI >= $MIN_ARI;
#   - the labels file has exactly one row per input row, rows 0..N-1 in order
#     (counted here with awk on a copy, not by shoal).
#
# With CLUSTER=1 it runs the "cluster" profile instead: three NATS servers
# as one JetStream cluster, the coordinator's streams on all three
# (--replicas 3), and the server nats-2 killed (SIGKILL) while the job runs
# and started again; the job must pass the same checks.
#
# It runs in its own Compose project (default "shoal-e2e"), removes that
# project's containers and volumes before and after (also on failure or
# Ctrl-C), bounds every step with a timeout, and exits non-zero on any
# failure. Needs the images: `make images`, or run it as `make compose-test`.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
export COMPOSE_PROJECT_NAME="${COMPOSE_PROJECT_NAME:-shoal-e2e}"
export SHOAL_TAG="${SHOAL_TAG:-dev}"
# Debug logs let the check count the tasks each worker finished.
export SHOAL_LOG_LEVEL="${SHOAL_LOG_LEVEL:-debug}"

N="${N:-200000}"                       # rows
D="${D:-8}"                            # features
K="${K:-10}"                           # blobs and clusters
SEED="${SEED:-7}"
WORKERS="${WORKERS:-3}"
MIN_ARI="${MIN_ARI:-0.99}"
STEP_TIMEOUT="${STEP_TIMEOUT:-120}"    # seconds for each short step
JOB_TIMEOUT="${JOB_TIMEOUT:-600}"      # seconds for the clustering job
NATS_URL="nats://nats:4222"
CLUSTER="${CLUSTER:-}"
natsServices="nats"
if [ -n "$CLUSTER" ]; then
	export COMPOSE_PROFILES=cluster
	NATS_URL="nats://nats:4222,nats://nats-2:4222,nats://nats-3:4222"
	natsServices="nats nats-2 nats-3"
fi

# compose.sh picks `docker compose` or `docker-compose`. A path, not a shell
# function, so timeout(1) can run it (and /usr/bin/compose is something else).
compose="$here/compose.sh"
log() { printf '%s compose-test: %s\n' "$(date +%H:%M:%S)" "$*"; }
fail() { log "FAIL: $*"; exit 1; }
# step SECONDS CMD...: run a command with a deadline; timeout(1) exits 124.
# It runs in the background and is waited for, because bash defers traps
# until a foreground command ends, and timeout(1) puts itself in its own
# process group, out of reach of a terminal's Ctrl-C: this way an
# interrupt reaches the traps at once and cleanup stops the step.
step_pid=""
step() {
	local t="$1"
	shift
	timeout --kill-after=10 "$t" "$@" &
	step_pid=$!
	local rc=0
	wait "$step_pid" || rc=$?
	step_pid=""
	return "$rc"
}

for img in "shoal:$SHOAL_TAG" "shoal-nats:$SHOAL_TAG"; do
	docker image inspect "$img" >/dev/null 2>&1 || fail "image $img is missing: run 'make images'"
done

work="$(mktemp -d)"
cleanup() {
	local rc=$?
	trap - INT TERM
	if [ -n "$step_pid" ]; then
		kill -TERM "$step_pid" 2>/dev/null || true
		wait "$step_pid" 2>/dev/null || true
		step_pid=""
	fi
	if [ "$rc" -ne 0 ]; then
		log "last log lines of the stack (exit $rc):"
		step 60 "$compose" logs --no-color --tail=30 $natsServices coordinator worker 2>&1 || true
	fi
	log "tearing down project $COMPOSE_PROJECT_NAME"
	step 120 "$compose" down -v --remove-orphans --timeout 10 >/dev/null 2>&1 || log "teardown failed: check 'docker ps -a'"
	rm -rf "$work"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

log "removing leftovers of an earlier run"
step 120 "$compose" down -v --remove-orphans --timeout 10 >/dev/null 2>&1 || true

log "starting $natsServices, coordinator and $WORKERS workers"
step "$STEP_TIMEOUT" "$compose" up -d --scale worker="$WORKERS" $natsServices coordinator worker

log "generating $N rows, d=$D, k=$K"
step "$STEP_TIMEOUT" "$compose" run --rm -T --no-deps shoal \
	gen blobs --n "$N" --d "$D" --k "$K" --seed "$SEED" --out /data/blobs.parquet

log "waiting for the coordinator to answer the job API"
coord="$("$compose" ps -q coordinator)"
[ -n "$coord" ] || fail "no coordinator container"
deadline=$((SECONDS + STEP_TIMEOUT))
until [ "$(docker inspect -f '{{.State.Health.Status}}' "$coord")" = healthy ]; do
	[ "$SECONDS" -lt "$deadline" ] || fail "coordinator not healthy after ${STEP_TIMEOUT}s"
	# restart: on-failure covers a NATS server that is slow to listen; more
	# than a few restarts is a crash loop, and waiting longer will not help.
	restarts="$(docker inspect -f '{{.RestartCount}}' "$coord")"
	[ "$restarts" -lt 3 ] || fail "coordinator restarted $restarts times (see its log below)"
	sleep 1
done

running="$(docker ps -q --filter "label=com.docker.compose.project=$COMPOSE_PROJECT_NAME" \
	--filter label=com.docker.compose.service=worker --filter status=running | wc -l)"
[ "$running" -eq "$WORKERS" ] || fail "$running of $WORKERS workers running"
log "coordinator healthy, $running workers running"

log "submitting a FastCLARA job and waiting (at most ${JOB_TIMEOUT}s)"
start=$SECONDS
submit=("$compose" run --rm -T --no-deps shoal \
	submit --nats "$NATS_URL" --input /data/blobs.parquet --exclude label \
	--k "$K" --algo fastclara --seed 1 --wait --quiet \
	--model /data/out/model.json --out /data/out/labels.csv)
if [ -z "$CLUSTER" ]; then
	step "$JOB_TIMEOUT" "${submit[@]}" || fail "submit --wait exited $?"
else
	timeout --kill-after=10 "$JOB_TIMEOUT" "${submit[@]}" &
	job_pid=$!
	sleep 3
	kill -0 "$job_pid" 2>/dev/null || log "the job ended before the kill"
	victim="$("$compose" ps -q nats-2)"
	docker kill "$victim" >/dev/null || fail "could not kill nats-2"
	log "killed nats-2 (SIGKILL) while the job runs"
	sleep 3
	step "$STEP_TIMEOUT" "$compose" start nats-2 >/dev/null 2>&1 || fail "could not start nats-2 again"
	log "started nats-2 again"
	rc=0
	wait "$job_pid" || rc=$?
	[ "$rc" -eq 0 ] || fail "submit --wait exited $rc"
fi
log "job finished in $((SECONDS - start))s"

# The job must have been spread: count the tasks each worker finished.
busy=0
spread=""
for w in $("$compose" ps -q worker); do
	done_tasks="$(docker logs "$w" 2>&1 | grep -c 'msg="task done"' || true)"
	spread="$spread $done_tasks"
	[ "$done_tasks" -eq 0 ] || busy=$((busy + 1))
done
log "tasks done per worker:$spread"
[ "$busy" -ge 2 ] || [ "$WORKERS" -lt 2 ] || fail "only $busy of $WORKERS workers finished a task"

step "$STEP_TIMEOUT" "$compose" run --rm -T --no-deps shoal \
	eval --labels /data/out/labels.csv --truth /data/blobs.parquet:label | tee "$work/eval.txt"
ari="$(awk '$1 == "ARI" { print $2 }' "$work/eval.txt")"
nmi="$(awk '$1 == "NMI" { print $2 }' "$work/eval.txt")"
[ -n "$ari" ] || fail "no ARI in the output of shoal eval"

# Copy the outputs out of the shared volume and check them here.
docker cp "$coord:/data/out/labels.csv" "$work/labels.csv"
docker cp "$coord:/data/out/model.json" "$work/model.json"
header="$(head -n 1 "$work/labels.csv")"
[ "$header" = "row,cluster,distance" ] || fail "labels header is '$header', want 'row,cluster,distance'"
read -r rows bad < <(awk -F, -v k="$K" 'NR > 1 {
		n++
		if ($1 != NR - 2 || $2 < 0 || $2 >= k || $3 < 0) bad++
	} END { print n + 0, bad + 0 }' "$work/labels.csv")
tr -d ' \n' <"$work/model.json" >"$work/model.min"
grep -q "\"n\":$N[,}]" "$work/model.min" || fail "model.json does not say n=$N"
grep -q "\"k\":$K[,}]" "$work/model.min" || fail "model.json does not say k=$K"

# The stack is closed: an anonymous client is turned away by NATS, and a
# job that would overwrite its input or write outside /data/out is refused
# by the coordinator (exit 2) with the input left as it was.
before="$(docker cp "$coord:/data/blobs.parquet" - | sha256sum)"
if step "$STEP_TIMEOUT" "$compose" run --rm -T --no-deps -e SHOAL_NATS_USER= -e SHOAL_NATS_PASSWORD= shoal \
	jobs --nats "$NATS_URL" >/dev/null 2>&1; then
	fail "an anonymous client could call the job API"
fi
for out in /data/blobs.parquet /data/model.json /var/lib/shoal/shoal.db; do
	printf '{"inputs": ["/data/blobs.parquet"], "k": 2, "out": "%s"}\n' "$out" >"$work/job.json"
	docker cp "$work/job.json" "$coord:/data/job.json"
	rc=0
	step "$STEP_TIMEOUT" "$compose" run --rm -T --no-deps shoal \
		submit --nats "$NATS_URL" --spec /data/job.json >/dev/null 2>"$work/refused.txt" || rc=$?
	[ "$rc" -eq 2 ] || fail "a job writing $out: submit exited $rc, want 2 ($(cat "$work/refused.txt"))"
done
after="$(docker cp "$coord:/data/blobs.parquet" - | sha256sum)"
[ "$before" = "$after" ] || fail "the input changed"
log "refused: anonymous client, and outputs over the input, outside /data/out and over the catalog"

log "result: rows=$rows (want $N) bad_rows=$bad ARI=$ari NMI=$nmi (want ARI >= $MIN_ARI)"
[ "$rows" -eq "$N" ] || fail "labels file has $rows rows, want $N"
[ "$bad" -eq 0 ] || fail "$bad label rows out of order, or with a cluster outside 0..$((K - 1)) or a negative distance"
awk -v a="$ari" -v m="$MIN_ARI" 'BEGIN { exit !(a >= m) }' || fail "ARI $ari < $MIN_ARI"
log "PASS"
