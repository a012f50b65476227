# rigwatch: `make run` and `make test` on a fresh Debian 12 machine, as root.
# Both install what is missing, build the BPF object and the Swift package, then run.
# `make deb` builds the Debian package; `make install` installs a release build made before.

SWIFT      ?= /opt/swift/usr/bin/swift
CLANG      ?= clang
BPFTOOL    ?= bpftool
ARCH       := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')
BUILD      := build/bpf
GENERATED  := Sources/CBPF/generated
CONFIG     ?= debug
ARGS       ?=

# Debian packages, by who needs them (Swift itself is at /opt/swift, and only the build needs it).
# RUNTIME_PACKAGES: the libraries the rigwatch binary links, all it needs on a host (the .deb's
#   Depends is computed from the binary itself; this list is what `make install` ensures).
# BUILD_PACKAGES: the BPF objects, the Swift package, `make format-check` (clang-format; Swift's
#   formatter comes with the toolchain) and `make deb` (dpkg-dev: dpkg-shlibdeps).
# TEST_PACKAGES: `make test` on top of the build packages.
#   sudo, auditd, iproute2, util-linux, gcc, python3, curl: the integration tests (real sudo, the
#   audit source, network namespaces, setpriv, C helpers, the mock Discord).
#   python3-prometheus-client: the metrics test parses the textfile with Prometheus's own parser.
#   python3-jsonschema: the schema test checks output lines against schema/ (Tests/schema/).
#   qemu-system-x86, busybox-static, xz-utils, zstd: `make vm-test` boots Debian 12's stock kernel.
#   debootstrap, lintian (and zstd): `make package-test` installs the .deb into a fresh Debian 12.
#   prometheus: promtool for `make deploy-test-prometheus` (checks and unit-tests deploy/prometheus/).
#   valgrind: `make bench-check` counts instructions under callgrind (no hardware counters here).
#   rsyslog, rsyslog-relp: `make deploy-test-rsyslog` runs a forwarder and a central rsyslogd.
#   ansible-core, python3-apt: `make deploy-test-ansible` runs the role (its apt module needs
#   python3-apt) against a staged root.
RUNTIME_PACKAGES := libelf1 zlib1g libcurl4 libaudit1
BUILD_PACKAGES   := libbpf-dev libelf-dev zlib1g-dev clang llvm bpftool libaudit-dev libcurl4-openssl-dev \
                    pkg-config gcc clang-format dpkg-dev
TEST_PACKAGES    := sudo iproute2 util-linux curl python3 auditd python3-prometheus-client \
                    python3-jsonschema qemu-system-x86 busybox-static xz-utils zstd debootstrap lintian \
                    logrotate valgrind prometheus rsyslog rsyslog-relp ansible-core python3-apt

# Release builds link the Swift runtime and Foundation statically, without SwiftPM's RUNPATH
# $ORIGIN (nothing is loaded from beside the binary): it runs on a host without Swift
# (packaging/check-binary.sh enforces it for the package), bound at load time (-z now, with
# the default RELRO) as Debian links its own (the C targets are fortified in Package.swift).
# One set of flags for every release build, so `make deb`, `make bench` and
# `make build CONFIG=release` share .build/release.
SWIFT_FLAGS_release := --static-swift-stdlib --disable-local-rpath -Xlinker -z -Xlinker now
SWIFT_FLAGS_debug   :=
RELEASE_BUILD        = $(SWIFT) build -c release $(SWIFT_FLAGS_release)

# The package's version: the release from Sources/rigwatch/SensorVersion.swift, the Debian
# revision from packaging/deb/changelog (make deb checks that the two agree).
VERSION     := $(shell sed -n 's/^ *static let number = "\([^"]*\)".*/\1/p' Sources/rigwatch/SensorVersion.swift)
DEB_VERSION := $(shell awk -F '[()]' 'NR == 1 { print $$2 }' packaging/deb/changelog)
DEB_ARCH    := $(shell dpkg --print-architecture)
DEB         := build/rigwatch_$(DEB_VERSION)_$(DEB_ARCH).deb

export PATH := $(PATH):/opt/swift/usr/bin

.PHONY: all deps deps-build deps-test deps-runtime build-info bpf build run test vm-test package-test deb bench \
        bench-check bench-baseline \
        clean format format-check

all: build

