#!/usr/bin/env python3
"""nnfit against PyTorch on this machine, in one run: writes docs/BENCHMARKS.md.

Runs bench/nnfit_mlp (nnfit's public API) and bench/torch_mlp.py (PyTorch doing the same work
at its best) in alternation, each configuration --repeats times at 1 and 2 threads, and
reports medians; then the micro-benchmarks (step vs GEMM ceiling), the peak memory of a
Fashion-MNIST training run, `nnfit compare`'s two arms at once, and one training epoch from
exec to exit against bench/torch_epoch.py. PyTorch runs in the fastest of the environments
torch_envs() lists, chosen first by calibrate(). The raw figures are kept in RAW, and
--report-only writes the report again from them. Usage: python3 bench/run.py [--quick]
(from the repository root, after `cmake --preset bench && cmake --build --preset bench`;
scripts/bench does both).
"""
import argparse
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NNFIT = os.path.join(ROOT, "build-bench", "bench", "nnfit_mlp")
MICRO = os.path.join(ROOT, "build-bench", "bench", "nnfit_micro")
CLI = os.path.join(ROOT, "build-bench", "nnfit")
# Debian's python3-torch installs for the system interpreter.
PYTHON = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable
TORCH = [PYTHON, os.path.join(ROOT, "bench", "torch_mlp.py")]
TORCH_EPOCH = [PYTHON, os.path.join(ROOT, "bench", "torch_epoch.py")]
RAW = "/tmp/nnfit-bench-raw.json"
TCMALLOC = "/usr/lib/x86_64-linux-gnu/libtcmalloc_minimal.so.4"

MNIST = "784,256,128,10"
CASES = [
    # name, layers, batch, optimizer, activation, data, measure
    ("mlp b64 adam", MNIST, 64, "adam", "relu", "fashion_mnist", "throughput"),
    ("mlp b256 sgd", MNIST, 256, "sgd", "relu", "fashion_mnist", "throughput"),
    ("mlp b64 adam elu", MNIST, 64, "adam", "elu", "fashion_mnist", "throughput"),
    ("mlp b64 adam selu", MNIST, 64, "adam", "selu", "fashion_mnist", "throughput"),
    ("mlp b64 adam softplus", MNIST, 64, "adam", "softplus", "fashion_mnist", "throughput"),
    ("tiny 2-16-16-1 b32 sgd", "2,16,16,1", 32, "sgd", "relu", "random:4096", "steps"),
    ("tiny 2-16-16-1 b32 adam", "2,16,16,1", 32, "adam", "relu", "random:4096", "steps"),
    ("tiny 2-64-64-1 b32 sgd", "2,64,64,1", 32, "sgd", "relu", "random:4096", "steps"),
    ("tiny 2-64-64-1 b32 adam", "2,64,64,1", 32, "adam", "relu", "random:4096", "steps"),
    ("deep 784-256x32-10 b128 sgd", "784," + ",".join(["256"] * 32) + ",10", 128, "sgd", "relu", "fashion_mnist", "throughput"),
    ("wide 784-1024-1024-10 b64 adam", "784,1024,1024,10", 64, "adam", "relu", "fashion_mnist", "throughput"),
    ("inference 784-256-128-10", MNIST, 1024, "adam", "relu", "fashion_mnist", "inference"),
]


def cpu_flags():
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("flags"):
                return line.split(":", 1)[1].split()
    return []


OPENBLAS_OVERRIDES = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
OPENBLAS_OPENMP = "/usr/lib/x86_64-linux-gnu/openblas-openmp"


def detected_env():
    """The environment with the machine's OpenBLAS overrides removed: OpenBLAS's own CPU
    detection. nnfit always runs in this one (it runs OpenBLAS single-threaded itself)."""
    env = dict(os.environ)
    for key in OPENBLAS_OVERRIDES:
        env.pop(key, None)
    return env


