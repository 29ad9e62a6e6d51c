#!/usr/bin/python3
"""PyTorch's side of the peer comparison (benchmarks/peers/run).

The same case names and shapes as nabla's (the conv and matmul shapes are read
from PeerShapes.h): SimpleConvNet's Adam training step and forward pass, one
conv+bias+relu layer, one matmul. `pytorch_eager` is plain eager mode (no_grad
for inference); `pytorch_optimized` is torch.jit.optimize_for_inference
(freezing, conv+relu fusion, MKL-DNN layouts) for the inference cases.

Timing matches Google Benchmark's: each repetition runs the case until
--min-time seconds have passed and keeps the mean; min/median/max are over
repetitions. Prints one JSON object per measurement.
"""
import argparse
import json
import os
import re
import statistics
import time

import torch
import torch.nn as nn

from pytorch_simple_convnet import simple_convnet  # the same net as the epoch-level peer

HERE = os.path.dirname(os.path.abspath(__file__))


def peer_shapes():
    text = open(os.path.join(HERE, "PeerShapes.h")).read()
    num = r"\s*(\d+)"
    conv = re.findall(r'\{"(\w+)",' + ",".join([num] * 6) + r"\}", text)
    matmul = re.findall(r'\{"(\w+)",' + ",".join([num] * 3) + r"\}", text)
    return ([(n, *map(int, rest)) for n, *rest in conv],
            [(n, *map(int, rest)) for n, *rest in matmul])


def optimized(module):
    with torch.no_grad():
        return torch.jit.optimize_for_inference(torch.jit.script(module.eval()))


def measure(run, repetitions, min_time):
    run()  # warm: allocator, kernels, lazy initialization
    run()
    means = []
    for _ in range(repetitions):
        iterations, start = 0, time.perf_counter()
        while True:
            run()
            iterations += 1
            elapsed = time.perf_counter() - start
            if elapsed >= min_time:
                break
        means.append(elapsed / iterations * 1e3)
    return min(means), statistics.median(means), max(means)


def cases(conv_shapes, matmul_shapes):
    """Yields (case, impl, batch, shape, flops, run)."""
    images = {b: torch.rand(b, 1, 28, 28) for b in (1, 100)}
    labels = torch.randint(0, 10, (100,))
    net = simple_convnet()
    optimizer = torch.optim.Adam(net.parameters(), lr=0.001)
    loss_fn = nn.CrossEntropyLoss()

    def train_step():
        optimizer.zero_grad()
        loss_fn(net(images[100]), labels).backward()
        optimizer.step()

    conv, affine1, affine2 = 2 * 30 * 24 * 24 * 25, 2 * 4320 * 100, 2 * 100 * 10
    yield ("simple_convnet_train_step", "pytorch_eager", 100, "", 100 * (2 * conv + 3 * affine1 + 3 * affine2),
           train_step)
    infer_net = simple_convnet().eval()
    frozen = optimized(infer_net)
    for batch in (1, 100):
        flops = batch * (conv + affine1 + affine2)
        x = images[batch]
        yield ("simple_convnet_infer", "pytorch_eager", batch, "", flops,
               lambda x=x: no_grad(infer_net, x))
        yield ("simple_convnet_infer", "pytorch_optimized", batch, "", flops,
               lambda x=x: no_grad(frozen, x))
    for name, batch, cin, cout, size, kernel, pad in conv_shapes:
        layer = nn.Sequential(nn.Conv2d(cin, cout, kernel, padding=pad), nn.ReLU()).eval()
        x = torch.rand(batch, cin, size, size)
        out = size + 2 * pad - kernel + 1
        flops = 2 * batch * cout * out * out * cin * kernel * kernel
        fused = optimized(layer)
        yield ("conv_bias_relu", "pytorch_eager", batch, name, flops, lambda l=layer, x=x: no_grad(l, x))
        yield ("conv_bias_relu", "pytorch_optimized", batch, name, flops, lambda l=fused, x=x: no_grad(l, x))
    for name, m, k, n in matmul_shapes:
        a, b, c = torch.rand(m, k), torch.rand(k, n), torch.empty(m, n)
        yield ("matmul", "pytorch_eager", 1, name, 2 * m * k * n, lambda a=a, b=b, c=c: torch.mm(a, b, out=c))


def no_grad(module, x):
    with torch.no_grad():
        return module(x)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--config", default="default", help="label: default or tuned environment")
    parser.add_argument("--repetitions", type=int, default=5)
    parser.add_argument("--min-time", type=float, default=0.5)
    parser.add_argument("--filter", default="", help="regex on case/shape/impl")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    pattern = re.compile(args.filter)
    for case, impl, batch, shape, flops, run in cases(*peer_shapes()):
        if not pattern.search(f"{case}/{shape}/{impl}"):
            continue
        lo, med, hi = measure(run, args.repetitions, args.min_time)
        print(json.dumps({"case": case, "shape": shape, "impl": impl, "config": args.config,
                          "threads": args.threads, "batch": batch, "ms_min": round(lo, 4),
                          "ms_median": round(med, 4), "ms_max": round(hi, 4), "flops": flops,
                          "torch": torch.__version__}), flush=True)


if __name__ == "__main__":
    main()
