#!/usr/bin/python3
"""PyTorch CUDA peer for nabla's SimpleConvNet: train step, inference and one epoch.

Same net and recipe as benchmarks/peers/pytorch_simple_convnet.py (conv 30@5x5 -
relu - max pool 2x2 - affine 100 - relu - affine 10, N(0, 0.01^2) weights, zero
biases, Adam lr 0.001, softmax cross-entropy, batch 100, Fashion-MNIST). Cases:
simple_convnet_train_step (fwd + loss + bwd + Adam, batch 100), simple_convnet_infer
(eval, inference_mode, batch 1 and 100), both eager and torch.compile'd where that
works, and simple_convnet_epoch (600 shuffled steps, then test accuracy). Timings are
min/median/max ms per iteration over repetitions of ~0.2 s loops, with inputs already
on the device. TF32 is off unless --tf32. --device cpu runs it all on the CPU.
"""
import argparse
import functools
import gzip
import json
import math
import pathlib
import statistics
import struct
import sys
import time
import warnings

import numpy as np
import torch
import torch.nn.functional as F

# The CPU peer's net and init (benchmarks/peers), so both peers train the same model.
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent / "peers"))
from pytorch_simple_convnet import simple_convnet as book_simple_convnet  # noqa: E402

T0 = time.perf_counter()


def log(msg):
    # Elapsed time in every line: the output is read from a remote log.
    print(f"[{time.perf_counter() - T0:6.1f} s] {msg}", flush=True)


def read_idx(path):
    # IDX: a big-endian magic whose low byte is the rank, rank u32 dims, then u8 data.
    with gzip.open(path, "rb") as f:
        raw = f.read()
    rank = raw[3]
    dims = struct.unpack(f">{rank}I", raw[4:4 + 4 * rank])
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * rank).reshape(dims)


def load_split(data_dir, split, device):
    images = read_idx(f"{data_dir}/{split}-images-idx3-ubyte.gz").astype(np.float32) / 255.0
    labels = read_idx(f"{data_dir}/{split}-labels-idx1-ubyte.gz").astype(np.int64)
    return (torch.from_numpy(images).unsqueeze(1).to(device),
            torch.from_numpy(labels).to(device))


def simple_convnet(seed, device):
    torch.manual_seed(seed)  # every impl starts from the same weights
    return book_simple_convnet().to(device)


def make_loss(net):
    return lambda x, t: F.cross_entropy(net(x), t)


def train_step(opt, loss_of, x, t):
    opt.zero_grad(set_to_none=True)
    loss = loss_of(x, t)
    loss.backward()
    opt.step()
    return loss


class Timer:
    """ms per iteration of fn over a loop: CUDA events on the GPU, perf_counter on the CPU."""

    def __init__(self, device, target_s, repetitions):
        self.cuda = device.type == "cuda"
        self.target_ms = target_s * 1e3
        self.repetitions = repetitions

    def sync(self):
        if self.cuda:
            torch.cuda.synchronize()

    def loop_ms(self, fn, iters):
        if self.cuda:
            start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
            torch.cuda.synchronize()
            start.record()
            for _ in range(iters):
                fn()
            end.record()
            end.synchronize()
            return start.elapsed_time(end)
        start = time.perf_counter()
        for _ in range(iters):
            fn()
        return (time.perf_counter() - start) * 1e3

    def measure(self, fn, warmup=5):
        for _ in range(warmup):  # cudnn.benchmark autotuning, allocator, lazy init
            fn()
        probe = self.loop_ms(fn, 5) / 5
        iters = max(5, min(100_000, math.ceil(self.target_ms / max(probe, 1e-6))))
        times = [self.loop_ms(fn, iters) / iters for _ in range(self.repetitions)]
        return min(times), statistics.median(times), max(times), iters


def set_tf32(enabled):
    # The legacy flags only: torch >= 2.9 warns about them but still honours them (they set the
    # new fp32_precision state too), while writing the new API alone makes inductor's legacy reads raise.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.backends.cuda.matmul.allow_tf32 = enabled
        torch.backends.cudnn.allow_tf32 = enabled


