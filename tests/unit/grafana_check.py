#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0 OR MIT
"""grafana_check.py DASHBOARD.json EXPORT.prom: the dashboard fits the exporter.

Fails (exit 1, one reason a line) unless DASHBOARD is valid JSON with
panels, every panel id unique, every metric name (dstleak_...) in every
query (targets' expr, template queries and definitions) is a metric EXPORT
(the output of `dstleak export --prometheus`) has a TYPE for, and every
label matched in a selector METRIC{label=...} is a label that metric's
samples carry in EXPORT.
"""
import json
import re
import sys

METRIC = re.compile(r"\b(dstleak_[a-zA-Z0-9_:]*)(\{([^}]*)\})?")
LABEL = re.compile(r"([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)")


def queries(node, out):
    if isinstance(node, dict):
        for k, v in node.items():
            if k in ("expr", "definition") and isinstance(v, str):
                out.append(v)
            elif k == "query" and isinstance(v, str):
                out.append(v)
            else:
                queries(v, out)
    elif isinstance(node, list):
        for v in node:
            queries(v, out)


def exported(path):
    types, labels = set(), {}
    for line in open(path, encoding="utf-8"):
        if line.startswith("# TYPE "):
            types.add(line.split()[2])
        elif line and not line.startswith("#"):
            m = re.match(r"([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? ", line)
            if m:
                names = set(re.findall(r'([a-zA-Z_][a-zA-Z0-9_]*)="', m.group(3) or ""))
                labels.setdefault(m.group(1), set()).update(names)
    return types, labels


def main():
    bad = []
    try:
        dash = json.load(open(sys.argv[1], encoding="utf-8"))
    except ValueError as e:
        print("not valid JSON: %s" % e)
        return 1
    types, labels = exported(sys.argv[2])
    if not types:
        print("no metrics in %s" % sys.argv[2])
        return 1
    panels = dash.get("panels") or []
    ids = [p.get("id") for p in panels]
    if not panels:
        bad.append("no panels")
    if len(ids) != len(set(ids)):
        bad.append("panel ids not unique")
    qs = []
    queries(dash, qs)
    used = set()
    for q in qs:
        for m in METRIC.finditer(q):
            name = m.group(1)
            used.add(name)
            if name not in types:
                bad.append("queries %s, which the exporter does not write" % name)
                continue
            for lab, _ in LABEL.findall(m.group(3) or ""):
                if lab not in labels.get(name, set()):
                    bad.append("matches label %s of %s, which has none" % (lab, name))
    if not used:
        bad.append("queries no dstleak metric")
    for b in sorted(set(bad)):
        print(b)
    if not bad:
        print("ok: %d queries, %d metrics: %s" % (len(qs), len(used), " ".join(sorted(used))))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
