/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/* help.h - the text of "dstleak --help" and "dstleak CMD --help". */
#ifndef DL_HELP_H
#define DL_HELP_H

#define HELP_ENV \
"Environment (roots, for tests and for unusual mounts):\n" \
"  DSTLEAK_DEBUGFS    debugfs mount point (default /sys/kernel/debug)\n" \
"  DSTLEAK_PROC       procfs mount point (default /proc): net/dstleak,\n" \
"                     PID/ns/net, PID/comm, sys/kernel/random/boot_id\n" \
"  DSTLEAK_NETNS_DIR  where \"ip netns\" names live (default /run/netns)\n" \
"  DSTLEAK_HOSTNAME   host name recorded in and checked against snapshots\n" \
"  DSTLEAK_HISTORY    default snapshot file (default /tmp/.dstleak.uUID)\n"

#define HELP_SOURCE \
"  --source DIR       read DIR/summary, DIR/suspects, ... instead of\n" \
"                     /sys/kernel/debug/dstleak (a copy of that directory);\n" \
"                     a regular file is read as a summary\n"

static const char help_main[] =
"Usage: dstleak [--source DIR] COMMAND [OPTIONS] [ARGS]\n"
"       dstleak --help | --version | COMMAND --help\n"
"\n"
"Per network namespace accounting of the kernel's dst cache, from the\n"
"dstleak kernel module: how many routing cache entries each namespace\n"
"holds, whether the kernel's own count of them is right, how close each is\n"
"to its limit, and which entries leak.\n"
"\n"
"Commands:\n"
"  show [--json] [-a]        one row per namespace and family\n"
"  watch [-i SEC] [-n COUNT] refreshing view with rates per second\n"
"  snapshot [FILE]           save the counters (default: history file)\n"
"  diff OLD [NEW] [--force]  what changed between snapshots, or since OLD\n"
"  suspects [--json]         leak-suspect groups with their stacks\n"
"  check [--warn-headroom PCT] [--crit-headroom PCT] [--max-drift N]\n"
"        [--max-suspects N]  monitoring check: exit 0 OK, 1 WARNING,\n"
"                            2 CRITICAL, 3 UNKNOWN\n"
"  export --prometheus [-o FILE]  node_exporter textfile format\n"
"\n"
"Options:\n"
HELP_SOURCE
"  -h, --help         this text; \"dstleak COMMAND --help\" for a command\n"
"  -V, --version      the reader's version and the export formats it reads\n"
"\n"
"Sources: /sys/kernel/debug/dstleak/ (all namespaces). When debugfs is not\n"
"mounted or is closed (lockdown, no privilege), dstleak reads\n"
"/proc/net/dstleak, the figures of its own namespace only, and says so once\n"
"on stderr. When neither exists the module is not loaded: load it with\n"
"\"modprobe dstleak\" (or \"insmod dstleak.ko\").\n"
"\n"
"Exit status: 0 success; 2 bad input (a file that does not parse, bad\n"
"options), with one line naming the file and line; 3 module not loaded or\n"
"source unreadable; 1 other errors (cannot write). \"check\" uses the\n"
"monitoring plugin codes instead, see \"dstleak check --help\".\n"
"\n"
HELP_ENV
"\n"
"See dstleak(8) and tools/README.md (the JSON contract).\n";

