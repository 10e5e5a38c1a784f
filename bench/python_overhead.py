#!/usr/bin/env python3
"""The Python module's overhead over the C++ library, and the tiny network against PyTorch
from Python, side by side in one run. Writes its section of docs/BENCHMARKS.md to stdout.

  /usr/bin/python3 bench/python_overhead.py BUILD_DIR [REPEATS]

BUILD_DIR holds python/nnfit (the module) and bench/fit_overhead (the C++ typed API's fit on
the same arrays, built with -DNNFIT_BUILD_BENCH=ON). Both sides time the fit call alone (array
conversion, preprocessing, training; not data loading), the median of REPEATS (default 5),
alternating. Cases:
  - the Fashion-MNIST MLP 784-256-128-10, ReLU, Adam, batch 64, one epoch, standardised;
  - a tiny network 2-16-16-1, SGD, batch 32, MSE, 4096 random rows, 50 epochs (6,400 steps):
    per step, against PyTorch's own step from Python (bench/torch_mlp.py, the loop the other
    benchmarks use; its fastest environment of bench/run.py's, one thread).
"""
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

# nnfit runs in OpenBLAS's own CPU detection, as in bench/run.py: a machine's OPENBLAS_CORETYPE
# or OPENBLAS_L2_SIZE (this VM sets Haswell) would make nnfit fall back to Eigen. OpenBLAS reads
# them when it loads, so the script restarts itself without them before importing nnfit.
if any(k in os.environ for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")):
    env = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")}
    os.execve(sys.executable, [sys.executable] + sys.argv, env)
BUILD = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "build")
REPEATS = int(sys.argv[2]) if len(sys.argv) > 2 else 5
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(BUILD, "python"))
sys.path.insert(0, HERE)
import nnfit  # noqa: E402
import run as bench_run  # noqa: E402  (bench/run.py: PyTorch's environments)
import torch_mlp  # noqa: E402  (bench/torch_mlp.py: read_idx)


def fashion_mnist():
    folder = "/usr/share/datasets/fashion-mnist"
    x = torch_mlp.read_idx(os.path.join(folder, "train-images-idx3-ubyte.gz")).reshape(60000, 784)
    y = torch_mlp.read_idx(os.path.join(folder, "train-labels-idx1-ubyte.gz"))
    return np.ascontiguousarray(x, dtype=np.float32), y.astype(np.int64)


def tiny():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(4096, 2)).astype(np.float32)
    y = (np.sin(x[:, 0]) * x[:, 1]).astype(np.float32)
    return x, y


CASES = {
    "Fashion-MNIST MLP 784-256-128-10, Adam b64, 1 epoch": (
        fashion_mnist, {"model": {"layers": [{"type": "dense", "units": 256, "activation": "relu"},
                                             {"type": "dense", "units": 128, "activation": "relu"},
                                             {"type": "dense", "units": 10}]},
                        "optimizer": {"type": "adam", "lr": 1e-3},
                        "train": {"epochs": 1, "batch_size": 64},
                        "data": {"scale": "standardize"}}),
    "tiny 2-16-16-1, SGD b32, 50 epochs": (
        tiny, {"model": {"layers": [{"type": "dense", "units": 16, "activation": "relu"},
                                    {"type": "dense", "units": 16, "activation": "relu"},
                                    {"type": "dense", "units": 1}]},
               "optimizer": {"type": "sgd", "lr": 0.01},
               "train": {"epochs": 50, "batch_size": 32}}),
}


def write_arrays(path, x, y):
    with open(path, "wb") as f:
        kind = 0 if y.dtype.kind in "iu" else 1
        np.array([x.shape[0], x.shape[1], kind], dtype=np.int64).tofile(f)
        x.astype(np.float32).tofile(f)
        (y.astype(np.int32) if kind == 0 else y.astype(np.float32)).tofile(f)


def time_case(name, make, config, folder):
    x, y = make()
    arrays, config_path = os.path.join(folder, "arrays"), os.path.join(folder, "config.json")
    write_arrays(arrays, x, y)
    with open(config_path, "w") as f:
        json.dump(config, f)
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
    cpp, py = [], []
    steps = 0
    for _ in range(REPEATS):
        out = subprocess.run([os.path.join(BUILD, "bench", "fit_overhead"), arrays, config_path,
                              "1"], capture_output=True, text=True, check=True, env=env)
        result = json.loads(out.stdout)
        cpp.append(result["seconds"][0])
        steps = result["steps"]
        start = time.perf_counter()
        fitted = nnfit.fit(dict(config), x, y)
        py.append(time.perf_counter() - start)
        assert fitted.history[-1]["step"] == steps
    return {"case": name, "cpp": statistics.median(cpp), "python": statistics.median(py),
            "steps": steps}


def torch_tiny():
    """PyTorch's steps/s on the tiny case from Python, in its fastest environment."""
    envs = bench_run.torch_envs()
    best = None
    for label, env in envs.items():
        result = bench_run.run_json(
            bench_run.TORCH + ["--layers", "2,16,16,1", "--batch", "32", "--optimizer", "sgd",
                               "--activation", "relu", "--data", "random:4096", "--threads", "1",
                               "--seconds", "2"], env=bench_run.with_threads(env, 1))
        if best is None or result["seconds_per_step"] < best[1]:
            best = (label, result["seconds_per_step"])
    return best


def main():
    with tempfile.TemporaryDirectory() as folder:
        results = [time_case(name, make, config, folder) for name, (make, config) in CASES.items()]
    torch = torch_tiny() if bench_run.have_torch() else None
    print("## Python module: overhead over the C++ library\n")
    print(f"`/usr/bin/python3 bench/python_overhead.py build {REPEATS}` on "
          f"{time.strftime('%Y-%m-%d')}, {platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} cores, Python {platform.python_version()}, nnfit "
          f"{nnfit.__version__} (matrix products on OpenBLAS, its own CPU detection): the fit "
          f"call alone (array conversion, preprocessing, "
          f"training), medians of {REPEATS}, C++ (`nnfit::fit`, bench/fit_overhead.cpp) and "
          "Python (`nnfit.fit`) alternating on the same arrays, one thread.\n")
    print("| case | steps | C++ s | Python s | overhead | per step, C++ | per step, Python |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for r in results:
        overhead = (r["python"] - r["cpp"]) / r["cpp"]
        print(f"| {r['case']} | {r['steps']:,} | {r['cpp']:.3f} | {r['python']:.3f} | "
              f"{100 * overhead:+.1f}% | {1e6 * r['cpp'] / r['steps']:.2f} us | "
              f"{1e6 * r['python'] / r['steps']:.2f} us |")
    tiny_result = results[-1]
    if torch:
        label, seconds = torch
        print(f"\nThe tiny network from Python, per training step: nnfit.fit "
              f"{1e6 * tiny_result['python'] / tiny_result['steps']:.2f} us (the whole fit "
              f"divided by its steps, evaluation included), PyTorch {1e6 * seconds:.2f} us "
              f"(bench/torch_mlp.py's loop, forward, backward and step only; {label}): "
              f"{seconds / (tiny_result['python'] / tiny_result['steps']):.1f}x.")
    else:
        print("\nPyTorch is not installed (apt-get install python3-torch): no side-by-side row.")


if __name__ == "__main__":
    main()
