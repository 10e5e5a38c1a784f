#!/usr/bin/env python3
"""The PyTorch side of nnfit's benchmarks: the same MLP training work, done as fast as
PyTorch does it on a CPU.

Fair to PyTorch: denormals flushed to zero (as nnfit does), data pre-loaded as float32 tensors, one numpy gather per epoch for the
shuffle (torch.index_select is much slower in Debian's 1.13 build), batches as slices (views)
of the gathered epoch, set_to_none=True for zero_grad, the thread count given, no autograd
anomaly checks. Timed: the epoch's gather and its training steps, after a warm-up.

Prints one JSON object: {"samples_per_second": ..., "seconds_per_step": ..., ...}.
"""
import argparse
import gzip
import json
import os
import struct
import sys
import time

import numpy as np

try:
    import torch
except ImportError:
    print(json.dumps({"error": "PyTorch is not installed (apt-get install python3-torch)"}))
    sys.exit(3)


def read_idx(path):
    with gzip.open(path, "rb") if path.endswith(".gz") else open(path, "rb") as f:
        data = f.read()
    dims = data[3]
    shape = struct.unpack(">" + "I" * dims, data[4 : 4 + 4 * dims])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def fashion_mnist(folder):
    x = read_idx(os.path.join(folder, "train-images-idx3-ubyte.gz")).reshape(60000, 784)
    y = read_idx(os.path.join(folder, "train-labels-idx1-ubyte.gz")).astype(np.int64)
    x = x.astype(np.float32)
    x = (x - x.mean(axis=0)) / np.maximum(x.std(axis=0), 1e-6)
    return x.astype(np.float32), y


ACTIVATIONS = {
    "relu": torch.nn.ReLU, "leaky_relu": torch.nn.LeakyReLU, "elu": torch.nn.ELU,
    "selu": torch.nn.SELU, "softsign": torch.nn.Softsign, "softplus": torch.nn.Softplus,
    "tanh": torch.nn.Tanh,
}


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--layers", default="784,256,128,10", help="widths, input first")
    p.add_argument("--activation", default="relu", choices=sorted(ACTIVATIONS))
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--optimizer", default="adam", choices=["adam", "sgd"])
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--data", default="fashion_mnist", help="fashion_mnist or random:N")
    p.add_argument("--path", default="/usr/share/datasets/fashion-mnist")
    p.add_argument("--seconds", type=float, default=3.0, help="time to measure, at least")
    p.add_argument("--inference", action="store_true", help="time forward passes under no_grad")
    args = p.parse_args()

    torch.set_num_threads(args.threads)
    torch.set_flush_denormal(True)  # as nnfit's training steps do
    torch.manual_seed(0)
    widths = [int(w) for w in args.layers.split(",")]
    regression = widths[-1] == 1
    if args.data == "fashion_mnist":
        x, y = fashion_mnist(args.path)
    else:
        n = int(args.data.split(":")[1])
        rng = np.random.default_rng(0)
        x = rng.standard_normal((n, widths[0]), dtype=np.float32)
        y = rng.standard_normal((n, 1), dtype=np.float32) if regression else rng.integers(0, widths[-1], n)
    if x.shape[1] != widths[0]:
        sys.exit(f"data has {x.shape[1]} features, the network takes {widths[0]}")

    layers = []
    for i in range(len(widths) - 1):
        layers.append(torch.nn.Linear(widths[i], widths[i + 1]))
        if i + 2 < len(widths):
            layers.append(ACTIVATIONS[args.activation]())
    model = torch.nn.Sequential(*layers)
    loss_fn = torch.nn.MSELoss() if regression else torch.nn.CrossEntropyLoss()
    if args.optimizer == "adam":
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    else:
        opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)

    n = x.shape[0]
    steps_per_epoch = n // args.batch
    rng = np.random.default_rng(1)

    if args.inference:
        xt = torch.from_numpy(x)
        model.eval()
        with torch.no_grad():
            model(xt[:1024])
            done, start = 0, time.perf_counter()
            while time.perf_counter() - start < args.seconds:
                for s in range(0, n, 1024):
                    model(xt[s : s + 1024])
                done += n
            elapsed = time.perf_counter() - start
        print(json.dumps({"framework": "pytorch", "version": torch.__version__, "threads": args.threads,
                          "inference": True, "samples_per_second": done / elapsed}))
        return

    def epoch(limit_seconds=None):
        start = time.perf_counter()  # the gather is timed, as nnfit's batch gathering is
        perm = rng.permutation(n)
        xe = torch.from_numpy(x[perm])
        ye = torch.from_numpy(y[perm])
        steps = 0
        for s in range(steps_per_epoch):
            xb = xe[s * args.batch : (s + 1) * args.batch]
            yb = ye[s * args.batch : (s + 1) * args.batch]
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(xb), yb)
            loss.backward()
            opt.step()
            steps += 1
            if limit_seconds is not None and time.perf_counter() - start > limit_seconds:
                break
        return steps, time.perf_counter() - start

    epoch(limit_seconds=0.5)  # warm-up
    total_steps, total_time = 0, 0.0
    while total_time < args.seconds:
        steps, elapsed = epoch(limit_seconds=args.seconds - total_time)
        total_steps += steps
        total_time += elapsed
    print(json.dumps({"framework": "pytorch", "version": torch.__version__, "threads": args.threads,
                      "samples_per_second": total_steps * args.batch / total_time,
                      "seconds_per_step": total_time / total_steps, "steps": total_steps}))


if __name__ == "__main__":
    main()
