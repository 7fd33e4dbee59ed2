# SPDX-License-Identifier: GPL-2.0 OR MIT
# tests/unit/mkhist.awk: a synthetic history file (format: tools/history.h)
# for the forecast and plot tests. One namespace "blue" (INUM 4026532400,
# cookie 12), family ipv6, whose kernel counter and live entries follow
# MODE, and a quiet neighbour (INUM 4026531840, ipv4, flat), so there is
# more than one series. N samples STEP seconds apart, the last at END.
#
#   awk -v mode=MODE -v n=N -v step=STEP -v end=END -f mkhist.awk
#
# Modes (k: the kernel counter of blue ipv6, t: seconds from the first):
#   steady    the 2009 router: k from 220000 to 410000 over the window,
#             +-2000 of noise; limit max_size 524288, enforced
#   sawtooth  garbage collection: k climbs 300 -> 900 in 15 minutes, then
#             drops back, over and over; no growth; gc_thresh 1024
#   sawgrow   the sawtooth on top of 100 entries/hour of growth
#   reload    live and k grow 600/hour; the module is reloaded at the
#             middle sample (allocs, frees, live and probe hits start again
#             from 0; the kernel counter, the kernel's, goes on)
#   reboot    as reload, but a new boot id (the kernel counter restarts too)
#   flat      k = 500 +- 40 of noise; gc_thresh 1024
# The seeded generator makes every run the same file.
function rnd() {
	seed = (seed * 1103515245 + 12345) % 2147483648
	return seed / 2147483648
}
BEGIN {
	seed = 42
	print "dstleak-history 1"
	print "host testhost"
	span = (n - 1) * step
	boot = "11111111-2222-3333-4444-555555555555"
	base = 0
	for (i = 0; i < n; i++) {
		t = end - span + i * step
		x = i * step
		lim = "gc_thresh 1024"
		live = -1
		if (mode == "steady") {
			k = int(220000 + 190000 * x / span + (rnd() - 0.5) * 4000)
			lim = "max_size 524288"
		} else if (mode == "sawtooth" || mode == "sawgrow") {
			ph = (x % 900) / 900
			k = int(300 + 600 * ph)
			if (mode == "sawgrow")
				k += int(100 * x / 3600)
		} else if (mode == "reload" || mode == "reboot") {
			k = int(600 * x / 3600)
			if (i >= int(n / 2)) {
				x2 = (i - int(n / 2)) * step
				live = int(600 * x2 / 3600)
				if (mode == "reboot") {
					k = live
					boot = "99999999-2222-3333-4444-555555555555"
				}
			} else {
				live = k
			}
			lim = "max_size 8192"
		} else {
			k = int(500 + (rnd() - 0.5) * 80)
		}
		if (live < 0)
			live = k
		j = (mode == "reload" || mode == "reboot") && i >= int(n / 2) ? i - int(n / 2) : i + 100
		hits = j * 10 + 1
		printf "s %d.000 %s %d\n", t, boot, hits
		printf "n 4026531840 1 - alive ipv4 10 - %d %d 0 - - 0 0\n", 10 + j, j
		printf "n 4026532400 12 blue alive ipv6 %d %d %d %d 0 %s 1 %d\n", live, k, live + 10000 * j, 10000 * j, lim, i % 10 == 9 ? 3 : 0
		print "e 2"
	}
}
