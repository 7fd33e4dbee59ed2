#!/bin/bash
# make demo: install what is missing, build, boot the 6.12 cloud kernel and
# run the demo scenario (tests/vm/demo/scenario.sh, or DEMO=FILE), printing
# what it shows. KERNELS= picks another kernel from tests/vm/kernels.
set -euo pipefail
TOP=$(cd "$(dirname "$0")/.." && pwd)
cd "$TOP"
[ -n "${NO_DEPS:-}" ] || tests/deps.sh < /dev/null
echo "== building (make)"
if ! make module > /dev/null 2>&1; then
	make module
fi
[ ! -f tools/Makefile ] || make -s -C tools || echo "demo: the reader did not build; showing the kernel files only" >&2
echo "== booting ${KERNELS:-6.12-cloud} under QEMU and running ${DEMO:-tests/vm/demo/scenario.sh} (takes a minute)"
KERNELS=${KERNELS:-6.12-cloud} SHOW_OUT=1 OUT_PREFIX="" exec tests/vm/run.sh --demo "${DEMO:-tests/vm/demo/scenario.sh}"
