#!/usr/bin/env bash
# Runs Docker Compose on the repository's docker-compose.yml with whichever
# Compose is installed: the `docker compose` plugin (v2) or the standalone
# `docker-compose` (v1 or v2). The project name defaults to "shoal"; set
# COMPOSE_PROJECT_NAME to keep another stack apart.
#
#   deploy/compose.sh up -d --scale worker=3 nats coordinator worker
#   deploy/compose.sh run --rm -T shoal jobs --nats nats://nats:4222
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export COMPOSE_PROJECT_NAME="${COMPOSE_PROJECT_NAME:-shoal}"

# The NATS users' passwords (docs/nats-permissions.md): random ones made
# once, kept private in _out/compose.env, unless the environment has them.
envfile="$root/_out/compose.env"
if [ ! -f "$envfile" ]; then
	mkdir -p "$root/_out"
	(
		umask 077
		for role in COORDINATOR WORKER CLIENT; do
			printf 'SHOAL_%s_PASSWORD=%s\n' "$role" "$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
		done >"$envfile.tmp"
		mv "$envfile.tmp" "$envfile"
	)
fi
while IFS='=' read -r name value; do
	[ -n "${!name:-}" ] || export "$name=$value"
done <"$envfile"

# The "cluster" profile: three NATS servers, every shoal process given all
# three, and the coordinator's streams on all three.
case ",${COMPOSE_PROFILES:-}," in
*,cluster,*)
	export SHOAL_NATS_CONF="${SHOAL_NATS_CONF:-nats-cluster.conf}"
	export SHOAL_NATS_URL="${SHOAL_NATS_URL:-nats://nats:4222,nats://nats-2:4222,nats://nats-3:4222}"
	export SHOAL_REPLICAS="${SHOAL_REPLICAS:-3}"
	;;
esac

if docker compose version >/dev/null 2>&1; then
	exec docker compose -f "$root/docker-compose.yml" "$@"
elif command -v docker-compose >/dev/null 2>&1; then
	exec docker-compose -f "$root/docker-compose.yml" "$@"
else
	echo "compose.sh: neither 'docker compose' nor 'docker-compose' is installed" >&2
	exit 127
fi