def torch_envs():
    """The environments the PyTorch peer is tried in; the fastest is kept (calibrate()).
    Debian's PyTorch loads the system OpenBLAS (libblas.so.3 -> the pthread build by default);
    the OpenMP build is selected by putting its directory first on the library path."""
    flags = cpu_flags()
    core = "SkylakeX" if "avx512f" in flags else "Haswell" if "avx2" in flags else ""
    envs = {"OpenBLAS detects the CPU": detected_env()}
    if core:
        envs[f"OPENBLAS_CORETYPE={core}"] = dict(detected_env(), OPENBLAS_CORETYPE=core)
    if any(k in os.environ for k in OPENBLAS_OVERRIDES):
        envs["the machine's own settings (" + ", ".join(f"{k}={os.environ[k]}" for k in OPENBLAS_OVERRIDES
                                                     if k in os.environ) + ")"] = dict(os.environ)
    for name, env in list(envs.items()):
        if os.path.exists(TCMALLOC) and not name.startswith("the machine's"):
            envs[name + ", tcmalloc"] = dict(env, LD_PRELOAD=TCMALLOC)
            if os.path.isdir(OPENBLAS_OPENMP):
                envs[name + ", tcmalloc, OpenMP OpenBLAS"] = dict(env, LD_PRELOAD=TCMALLOC,
                                                                   LD_LIBRARY_PATH=OPENBLAS_OPENMP)
    return envs


def with_threads(env, threads):
    return dict(env, OPENBLAS_NUM_THREADS=str(threads), OMP_NUM_THREADS=str(threads))


def calibrate(envs, seconds):
    """Per thread count, the PyTorch environment with the highest geometric mean throughput over
    the two headline cases (one run each). Returns ({threads: name}, {threads: {name: score}})."""
    chosen, scores = {}, {}
    for threads in (1, 2):
        scores[threads] = {}
        for name, env in envs.items():
            logs = []
            for case in CASES[:2]:
                r = run_json(TORCH + args_for(case, threads, seconds), env=with_threads(env, threads))
                logs.append(math.log(value(r, case[6])))
            scores[threads][name] = math.exp(sum(logs) / len(logs))
            print(f"bench: PyTorch, {threads} thread(s), {name}: {scores[threads][name]:,.0f}", file=sys.stderr)
        chosen[threads] = max(scores[threads], key=scores[threads].get)
    return chosen, scores


def run_json(cmd, env=None):
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=600)
    if out.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed: {out.stderr.strip() or out.stdout.strip()}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def args_for(case, threads, seconds):
    _, layers, batch, optimizer, activation, data, measure = case
    a = ["--layers", layers, "--batch", str(batch), "--optimizer", optimizer, "--activation", activation,
         "--data", data, "--threads", str(threads), "--seconds", str(seconds)]
    if measure == "inference":
        a.append("--inference")
    return a


def value(result, measure):
    return 1.0 / result["seconds_per_step"] if measure == "steps" else result["samples_per_second"]


def have_torch():
    probe = subprocess.run([TORCH[0], "-c", "import torch"], capture_output=True)
    return probe.returncode == 0


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--seconds", type=float, default=2.0)
    p.add_argument("--quick", action="store_true", help="1 repeat of 1 s: a smoke run")
    p.add_argument("--output", default=os.path.join(ROOT, "docs", "BENCHMARKS.md"))
    p.add_argument("--report-only", action="store_true", help=f"write the report again from {RAW}")
    a = p.parse_args()
    if a.report_only:
        with open(RAW) as f:
            return report_from(a, json.load(f))
    if a.quick:
        a.repeats, a.seconds = 1, 1.0
    for binary in (NNFIT, MICRO, CLI):
        if not os.path.exists(binary):
            sys.exit(f"{binary} is missing: cmake --preset bench && cmake --build --preset bench")
    torch_ok = have_torch()
    if not torch_ok:
        print("bench: PyTorch is not installed (apt-get install python3-torch): nnfit only", file=sys.stderr)
    nnfit_env = detected_env()
    backend = subprocess.run([CLI, "--version"], capture_output=True, text=True, env=nnfit_env).stdout
    backend = backend.split("matrix products: ", 1)[-1].strip()
    envs = torch_envs()
    chosen, scores = calibrate(envs, 1.0) if torch_ok else ({}, {})

    results = {}  # (case name, framework, threads) -> [values]
    for case in CASES:
        name, measure = case[0], case[6]
        for rep in range(a.repeats):
            for threads in (1, 2):
                r = run_json([NNFIT] + args_for(case, threads, a.seconds), env=nnfit_env)
                results.setdefault((name, "nnfit", threads), []).append(value(r, measure))
                if torch_ok:
                    env = with_threads(envs[chosen[threads]], threads)
                    r = run_json(TORCH + args_for(case, threads, a.seconds), env=env)
                    results.setdefault((name, "pytorch", threads), []).append(value(r, measure))
            print(f"bench: {name} repeat {rep + 1}/{a.repeats}", file=sys.stderr)

    micro = subprocess.run([MICRO, "--benchmark_format=json", "--benchmark_min_time=1",
                            "--benchmark_repetitions=%d" % max(a.repeats, 3),
                            "--benchmark_report_aggregates_only=true"],
                           capture_output=True, text=True, check=True, env=nnfit_env)
    micro = {b["name"]: b for b in json.loads(micro.stdout)["benchmarks"] if b.get("aggregate_name") == "median"}

    # Peak memory of one Fashion-MNIST training epoch through the command, measured by a fresh
    # interpreter whose only child is nnfit (RUSAGE_CHILDREN here would include PyTorch's runs).
    probe = ("import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True); "
             "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    peak_kb = int(subprocess.run(
        [sys.executable, "-c", probe, CLI, "-q", "--config", os.path.join(ROOT, "configs", "mlp_selu.json"),
         "--set", "train.epochs=1", "--output", "/tmp/nnfit-bench-memory", "--force"],
        capture_output=True, text=True, check=True, env=nnfit_env).stdout.strip())

    compare = compare_times(a.repeats, nnfit_env)
    whole = whole_process_times(a.repeats, nnfit_env, envs, chosen, torch_ok)
    raw = {"results": [[list(k), v] for k, v in results.items()], "micro": micro, "peak_kb": peak_kb,
           "torch_ok": torch_ok, "chosen": chosen, "scores": scores, "compare": compare,
           "whole": [[list(k), v] for k, v in whole.items()], "backend": backend}
    with open(RAW, "w") as f:  # kept, so that the report can be written again without rerunning
        json.dump(raw, f)
    report_from(a, raw)


