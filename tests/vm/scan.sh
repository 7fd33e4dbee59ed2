# shellcheck shell=sh
# The kernel log lines that fail a test, wherever they appear. Sourced by the
# guest's /init (busybox grep) and by tests/vm/selftest.sh (GNU grep); keep it
# to POSIX ERE.
#
# "BUG" must not match DEBUG or CONFIG_..._BUG; the rest are plain substrings.
# Stalls, lockups, hung tasks and allocation failure splats are included: each
# prints a stack ("Call Trace:") and is a bug or a test that overloads the VM.
DSTLEAK_FORBIDDEN='(^|[^A-Za-z_])BUG([^A-Za-z_]|$)|WARNING|Oops|refcount_t|scheduling while atomic|sleeping function called from invalid context|general protection|KASAN|lockdep|kmemleak|ODEBUG|KFENCE|UBSAN|soft lockup|hard LOCKUP|rcu.* (self-)?detected stall|RCU Stall|blocked for more than|Call Trace|Kernel panic|list_(add|del) corruption|page allocation failure'

# Forbidden lines that are not bugs: the debug kernel's kmemleak and PROVE_RCU
# say they are there at boot (kmemleak's reports, and those /init prints
# after the last case, all start with "kmemleak:" and stay forbidden).
DSTLEAK_BENIGN='kmemleak: Kernel memory leak detector initialized|rcu:[[:space:]]+RCU lockdep checking is enabled'

# scan_log: kernel log on stdin; prints the offending lines, succeeds if any.
scan_log() {
	grep -E "$DSTLEAK_FORBIDDEN" | grep -vE "$DSTLEAK_BENIGN"
}

# The taint bits a test must not set: 5 bad page, 7 die (oops), 9 warn,
# 14 soft lockup.
DSTLEAK_BAD_TAINT=$(( (1 << 5) | (1 << 7) | (1 << 9) | (1 << 14) ))
