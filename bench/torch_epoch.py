#!/usr/bin/env python3
"""PyTorch's whole-process peer of `nnfit --config configs/mlp_relu.json --set train.epochs=1`:
what a user would write to do the same job in one script, timed by bench/run.py from exec to
exit (the import of torch included, as a user waits for it).

The job, as configs/fashion_mnist_base.json gives it: read Fashion-MNIST's gzip IDX files
(train and test), standardise with the training split's global mean and deviation, hold out
10% for validation, train 784-256-128-10 ReLU with Adam (lr 1e-3, cosine schedule) at batch
64 for one epoch, with the training loss and accuracy as running means over the epoch (as
nnfit and Keras report them), evaluate the validation and test sets, save the model. Usage: torch_epoch.py [--threads N] [--output DIR].
"""
import argparse
import gzip
import json
import math
import os
import struct

import numpy as np
import torch

FOLDER = "/usr/share/datasets/fashion-mnist"


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    dims = data[3]
    shape = struct.unpack(">" + "I" * dims, data[4 : 4 + 4 * dims])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def load(split):
    x = read_idx(os.path.join(FOLDER, f"{split}-images-idx3-ubyte.gz")).reshape(-1, 784).astype(np.float32)
    y = read_idx(os.path.join(FOLDER, f"{split}-labels-idx1-ubyte.gz")).astype(np.int64)
    return x, y


def evaluate(model, loss_fn, x, y):
    with torch.no_grad():
        loss, correct = 0.0, 0
        for s in range(0, len(x), 1024):
            out = model(x[s : s + 1024])
            loss += loss_fn(out, y[s : s + 1024]).item() * len(out)
            correct += (out.argmax(1) == y[s : s + 1024]).sum().item()
    return {"loss": loss / len(x), "accuracy": correct / len(x)}


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--output", default="/tmp/torch-epoch")
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.set_flush_denormal(True)
    torch.manual_seed(1)
    x, y = load("train")
    xt, yt = load("t10k")
    rng = np.random.default_rng(1)
    order = rng.permutation(len(x))
    val = order[: len(x) // 10]
    train = order[len(x) // 10 :]
    mean, std = x[train].mean(), x[train].std()
    scale = lambda v: torch.from_numpy((v - mean) / std)
    x_train, y_train = scale(x[train]), torch.from_numpy(y[train])
    x_val, y_val = scale(x[val]), torch.from_numpy(y[val])
    x_test, y_test = scale(xt), torch.from_numpy(yt)

    model = torch.nn.Sequential(torch.nn.Linear(784, 256), torch.nn.ReLU(), torch.nn.Linear(256, 128),
                                torch.nn.ReLU(), torch.nn.Linear(128, 10))
    loss_fn = torch.nn.CrossEntropyLoss()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    batch, epochs = 64, 1
    steps = math.ceil(len(x_train) / batch) * epochs
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=steps)
    for _ in range(epochs):
        perm = torch.from_numpy(rng.permutation(len(x_train)))
        xe, ye = x_train[perm], y_train[perm]
        loss_sum, correct = 0.0, 0
        for s in range(0, len(xe), batch):
            opt.zero_grad(set_to_none=True)
            out = model(xe[s : s + batch])
            loss = loss_fn(out, ye[s : s + batch])
            loss.backward()
            opt.step()
            sched.step()
            loss_sum += loss.item() * len(out)
            correct += (out.argmax(1) == ye[s : s + batch]).sum().item()
        metrics = {"train": {"loss": loss_sum / len(xe), "accuracy": correct / len(xe)},
                   "val": evaluate(model, loss_fn, x_val, y_val)}
    metrics["test"] = evaluate(model, loss_fn, x_test, y_test)
    os.makedirs(a.output, exist_ok=True)
    torch.save(model.state_dict(), os.path.join(a.output, "model.pt"))
    print(json.dumps(metrics))


if __name__ == "__main__":
    main()
