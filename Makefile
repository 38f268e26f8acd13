# qcflow — the two commands of the quick start, plus a few for developers.
#   make run    install missing packages, build, run the demo on bundled data
#   make test   install missing packages, build, run every test
#   make bench  build and run the benchmarks; numbers land in build/bench-results/
BUILD_DIR ?= build
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=

.PHONY: all deps configure build test run bench clean

all: build

deps:
	@bash scripts/install-deps

configure: deps
	@test -f $(BUILD_DIR)/build.ninja || cmake -S . -B $(BUILD_DIR) -G Ninja $(CMAKE_FLAGS)

build: configure
	@cmake --build $(BUILD_DIR) -j $(JOBS)

test: build
	@cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS) --timeout 900

run: build
	@bash scripts/demo $(BUILD_DIR)

bench: build
	@bash scripts/bench $(BUILD_DIR)

clean:
	rm -rf $(BUILD_DIR)
