#!/usr/bin/env python3
"""Turns peer benchmark output into results lines and prints the peer table.

  report.py convert --impl nabla --threads 2 gbench.json   Google Benchmark
      JSON (aggregates min/median/max) -> one JSON object per case on stdout
  report.py table results.jsonl   the table: median ms (min-max) per impl,
      ratios against nabla, nabla's GFLOP/s and % of the measured FMA peak

A results line: {"case", "shape", "impl", "config", "threads", "batch",
"ms_min", "ms_median", "ms_max", "flops"}; the FMA peak is a line with
"case": "fma_peak" and "gflops"; the machine's load is a line with "case":
"load".
"""
import argparse
import json
import sys
from collections import defaultdict

IMPLS = ["nabla", "pytorch_eager", "pytorch_optimized", "onednn", "openblas"]


def convert(args):
    data = json.load(open(args.file))
    runs = defaultdict(dict)
    for b in data["benchmarks"]:
        if b.get("run_type") != "aggregate" or b.get("error_occurred"):
            continue
        scale = {"ns": 1e-6, "us": 1e-3, "ms": 1.0, "s": 1e3}[b["time_unit"]]
        runs[b["run_name"]][b["aggregate_name"]] = b["real_time"] * scale
        runs[b["run_name"]]["flops"] = b.get("flops", 0)
    for name, agg in runs.items():
        # "case/shape/batch/repeats:5/real_time": drop Google Benchmark's suffixes.
        parts = [p for p in name.split("/") if ":" not in p and p != "real_time"]
        case, batch = parts[0], int(parts[-1])
        shape = "/".join(parts[1:-1])
        print(json.dumps({"case": case, "shape": shape, "impl": args.impl, "config": args.config,
                          "threads": args.threads, "batch": batch,
                          "ms_min": round(agg["min"], 4), "ms_median": round(agg["median"], 4),
                          "ms_max": round(agg["max"], 4), "flops": agg["flops"]}))


def table(args):
    rows = [json.loads(line) for line in open(args.file) if line.strip()]
    peaks = {r["threads"]: r for r in rows if r["case"] == "fma_peak"}
    for r in rows:
        if r["case"] == "load":
            print(f"load ({r['when']}): {r['uptime']}")
    for t, p in sorted(peaks.items()):
        print(f"FMA peak, {t} thread(s): {p['gflops_cpu_time']:.0f} GFLOP/s by thread CPU time "
              f"({p['gflops']:.0f} by wall clock, {p['isa']})")
    results = defaultdict(dict)
    for r in rows:
        if r["case"] in ("fma_peak", "load"):
            continue
        impl = r["impl"] + ("" if r.get("config", "default") == "default" else "/" + r["config"])
        results[(r["case"], r["shape"], r["batch"], r["threads"])][impl] = r
    seen = {c for v in results.values() for c in v}
    columns = [c for base in IMPLS for c in sorted(seen, key=lambda c: (c != base, c))
               if c.split("/")[0] == base]
    print("\nmedian ms (min-max); ratio = peer median / nabla median (>1: nabla faster), "
          "where nabla is its better configuration (nabla/replicas: data-parallel replicas)")
    header = f"{'case':<42} {'thr':>3} " + " ".join(f"{c:>26}" for c in columns)
    print(header + f" {'nabla GFLOP/s':>14} {'% peak':>7}")
    for key in sorted(results):
        case, shape, batch, threads = key
        label = f"{case}{'/' + shape if shape else ''}/{batch}"
        impls = results[key]
        mine = [r for c, r in impls.items() if c.split("/")[0] == "nabla"]
        nabla = min(mine, key=lambda r: r["ms_median"]) if mine else None
        cells = []
        for c in columns:
            r = impls.get(c)
            if not r:
                cells.append(f"{'-':>26}")
                continue
            cell = f"{r['ms_median']:.3f} ({r['ms_min']:.3f}-{r['ms_max']:.3f})"
            if nabla and c.split("/")[0] != "nabla":
                cell += f" {r['ms_median'] / nabla['ms_median']:.2f}x"
            cells.append(f"{cell:>26}")
        extra = ""
        if nabla and nabla.get("flops"):
            gflops = nabla["flops"] / (nabla["ms_median"] * 1e-3) / 1e9
            peak = peaks.get(threads)
            pct = f"{100 * gflops / peak['gflops_cpu_time']:.0f}%" if peak else "-"
            extra = f" {gflops:>14.1f} {pct:>7}"
        print(f"{label:<42} {threads:>3} " + " ".join(cells) + extra)
    epoch_accuracy(results)


def epoch_accuracy(results):
    """The epoch rows' test accuracies: each side's mean over the seeds, and
    nabla's better configuration against PyTorch's (issue 9: within 0.5 pp)."""
    for (case, _, _, threads), impls in sorted(results.items()):
        if case != "simple_convnet_epoch":
            continue
        means = {c: r["test_accuracy_mean"] for c, r in impls.items() if "test_accuracy_mean" in r}
        seeds = next(iter(impls.values())).get("seeds", [])
        print(f"\nepoch test accuracy, {threads} thread(s), mean over seeds "
              f"{','.join(map(str, seeds))}: " +
              ", ".join(f"{c} {100 * m:.2f}%" for c, m in means.items()))
        peer = means.get("pytorch_eager/tuned")
        mine = [m for c, m in means.items() if c.split("/")[0] == "nabla"]
        if peer is not None and mine:
            gaps = ", ".join(f"{100 * (m - peer):+.2f}" for m in mine)
            print(f"nabla - PyTorch: {gaps} pp")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    c = sub.add_parser("convert")
    c.add_argument("--impl", required=True, choices=IMPLS)
    c.add_argument("--config", default="default")
    c.add_argument("--threads", type=int, required=True)
    c.add_argument("file")
    t = sub.add_parser("table")
    t.add_argument("file")
    args = parser.parse_args()
    {"convert": convert, "table": table}[args.command](args)


if __name__ == "__main__":
    sys.exit(main())
