# hrmg build, test and benchmark targets.
#
# With OpenBLAS installed (Debian: libopenblas-dev) the build uses it through
# cgo; without it, hrmg falls back to gonum's pure-Go BLAS. `make deps`
# installs OpenBLAS and Graphviz on Debian or Ubuntu when run as root.

GO       ?= go
BIN      ?= bin/hrmg
OPENBLAS := $(shell pkg-config --exists openblas 2>/dev/null && echo yes)
TAGS     ?= $(if $(OPENBLAS),openblas,)
ifeq ($(TAGS),openblas)
# Only the linker flags: gonum's netlib package ships its own cblas.h, and
# OpenBLAS's header conflicts with it.
export CGO_LDFLAGS := $(shell pkg-config --libs openblas)
endif
GOFLAGS_TAGS := $(if $(TAGS),-tags $(TAGS),)

# The main job: the HRM, a random forest and gradient boosting on the
# bundled California Housing split, compared in out/compare/report.md.
RUN_ARGS ?= compare --out-dir out/compare \
	--data datasets/california-housing/train.csv \
	--valid datasets/california-housing/valid.csv \
	--test datasets/california-housing/test.csv \
	--target median_house_value --target-unit USD

.PHONY: all build run test bench lint deps clean

all: build

build:
	$(GO) build $(GOFLAGS_TAGS) -o $(BIN) ./cmd/hrmg

run: build
	mkdir -p out
	./$(BIN) $(RUN_ARGS)

test:
	$(GO) test $(GOFLAGS_TAGS) ./...

bench:
	$(GO) test $(GOFLAGS_TAGS) -run '^$$' -bench . -benchmem ./...

lint:
	@unformatted=$$(gofmt -l $$(git ls-files -co --exclude-standard '*.go')); \
	if [ -n "$$unformatted" ]; then echo "gofmt would change: $$unformatted"; exit 1; fi
	$(GO) vet $(GOFLAGS_TAGS) ./...
	$(GO) tool staticcheck $(GOFLAGS_TAGS) ./...

# deps installs the optional system packages: OpenBLAS for speed, Graphviz
# for `hrmg export-graph --format svg|png` and its tests.
deps:
	@missing=""; \
	pkg-config --exists openblas 2>/dev/null || missing="$$missing libopenblas-dev pkg-config"; \
	command -v dot >/dev/null 2>&1 || missing="$$missing graphviz"; \
	if [ -z "$$missing" ]; then echo "deps: all installed"; exit 0; fi; \
	if [ "$$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then \
		echo "deps: install$$missing with your package manager (needs root and apt-get here)"; exit 1; fi; \
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing

clean:
	rm -rf bin