static const char help_show[] =
"Usage: dstleak show [--json] [-a|--all] [--source DIR]\n"
"\n"
"One block per network namespace, one row per family with activity:\n"
"  NETNS     the \"ip netns\" name, else a process in it as comm[pid],\n"
"            else \"-\"; exited namespaces (gone, but their entries are not)\n"
"            are marked exited in STATE, and not named (their inode may be\n"
"            a new namespace's by now)\n"
"  INUM      the namespace inode (as in readlink /proc/PID/ns/net)\n"
"  FAMILY    ipv4, ipv6, xfrm4, xfrm6, other\n"
"  LIVE      entries allocated since the module loaded and not yet freed\n"
"  ALLOCS, FREES, FAILURES   counted since load\n"
"  KERNEL    the kernel's own counter for the family's dst_ops; \"-\" for\n"
"            IPv4, whose counter is global (printed above the table)\n"
"  DRIFT     KERNEL minus what dstleak expects; not 0 means the kernel's\n"
"            accounting is wrong or events were missed\n"
"  HEADROOM  (limit - KERNEL) / limit, in percent, against the smaller of\n"
"            gc_thresh and max_size that is a real limit (0, \"-\" and\n"
"            values >= 2147483647 are none); negative past the limit;\n"
"            \"*\": the kernel does not enforce that limit (no allocation\n"
"            fails there)\n"
"Above the table: the module's features (and, as \"degraded:\", what this\n"
"kernel lacks) and its load-time calibration spread. After it: the IPsec\n"
"errors (xfrm_error) of the namespaces that have any.\n"
"\n"
"Options:\n"
"  --json       the JSON document of tools/README.md (contract version 1),\n"
"               with each namespace's cookie; a figure the kernel does not\n"
"               have is null, never 0\n"
"  -a, --all    also rows of families with no activity at all\n"
HELP_SOURCE
"\n"
"Exit status: 0, or 2 on bad input, 3 when the module is not loaded.\n";

static const char help_watch[] =
"Usage: dstleak watch [-i SECONDS] [-n COUNT] [-a] [--source DIR]\n"
"\n"
"Re-read the counters every interval and show LIVE, KERNEL, DRIFT and\n"
"HEADROOM with allocations, frees and failures per second over the last\n"
"interval (\"-\" on the first round, and where a counter went backwards,\n"
"i.e. the module was reloaded). On a terminal the screen is redrawn; when\n"
"standard output is not a terminal, one block per interval is printed,\n"
"headed by a UTC timestamp, with no escape codes.\n"
"\n"
"Options:\n"
"  -i, --interval SECONDS  time between rounds, 0.01 to 86400 (default 1)\n"
"  -n, --count COUNT       stop after COUNT rounds (default: until killed)\n"
"  -a, --all               also rows with no activity\n"
HELP_SOURCE;

static const char help_snapshot[] =
"Usage: dstleak snapshot [FILE|-] [--source DIR]\n"
"\n"
"Save the summary as the module wrote it, under a header recording this\n"
"host's name, its boot id (/proc/sys/kernel/random/boot_id), the time and\n"
"the source, for \"dstleak diff\". \"-\" writes to standard output.\n"
"\n"
"Without FILE the history file is written: $DSTLEAK_HISTORY, else\n"
"/tmp/.dstleak.uUID. The snapshot goes to a new temporary file (mode 0600)\n"
"in the same directory, renamed over FILE when complete. An existing FILE\n"
"is refused (exit 1) when it is a symbolic link, not a regular file (a\n"
"FIFO), has other hard links, or is not owned by the caller. A named FILE\n"
"gets the same treatment.\n"
"\n"
"A summary that does not parse is not saved (exit 2).\n"
"\n"
"Options:\n"
HELP_SOURCE;

static const char help_diff[] =
"Usage: dstleak diff OLD [NEW] [--force] [-a] [--source DIR]\n"
"\n"
"What changed from snapshot OLD to snapshot NEW, or to now when NEW is not\n"
"given, per namespace and family: allocations, frees and failures with\n"
"rates per second, LIVE and KERNEL now with their change, and DRIFT now.\n"
"Namespaces that appeared since OLD are marked new (counted from zero),\n"
"those gone since are marked gone; when one side holds only its own\n"
"namespace (read from /proc/net/dstleak), namespaces on the other side\n"
"alone are marked \"not in OLD\" or \"not in NEW\", with no figures. A\n"
"counter that went backwards (the module was reloaded) is shown as\n"
"\"reset\", never as a number.\n"
"\n"
"A snapshot from another host, or from before a reboot, is refused (the\n"
"counters restart with every boot), unless --force is given.\n"
"\n"
"Options:\n"
"  --force      compare snapshots of different hosts or boots anyway\n"
"  -a, --all    also rows that did not change\n"
HELP_SOURCE
"\n"
"Exit status: 0, or 2 on a bad or foreign snapshot, 3 when the module is\n"
"not loaded (for a diff against now).\n";

