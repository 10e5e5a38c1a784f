"""The Python module (src/python/): every function, numbers identical to the nnfit command,
errors and their messages, conversions, interruption and resume, memory, the GIL.

Run by scripts/test: PYTHONPATH=build/python /usr/bin/python3 -m pytest tests/python
(NNFIT_BINARY names the command; default build/nnfit)."""

import json
import os
import subprocess
import threading
import time
import _thread

import numpy as np
import pytest

import nnfit

SOURCE = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BINARY = os.environ.get("NNFIT_BINARY", os.path.join(SOURCE, "build", "nnfit"))


def two_class(rows=120, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(rows, 4)).astype(np.float32)
    y = (x[:, 0] + x[:, 1] > 0).astype(np.int64)
    return x, y


NET = [nnfit.dense(16, "elu"), nnfit.dense(2)]


def test_version_and_specs():
    assert nnfit.__version__.count(".") == 2
    assert nnfit.dense(8, "selu") == {"type": "dense", "units": 8, "activation": "selu"}
    assert nnfit.adam(lr=0.1, betas=[0.8, 0.9]) == {"type": "adam", "lr": 0.1,
                                                     "betas": [0.8, 0.9]}
    net = nnfit.Sequential([nnfit.dense(4, "relu")]).add(nnfit.dropout(0.1)).add(nnfit.dense(2))
    assert net.to_dict()["layers"][1] == {"type": "dropout", "rate": 0.1}
    resolved = nnfit.fit_config({"model": net.to_dict(), "train": {"epochs": 2}})
    assert resolved["train"]["batch_size"] == 64  # every default written out
    assert resolved["optimizer"]["type"] == "adam"
    for kind in (nnfit.ConfigError, nnfit.DataError, nnfit.DivergedError):
        assert issubclass(kind, nnfit.Error) and issubclass(nnfit.Error, Exception)


def test_fit_history_predict_evaluate_classification():
    x, y = two_class()
    fitted = nnfit.fit(nnfit.Sequential(NET), x, y, optimizer=nnfit.adam(lr=0.01), epochs=4,
                       batch_size=16, validation=0.25, scale="standardize", schedule="cosine")
    assert fitted.status == "finished"
    assert [h["epoch"] for h in fitted.history] == [1, 2, 3, 4]
    assert {"train_loss", "val_loss", "val_accuracy", "lr", "step"} <= set(fitted.history[0])
    assert fitted.history[-1]["lr"] < fitted.history[0]["lr"]  # cosine
    frame = fitted.history_frame()
    assert list(frame["epoch"]) == [1, 2, 3, 4]
    out = nnfit.predict(fitted, x)
    assert out.dtype == np.float32 and out.shape == (120, 2)
    assert np.array_equal(nnfit.predict_classes(fitted, x), out.argmax(axis=1))
    metrics = nnfit.evaluate(fitted, x, y)
    assert metrics["samples"] == 120 and 0.5 < metrics["accuracy"] <= 1.0
    assert fitted.model.info == {"task": "classification", "inputs": 4, "classes": ["0", "1"],
                                 "feature_names": [], "parameters": 16 * 4 + 16 + 2 * 16 + 2}


def test_regression():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(200, 3)).astype(np.float32)
    y = (x @ np.array([1.0, -2.0, 0.5]) + 0.1).astype(np.float64)
    fitted = nnfit.fit(nnfit.Sequential([nnfit.dense(1)]), x, y, optimizer=nnfit.sgd(lr=0.1),
                       epochs=40, batch_size=20)
    metrics = nnfit.evaluate(fitted, x, y)
    assert metrics["rmse"] < 0.05 and metrics["r2"] > 0.99
    assert nnfit.predict(fitted, x).shape == (200, 1)


def test_the_same_numbers_as_the_command(tmp_path):
    x, y = two_class()
    data = tmp_path / "d.csv"
    np.savetxt(data, np.column_stack([x.astype(np.float64), y]), delimiter=",",
               header="x0,x1,x2,x3,y", comments="", fmt=["%.9g"] * 4 + ["%d"])
    config = {"seed": 7, "model": {"layers": NET}, "optimizer": {"type": "adam", "lr": 0.01},
              "train": {"epochs": 3, "batch_size": 16},
              "data": {"source": "csv", "path": str(data), "validation": 0.2,
                       "scale": "standardize"},
              "output": {"dir": str(tmp_path / "run")}}
    (tmp_path / "c.json").write_text(json.dumps(config))
    subprocess.run([BINARY, "-q", "--config", str(tmp_path / "c.json")], check=True)
    fitted = nnfit.fit(nnfit.Sequential(NET), x, y, optimizer=config["optimizer"], epochs=3,
                       batch_size=16, validation=0.2, scale="standardize", seed=7)
    command = nnfit.load_model(str(tmp_path / "run"))
    # Same weights and preprocessing: the same outputs to the bit.
    assert np.array_equal(nnfit.predict(fitted, x), nnfit.predict(command, x))
    # And a whole config dict is the same fit.
    whole = {k: v for k, v in config.items() if k not in ("output",)}
    whole["data"] = {"validation": 0.2, "scale": "standardize"}
    again = nnfit.fit(whole, x, y)
    assert np.array_equal(nnfit.predict(again, x), nnfit.predict(command, x))


