# logmac: `make demo` runs the main job, `make test` the test suite. Both install Debian packages first.
BUILD ?= build
JOBS  ?= $(shell nproc)
WERROR := $(if $(CI),ON,OFF)

.PHONY: all deps build test test-long test-asan demo study bench clean

all: build

deps:
	@scripts/install-deps.sh

build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release -DLOGMAC_WERROR=$(WERROR) >/dev/null
	@cmake --build $(BUILD) -j$(JOBS)

# Fast regression level: unit tests, exhaustive small widths, random co-simulation.
test: build
	cd $(BUILD) && ctest --output-on-failure -j$(JOBS) -LE long

# Exhaustive level (12-bit co-simulation and other long runs).
test-long: build
	cd $(BUILD) && ctest --output-on-failure -j$(JOBS) -L long

# Unit, command-line and fault tests under AddressSanitizer + UndefinedBehaviorSanitizer (build dir $(BUILD)-asan;
# any finding fails the test).
test-asan: deps
	@cmake -S . -B $(BUILD)-asan -DCMAKE_BUILD_TYPE=Release -DLOGMAC_SANITIZE=ON -DLOGMAC_WERROR=$(WERROR) >/dev/null
	@cmake --build $(BUILD)-asan -j$(JOBS) --target logmac logmac_unit_tests
	cd $(BUILD)-asan && ctest --output-on-failure -j$(JOBS) -LE long -R '^(logmac_unit_tests[.]|cli$$|faults[.])'

# The default sweep: accuracy, then synthesis + gate-level energy of every MAC against the linear baseline
# (table printed; compare.{md,csv,json,png} in build/report; results cached in build/synth-cache), then the MLP's
# bit-true Fashion-MNIST accuracy of the same designs (build/report/compare_mlp.{md,csv,json}).
demo: build
	@mkdir -p $(BUILD)/report
	$(BUILD)/logmac accuracy --csv $(BUILD)/report/accuracy.csv
	$(BUILD)/logmac compare --jobs $(JOBS) -o $(BUILD)/report
	/usr/bin/python3 study/run.py demo --build $(BUILD)

# The network study: bit-true inference sweep (MLP, LeNet-5) on Fashion-MNIST, LNS training against FP32, and
# accuracy against synthesis cost (build/study/study.md, .csv, .png; every stage cached in build/study/cache).
study: build
	/usr/bin/python3 study/run.py all --build $(BUILD) --jobs $(JOBS)

bench: build
	$(BUILD)/logmac bench

# GEMM throughput next to the scalar model (README table): 256^3 and the network-shaped M=256,K=784,N=256.
.PHONY: bench-gemm
bench-gemm: build
	$(BUILD)/logmac bench --gemm 256,256,256 --threads 2
	$(BUILD)/logmac bench --gemm 256,256,784 --threads 2

clean:
	rm -rf $(BUILD)
