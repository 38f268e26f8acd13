# qcflow — the two commands of the quick start, plus a few for developers.
#   make run    install missing packages, build, run the demo on bundled data
#   make test   install missing packages, build, run every test
#   make bench  build and run the benchmarks; numbers land in build/bench-results/
#   make fuzz   build the libFuzzer targets with clang, fuzz each FUZZ_SECONDS (tests/fuzz/)
BUILD_DIR ?= build
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=
FUZZ_SECONDS ?= 300

.PHONY: all deps configure build test run bench fuzz clean

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

fuzz: deps
	@JOBS=$(JOBS) bash scripts/fuzz all $(BUILD_DIR) $(FUZZ_SECONDS)

clean:
	rm -rf $(BUILD_DIR)
