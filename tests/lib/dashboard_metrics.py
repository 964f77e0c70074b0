#!/usr/bin/env python3
"""Every metric the Grafana dashboard queries must be one dvsd exposes.

usage: dashboard_metrics.py DASHBOARD.json METRICS.txt
Reads the metric names (dvs_...) from each panel's PromQL expressions and
the families ("# TYPE name kind") from a /metrics page; prints the names
and exits 1 naming any the page lacks, so the dashboard cannot rot when a
metric is renamed.
"""
import json
import re
import sys

NAME = re.compile(r"\bdvs_[a-z0-9_]+\b")


def expressions(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("expr", "query", "definition") and isinstance(value, str):
                yield value
            else:
                yield from expressions(value)
    elif isinstance(node, list):
        for item in node:
            yield from expressions(item)


def main(dashboard_path, metrics_path):
    with open(dashboard_path) as f:
        dashboard = json.load(f)
    used = set()
    for expr in expressions(dashboard):
        used.update(NAME.findall(expr))
    exposed = set()
    with open(metrics_path) as f:
        for line in f:
            if line.startswith("# TYPE "):
                exposed.add(line.split()[2])
    missing = sorted(used - exposed)
    print(f"dashboard queries {len(used)} metrics; /metrics has {len(exposed)} families")
    if len(used) < 10:
        sys.exit("too few metric names found in the dashboard: is it the right file?")
    if missing:
        sys.exit("not in /metrics: " + " ".join(missing))


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(sys.argv[1], sys.argv[2])
