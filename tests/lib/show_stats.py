#!/usr/bin/python3
"""Read dvsd's stats JSON (written on SIGUSR1 / exit to --stats-file).

  show_stats.py FILE                  readable tables (workers, services, RS)
  show_stats.py FILE get PATH [DEF]   one value, PATH like totals.handoff_out
                                      or services.0.real_servers.1.conns
                                      (DEF, if given, when PATH is missing)
  show_stats.py FILE svc NAME KEY     field KEY of service NAME (e.g. pkts_out)
  show_stats.py FILE rs-conns NAME    sum of real_servers[].conns of service NAME
  show_stats.py FILE rs-map NAME KEY  "address:port=VALUE" per RS of service NAME
"""

import json
import sys


def load(path):
    with open(path) as f:
        return json.load(f)


def get(doc, dotted):
    cur = doc
    for part in dotted.split("."):
        if isinstance(cur, list):
            cur = cur[int(part)]
        else:
            cur = cur[part]
    return cur


def service(doc, name):
    for svc in doc.get("services", []):
        if svc.get("name") == name:
            return svc
    raise KeyError(f"no service named {name!r} in stats")


def drops_text(drops):
    items = [f"{k}={v}" for k, v in sorted((drops or {}).items()) if v]
    return ", ".join(items) if items else "-"


def table(rows, headers, right):
    widths = [len(h) for h in headers]
    for r in rows:
        for i, c in enumerate(r):
            widths[i] = max(widths[i], len(str(c)))

    def fmt(r):
        cells = []
        for i, c in enumerate(r):
            c = str(c)
            cells.append(c.rjust(widths[i]) if i in right else c.ljust(widths[i]))
        return "  " + "  ".join(cells).rstrip()

    out = [fmt(headers), "  " + "  ".join("-" * w for w in widths)]
    out += [fmt(r) for r in rows]
    return "\n".join(out)


def render(doc):
    lines = []
    wcols = ["rx", "tx", "handoff_out", "handoff_in", "conns_active", "conns_created"]
    rows = []
    for w in doc.get("workers", []):
        rows.append([f"worker {w.get('id', '?')}"] + [w.get(c, 0) for c in wcols]
                    + [drops_text(w.get("drops"))])
    t = doc.get("totals")
    if t:
        rows.append(["total"] + [t.get(c, 0) for c in wcols] + [drops_text(t.get("drops"))])
    lines.append("Workers")
    lines.append(table(rows, ["", "rx", "tx", "handoff out", "handoff in", "conns active",
                              "conns created", "drops"], right=set(range(1, 7))))
    scols = ["conns", "pkts_in", "pkts_out", "bytes_in", "bytes_out"]

    def endpoint(address, port) -> str:
        address = str(address)
        return f"[{address}]:{port}" if ":" in address else f"{address}:{port}"

    for svc in doc.get("services", []):
        lines.append("")
        lines.append(f"Service {svc.get('name')}  {endpoint(svc.get('vip'), svc.get('port'))}/"
                     f"{svc.get('protocol')}")
        rows = []
        for rs in svc.get("real_servers", []):
            rows.append([endpoint(rs.get("address"), rs.get("port")), rs.get("weight", ""),
                         rs.get("forward", "")] + [rs.get(c, 0) for c in scols])
        rows.append(["service total", "", ""] + [svc.get(c, 0) for c in scols])
        lines.append(table(rows, ["real server", "weight", "fwd", "conns", "pkts in",
                                  "pkts out", "bytes in", "bytes out"],
                           right={1} | set(range(3, 8))))
    return "\n".join(lines)


def main(argv):
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    doc = load(argv[1])
    if len(argv) == 2:
        print(render(doc))
    elif argv[2] == "get" and len(argv) in (4, 5):
        try:
            v = get(doc, argv[3])
        except (KeyError, IndexError):
            if len(argv) == 4:
                raise
            v = argv[4]
        print(json.dumps(v) if isinstance(v, (dict, list)) else v)
    elif argv[2] == "svc" and len(argv) == 5:
        v = service(doc, argv[3])[argv[4]]
        print(json.dumps(v) if isinstance(v, (dict, list)) else v)
    elif argv[2] == "rs-conns" and len(argv) == 4:
        print(sum(rs.get("conns", 0) for rs in service(doc, argv[3]).get("real_servers", [])))
    elif argv[2] == "rs-map" and len(argv) == 5:
        for rs in service(doc, argv[3]).get("real_servers", []):
            print(f"{rs.get('address')}:{rs.get('port')}={rs.get(argv[4], 0)}")
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv))
    except (OSError, ValueError, KeyError, IndexError) as e:
        print(f"show_stats: {type(e).__name__}: {e}", file=sys.stderr)
        sys.exit(1)
