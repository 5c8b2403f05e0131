# groundwork — every target works on a fresh machine with Go and, for the
# integration suites, a Docker engine (the images are built locally from
# Debian's packages; see integration/images/README.md).

GO            ?= go
# Build and test with a patched Go release (govulncheck is clean against it);
# the go command fetches it from the module proxy on first use. The library
# itself needs Go 1.26.8 or later (go.mod).
export GOTOOLCHAIN ?= go1.27.3
BIN           ?= bin/groundwork
# Build tags of make build: empty (everything) or nootlp (see build).
TAGS          ?=
STATICCHECK   ?= honnef.co/go/tools/cmd/staticcheck@v0.8.2
# The integration suites: PostgreSQL and MariaDB in containers. They and
# the kit are a module of their own (integration/go.mod), so the library's
# go.mod carries no container dependency; go.work joins the two modules, so
# every go command here works from the top of the tree.
INTEGRATION_PKGS ?= ./integration/...

# The version stamped in the binary (groundwork version, the run history):
# the tag of the checkout (git describe), else devel.
VERSION       ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo devel)
LDFLAGS       := -s -w -X github.com/groundworkdb/groundwork/cmd/groundwork/internal/cli.Version=$(VERSION)
# make image: the FROM scratch image of examples/compose/Dockerfile, tagged
# $(IMAGE):$(VERSION) and $(IMAGE):latest (what the compose example runs).
IMAGE         ?= groundwork/groundwork
# The groundwork binary the process-level tests run, built once before any
# test package starts (internal/testbin), so no test compiles it inside its
# own timeout, and no two packages compile it at once.
TESTBIN       ?= $(CURDIR)/bin/groundwork-test
# Package timeouts sized for a cold 2-core machine with other work on it.
UNIT_TIMEOUT        ?= 20m
RACE_TIMEOUT        ?= 25m
INTEGRATION_TIMEOUT ?= 40m
# The race detector over the library, the drivers and the packs (the CLI's
# process-level tests run the static binary, which it cannot instrument).
RACE_PKGS ?= ./core/... ./drivers/... ./steps/... ./internal/... ./cmd/groundwork/internal/...

.PHONY: build image demo test unit race integration images bench lint vuln fmt clean testbin

# A static binary (no cgo: the SQLite driver is pure Go), the version stamped.
# TAGS=nootlp leaves the OTLP exporters out (--otel then exports nothing and
# says so): 10 MB smaller, and gRPC/protobuf init no longer runs at start.
build:
	CGO_ENABLED=0 $(GO) build -trimpath -tags "$(TAGS)" -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/groundwork

# Nothing is pulled: FROM scratch is built in, the context is bin/.
image: build
	docker build -t $(IMAGE):$(VERSION) -t $(IMAGE):latest -f examples/compose/Dockerfile $(dir $(BIN))

demo:
	$(GO) run ./cmd/groundwork demo

# The one test command: unit tests (SQLite conformance and packs), then the
# integration suites on real servers.
test: unit race integration

testbin:
	$(GO) run ./internal/testbin/build $(TESTBIN)

unit: testbin
	GROUNDWORK_TEST_BINARY=$(TESTBIN) $(GO) test -count=1 -timeout $(UNIT_TIMEOUT) ./...

race: testbin
	GROUNDWORK_TEST_BINARY=$(TESTBIN) $(GO) test -race -count=1 -timeout $(RACE_TIMEOUT) $(RACE_PKGS)

# Builds the images when Docker answers (cached by tag), then runs the
# suites. Without Docker the suites skip with a message, except under CI=true,
# where a missing engine fails.
integration:
	@if docker info >/dev/null 2>&1; then integration/images/build.sh; \
	else echo "integration: no Docker engine; the container suites will skip (CI=true makes that a failure)"; fi
	$(MAKE) testbin
	GROUNDWORK_TEST_BINARY=$(TESTBIN) $(GO) test -count=1 -tags integration -timeout $(INTEGRATION_TIMEOUT) $(INTEGRATION_PKGS)

images:
	integration/images/build.sh

# The benchmark harness is its own module (integration/bench), so GORM,
# Atlas and goose stay out of go.mod and out of ./... above: vet it, run
# its smoke test (tiny sizes, SQLite), then W1, W2, W4, W5, W7 and W8 on
# SQLite, PostgreSQL and MariaDB (about 10-15 minutes on 2 cores; W1 builds
# goose's CLI too). BENCH_FLAGS="-workloads all" adds W3 and W6. Results in
# integration/bench/results/latest.{md,json}. GOWORK=off keeps the bench out
# of go.work (its GORM and Atlas would raise the versions every module is
# built with); -mod=mod lets its go.sum
# follow dependencies the main module adds. BENCH_FLAGS passes flags
# through, e.g. BENCH_FLAGS="-dialects sqlite -workloads W1,W2".
BENCH_ENV   ?= CGO_ENABLED=0 GOFLAGS=-mod=mod GOWORK=off
BENCH_FLAGS ?=
bench:
	@if docker info >/dev/null 2>&1; then integration/images/build.sh; \
	else echo "bench: no Docker engine; PostgreSQL and MariaDB will not be measured"; fi
	cd integration/bench && $(BENCH_ENV) $(GO) vet ./... && $(BENCH_ENV) $(GO) test -count=1 ./...
	cd integration/bench && $(BENCH_ENV) $(GO) run ./cmd/bench -out results $(BENCH_FLAGS)

lint:
	@out=$$(gofmt -l .); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) vet -tags integration ./integration/...
	$(GO) vet -tags nootlp ./cmd/...
	$(GO) run $(STATICCHECK) ./...
	$(GO) run $(STATICCHECK) -tags nootlp ./cmd/...
	$(GO) run $(STATICCHECK) -tags integration ./integration/...

# Supply chain: govulncheck against an offline copy of the Go vulnerability
# database (built once, cached); standard-library findings fail too.
vuln:
	GOVULNCHECK_STDLIB=fail scripts/govulncheck.sh

# Build output and what `make demo`, the default database and the examples
# leave in the working directory: the SQLite files, their journals and
# groundwork's lock files (<db>.groundwork.lock).
clean:
	rm -rf bin
	rm -f groundwork-demo.db groundwork.db customstep.db embed.db
	rm -f groundwork-demo.db.groundwork.lock groundwork.db.groundwork.lock customstep.db.groundwork.lock embed.db.groundwork.lock
	rm -f groundwork-demo.db-journal groundwork-demo.db-wal groundwork-demo.db-shm groundwork.db-journal groundwork.db-wal groundwork.db-shm