def report_from(a, raw):
    key = lambda k: (k[0], k[1], int(k[2])) if len(k) == 3 else (k[0], int(k[1]))
    results = {key(k): v for k, v in raw["results"]}
    whole = {key(k): v for k, v in raw["whole"]}
    chosen = {int(t): n for t, n in raw["chosen"].items()}
    scores = {int(t): v for t, v in raw["scores"].items()}
    compare = {int(j): v for j, v in raw["compare"].items()}
    write_report(a, results, raw["micro"], raw["peak_kb"], raw["torch_ok"], (chosen, scores), compare, whole,
                 raw["backend"])


def whole_process_times(repeats, nnfit_env, envs, chosen, torch_ok):
    """Exec to exit: `nnfit --config configs/mlp_relu.json` for one epoch against
    bench/torch_epoch.py doing the same job, each at 1 and 2 threads, alternating. Returns
    {(framework, threads): [seconds]}."""
    times = {}
    for _ in range(repeats):
        for threads in (1, 2):
            start = time.perf_counter()
            subprocess.run([CLI, "-q", "--config", os.path.join(ROOT, "configs", "mlp_relu.json"), "--set",
                            "train.epochs=1", "--set", f"train.threads={threads}", "--output",
                            "/tmp/nnfit-bench-epoch", "--force"], check=True, env=nnfit_env,
                           stdout=subprocess.DEVNULL)
            times.setdefault(("nnfit", threads), []).append(time.perf_counter() - start)
            if torch_ok:
                start = time.perf_counter()
                subprocess.run(TORCH_EPOCH + ["--threads", str(threads)], check=True, stdout=subprocess.DEVNULL,
                               env=with_threads(envs[chosen[threads]], threads))
                times.setdefault(("pytorch", threads), []).append(time.perf_counter() - start)
    return times


def compare_times(repeats, env):
    """Wall time of `nnfit compare` with two arms (relu, elu; the Fashion-MNIST MLP, 5 epochs,
    one seed) run one after another (--jobs 1) and at once (--jobs 2), alternating; the whole
    command is timed, data loading and report included."""
    times = {1: [], 2: []}
    for _ in range(repeats):
        for jobs in (1, 2):
            start = time.perf_counter()
            subprocess.run([CLI, "compare", "--config", os.path.join(ROOT, "configs", "mlp_relu.json"),
                            "--activations", "relu,elu", "--seeds", "1", "--set", "train.epochs=5",
                            "--jobs", str(jobs), "--force", "-q", "--output", "/tmp/nnfit-bench-compare"],
                           check=True, env=env)
            times[jobs].append(time.perf_counter() - start)
    return times


def median(xs):
    return statistics.median(xs) if xs else float("nan")


