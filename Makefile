# swift-distill: the two commands a newcomer needs are `make demo` and `make test`.
SWIFT ?= swift
PREFIX ?= /usr/local

.PHONY: all build deps test fleet-test demo bench install clean fuzz

all: build

deps:
	@scripts/install-deps.sh

build: deps
	$(SWIFT) build

test: deps
	$(SWIFT) build --build-tests
	DISTILL_REQUIRE_ERLANG=1 $(SWIFT) test --skip-build
	SWIFT=$(SWIFT) scripts/fleet/test.sh

fleet-test: deps
	SWIFT=$(SWIFT) scripts/fleet/test.sh

demo: deps
	@scripts/demo.sh

bench: deps
	@scripts/bench.sh

install: deps
	$(SWIFT) build -c release --product swift-distill
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 755 .build/release/swift-distill $(DESTDIR)$(PREFIX)/bin/swift-distill

clean:
	rm -rf .build _build bench/otp/_build

# The fuzzers, for longer than `make test` gives them (DISTILL_FUZZ_SECONDS, default 600 each).
fuzz: deps
	$(SWIFT) build --build-tests
	DISTILL_FUZZ_SECONDS=$${DISTILL_FUZZ_SECONDS:-600} $(SWIFT) test --skip-build --filter ControlFuzzTests
	DISTILL_FUZZ_SECONDS=$${DISTILL_FUZZ_SECONDS:-600} $(SWIFT) test --skip-build --filter ReleaseTarballFuzzTests
