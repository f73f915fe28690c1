# The Makefile only fronts Meson. `make demo` and `make check` install what
# is missing (scripts/install-deps), so they work on a fresh Debian 12.

BUILD      ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
MESON_TEST := meson test --print-errorlogs --num-processes 2

.PHONY: all deps build demo check unit-asan test format fuzz bench install clean

all: build

deps:
	@./scripts/install-deps

$(BUILD)/build.ninja:
	@./scripts/install-deps
	meson setup $(BUILD) >/dev/null

build: $(BUILD)/build.ninja
	ninja -C $(BUILD)

demo: deps build
	./examples/demo.sh $(BUILD)/src/cli/waybill

# Every test in the normal build, then the unit tests again under
# AddressSanitizer + UndefinedBehaviorSanitizer; the last line counts them all.
check: deps build
	@rm -f $(BUILD)/meson-logs/testlog.json $(ASAN_BUILD)/meson-logs/testlog.json
	-@$(MESON_TEST) -C $(BUILD)
	@$(MAKE) --no-print-directory unit-asan
	@./scripts/test-summary $(BUILD)/meson-logs/testlog.json $(ASAN_BUILD)/meson-logs/testlog.json

unit-asan: deps
	@test -f $(ASAN_BUILD)/build.ninja || \
	  meson setup $(ASAN_BUILD) -Db_sanitize=address,undefined -Db_lundef=false \
	    -Dinterop=false -Dbuildtype=debug >/dev/null
	ninja -C $(ASAN_BUILD)
	-@ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	  $(MESON_TEST) -C $(ASAN_BUILD) --suite unit --suite fuzz-replay

test: build
	$(MESON_TEST) -C $(BUILD)

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

fuzz: deps
	./scripts/fuzz $(FUZZ_BUILD) $${FUZZ_SECONDS:-600}

bench: build
	./bench/run.sh $(BUILD)/src/cli/waybill
	./bench/ledger-bench.sh $(BUILD)/bench/ledger_bench
	./bench/server-bench.sh $(BUILD)
	./bench/layout-bench.sh $(BUILD)/src/cli/waybill
	./bench/review-bench.sh $(BUILD)/bench/content_bench $(BUILD)/src/cli/waybill

install: build
	meson install -C $(BUILD)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)
