# Container images and the Docker Compose end-to-end check.
#
#   make images         static binaries, then the scratch images shoal:dev and shoal-nats:dev
#   make compose-up     nats, coordinator and 3 workers in the background (project "shoal")
#   make compose-down   stop them and delete their volumes
#   make compose-test   build the images, run a real job in a throwaway project, check it, tear down
#
# Nothing is pulled: the images are FROM scratch and hold binaries built
# here with CGO_ENABLED=0. The build contexts live under _out/, which
# `go ./...` ignores (leading underscore) and .gitignore lists.

GO       ?= go
DOCKER   ?= docker
OUT      ?= _out
CTX      := $(OUT)/ctx
TAG      ?= dev
WORKERS  ?= 3

GOFLAGS_STATIC := -trimpath -ldflags='-s -w'
# The shoal binary is built with the CPU profile of the benchmark jobs
# (profile-guided optimisation; bench/run.sh pgo refreshes it). It is not
# cmd/shoal/default.pgo, which go build, go run and go test would all
# read: a cold go test ./... would compile every package a second time
# with it, 907 s against 351 s.
PGO := -pgo=cmd/shoal/release.pgo
REVISION := $(shell git describe --always --dirty 2>/dev/null || echo unknown)

.PHONY: all binaries images compose-up compose-down compose-test clean-images

all: images

# Always run go build: it is incremental, and make cannot see Go's
# dependency graph.
binaries:
	CGO_ENABLED=0 $(GO) build $(GOFLAGS_STATIC) $(PGO) -o $(OUT)/shoal ./cmd/shoal
	CGO_ENABLED=0 $(GO) build $(GOFLAGS_STATIC) -o $(OUT)/nats-server github.com/nats-io/nats-server/v2

# One small context per image, so neither build sends the other's binary
# to the daemon. Hard links where possible: the binaries are tens of MB.
images: binaries
	rm -rf $(CTX)
	mkdir -p $(CTX)/shoal/rootfs/tmp $(CTX)/shoal/rootfs/data/out $(CTX)/shoal/rootfs/var/lib/shoal $(CTX)/nats/rootfs/data
	chmod 1777 $(CTX)/shoal/rootfs/tmp
	ln -f $(OUT)/shoal $(CTX)/shoal/shoal 2>/dev/null || cp $(OUT)/shoal $(CTX)/shoal/shoal
	ln -f $(OUT)/nats-server $(CTX)/nats/nats-server 2>/dev/null || cp $(OUT)/nats-server $(CTX)/nats/nats-server
	$(DOCKER) build -q -f deploy/shoal.Dockerfile -t shoal:$(TAG) \
		--label org.opencontainers.image.title=shoal \
		--label org.opencontainers.image.revision=$(REVISION) $(CTX)/shoal
	$(DOCKER) build -q -f deploy/nats.Dockerfile -t shoal-nats:$(TAG) \
		--label org.opencontainers.image.title=shoal-nats \
		--label org.opencontainers.image.revision=$(REVISION) $(CTX)/nats

compose-up: images
	deploy/compose.sh up -d --scale worker=$(WORKERS) nats coordinator worker

compose-down:
	deploy/compose.sh down -v --remove-orphans

compose-test: images
	WORKERS=$(WORKERS) deploy/compose-test.sh

clean-images:
	-$(DOCKER) image rm shoal:$(TAG) shoal-nats:$(TAG)
	rm -rf $(CTX)
