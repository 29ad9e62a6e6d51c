#!/usr/bin/python3
"""The peer for nabla's SimpleConvNet: the same net and recipe in PyTorch.

The textbook recipe: conv 30@5x5 (stride 1, pad 0) - relu - max pool 2x2 -
affine 100 - relu - affine 10, weights N(0, 0.01^2), zero biases, Adam
lr 0.001, batch 100, softmax cross-entropy, on Debian's Fashion-MNIST. Prints
one line per epoch (time, test accuracy) and the median training-step time;
with --json, one JSON object per epoch instead (benchmarks/peers/epochs.py).

Run it as the README says (glibc malloc, OMP_NUM_THREADS=2,
OPENBLAS_NUM_THREADS=1): that is PyTorch at its best on these machines.
"""
import argparse
import gzip
import json
import statistics
import struct
import time

import numpy as np
import torch
import torch.nn as nn


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    magic = struct.unpack(">I", data[:4])[0]
    rank = magic & 0xFF
    dims = struct.unpack(">" + "I" * rank, data[4:4 + 4 * rank])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * rank).reshape(dims)


def load(data_dir, split):
    images = read_idx(f"{data_dir}/{split}-images-idx3-ubyte.gz").astype(np.float32) / 255.0
    labels = read_idx(f"{data_dir}/{split}-labels-idx1-ubyte.gz").astype(np.int64)
    return torch.from_numpy(images).unsqueeze(1), torch.from_numpy(labels)


def simple_convnet():
    net = nn.Sequential(nn.Conv2d(1, 30, 5), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                        nn.Linear(30 * 12 * 12, 100), nn.ReLU(), nn.Linear(100, 10))
    for m in net:
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            nn.init.normal_(m.weight, std=0.01)
            nn.init.zeros_(m.bias)
    return net


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--train-limit", type=int, default=0,
                        help="use only the first N training images (0: all)")
    parser.add_argument("--test-limit", type=int, default=0,
                        help="use only the first N test images (0: all)")
    parser.add_argument("--json", action="store_true",
                        help="one JSON object per epoch: epoch, seconds, test_accuracy")
    parser.add_argument("--keep-denormals", action="store_true",
                        help="IEEE gradual underflow (default: flushed to zero, as nabla does)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    # Adam's moments of parameters whose gradient stays 0 decay through the
    # denormal range, which x86 cores compute ~100x slower; nabla's kernels
    # flush them (runtime/aot/FlushDenormals.h), and so does the peer here.
    torch.set_flush_denormal(not args.keep_denormals)
    torch.manual_seed(args.seed)
    x_train, t_train = load(args.data, "train")
    x_test, t_test = load(args.data, "t10k")
    if args.train_limit:
        x_train, t_train = x_train[:args.train_limit], t_train[:args.train_limit]
    if args.test_limit:
        x_test, t_test = x_test[:args.test_limit], t_test[:args.test_limit]
    net = simple_convnet()
    optimizer = torch.optim.Adam(net.parameters(), lr=0.001)
    loss_fn = nn.CrossEntropyLoss()
    step_ms = []
    for epoch in range(1, args.epochs + 1):
        order = torch.randperm(len(x_train))
        start = time.perf_counter()
        for i in range(0, len(x_train), 100):
            idx = order[i:i + 100]
            step_start = time.perf_counter()
            optimizer.zero_grad()
            loss = loss_fn(net(x_train[idx]), t_train[idx])
            loss.backward()
            optimizer.step()
            step_ms.append((time.perf_counter() - step_start) * 1e3)
        seconds = time.perf_counter() - start
        with torch.no_grad():
            correct = sum((net(x_test[i:i + 1000]).argmax(1) == t_test[i:i + 1000]).sum().item()
                          for i in range(0, len(x_test), 1000))
        accuracy = correct / len(x_test)
        if args.json:
            print(json.dumps({"epoch": epoch, "seconds": seconds, "test_accuracy": accuracy}),
                  flush=True)
        else:
            print(f"pytorch epoch {epoch}: {seconds:.2f} s, test acc {100 * accuracy:.2f}%",
                  flush=True)
    if not args.json:
        print(f"pytorch train step batch 100: min {min(step_ms):.2f} ms, "
              f"median {statistics.median(step_ms):.2f} ms, max {max(step_ms):.2f} ms")


if __name__ == "__main__":
    main()
