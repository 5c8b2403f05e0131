# groundwork — every target works on a fresh machine with Go and, for the
# integration suites, a Docker engine (the images are built locally from
# Debian's packages; see integration/images/README.md).

GO            ?= go
BIN           ?= bin/groundwork
STATICCHECK   ?= honnef.co/go/tools/cmd/staticcheck@v0.8.2
# The integration suites: PostgreSQL and MariaDB in containers.
INTEGRATION_PKGS ?= ./integration/...

.PHONY: build demo test unit integration images bench lint fmt clean

build:
	CGO_ENABLED=0 $(GO) build -o $(BIN) ./cmd/groundwork

demo:
	$(GO) run ./cmd/groundwork demo

# The one test command: unit tests (SQLite conformance and packs), then the
# integration suites on real servers.
test: unit integration

unit:
	$(GO) test -count=1 ./...

# Builds the images when Docker answers (cached by tag), then runs the
# suites. Without Docker the suites skip with a message, except under CI=true,
# where a missing engine fails.
integration:
	@if docker info >/dev/null 2>&1; then integration/images/build.sh; \
	else echo "integration: no Docker engine; the container suites will skip (CI=true makes that a failure)"; fi
	$(GO) test -count=1 -tags integration -timeout 20m $(INTEGRATION_PKGS)

images:
	integration/images/build.sh

bench:
	@echo "bench: the benchmark harness is not written yet (issue 7)"; exit 1

lint:
	@out=$$(gofmt -l .); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) vet -tags integration ./integration/...
	$(GO) run $(STATICCHECK) ./...

clean:
	rm -rf bin groundwork-demo.db groundwork.db
