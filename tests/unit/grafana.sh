# shellcheck shell=sh
# SPDX-License-Identifier: GPL-2.0 OR MIT
# tests/unit/grafana.sh: the Grafana dashboard (packaging/grafana/dstleak.json)
# against the metrics the exporter writes now, taken from `dstleak export
# --prometheus` of the good fixture at test time (never a list kept here).
# Sourced by run.sh (run, no, record, $D, $T, $FIX, $HERE).
DASH=$HERE/../../packaging/grafana/dstleak.json
gcheck() { # gcheck DASHBOARD: grafana_check.py against $T/metrics.prom
	python3 "$HERE/grafana_check.py" "$1" "$T/metrics.prom" >"$T/gc" 2>&1
}
why=; run 0 "$D" --source "$FIX/good" export --prometheus; cp "$T/out" "$T/metrics.prom"
gcheck "$DASH" || no "$(head -5 "$T/gc" | tr '\n' '|')"
for m in dstleak_dst_live_entries dstleak_dst_kernel_entries dstleak_dst_drift_entries \
	dstleak_dst_headroom_ratio dstleak_suspect_entries; do
	grep -q "$m" "$T/gc" || no "the dashboard does not query $m"
done
grep -q 'predict_linear\|deriv(' "$DASH" || no "no forecast panel"
record "grafana: valid JSON; every metric and label it queries is one the exporter writes"
# The check itself fails where it must: an old metric name, a label the
# metric does not have, JSON that does not parse.
sed 's/dstleak_dst_live_entries{/dstleak_dst_live{/' "$DASH" >"$T/g1.json"
why=; gcheck "$T/g1.json" && no "an old metric name passed"
grep -q "queries dstleak_dst_live, which the exporter does not write" "$T/gc" || no "$(head -c 200 "$T/gc")"
sed 's/dstleak_dst_headroom_ratio{netns/dstleak_dst_headroom_ratio{symbol=\\"x\\",netns/' "$DASH" >"$T/g2.json"
gcheck "$T/g2.json" && no "a label the metric lacks passed"
grep -q "matches label symbol of dstleak_dst_headroom_ratio" "$T/gc" || no "$(head -c 200 "$T/gc")"
head -c 300 "$DASH" >"$T/g3.json"
gcheck "$T/g3.json" && no "truncated JSON passed"
record "grafana: the check refuses an unknown metric, an unknown label, broken JSON"