static const char help_suspects[] =
"Usage: dstleak suspects [--json] [--source DIR]\n"
"\n"
"Live dst entries older than the module's suspect_age_s that are leaking,\n"
"grouped by namespace, family, reason and allocation stack:\n"
"  dead          obsolete but still referenced\n"
"  pins_device   holds a device being unregistered (\"unregister_netdevice:\n"
"                waiting for DEV to become free\"); DEVICE names it\n"
"  device_gone   its device was unregistered, the entry lives on\n"
"  netns_exited  its namespace has exited\n"
"COUNT entries, OLDEST and MEDIAN age; the allocation stack is indented\n"
"below each group when the module captures stacks (stacks=1). Old entries\n"
"that are none of these (long-lived cached routes are normal) follow\n"
"apart, not as suspects. Suspects past the module's group limit are\n"
"counted, not grouped: their number follows the groups.\n"
"\n"
"Needs debugfs (/sys/kernel/debug/dstleak/suspects); /proc/net/dstleak\n"
"has no suspects.\n"
"\n"
"Options:\n"
"  --json       the JSON document of tools/README.md (contract version 1)\n"
HELP_SOURCE;

static const char help_check[] =
"Usage: dstleak check [--warn-headroom PCT] [--crit-headroom PCT]\n"
"                     [--max-drift N] [--max-suspects N] [--source DIR]\n"
"\n"
"A monitoring check (Nagios/Icinga plugin conventions): prints one line,\n"
"\"DSTLEAK STATE - ...\", naming the worst namespace, and exits:\n"
"  0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN (no module, a missing,\n"
"  unreadable or malformed source, bad options).\n"
"\n"
"Conditions:\n"
"  CRITICAL  a headroom below --crit-headroom\n"
"  WARNING   a headroom below --warn-headroom\n"
"  WARNING   |drift| above --max-drift (of a namespace, or global)\n"
"            (a global ipv4 drift within the module's load-time calibration\n"
"            spread says so: it may be the calibration's)\n"
"  WARNING   more suspect entries than --max-suspects: the groups' counts\n"
"            and those past the module's group limit (dropped)\n"
"  WARNING   a probe missed events (the counts may be incomplete)\n"
"Headroom is computed as in \"dstleak show --help\", and alerts only where\n"
"the kernel enforces the limit (the module's limit_enforced).\n"
"\n"
"Options:\n"
"  --warn-headroom PCT   default 20\n"
"  --crit-headroom PCT   default 10 (must not exceed --warn-headroom)\n"
"  --max-drift N         default 0\n"
"  --max-suspects N      default 0; suspects are checked when debugfs is\n"
"                        readable, and must be when this option is given\n"
HELP_SOURCE;

static const char help_export[] =
"Usage: dstleak export --prometheus [-o FILE] [--source DIR]\n"
"\n"
"Print the counters in the Prometheus text exposition format, for\n"
"node_exporter's textfile collector. Every series of a namespace has the\n"
"labels netns (its \"ip netns\" name, else its inode: never a process\n"
"name, which changes when the process restarts), inum, cookie (the\n"
"kernel's namespace cookie, never reused), and family where it has one.\n"
"Label values are valid UTF-8. Counters end in _total. A figure the\n"
"kernel does not have (\"-\") gets no sample at all.\n"
"Suspect series are included when debugfs is readable.\n"
"\n"
"Options:\n"
"  --prometheus     the format (the only one, required)\n"
"  -o, --output FILE  write FILE atomically (a temporary file in the same\n"
"                   directory, then rename), as the textfile collector\n"
"                   needs; FILE should end in .prom\n"
HELP_SOURCE
"\n"
"Example (cron):  dstleak export --prometheus \\\n"
"                   -o /var/lib/node_exporter/textfile/dstleak.prom\n";

#endif
