#!/bin/sh
# Harness self-test, expected to FAIL: a failing command under set -e.
. /lib.sh
false
pass