# Installs only what is missing, so a second run costs a dpkg query.
define apt_ensure
	@missing=$$(for p in $(1); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "installing:" $$missing; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi
endef
deps-build:
	$(call apt_ensure,$(BUILD_PACKAGES))
deps-test:
	$(call apt_ensure,$(BUILD_PACKAGES) $(TEST_PACKAGES))
deps-runtime:
	$(call apt_ensure,$(RUNTIME_PACKAGES))
# A developer's machine: everything the build and the tests need.
deps: deps-test

# The commit `rigwatch --version` names (Sources/CBuildInfo/generated/, not committed;
# rewritten only when it changes, so an unchanged tree rebuilds nothing).
build-info:
	@packaging/build-info.sh Sources/CBuildInfo/generated/rw_build_commit.c

# vmlinux.h is generated from this kernel's BTF rather than committed: every host
# rigwatch runs on needs BTF anyway (tp_btf programs, CO-RE), and CO-RE relocates
# the compiled object to other kernels at load time.
$(BUILD)/vmlinux.h:
	@mkdir -p $(BUILD)
	@test -r /sys/kernel/btf/vmlinux || { echo "error: /sys/kernel/btf/vmlinux missing: the kernel needs CONFIG_DEBUG_INFO_BTF=y" >&2; exit 1; }
	$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > $@.tmp && mv $@.tmp $@

# One object per kernel feature (bpf/*.bpf.c), compiled apart and linked into one
# sensor object by bpftool's static linker; maps shared between features are
# declared __weak once in bpf/lib/maps.h. bpf/probe.bpf.c is not part of the
# sensor: it holds the tiny programs the kernel probe loads to see which hook
# classes work here (fexit, kprobe).
BPF_FEATURES := $(filter-out bpf/probe.bpf.c,$(wildcard bpf/*.bpf.c))
BPF_HEADERS  := $(wildcard bpf/*.h bpf/lib/*.h)
BPF_CFLAGS   := -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -I$(BUILD) -Ibpf -Wall -Werror

$(BUILD)/features/%.bpf.o: bpf/%.bpf.c $(BPF_HEADERS) $(BUILD)/vmlinux.h
	@mkdir -p $(BUILD)/features
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/sensor.bpf.o: $(patsubst bpf/%.bpf.c,$(BUILD)/features/%.bpf.o,$(BPF_FEATURES))
	$(BPFTOOL) gen object $@ $^   # links, strips DWARF, keeps BTF

$(BUILD)/probe.bpf.o: bpf/probe.bpf.c $(BPF_HEADERS) $(BUILD)/vmlinux.h
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@.full
	$(BPFTOOL) gen object $@ $@.full
	@rm -f $@.full

# A program the verifier rejects, for the test of load-failure reporting.
$(BUILD)/rejected.bpf.o: Tests/Fixtures/bpf/rejected.bpf.c bpf/events.h $(BUILD)/vmlinux.h
	$(CLANG) -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -I$(BUILD) -Ibpf -c $< -o $@

# The file-watch path matchers and the whitelist matcher alone, each run in the kernel
# by a test (BPF_PROG_TEST_RUN).
$(BUILD)/%_match_test.bpf.o: Tests/Fixtures/bpf/%_match_test.bpf.c $(BPF_HEADERS) $(BUILD)/vmlinux.h
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(GENERATED)/sensor.skel.h: $(BUILD)/sensor.bpf.o
	@mkdir -p $(GENERATED)
	$(BPFTOOL) gen skeleton $< name rw_sensor_bpf > $@.tmp && mv $@.tmp $@

$(GENERATED)/probe.skel.h: $(BUILD)/probe.bpf.o
	@mkdir -p $(GENERATED)
	$(BPFTOOL) gen skeleton $< name rw_probe_bpf > $@.tmp && mv $@.tmp $@

# Everything `swift build` needs generated: the BPF skeletons, the test objects, the build info.
bpf: build-info $(GENERATED)/sensor.skel.h $(if $(wildcard bpf/probe.bpf.c),$(GENERATED)/probe.skel.h) $(BUILD)/rejected.bpf.o $(BUILD)/path_match_test.bpf.o \
     $(BUILD)/policy_match_test.bpf.o

build: deps-build bpf
	$(SWIFT) build -c $(CONFIG) $(SWIFT_FLAGS_$(CONFIG))

run: build
	.build/$(CONFIG)/rigwatch run $(ARGS)

test: deps-test bpf
	$(SWIFT) build
	$(SWIFT) test
	$(MAKE) deb
	$(MAKE) bench-check
	$(MAKE) vm-test RW_VM_PACKAGE_BIN=$(CURDIR)/.build/release/rigwatch
	$(MAKE) package-test
	$(MAKE) deploy-test

# The kernel matrix: Debian 12's stock kernel (6.1, what linux-image-amd64 depends on,
# fetched once into build/vm/) boots under qemu (TCG: no usable KVM here) on this
# machine's own root filesystem, and runs the test bundle built above, in place, as root
# (Tests/vm/). A kernel that cannot be fetched or a VM that cannot boot is a failure.
#   RW_VM_TESTS       XCTest filters run in the guest, space-separated
#   RW_VM_BUILD       the build directory whose rigwatch and test bundle run there
#   RW_VM_TIMEOUT     hard limit for qemu, seconds (the test inside gets 60 s less)
#   RW_VM_TIME_SCALE  RW_TEST_TIME_SCALE in the guest: the tests' waits, multiplied
#   RW_VM_PACKAGE_BIN the packaged binary, also run there with /opt/swift hidden (make test
#                     passes the release binary the .deb ships)
RW_VM_TESTS      ?= $(addprefix RigwatchIntegrationTests.,KernelMatrixTests KernelEventTests PathMatchKernelTests \
                    CheckKernelTests NetworkKernelTests FileWatchKernelTests TamperKernelTests PolicyKernelTests \
                    TamperPreventionKernelTests StratumKernelTests PolicyMatchKernelTests ChildProfileMatchKernelTests \
                    EnforcementKernelTests)
RW_VM_BUILD      ?= .build/debug
RW_VM_TIMEOUT    ?= 900
RW_VM_TIME_SCALE ?= 8
vm-test: deps-test bpf
	$(SWIFT) build --build-tests --scratch-path $(patsubst %/,%,$(dir $(RW_VM_BUILD))) -c $(notdir $(RW_VM_BUILD))
	@paths=$$(Tests/vm/ensure-kernel.sh) || { echo "vm-test: FAILED: no kernel to boot" >&2; exit 1; }; \
	set -- $$paths; \
	Tests/vm/run-vm.sh -k "$$1" -i "$$2" -t Tests/vm/guest-test.sh -s build/vm/share -T $(RW_VM_TIMEOUT) \
		-b "$(CURDIR)" -e RW_REPO="$(CURDIR)" -e RW_BUILD="$(RW_VM_BUILD)" -e RW_VM_TESTS="$(RW_VM_TESTS)" \
		-e CI="$${CI:-true}" -e RW_TEST_TIME_SCALE="$(RW_VM_TIME_SCALE)" -e RW_VM_PACKAGE_BIN="$(RW_VM_PACKAGE_BIN)" \
	|| { rc=$$?; echo "vm-test: FAILED (exit $$rc); logs in build/vm/share/" >&2; exit $$rc; }

# Formatting: .swift-format (the toolchain's swift format, 120 columns) and .clang-format
# (kernel style) for bpf/ and the C targets. format-check formats a copy of the tracked
# files and fails on any difference, then runs swift format's linter.
SWIFT_FORMATTED = git ls-files '*.swift'
C_FORMATTED     = git ls-files '*.c' '*.h' | grep -v '^Sources/CRigwatchABI/include/events.h$$'
format:
	$(SWIFT) format format --in-place --parallel $$($(SWIFT_FORMATTED))
	clang-format -i $$($(C_FORMATTED))

format-check: deps-build
	@swift=$$($(SWIFT_FORMATTED)); c=$$($(C_FORMATTED)); tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	cp --parents -t "$$tmp" $$swift $$c .swift-format .clang-format; \
	(cd "$$tmp" && $(SWIFT) format format --in-place --parallel $$swift && clang-format -i $$c) || exit 1; \
	changed=$$(for f in $$swift $$c; do cmp -s "$$f" "$$tmp/$$f" || echo "$$f"; done); \
	if [ -n "$$changed" ]; then echo "format-check: not formatted (run make format):" $$changed >&2; exit 1; fi; \
	$(SWIFT) format lint --strict --parallel $$swift
	@echo "format-check: Swift and C sources formatted"

bench: deps-build bpf
	$(RELEASE_BUILD)
	.build/release/rigwatch-bench $(ARGS)

# The benchmarks' guard (bench/): instructions per replayed event and per policy decision,
# counted by callgrind on the fixture traces (repeatable; time is not, on a shared machine),
# against bench/baselines.json; more than its tolerance above a baseline fails. The checker's
# own test runs first. `make test` runs it after `make deb`, whose release build it reuses.
# `make bench-baseline` measures and writes the baselines (commit them with the change).
bench-check: deps-test bpf
	$(RELEASE_BUILD)
	python3 bench/check_test.py
	python3 bench/check.py --bench .build/release/rigwatch-bench

bench-baseline: deps-test bpf
	$(RELEASE_BUILD)
	python3 bench/check.py --bench .build/release/rigwatch-bench --update

clean:
	rm -rf build $(GENERATED) Sources/CBuildInfo/generated .build

# The Debian package (packaging/deb/, packaging/make-deb.sh): the release binary, its unit and
# default configuration staged by the binary's own `install --layout package`, the man page,
# completions, logrotate, copyright and changelog; Depends computed from the binary's libraries.
# The man page is swift-argument-parser's generate-manual (what its plugin runs) pointed at the
# release binary; built on its own, since the plugin would rebuild the package without the
# release flags above.
deb: deps-build bpf
	$(RELEASE_BUILD)
	$(SWIFT) build --product generate-manual
	packaging/make-deb.sh -b .build/release/rigwatch -m .build/debug/generate-manual \
		-v $(VERSION) -d $(DEB_VERSION) -o $(DEB)

# The package (Tests/package/): the commit --version names; that the release binary links
# nothing from the Swift toolchain (and that the check catches a binary that does); then
# lintian and the package as a new host uses it: apt-get install into a fresh Debian 12 root
# (debootstrap, cached in build/chroot-cache/), the commands run there, remove and purge.
package-test: deps-test deb
	Tests/package/build-info-test.sh
	Tests/package/check-binary-test.sh .build/release/rigwatch
	Tests/package/package-test.sh $(DEB) $(VERSION)

# Installs rigwatch as a systemd service (binary, unit, default config, directories) from a
# release build made before (`make build CONFIG=release`, which installs the build packages);
# install itself only ensures the runtime libraries, so a host gets no compiler or test tools.
# Idempotent. `make install ARGS=--dry-run` shows everything first; `make uninstall` removes
# what install added (ARGS=--purge also removes the configuration). A host without the
# source tree installs the package instead (`make deb`, then apt install ./build/rigwatch_*.deb).
.PHONY: install uninstall
install: deps-runtime
	@test -x .build/release/rigwatch || { echo "make install: no .build/release/rigwatch: run \`make build CONFIG=release\` first (it installs the build packages; install only installs the runtime libraries)" >&2; exit 1; }
	@echo "installing rigwatch $$(.build/release/rigwatch --version)"
	.build/release/rigwatch install $(ARGS)

uninstall:
	@bin=/usr/local/bin/rigwatch; [ -x $$bin ] || bin=.build/release/rigwatch; \
	[ -x $$bin ] || { echo "no rigwatch binary: neither /usr/local/bin/rigwatch nor .build/release/rigwatch" >&2; exit 1; }; \
	echo "$$bin uninstall $(ARGS)"; $$bin uninstall $(ARGS)

# The fleet pieces (deploy/), each against its real engine: `make test` runs them all.
# The Prometheus rules: promtool checks them and runs their unit tests.
# The rsyslog/RELP forwarding: two private rsyslogd on 127.0.0.1, the central one stopped
# while alerts are raised; all must arrive once, in order.
# The Ansible role: the playbook run against a staged root (an overlay on this machine's /),
# from --check to a second run that changes nothing.
.PHONY: deploy-test deploy-test-prometheus deploy-test-rsyslog deploy-test-ansible
deploy-test: deploy-test-prometheus deploy-test-rsyslog deploy-test-ansible

deploy-test-prometheus: deps-test
	promtool check rules deploy/prometheus/rigwatch.rules.yml
	promtool test rules deploy/prometheus/tests/rigwatch.rules.test.yml

deploy-test-rsyslog: deps-test build
	deploy/rsyslog/tests/run-test.sh .build/debug/rigwatch

deploy-test-ansible: deps-test deb
	deploy/ansible/tests/run-test.sh $(DEB)