def test_float64_and_fortran_inputs_are_converted():
    x, y = two_class()
    fitted = nnfit.fit(nnfit.Sequential(NET), x, y, epochs=2, batch_size=16)
    reference = nnfit.predict(fitted, x)
    for variant in (x.astype(np.float64), np.asfortranarray(x), x[:, ::-1][:, ::-1],
                    x.tolist()):
        assert np.array_equal(nnfit.predict(fitted, variant), reference)
    again = nnfit.fit(nnfit.Sequential(NET), np.asfortranarray(x.astype(np.float64)), y,
                      epochs=2, batch_size=16)
    assert np.array_equal(nnfit.predict(again, x), reference)


def test_errors_carry_the_json_paths_and_messages(tmp_path):
    bad = {"model": {"layers": [{"type": "dense", "units": 2, "activation": "relux"}]},
           "train": {"epochs": 0}}
    with pytest.raises(nnfit.ConfigError) as caught:
        nnfit.fit_config(bad)
    python_message = str(caught.value)
    assert "train.epochs: value 0 is out of range" in python_message
    assert "model.layers[0].activation" in python_message
    # The command reads the same dict as a file and says the same after the file name.
    command_config = dict(bad, data={"source": "moons"})
    (tmp_path / "bad.json").write_text(json.dumps(command_config))
    result = subprocess.run([BINARY, "--config", str(tmp_path / "bad.json")],
                            capture_output=True, text=True)
    assert result.returncode == 2
    for line in python_message.split("\n"):
        if "train.epochs" in line or "activation" in line:
            assert line.split(": ", 1)[1] in result.stderr
    x, y = two_class()
    with pytest.raises(nnfit.ConfigError, match="x has 120 rows but y has 3"):
        nnfit.fit(nnfit.Sequential(NET), x, y[:3])
    with pytest.raises(nnfit.ConfigError, match="encode string labels first"):
        nnfit.fit(nnfit.Sequential(NET), x, np.array(["a"] * 120))
    with pytest.raises(nnfit.DivergedError, match="epoch 1"):
        nnfit.fit(nnfit.Sequential(NET), x * 1e3, y, optimizer=nnfit.sgd(lr=1e6), epochs=3)
    (tmp_path / "broken.safetensors").write_bytes(b"\x10\x00\x00\x00\x00\x00\x00\x00{not json")
    with pytest.raises(nnfit.DataError, match="broken.safetensors"):
        nnfit.load_model(str(tmp_path / "broken.safetensors"))


def test_save_and_load_model(tmp_path):
    x, y = two_class()
    fitted = nnfit.fit(nnfit.Sequential(NET), x, y, epochs=2, scale="minmax",
                       class_names=["no", "yes"])
    nnfit.save_model(fitted, str(tmp_path / "m.safetensors"))
    loaded = nnfit.load_model(str(tmp_path / "m.safetensors"))
    assert loaded.info["classes"] == ["no", "yes"]
    assert np.array_equal(nnfit.predict(loaded, x), nnfit.predict(fitted, x))


def slow_problem():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(4000, 32)).astype(np.float32)
    y = (x[:, :3].sum(axis=1) > 0).astype(np.int64)
    net = nnfit.Sequential([nnfit.dense(256, "relu"), nnfit.dense(256, "relu"), nnfit.dense(2)])
    return net, x, y


def test_interrupted_fit_resumes_exactly(tmp_path):
    net, x, y = slow_problem()
    options = dict(epochs=6, batch_size=32, validation=0.1, optimizer=nnfit.adam(lr=1e-3))
    whole = nnfit.fit(net, x, y, **options)
    started = time.monotonic()
    nnfit.fit(net, x, y, **options, run_dir=str(tmp_path / "r1"))
    duration = time.monotonic() - started
    timer = threading.Timer(duration / 3, _thread.interrupt_main)  # Ctrl-C, a third of the way
    timer.start()
    with pytest.raises(KeyboardInterrupt):
        nnfit.fit(net, x, y, **options, run_dir=str(tmp_path / "run"))
    timer.join()
    metrics = [json.loads(line) for line in open(tmp_path / "run" / "metrics.jsonl")]
    assert 0 < len(metrics) < 6  # stopped part way
    resumed = nnfit.fit(net, x, y, **options, run_dir=str(tmp_path / "run"), resume=True)
    assert resumed.status == "finished"
    assert np.array_equal(nnfit.predict(resumed, x), nnfit.predict(whole, x))


