# Pakyas build. `make demo` and `make test` are the two commands a newcomer
# runs (see README.md); both work on a fresh machine with Go and gcc.

GO       ?= go
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS  := -s -w -X main.version=$(VERSION)
# grpcnotrace keeps golang.org/x/net/trace out of the binaries: less
# start-up work on every `pakyas monitor` and plugin launch. (html/template
# is in pakyas for the dashboard; the plugins stay without it.)
TAGS     := grpcnotrace
# bin/pakyas is built with LEAN too: the CLI without the server and the
# target plugin host. It runs bin/pakyas-host (built with HOST: the plugin
# host without the server) for `pakyas plugin` and runs with external
# targets, and bin/pakyas-full (the complete pakyas) for `pakyas server`,
# so each run pays the start-up of only what it uses.
LEAN     := thin
HOST     := noserver
BIN      := bin
PLUGINS  := $(notdir $(wildcard plugins/*))
PREFIX   ?= $(HOME)/.local
export CGO_ENABLED ?= 0
# The PostgreSQL server the store and replica tests use (each test in a
# schema of its own). Without one they are skipped, except under CI=true.
export PAKYAS_TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/test?sslmode=disable

.PHONY: all build test lint test-deps unit fuzz crosscheck bench proto proto-check install demo dist clean

all: build

## build: bin/pakyas, bin/pakyas-host, bin/pakyas-full and every
## bin/pakyas-target-*
build:
	@mkdir -p $(BIN)
	$(GO) build -tags '$(TAGS) $(LEAN)' -trimpath -ldflags '$(LDFLAGS)' -o $(BIN)/pakyas ./cmd/pakyas
	$(GO) build -tags '$(TAGS) $(HOST)' -trimpath -ldflags '$(LDFLAGS)' -o $(BIN)/pakyas-host ./cmd/pakyas
	$(GO) build -tags '$(TAGS)' -trimpath -ldflags '$(LDFLAGS)' -o $(BIN)/pakyas-full ./cmd/pakyas
	@for p in $(PLUGINS); do \
		echo "$(GO) build -o $(BIN)/pakyas-target-$$p ./plugins/$$p"; \
		$(GO) build -tags '$(TAGS)' -trimpath -ldflags '$(LDFLAGS)' -o $(BIN)/pakyas-target-$$p ./plugins/$$p || exit 1; \
	done

## test: generated code, hygiene, formatting, vet, the race-enabled test
## suite (with the dashboard's browser tests in chromium), a few seconds of
## every fuzz target and the darwin/windows type-check
test: proto-check lint test-deps unit fuzz crosscheck

## test-deps: Debian's chromium for the browser tests, and protoc's gRPC
## plugin with python3-grpcio for the Python example target, installed with
## apt-get when missing (scripts/test-deps.sh)
test-deps:
	@scripts/test-deps.sh

## lint: gofmt, go vet, tidy go.mod files and no tracked build output
lint:
	@echo "== tree: tidy modules, no tracked binaries (scripts/lint-tree.sh)"
	@GO=$(GO) scripts/lint-tree.sh
	@echo "== gofmt"
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go') | grep -v '\.pb\.go$$' || true); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	@echo "== go vet"
	$(GO) vet -tags '$(TAGS)' ./...
	$(GO) vet -tags '$(TAGS) $(LEAN)' ./cmd/pakyas
	$(GO) vet -tags '$(TAGS) $(HOST)' ./cmd/pakyas
	cd tools && $(GO) vet ./...

unit:
	@echo "== go test -race"
	CGO_ENABLED=1 $(GO) test -race -count=1 -timeout 20m ./...
	@echo "== examples/jsonl-target (its own module: vet and test)"
	cd examples/jsonl-target && $(GO) vet ./... && CGO_ENABLED=1 $(GO) test -race -count=1 ./...

## fuzz: every fuzz target for FUZZTIME (3s) from its committed corpus in
## testdata/fuzz (scripts/fuzz.sh); FUZZTIME=1m make fuzz to search longer
FUZZTIME ?= 3s
fuzz:
	@GO=$(GO) FUZZTIME=$(FUZZTIME) scripts/fuzz.sh

## crosscheck: type-check every package and test for darwin and windows:
## all of our code and every build-constrained file, against the
## declarations of the standard library and the dependencies for that
## platform, in seconds (tools/crosscheck). `make dist` is the full build.
crosscheck:
	@echo "== cross-check every release platform (darwin, windows, linux/arm64)"
	@cd tools && $(GO) run ./crosscheck -C .. -tags '$(TAGS)' darwin/amd64 darwin/arm64 windows/amd64 windows/arm64 linux/arm64
	@cd tools && $(GO) run ./crosscheck -C .. -tests=false -tags '$(TAGS) $(LEAN)' darwin/arm64 windows/amd64 -- ./cmd/pakyas
	@cd tools && $(GO) run ./crosscheck -C .. -tests=false -tags '$(TAGS) $(HOST)' darwin/arm64 windows/amd64 -- ./cmd/pakyas

## bench: benchmarks that print figures: the Go benchmarks (ping ingest
## on SQLite and PostgreSQL as a ratio of a bare Go HTTP server in the same
## rounds, 10,000 of 1,000,000 checks and 100,000 checks falling due at
## once), then scripts/bench.sh (pakyas monitor and
## ping against curl, and pakyas's memory while a job prints 100 MB; see
## docs/benchmarks.md)
bench:
	CGO_ENABLED=1 $(GO) test -run '^$$' -bench . -skip 'IngestBackends|Evaluate' -benchmem -benchtime 2s ./core/...
	$(GO) test -run '^$$' -bench MonitorCommand -benchmem -benchtime 2s ./cmd/pakyas
	CGO_ENABLED=1 $(GO) test -run '^$$' -bench 'IngestBackends|Evaluate' -benchtime 1x -timeout 30m ./core/server
	GO=$(GO) scripts/bench.sh

## proto: regenerate proto/target/v1/*.pb.go from target.proto with Debian's
## protoc (installed with apt-get when missing) and the protoc-gen-go and
## protoc-gen-go-grpc pinned in go.mod and tools/go.mod (scripts/proto.sh)
proto:
	GO=$(GO) scripts/proto.sh generate

## proto-check: fail when the committed generated code is stale
proto-check:
	@echo "== proto-check"
	@GO=$(GO) scripts/proto.sh check

## install: pakyas, pakyas-host, pakyas-full and the target plugins into
## $(PREFIX)/bin
install: build
	install -d $(PREFIX)/bin
	install -m 0755 $(BIN)/pakyas* $(PREFIX)/bin/
	@case ":$$PATH:" in *":$(PREFIX)/bin:"*) ;; \
	*) echo "note: $(PREFIX)/bin is not on your PATH; add it (e.g. in ~/.profile): export PATH=\"$(PREFIX)/bin:\$$PATH\"" ;; esac

## demo: start a dev server, create a check, run a monitored job, show it
demo: build
	@scripts/demo.sh

## dist: release archives and SHA256SUMS in dist/
dist:
	@TAGS='$(TAGS)' LEAN='$(LEAN)' HOST='$(HOST)' scripts/dist.sh $(VERSION)

clean:
	rm -rf $(BIN) dist
