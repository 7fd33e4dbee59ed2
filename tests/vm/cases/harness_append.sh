#!/bin/sh
# Harness self-test: a case with a vm-append: header runs in a boot of its
# own, with those arguments appended to the kernel command line.
# vm-append: dstleak_harness_probe=1
# vm-timeout: 30
. /lib.sh

cat /proc/cmdline
case " $(cat /proc/cmdline) " in
*" dstleak_harness_probe=1 "*) ;;
*) fail "/proc/cmdline lacks dstleak_harness_probe=1";;
esac
assert_eq "BOOT_APPEND" "dstleak_harness_probe=1" "$BOOT_APPEND"
pass
