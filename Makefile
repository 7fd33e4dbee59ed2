# SPDX-License-Identifier: GPL-2.0
# A wrapper around Kbuild (the module) and tools/ (the reader).
#
#   make                 module for KDIR (or every kernel with headers) + reader
#   make KVER=VERSION    module for /lib/modules/VERSION/build only
#   make JOBS=N          kernels built N at a time (default: the CPUs; -j wins)
#   make check           install test deps, build, unit tests, VM tests
#   make demo            install deps, build, boot 6.12, reproduce, show
#   make bench           benchmarks (not tests)
#   make style           checkpatch on module/ and tests/helper/
#   make sparse          sparse (C=1) and W=1 on every kernel
#   make dkms-install    register the source tree with DKMS and build it
#   make deb             Debian packages dstleak, dstleak-dkms in build/pkg/deb/
#   make rpm             RPMs (source and binary) in build/pkg/rpm/

PWD := $(shell pwd)
RUNNING := $(shell uname -r)
ifneq ($(KVER),)
KDIR ?= /lib/modules/$(KVER)/build
endif
KDIR ?= /lib/modules/$(RUNNING)/build
# Kernels to build for when KDIR does not exist: every one with headers.
ALL_KDIRS := $(wildcard /lib/modules/*/build)
MODULE_SRCS := Kbuild $(wildcard module/*.c module/*.h module/*.S module/compat/*)

.PHONY: all module modules tools clean check demo bench fuzz style sparse \
	dkms-install dkms-remove helper deb rpm module-every-kernel

all: module tools

ifneq ($(wildcard $(KDIR)/Makefile),)
module modules:
	$(MAKE) -C $(KDIR) M=$(PWD) W=1 modules
else
# No headers for the running kernel (a container, a CI box): build for every
# kernel that has them, each into build/VERSION/dstleak.ko, side by side:
# a kernel's feature probes run one after another while its Kbuild file is
# read, so one kernel alone keeps one core busy for most of its build. In
# parallel (JOBS, default the number of CPUs) unless make was given -j.
JOBS ?= $(shell nproc 2>/dev/null || echo 1)
ALL_KVERS := $(notdir $(patsubst %/build,%,$(ALL_KDIRS)))

module modules:
	@echo "make: no headers at $(KDIR); building for every kernel under /lib/modules/*/build" >&2
	@[ -n "$(ALL_KDIRS)" ] || { echo "make: no kernel headers installed (run tests/deps.sh, or set KDIR=)" >&2; exit 1; }
	@$(MAKE) --no-print-directory -f $(PWD)/Makefile \
		$(if $(filter -j%,$(MAKEFLAGS)),,-j$(JOBS)) module-every-kernel

module-every-kernel: $(addprefix module-for-,$(ALL_KVERS))

module-for-%:
	@$(MAKE) --no-print-directory -f $(PWD)/Makefile KVER=$* module-into-build
endif

# One kernel, out of the source tree: build/KVER/dstleak.ko.
module-into-build:
	@mkdir -p build/$(KVER)/module
	@cp -p Kbuild build/$(KVER)/
	@cp -p module/*.[chS] build/$(KVER)/module/
	@if [ -d module/compat ]; then mkdir -p build/$(KVER)/module/compat && \
		cp -p module/compat/*.[ch] build/$(KVER)/module/compat/; fi
	$(MAKE) -C /lib/modules/$(KVER)/build M=$(PWD)/build/$(KVER) W=1 modules
	@echo "built build/$(KVER)/dstleak.ko"

tools:
	$(MAKE) -C tools

clean:
	-$(MAKE) -C $(KDIR) M=$(PWD) clean 2>/dev/null
	-$(MAKE) -C tools clean
	rm -rf build

check:
	tests/check.sh

demo:
	tests/demo.sh

bench:
	tests/bench/run.sh

fuzz:
	$(MAKE) -C tools fuzz

style:
	tests/style.sh

sparse:
	tests/style.sh --sparse

dkms-install:
	tests/dkms.sh install $(or $(KVER),$(RUNNING))

dkms-remove:
	tests/dkms.sh remove

# Packages (debian/, packaging/; tools: tests/deps.sh --pkg), under build/pkg/.
deb:
	packaging/build.sh deb

rpm:
	packaging/build.sh rpm