def test_the_gil_is_released_while_fitting():
    net, x, y = slow_problem()
    counter = {"n": 0, "stop": False}

    def count():
        while not counter["stop"]:
            counter["n"] += 1
            time.sleep(0.001)

    thread = threading.Thread(target=count)
    thread.start()
    started = time.monotonic()
    nnfit.fit(net, x, y, epochs=6, batch_size=32)
    duration = time.monotonic() - started
    counter["stop"] = True
    thread.join()
    # Held for the whole fit, the GIL would leave the thread a turn or two (it did, with the
    # release removed); released, it ticks about once per millisecond of the fit. The bound
    # leaves room for a loaded machine (ctest runs two tests at once).
    assert duration > 0.2
    assert counter["n"] > max(20, 0.05 * duration * 1000)


def resident_kb():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024


def test_predict_does_not_leak():
    x, y = two_class(rows=2000)
    fitted = nnfit.fit(nnfit.Sequential(NET), x, y, epochs=1)
    for _ in range(100):  # warm up allocators
        nnfit.predict(fitted, x)
    before = resident_kb()
    for _ in range(1000):
        nnfit.predict(fitted, x)  # 2000 x 2 floats: 16 KB each, 16 MB in all if kept
    assert resident_kb() - before < 4 * 1024


def test_compare_with_arrays_and_a_dict(tmp_path):
    x, y = two_class(rows=400)
    experiment = {
        "name": "py_compare",
        "claim": "ELU reaches the loss in fewer steps than ReLU here.",
        "base": {"model": {"layers": [nnfit.dense(16, "relu"), nnfit.dense(2)]},
                 "optimizer": nnfit.sgd(lr=0.05), "train": {"epochs": 3, "batch_size": 32},
                 "data": {"validation": 0.25, "scale": "standardize"}},
        "seeds": 3, "diagnostics": False,
        "arms": [{"name": "relu", "activation": "relu"}, {"name": "elu", "activation": "elu"}],
    }
    result = nnfit.compare(experiment, output=str(tmp_path / "cmp"), jobs=2, data=(x, y))
    assert os.path.exists(result.report)
    assert [a["name"] for a in result.summary["arms"]] == ["relu", "elu"]
    rows = result.comparisons
    assert rows and all(r["arm"] == "elu" for r in rows)
    frame = result.to_frame()
    assert len(frame) == len(rows)
    assert "verdict" in frame.columns
    assert result.arms_frame()["name"].tolist() == ["relu", "elu"]
    with open(tmp_path / "cmp" / "summary.json") as f:
        assert json.load(f)["comparisons"] == result.summary["comparisons"]
    # Again: every run is reused from its record, the summary is the same.
    again = nnfit.compare(experiment, output=str(tmp_path / "cmp"), jobs=2, data=(x, y))
    assert again.summary["comparisons"] == result.summary["comparisons"]


def test_compare_a_suite_file(tmp_path):
    result = nnfit.compare(os.path.join(SOURCE, "tests/experiments/suite.json"),
                           output=str(tmp_path / "suite"), jobs=2)
    assert result.summary["datasets"] == ["moons", "blobs", "circles", "xor"]
    assert result.to_frame().shape == (4, 3)
    with pytest.raises(nnfit.ConfigError, match="experiment: baseline: unknown arm 'b'"):
        nnfit.compare({"arms": [{"name": "a", "activation": "relu"}], "baseline": "b",
                       "base": {"data": {"source": "moons"},
                                "model": {"layers": [nnfit.dense(2)]}}},
                      output=str(tmp_path / "bad"))


def test_the_example_prints_its_verdict_table(tmp_path):
    # The package under test, wherever it was imported from (the build tree, in ctest).
    env = dict(os.environ, PYTHONPATH=os.path.dirname(os.path.dirname(nnfit.__file__)))
    result = subprocess.run(
        ["/usr/bin/python3", os.path.join(SOURCE, "examples/python/compare_activations.py"),
         "--smoke"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    table = lines[lines.index(next(l for l in lines if l.startswith("verdicts against relu"))):]
    assert [l.split()[:2] for l in table[2:]] == [["elu", "speedup"], ["elu", "seconds_speedup"],
                                                  ["selu", "speedup"],
                                                  ["selu", "seconds_speedup"]]
    assert (tmp_path / "runs/compare/digits_relu_elu_selu-smoke/report.html").exists()