def try_compile(fn, mode, what):
    """torch.compile(fn), or None with the reason printed; compilation itself waits for the first call."""
    if not hasattr(torch, "compile"):
        log(f"{what}: compiled skipped: torch {torch.__version__} has no torch.compile")
        return None
    try:
        return torch.compile(fn, mode=None if mode == "default" else mode, dynamic=False)
    except Exception as e:  # noqa: BLE001 - any failure only means "no compiled variant"
        log(f"{what}: compiled skipped: {type(e).__name__}: {e}")
        return None


def first_call(fn, what, timer):
    """Run fn once, which compiles it; False with the reason printed if that fails."""
    start = time.perf_counter()
    try:
        fn()
        timer.sync()
    except Exception as e:  # noqa: BLE001
        why = (str(e).splitlines() or [""])[0][:300]  # inductor errors can run to pages
        log(f"{what}: compiled skipped: {type(e).__name__}: {why}")
        return False
    log(f"{what}: compiled in {time.perf_counter() - start:.1f} s")
    return True


def accuracy(net, x, t):
    net.eval()
    correct = torch.zeros((), dtype=torch.int64, device=x.device)
    with torch.inference_mode():
        for i in range(0, len(x), 1000):
            correct += (net(x[i:i + 1000]).argmax(1) == t[i:i + 1000]).sum()
    net.train()
    return 100.0 * correct.item() / len(x)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--device", default="cuda", help="cuda (default), cuda:N or cpu")
    p.add_argument("--data", default="/usr/share/datasets/fashion-mnist", help="dir of the IDX .gz files")
    p.add_argument("--repetitions", type=int, default=7, help="timed repetitions per measurement")
    p.add_argument("--quick", action="store_true", help="3 repetitions of ~0.1 s each")
    p.add_argument("--no-compile", action="store_true", help="skip the torch.compile variants")
    p.add_argument("--compile-mode", default="default",
                   help="torch.compile mode: default (quickest to compile), max-autotune-no-cudagraphs, ...")
    p.add_argument("--tf32", action="store_true", help="allow TF32 in matmul and cuDNN (default off)")
    p.add_argument("--epochs", type=int, default=1, help="timed training epochs")
    p.add_argument("--epoch-steps", type=int, default=None, help="steps per epoch (default: full, 600)")
    p.add_argument("--threads", type=int, default=None, help="torch.set_num_threads (default: torch's)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--json", metavar="FILE", help="write one JSON object per measurement per line")
    args = p.parse_args()

    device = torch.device(args.device)
    cuda = device.type == "cuda"
    if cuda and not torch.cuda.is_available():
        sys.exit("CUDA is not available here; use --device cpu")
    if args.threads:
        torch.set_num_threads(args.threads)
    dev_name = torch.cuda.get_device_name(device) if cuda else "cpu"
    tf32 = bool(args.tf32 and cuda)
    if cuda:
        torch.backends.cudnn.benchmark = True
        set_tf32(tf32)
    timer = Timer(device, 0.1 if args.quick else 0.2, 3 if args.quick else args.repetitions)
    log(f"torch {torch.__version__}, device {dev_name}, CUDA {torch.version.cuda}, "
        f"cuDNN {torch.backends.cudnn.version() if cuda else None}, threads {torch.get_num_threads()}, "
        f"tf32 {tf32}, python {sys.version.split()[0]}")
    x_train, t_train = load_split(args.data, "train", device)
    x_test, t_test = load_split(args.data, "t10k", device)
    timer.sync()
    log(f"data: {len(x_train)} train, {len(x_test)} test images on {device}")

    rows = []
    tag = "cuda" if cuda else "cpu"

    def report(case, variant, batch, result, **extra):
        ms_min, ms_median, ms_max, iters = result
        rows.append(dict(case=case, impl=f"pytorch_{tag}_{variant}", device=dev_name,
                         threads=torch.get_num_threads(), batch=batch, ms_min=ms_min,
                         ms_median=ms_median, ms_max=ms_max, iters=iters, tf32=tf32,
                         torch=torch.__version__, **extra))
        if not extra:
            log(f"{case} pytorch_{tag}_{variant} batch {batch}: min {ms_min:.3f} / median {ms_median:.3f}"
                f" / max {ms_max:.3f} ms ({iters} iters x {timer.repetitions})")

    variants = ["eager"] + ([] if args.no_compile else ["compiled"])
    x_b, t_b = x_train[:100], t_train[:100]  # the fixed, device-resident training batch

    log("case simple_convnet_train_step")
    for variant in variants:
        net = simple_convnet(args.seed, device)
        loss_of = make_loss(net)
        if variant == "compiled":
            loss_of = try_compile(loss_of, args.compile_mode, "train_step")
            if loss_of is None:
                continue
        opt = torch.optim.Adam(net.parameters(), lr=0.001)
        step = functools.partial(train_step, opt, loss_of, x_b, t_b)
        if variant == "compiled" and not first_call(step, "train_step", timer):
            continue
        report("simple_convnet_train_step", variant, 100, timer.measure(step))

    log("case simple_convnet_infer")
    for variant in variants:
        net = simple_convnet(args.seed, device).eval()
        fwd = net if variant == "eager" else try_compile(net, args.compile_mode, "infer")
        if fwd is None:
            continue
        for batch in (1, 100):
            def infer(fwd=fwd, x=x_test[:batch]):
                with torch.inference_mode():
                    return fwd(x)
            if variant == "compiled" and not first_call(infer, f"infer batch {batch}", timer):
                continue
            report("simple_convnet_infer", variant, batch, timer.measure(infer))

    log("case simple_convnet_epoch")
    steps = min(args.epoch_steps or 600, len(x_train) // 100)
    # Warm cuDNN autotuning and the allocator on a throwaway net so the first epoch is not charged.
    warm = simple_convnet(args.seed, device)
    warm_opt, warm_loss = torch.optim.Adam(warm.parameters(), lr=0.001), make_loss(warm)
    for _ in range(10):
        train_step(warm_opt, warm_loss, x_b, t_b)
    del warm, warm_opt, warm_loss
    net = simple_convnet(args.seed, device)
    opt, loss_of = torch.optim.Adam(net.parameters(), lr=0.001), make_loss(net)
    for epoch in range(1, args.epochs + 1):
        order = torch.randperm(len(x_train), generator=torch.Generator().manual_seed(args.seed + epoch))
        order = order.to(device)
        total = torch.zeros((), device=device)  # the loss is summed on the device: no per-step sync

        def run_epoch():
            for i in range(steps):
                idx = order[i * 100:(i + 1) * 100]
                total.add_(train_step(opt, loss_of, x_train[idx], t_train[idx]).detach())
        ms = timer.loop_ms(run_epoch, 1)
        acc = accuracy(net, x_test, t_test)
        mean_loss = total.item() / steps
        report("simple_convnet_epoch", "eager", 100, (ms, ms, ms, steps),
               seconds=ms / 1e3, test_accuracy=acc, epoch=epoch, mean_loss=mean_loss)
        log(f"simple_convnet_epoch pytorch_{tag}_eager epoch {epoch}: {ms / 1e3:.2f} s for {steps}"
            f" steps, mean loss {mean_loss:.4f}, test accuracy {acc:.2f}%")

    print(f"\nSimpleConvNet, torch {torch.__version__} on {dev_name}, tf32 {tf32}")
    print(f"{'case':<27} {'impl':<22} {'batch':>5} {'min ms':>10} {'median ms':>10} {'max ms':>10}  epoch")
    for r in rows:
        extra = f"{r['seconds']:.2f} s, acc {r['test_accuracy']:.2f}%" if "seconds" in r else ""
        print(f"{r['case']:<27} {r['impl']:<22} {r['batch']:>5} {r['ms_min']:>10.3f} "
              f"{r['ms_median']:>10.3f} {r['ms_max']:>10.3f}  {extra}", flush=True)
    if args.json:
        with open(args.json, "w") as f:
            f.writelines(json.dumps(r) + "\n" for r in rows)
        log(f"wrote {len(rows)} rows to {args.json}")


if __name__ == "__main__":
    main()
