#!/usr/bin/env python3
"""SimpleConvNet's Fashion-MNIST epoch: nabla against PyTorch, side by side.

Issue 9's epoch target: the book's recipe (Adam, lr 0.001, batch 100, one
epoch) at least 4x faster than PyTorch, with the same test accuracy within
0.5 pp. Both sides vary with the seed by about 3 pp, so one run per side
decides nothing: each round r trains one epoch with seed r on every side in
turn (nabla's single compiled step, nabla's data-parallel replicas, PyTorch
tuned), so each side sees the same minutes of a noisy machine. Prints one
results line per side (benchmarks/peers/report.py): the epoch's training
time as ms_min / ms_median / ms_max over the rounds (what each side times
itself: its training loop, not the data loading or the test pass), and the
test accuracies per seed with their mean.

  epochs.py --bin build/bin --threads 2 --rounds 6 >> results.jsonl
"""
import argparse
import csv
import json
import os
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))


def nabla_epoch(args, seed, replicas):
    """(seconds, test accuracy) of one epoch of build/bin/simple_convnet."""
    with tempfile.TemporaryDirectory() as out:
        command = [os.path.join(args.bin, "simple_convnet"), "--epochs", "1", "--quiet",
                   "--threads", str(args.threads), "--seed", str(seed), "--replicas",
                   str(replicas), "--train-limit", str(args.train_limit), "--test-limit",
                   str(args.test_limit), "--out", out]
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
        with open(os.path.join(out, "history.csv")) as f:
            row = list(csv.DictReader(f))[-1]
    return float(row["seconds"]), float(row["test_acc"])


def pytorch_epoch(args, seed):
    """(seconds, test accuracy) of one epoch of pytorch_simple_convnet.py, tuned:
    glibc malloc, one OpenMP pool of N threads, single-threaded OpenBLAS with
    its AVX-512 kernels (PyTorch at its best on these machines)."""
    env = dict(os.environ, OMP_NUM_THREADS=str(args.threads), OPENBLAS_NUM_THREADS="1",
               OPENBLAS_CORETYPE="SkylakeX")
    env.pop("LD_PRELOAD", None)
    command = ["/usr/bin/python3", os.path.join(HERE, "pytorch_simple_convnet.py"), "--epochs",
               "1", "--json", "--threads", str(args.threads), "--seed", str(seed),
               "--train-limit", str(args.train_limit), "--test-limit", str(args.test_limit)]
    line = subprocess.run(command, check=True, env=env, capture_output=True,
                          text=True).stdout.strip().splitlines()[-1]
    epoch = json.loads(line)
    return epoch["seconds"], epoch["test_accuracy"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bin", required=True, help="nabla's build/bin directory")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=6, help="seeds 0..N-1, one epoch each")
    parser.add_argument("--train-limit", type=int, default=0, help="first N training images")
    parser.add_argument("--test-limit", type=int, default=0, help="first N test images")
    parser.add_argument("--no-pytorch", action="store_true", help="nabla's sides only")
    args = parser.parse_args()
    if args.rounds < 1 or args.threads < 1:
        parser.error("--rounds and --threads must be at least 1")

    sides = {("nabla", "default"): lambda seed: nabla_epoch(args, seed, 1)}
    if args.threads > 1:
        sides[("nabla", "replicas")] = lambda seed: nabla_epoch(args, seed, args.threads)
    if not args.no_pytorch:
        sides[("pytorch_eager", "tuned")] = lambda seed: pytorch_epoch(args, seed)
    runs = {side: [] for side in sides}
    for seed in range(args.rounds):
        for side, run in sides.items():
            runs[side].append(run(seed))
            print(f"== epoch, seed {seed}, {side[0]} ({side[1]}): {runs[side][-1][0]:.2f} s, "
                  f"test acc {100 * runs[side][-1][1]:.2f}%", file=sys.stderr, flush=True)

    for (impl, config), results in runs.items():
        ms = [1e3 * seconds for seconds, _ in results]
        accuracies = [accuracy for _, accuracy in results]
        print(json.dumps({"case": "simple_convnet_epoch", "shape": "", "impl": impl,
                          "config": config, "threads": args.threads, "batch": 100,
                          "ms_min": round(min(ms), 1), "ms_median": round(statistics.median(ms), 1),
                          "ms_max": round(max(ms), 1), "flops": 0,
                          "seeds": list(range(args.rounds)), "test_accuracy": accuracies,
                          "test_accuracy_mean": statistics.mean(accuracies)}))


if __name__ == "__main__":
    sys.exit(main())
