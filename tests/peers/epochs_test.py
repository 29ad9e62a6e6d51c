#!/usr/bin/env python3
"""benchmarks/peers/epochs.py on a small subset: one results line per side,
with the epoch times and one test accuracy per seed from the runs themselves.

  epochs_test.py BIN_DIR   (the build's bin directory, with simple_convnet)
"""
import json
import os
import subprocess
import sys
import unittest

EPOCHS = os.path.join(os.path.dirname(__file__), "../../benchmarks/peers/epochs.py")
BIN = None


def has_torch():
    return subprocess.run(["/usr/bin/python3", "-c", "import torch"],
                          capture_output=True).returncode == 0


class EpochsTest(unittest.TestCase):
    def run_epochs(self, *args):
        out = subprocess.run([sys.executable, EPOCHS, "--bin", BIN, "--threads", "2",
                              "--rounds", "2", "--train-limit", "500", "--test-limit", "200",
                              *args], check=True, capture_output=True, text=True).stdout
        return {(r["impl"], r["config"]): r for r in map(json.loads, out.splitlines())}

    def check_side(self, row):
        self.assertEqual((row["case"], row["threads"], row["batch"], row["seeds"]),
                         ("simple_convnet_epoch", 2, 100, [0, 1]))
        self.assertTrue(0 < row["ms_min"] <= row["ms_median"] <= row["ms_max"], row)
        self.assertEqual(len(row["test_accuracy"]), 2)
        for accuracy in row["test_accuracy"]:
            self.assertTrue(0 <= accuracy <= 1, row)  # 200 test images: multiples of 0.005
            self.assertAlmostEqual(accuracy * 200, round(accuracy * 200), places=6)
        self.assertAlmostEqual(row["test_accuracy_mean"], sum(row["test_accuracy"]) / 2)

    def test_nabla_sides(self):
        rows = self.run_epochs("--no-pytorch")
        self.assertEqual(set(rows), {("nabla", "default"), ("nabla", "replicas")})
        for row in rows.values():
            self.check_side(row)
        # 5 steps from the book's N(0, 0.01^2) weights: above chance, not yet trained.
        self.assertGreater(rows[("nabla", "default")]["test_accuracy_mean"], 0.15)

    @unittest.skipUnless(has_torch(), "/usr/bin/python3 cannot import torch (python3-torch)")
    def test_pytorch_side(self):
        rows = self.run_epochs()
        self.check_side(rows[("pytorch_eager", "tuned")])

    def test_bad_arguments_are_refused(self):
        run = subprocess.run([sys.executable, EPOCHS, "--bin", BIN, "--rounds", "0"],
                             capture_output=True, text=True)
        self.assertEqual(run.returncode, 2)
        self.assertIn("--rounds and --threads must be at least 1", run.stderr)


if __name__ == "__main__":
    BIN = sys.argv.pop(1)
    unittest.main()