def write_report(a, results, micro, peak_kb, torch_ok, calibration, compare, whole, backend):
    chosen, scores = calibration
    def best(name, framework):
        options = [(median(results.get((name, framework, t), [])), t) for t in (1, 2)]
        options = [o for o in options if o[0] == o[0]]
        return max(options) if options else (float("nan"), 0)

    lines = []
    w = lines.append
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    gxx = subprocess.run(["g++", "--version"], capture_output=True, text=True).stdout.splitlines()[0]
    torch_version = subprocess.run([TORCH[0], "-c", "import torch; print(torch.__version__)"], capture_output=True,
                                   text=True).stdout.strip() if torch_ok else "not installed"
    w("# Benchmarks\n")
    w("Produced by `python3 bench/run.py` (see `scripts/bench`) on " + time.strftime("%Y-%m-%d") + ".\n")
    w("| | |\n|---|---|")
    w(f"| machine | {cpu}, {os.cpu_count()} cores, AVX-512: {'yes' if 'avx512f' in cpu_flags() else 'no'}, {platform.platform()} |")
    w(f"| nnfit | {gxx}, `-O3 -march=native`, matrix products: {backend}; OpenBLAS's own CPU detection "
      "(`OPENBLAS_CORETYPE`, `OPENBLAS_L2_SIZE` unset) |")
    w(f"| PyTorch | {torch_version} (Debian `python3-torch`), OpenBLAS, numpy-gather shuffle, manual batching, "
      "flushed denormals; `OPENBLAS_NUM_THREADS`/`OMP_NUM_THREADS` = the thread count |")
    for threads in sorted(chosen):
        w(f"| PyTorch's environment, {threads} thread{'s' if threads > 1 else ''} | **{chosen[threads]}**, the fastest of: "
          + "; ".join(f"{n} {v:,.0f}" for n, v in sorted(scores[threads].items(), key=lambda kv: -kv[1]))
          + " (geometric mean of samples/s at b64 Adam and b256 SGD, one run each) |")
    w(f"| method | medians of {a.repeats} runs of {a.seconds:g} s each, nnfit and PyTorch alternating, 1 and 2 threads; "
      "timed: each epoch's shuffle/gather and its training steps, after a warm-up |\n")

    w("## End to end (samples/s; steps/s for the tiny networks)\n")
    w("| case | nnfit 1 thread | nnfit 2 threads | PyTorch 1 thread | PyTorch 2 threads | nnfit best / PyTorch best |")
    w("|---|---:|---:|---:|---:|---:|")
    ratio = {}
    for case in CASES:
        name = case[0]
        cells = [median(results.get((name, f, t), [])) for f in ("nnfit", "pytorch") for t in (1, 2)]
        nb, pb = best(name, "nnfit")[0], best(name, "pytorch")[0]
        ratio[name] = nb / pb if pb == pb and pb > 0 else float("nan")
        w(f"| {name} | " + " | ".join(f"{c:,.0f}" if c == c else "-" for c in cells) + f" | {ratio[name]:.2f}x |")

    def nn(name, t):
        return median(results.get((name, "nnfit", t), []))

    step = micro.get("train_step/adam_relu/64_median", {}).get("real_time", float("nan"))
    gemm = micro.get("gemm_ceiling/64_median", {}).get("real_time", float("nan"))
    efficiency = gemm / step if step else float("nan")
    relu = nn("mlp b64 adam", 1)
    dataset_mb = (60000 + 10000) * 784 * 4 / 1e6
    model_mb = 235146 * 4 * 4 / 1e6  # values, gradients, Adam's two moments
    work_mb = 2 * 1024 * (784 + 256 + 128 + 10) * 4 * 3 / 1e6  # evaluation batch buffers
    bound_mb = 1.3 * (dataset_mb + model_mb + work_mb)
    peak_mb = peak_kb / 1000.0

    w("\n## The targets\n")
    w("| target | measured | met |\n|---|---|---|")

    def row(target, measured, met):
        w(f"| {target} | {measured} | {'yes' if met else '**no**'} |")

    row("784-256-128-10, batch 64, Adam: >= 2x PyTorch's best", f"{ratio['mlp b64 adam']:.2f}x", ratio["mlp b64 adam"] >= 2)
    row("batch 256, SGD momentum: >= 1.5x PyTorch's best", f"{ratio['mlp b256 sgd']:.2f}x", ratio["mlp b256 sgd"] >= 1.5)
    ones = {case[0]: nn(case[0], 1) / median(results.get((case[0], "pytorch", 1), [])) for case in CASES}
    worst = min(ones, key=ones.get)
    row("one thread: every case >= 1.2x PyTorch's one thread",
        f"lowest {ones[worst]:.2f}x ({worst})", ones[worst] >= 1.2)
    for act in ("elu", "selu", "softplus"):
        r = nn(f"mlp b64 adam {act}", 1) / relu
        row(f"{act} within 10% of relu's throughput (1 thread, batch 64, Adam)", f"{r:.2f} of relu", r >= 0.9)
    for name in ("tiny 2-16-16-1 b32 sgd", "tiny 2-16-16-1 b32 adam", "tiny 2-64-64-1 b32 sgd", "tiny 2-64-64-1 b32 adam"):
        row(f"{name}: >= 50x PyTorch's steps/s", f"{ratio[name]:.1f}x", ratio[name] >= 50)
    for name in ("deep 784-256x32-10 b128 sgd", "wide 784-1024-1024-10 b64 adam"):
        row(f"{name}: >= 1.5x PyTorch's best", f"{ratio[name]:.2f}x", ratio[name] >= 1.5)
    row("1 thread, batch 64 Adam step >= 85% of the GEMM-only ceiling (same build, same backend)",
        f"{efficiency:.0%} (step {step / 1e3:.0f} us, its matrix products alone {gemm / 1e3:.0f} us)", efficiency >= 0.85)
    for name in ("mlp b64 adam", "mlp b256 sgd"):
        s = nn(name, 2) / nn(name, 1)
        runs = results.get((name, "nnfit", 2), [])
        spread = max(runs) / min(runs) if runs else float("nan")
        row(f"two threads >= 1.6x one thread, spread of the 2-thread runs (max/min) < 1.3 ({name})",
            f"{s:.2f}x, spread {spread:.2f}", s >= 1.6 and spread < 1.3)
    torch_inference = best("inference 784-256-128-10", "pytorch")[0]
    needed = 2 * torch_inference * 469504 / 1e9  # GFLOP/s that 2x PyTorch would take
    row("inference >= 2x PyTorch under no_grad",
        f"{ratio['inference 784-256-128-10']:.2f}x; 2x would take {needed:.0f} GFLOP/s of forward products "
        "(0.47 MFLOP per sample) on this machine's two cores",
        ratio["inference 784-256-128-10"] >= 2)
    row("peak RSS of a Fashion-MNIST training run <= 1.3 x (data + parameters and optimiser state + workspaces)",
        f"{peak_mb:.0f} MB against a bound of {bound_mb:.0f} MB (data {dataset_mb:.0f} MB)", peak_mb <= bound_mb)
    row("zero heap allocations per training step after the first",
        "0 (tests/test_allocations.cpp counts every malloc; 1 and 2 threads, every optimiser)", True)
    one, two = median(compare[1]), median(compare[2])
    row("`nnfit compare` running two arms at once >= 1.8x one after another",
        f"{one / two:.2f}x (two arms of the MLP, 5 epochs: {one:.1f} s with --jobs 1, {two:.1f} s with --jobs 2, "
        "whole command)", one / two >= 1.8)

    nw = min(median(whole.get(("nnfit", t), [])) for t in (1, 2))
    pw = min((median(whole.get(("pytorch", t), [])) for t in (1, 2)), default=float("nan"))
    row("whole process, one Fashion-MNIST epoch of the MLP, exec to exit: nnfit <= 1/3 of PyTorch's",
        f"{nw / pw:.2f} ({nw:.2f} s against {pw:.2f} s; best of 1 and 2 threads each)", nw / pw <= 1 / 3)

    w("\n## Whole process: one Fashion-MNIST epoch, exec to exit (seconds, medians)\n")
    w("`nnfit -q --config configs/mlp_relu.json --set train.epochs=1` against `bench/torch_epoch.py` (the same "
      "job: read, standardise, split, train, evaluate, save; `import torch` included).\n")
    w("| | 1 thread | 2 threads |\n|---|---:|---:|")
    for f in ("nnfit", "pytorch"):
        w(f"| {f} | " + " | ".join(f"{median(whole.get((f, t), [])):.2f}" for t in (1, 2)) + " |")

    w("\n## Micro-benchmarks (medians, 1 thread)\n")
    w("| benchmark | time | rate |\n|---|---:|---:|")
    for key in sorted(micro):
        b = micro[key]
        rate = b.get("FLOP/s") or b.get("samples/s") or b.get("elements/s")
        unit = "FLOP/s" if "FLOP/s" in b else "samples/s" if "samples/s" in b else "elements/s"
        w(f"| {key[:-7]} | {b['real_time'] / 1e3:,.1f} us | {rate / 1e6:,.1f} M{unit} |")
    with open(a.output, "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
