#!/bin/sh
# Metadata dsts (tunnels, BPF) have no device and no namespace: they are
# counted in the initial namespace, family other. The kernel frees one
# through dst_destroy() (its last dst_release()) or directly with
# metadata_dst_free() (nft_tunnel's objects). Each free counts once, with a
# record (track=1), without (track=0) and past max_tracked: live returns to
# where it was, frees match allocs, nothing is "preexisting". The helper's
# mdalloc, mdfree and mdrelease are the truth. Debian's kernels inline the
# call in dst_destroy(), the source-built ones do not: both ways are proven
# at load (hookcheck.c) and each is tested here.
# vm-smoke: yes
# vm-timeout: 240
. /lib.sh
need_helper
N=20

md_round() {
	load_dstleak "$@"
	load_helper
	I=$(init_inum)
	grep -q "^probe metadata_dst_alloc " "$DBG/summary" ||
		fail "metadata_dst_alloc is not probed: $(last_dstleak_log)"
	# Which hook counts dst_destroy()'s metadata frees must be proven.
	how=$(dmesg | grep "dstleak: hookcheck: dst_destroy sees" | tail -n 1)
	echo "$how"
	case $how in
	*"(not dst_destroy()'s, inlined there)"*|*"(and dst_destroy()'s calls"*) ;;
	*) fail "the metadata free path was not proven: $how" ;;
	esac
	# ... and the features line says so to the operator.
	assert_eq "$*: features metadata_frees" exact \
		"$(line_value "$DBG/version" features metadata_frees)"
	for how in mdfree mdrelease; do
		snap /tmp/a
		dh init mdalloc $N
		snap /tmp/b
		assert_eq "$*, $how: allocs" $N "$(delta /tmp/a /tmp/b "$I" other allocs)"
		assert_eq "$*, $how: live while held" $N "$(delta /tmp/a /tmp/b "$I" other live)"
		dh init "$how"
		wait_rcu
		snap /tmp/b
		assert_eq "$*, $how: frees" $N "$(delta /tmp/a /tmp/b "$I" other frees)"
		assert_eq "$*, $how: live after" 0 "$(delta /tmp/a /tmp/b "$I" other live)"
		assert_eq "$*, $how: untracked after" 0 "$(delta /tmp/a /tmp/b "$I" other untracked)"
		assert_eq "$*, $how: frees_preexisting" 0 "$(delta /tmp/a /tmp/b "$I" other frees_preexisting)"
	done
	unload_helper
	unload_dstleak
}

md_round track=1
md_round track=0
md_round max_tracked=5
pass
