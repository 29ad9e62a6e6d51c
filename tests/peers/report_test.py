#!/usr/bin/env python3
"""benchmarks/peers/report.py: Google Benchmark JSON becomes results lines
with the agreed fields, and the table shows each peer's ratio to nabla and
nabla's share of the measured FMA peak."""
import json
import os
import subprocess
import sys
import tempfile
import unittest

REPORT = os.path.join(os.path.dirname(__file__), "../../benchmarks/peers/report.py")


def aggregate(name, stat, ms, flops):
    return {"name": f"{name}_{stat}", "run_name": name, "run_type": "aggregate",
            "aggregate_name": stat, "real_time": ms * 1e3, "time_unit": "us", "flops": flops}


class ReportTest(unittest.TestCase):
    def run_report(self, *args):
        return subprocess.run([sys.executable, REPORT, *args], check=True, capture_output=True,
                              text=True).stdout

    def test_convert_and_table(self):
        with tempfile.TemporaryDirectory() as tmp:
            gbench = os.path.join(tmp, "nabla.json")
            benchmarks = []
            for stat, ms in (("mean", 2.1), ("median", 2.0), ("min", 1.5), ("max", 3.0)):
                benchmarks.append(aggregate("conv_bias_relu/simple_convnet_conv1/100/repeats:5/real_time",
                                            stat, ms, 86.4e6))
            json.dump({"benchmarks": benchmarks}, open(gbench, "w"))
            lines = self.run_report("convert", "--impl", "nabla", "--threads", "2", gbench)
            rows = [json.loads(line) for line in lines.splitlines()]
            self.assertEqual(len(rows), 1)
            row = rows[0]
            self.assertEqual((row["case"], row["shape"], row["impl"], row["threads"], row["batch"]),
                             ("conv_bias_relu", "simple_convnet_conv1", "nabla", 2, 100))
            self.assertEqual((row["ms_min"], row["ms_median"], row["ms_max"]), (1.5, 2.0, 3.0))

            results = os.path.join(tmp, "results.jsonl")
            with open(results, "w") as f:
                f.write(lines)
                peer = dict(row, impl="onednn", ms_min=0.9, ms_median=1.0, ms_max=1.1)
                f.write(json.dumps(peer) + "\n")
                f.write(json.dumps({"case": "fma_peak", "threads": 2, "isa": "avx512",
                                    "gflops": 400.0, "gflops_cpu_time": 432.0}) + "\n")
            table = self.run_report("table", results)
            line = next(l for l in table.splitlines() if l.startswith("conv_bias_relu"))
            self.assertIn("0.50x", line)  # oneDNN 1.0 ms / nabla 2.0 ms
            self.assertIn("43.2", line)   # 86.4 MFLOP in 2 ms
            self.assertIn("10%", line)    # of 432 GFLOP/s

    def test_ratios_are_against_the_better_nabla_configuration(self):
        with tempfile.TemporaryDirectory() as tmp:
            base = {"case": "simple_convnet_infer", "shape": "", "threads": 2, "batch": 100,
                    "flops": 0}
            rows = [dict(base, impl="nabla", config="default", ms_min=1.0, ms_median=1.1,
                         ms_max=1.2),
                    dict(base, impl="nabla", config="replicas", ms_min=0.9, ms_median=1.0,
                         ms_max=1.1),
                    dict(base, impl="pytorch_optimized", config="tuned", ms_min=1.9,
                         ms_median=2.0, ms_max=2.1)]
            results = os.path.join(tmp, "results.jsonl")
            with open(results, "w") as f:
                f.writelines(json.dumps(r) + "\n" for r in rows)
            table = self.run_report("table", results)
            header = next(l for l in table.splitlines() if l.startswith("case"))
            self.assertIn("nabla/replicas", header)
            line = next(l for l in table.splitlines() if l.startswith("simple_convnet_infer"))
            self.assertIn("2.000 (1.900-2.100) 2.00x", line)  # 2.0 ms / the replicas' 1.0 ms
            self.assertNotIn("0.91x", line)  # nabla's own columns get no ratio

    def test_epoch_accuracy_means_and_gap(self):
        with tempfile.TemporaryDirectory() as tmp:
            base = {"case": "simple_convnet_epoch", "shape": "", "threads": 2, "batch": 100,
                    "flops": 0, "seeds": [0, 1]}
            rows = [dict(base, impl="nabla", config="default", ms_min=1200, ms_median=1250,
                         ms_max=1300, test_accuracy=[0.82, 0.84], test_accuracy_mean=0.83),
                    dict(base, impl="pytorch_eager", config="tuned", ms_min=5000, ms_median=5500,
                         ms_max=6000, test_accuracy=[0.83, 0.822], test_accuracy_mean=0.826)]
            results = os.path.join(tmp, "results.jsonl")
            with open(results, "w") as f:
                f.writelines(json.dumps(r) + "\n" for r in rows)
            table = self.run_report("table", results).splitlines()
            line = next(l for l in table if l.startswith("simple_convnet_epoch"))
            self.assertIn("5500.000 (5000.000-6000.000) 4.40x", line)  # 5500 / 1250 ms
            means = next(l for l in table if l.startswith("epoch test accuracy"))
            self.assertIn("seeds 0,1: nabla 83.00%, pytorch_eager/tuned 82.60%", means)
            self.assertIn("nabla - PyTorch: +0.40 pp", table)


if __name__ == "__main__":
    unittest.main()
