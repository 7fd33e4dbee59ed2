#!/bin/sh
# Harness self-test, expected to FAIL: a WARNING in the kernel log must fail
# a case that otherwise passes.
. /lib.sh
kmsg "WARNING: CPU: 0 PID: $$ at dstleak-harness-selftest (injected)"
pass
