"""nnfit from Python: train, compare and read reports with numpy (and pandas, when installed).

A thin layer over nnfit's C++ library (the extension module ``nnfit._nnfit``), not a second
implementation: the same seed gives the same weights and predictions as the C++ API and the
``nnfit`` command. Configs are Python dicts in the schema of nnfit's JSON files
(docs/CONFIG.md), checked by the same code, so a mistake gets the same path and message.

    import nnfit
    net = nnfit.Sequential([nnfit.dense(256, "selu"), nnfit.dense(10)])
    fitted = nnfit.fit(net, X, y, optimizer=nnfit.adam(lr=1e-3), schedule="cosine",
                       epochs=10, batch_size=64, validation=0.1, scale="standardize")
    fitted.history            # a list of dicts per epoch (fitted.history_frame(): a DataFrame)
    nnfit.predict(fitted.model, X_new)
    result = nnfit.compare("experiments/elu_converges_faster.json", output="runs/x", jobs=2)
    result.to_frame()         # the comparisons: effect, interval, p, verdict
"""

from __future__ import annotations

import json as _json
import os as _os
from typing import Any, Dict, List, Optional, Sequence, Tuple, Union

import numpy as _np

from . import _nnfit
from ._nnfit import ConfigError, DataError, DivergedError, Error, Model

__version__: str = _nnfit.__version__

__all__ = [
    "Error", "ConfigError", "DataError", "DivergedError", "Model", "Sequential", "Fitted",
    "CompareResult", "dense", "dropout", "alpha_dropout", "activation", "sgd", "adam", "rmsprop",
    "fit_config", "fit", "predict", "predict_classes", "evaluate", "save_model", "load_model",
    "compare", "__version__",
]

Spec = Dict[str, Any]


# Layers -----------------------------------------------------------------------------------------

def dense(units: int, activation: Optional[str] = None, *, init: Optional[str] = None,
          bias: Optional[bool] = None) -> Spec:
    """A fully connected layer of ``units`` outputs, optionally followed by ``activation``
    ("relu", "leaky_relu", "elu", "selu", "softsign", "softplus", "tanh", ...; ``nnfit list``
    names them all) and initialised by ``init`` (default: what the activation recommends)."""
    spec: Spec = {"type": "dense", "units": units}
    if activation is not None:
        spec["activation"] = activation
    if init is not None:
        spec["init"] = init
    if bias is not None:
        spec["bias"] = bias
    return spec


def dropout(rate: float) -> Spec:
    """Dropout of ``rate`` (a fraction of units zeroed while training, PyTorch's Dropout)."""
    return {"type": "dropout", "rate": rate}


def alpha_dropout(rate: float) -> Spec:
    """Alpha dropout of ``rate``, which keeps SELU's self-normalisation (PyTorch's AlphaDropout)."""
    return {"type": "alpha_dropout", "rate": rate}


def activation(name: str, **options: Any) -> Spec:
    """An activation as a layer of its own, e.g. ``activation("leaky_relu", negative_slope=0.1)``."""
    return {"type": name, **options}


class Sequential:
    """A network as a list of layer specs (``dense(...)``, ``dropout(...)``, or dicts in the
    config schema: ``{"type": "dense", "units": 64, "activation": "relu"}``)."""

    def __init__(self, layers: Sequence[Spec]):
        self.layers: List[Spec] = [dict(layer) for layer in layers]

    def add(self, layer: Spec) -> "Sequential":
        """Appends a layer; returns the network."""
        self.layers.append(dict(layer))
        return self

    def to_dict(self) -> Spec:
        """The ``model`` section of a config: ``{"layers": [...]}``."""
        return {"layers": [dict(layer) for layer in self.layers]}

    def __repr__(self) -> str:
        return f"nnfit.Sequential({self.layers!r})"


# Optimisers --------------------------------------------------------------------------------------

def sgd(lr: float = 0.01, **options: Any) -> Spec:
    """Stochastic gradient descent (PyTorch's SGD: momentum, dampening, nesterov, weight_decay)."""
    return {"type": "sgd", "lr": lr, **options}


def adam(lr: float = 1e-3, **options: Any) -> Spec:
    """Adam (PyTorch's Adam: betas, eps, weight_decay, amsgrad); ``adamw`` via
    ``{"type": "adamw", ...}``."""
    return {"type": "adam", "lr": lr, **options}


def rmsprop(lr: float = 0.01, **options: Any) -> Spec:
    """RMSprop (PyTorch's RMSprop: alpha, eps, momentum, centered, weight_decay)."""
    return {"type": "rmsprop", "lr": lr, **options}


def _component(value: Union[None, str, Spec]) -> Optional[Spec]:
    if value is None:
        return None
    if isinstance(value, str):
        return {"type": value}
    return dict(value)


# Fitting -----------------------------------------------------------------------------------------

def fit_config(config: Spec) -> Spec:
    """Checks a config dict in the run-config schema without a data source ("model", "loss",
    "optimizer", "schedule", "train", "seed", and "data" with only "validation" and "scale"),
    exactly as nnfit checks a JSON file, and returns it with every default written out.
    Raises ConfigError listing every problem with its path (``train.epochs: ...``)."""
    return _json.loads(_nnfit._check_fit_config(_json.dumps(config)))


class Fitted:
    """What ``fit`` returns: the trained ``model`` (with its preprocessing), the ``history``
    (one dict per epoch: epoch, step, lr, train_loss, val_loss, val_accuracy, ...), the
    ``status`` (finished, reached_target, early_stopped) and the ``best_epoch``."""

    def __init__(self, model: Model, history: List[Spec], status: str, best_epoch: int,
                 config: Spec):
        self.model = model
        self.history = history
        self.status = status
        self.best_epoch = best_epoch
        self.config = config

    def history_frame(self) -> Any:
        """The history as a pandas DataFrame (needs pandas)."""
        import pandas
        return pandas.DataFrame(self.history)

    def __repr__(self) -> str:
        return (f"nnfit.Fitted(status={self.status!r}, epochs={len(self.history)}, "
                f"best_epoch={self.best_epoch})")


def _features(x: Any) -> Any:
    # A pandas DataFrame as its values (its column names are not used: arrays have none).
    values = getattr(x, "to_numpy", None)
    return values() if callable(values) and not isinstance(x, _np.ndarray) else x


def fit(network: Union[Sequential, Spec], x: Any, y: Any, *,
        optimizer: Union[None, str, Spec] = None, schedule: Union[None, str, Spec] = None,
        loss: Union[None, str, Spec] = None, epochs: Optional[int] = None,
        batch_size: Optional[int] = None, validation: float = 0.0, scale: str = "none",
        seed: int = 1, train: Optional[Spec] = None, class_names: Optional[Sequence[str]] = None,
        run_dir: Optional[str] = None, resume: bool = False, overwrite: bool = False) -> Fitted:
    """Trains ``network`` on ``x`` (rows x features; float32 C-ordered arrays are used as they
    are, anything else is converted) and ``y``: integer class labels (0 .. classes - 1) for
    classification, floats for regression (one column, or rows x outputs).

    ``network`` is a Sequential or a whole config dict (fit_config's schema; the keyword
    arguments then override it). ``optimizer`` defaults to adam(lr=1e-3), ``schedule`` to
    "constant" ("cosine", "step", "exponential" or a dict), ``loss`` to softmax cross-entropy
    for labels and MSE for targets. ``validation`` holds out that fraction (stratified),
    ``scale`` ("none", "standardize", "minmax") is fitted on the training rows and kept with the
    model. ``train`` takes any other key of the config's train section (clip_norm, patience,
    threads, ...). With ``run_dir``, the run directory the ``nnfit`` command writes; Ctrl-C
    stops the fit at a step boundary (KeyboardInterrupt) and ``resume=True`` continues it
    exactly. The GIL is released while training."""
    config: Spec = dict(network) if isinstance(network, dict) else {"model": network.to_dict()}
    for key, value in (("optimizer", optimizer), ("schedule", schedule), ("loss", loss)):
        if value is not None:
            config[key] = _component(value)
    section = dict(config.get("train", {}))
    section.update(train or {})
    if epochs is not None:
        section["epochs"] = epochs
    if batch_size is not None:
        section["batch_size"] = batch_size
    config["train"] = section
    data = dict(config.get("data", {}))
    if validation:
        data["validation"] = validation
    if scale != "none":
        data["scale"] = scale
    config["data"] = data
    if seed != 1:
        config["seed"] = seed
    model, history, status, best = _nnfit._fit(
        _json.dumps(config), _features(x), _np.asarray(_features(y)), run_dir or "", resume,
        overwrite, list(class_names or []))
    return Fitted(model, _json.loads(history), status, best, config)


def predict(model: Union[Model, Fitted], x: Any) -> _np.ndarray:
    """The model's outputs (logits for classification, values for regression) for raw inputs,
    as float32 rows x outputs; the model's preprocessing is applied first."""
    model = model.model if isinstance(model, Fitted) else model
    return _nnfit._predict(model, _features(x))


def predict_classes(model: Union[Model, Fitted], x: Any) -> _np.ndarray:
    """The most likely class index of each row (the first of equal outputs)."""
    return _np.argmax(predict(model, x), axis=1)


def evaluate(model: Union[Model, Fitted], x: Any, y: Any) -> Dict[str, float]:
    """Loss and accuracy (classification) or loss, RMSE and R^2 (regression) on raw inputs."""
    model = model.model if isinstance(model, Fitted) else model
    return _json.loads(_nnfit._evaluate(model, _features(x), _np.asarray(_features(y))))


def save_model(model: Union[Model, Fitted], path: str) -> None:
    """Writes a model file (safetensors with nnfit's metadata, as ``nnfit`` writes)."""
    model = model.model if isinstance(model, Fitted) else model
    _nnfit._save_model(model, _os.fspath(path))


def load_model(path: str) -> Model:
    """Reads a model file, or a run directory's model.safetensors."""
    return _nnfit._load_model(_os.fspath(path))


def _model_info(model: Model) -> Spec:
    return _json.loads(model._info())


Model.info = property(_model_info, doc="task, inputs, classes, feature names, parameters")


# Comparisons -------------------------------------------------------------------------------------

class CompareResult:
    """What ``compare`` returns: the ``summary`` (summary.json as a dict: arms with their
    measures, comparisons with effects, intervals, p-values and verdicts, tuning, provenance),
    the ``report`` path (report.html) and the ``output`` folder. ``to_frame()`` and
    ``arms_frame()`` give pandas DataFrames."""

    def __init__(self, summary: Spec, output: str):
        self.summary = summary
        self.output = output
        self.report = _os.path.join(output, "report.html")

    @property
    def comparisons(self) -> List[Spec]:
        """One flat dict per comparison (arm against the baseline, per measure): arm, measure,
        headline (a primary measure, with a verdict word), difference (for a speedup: the
        geometric-mean ratio of steps, or seconds), relative, low and high (the 95% interval
        from the same analysis as the test; None when too few seeds give one), p, p_adjusted
        (Holm), detectable (the smallest effect this many seeds detects) and verdict."""
        rows = []
        for c in self.summary.get("comparisons", []):
            row = {k: v for k, v in c.items() if not isinstance(v, (dict, list))}
            interval = (c.get("speedup") or {}).get("interval") or c.get("t_interval")
            row["low"], row["high"] = (interval[0], interval[1]) if interval else (None, None)
            if "detectable" not in row and "speedup" in c:
                row["detectable"] = c["speedup"].get("detectable")
            rows.append(row)
        return rows

    @property
    def arms(self) -> List[Spec]:
        """One row per arm: its counts and each measure's mean."""
        rows = []
        for a in self.summary.get("arms", []):
            row = {k: v for k, v in a.items() if not isinstance(v, (dict, list))}
            for name, e in (a.get("measures") or {}).items():
                row[name] = e.get("mean")
            rows.append(row)
        return rows

    def to_frame(self) -> Any:
        """The comparisons as a pandas DataFrame (for a suite: the ranks per data set)."""
        import pandas
        if "average_ranks" in self.summary:
            return pandas.DataFrame(self.summary["ranks"], index=self.summary["datasets"],
                                    columns=self.summary["arms"])
        return pandas.DataFrame(self.comparisons)

    def arms_frame(self) -> Any:
        """The arms as a pandas DataFrame."""
        import pandas
        return pandas.DataFrame(self.arms)

    def __repr__(self) -> str:
        return f"nnfit.CompareResult(output={self.output!r})"


def _with_array_data(experiment: Spec, data: Tuple[Any, Any], output: str) -> Spec:
    # Arrays become a CSV file in the output folder, so that every run's config names its data
    # and the comparison can be resumed and recomputed from its records like any other.
    x = _np.asarray(_features(data[0]), dtype=_np.float64)
    y = _np.asarray(_features(data[1]))
    if x.ndim != 2 or y.ndim != 1 or len(x) != len(y):
        raise ConfigError("compare: data must be (x, y): x rows x features, y one value per row")
    _os.makedirs(output, exist_ok=True)
    path = _os.path.abspath(_os.path.join(output, "data.csv"))
    classification = y.dtype.kind in "iub"
    header = ",".join([f"x{i}" for i in range(x.shape[1])] + ["y"])
    table = _np.column_stack([x, y.astype(_np.float64)])
    temporary = path + ".tmp"
    _np.savetxt(temporary, table, delimiter=",", header=header, comments="",
                fmt=["%.9g"] * x.shape[1] + (["%d"] if classification else ["%.9g"]))
    _os.replace(temporary, path)
    experiment = dict(experiment)
    base = dict(experiment.get("base", {}))
    spec = {k: v for k, v in dict(base.get("data", {})).items()
            if k in ("validation", "test", "scale", "stratify", "limit")}
    spec.update({"source": "csv", "path": path, "target": "y",
                 "task": "classification" if classification else "regression"})
    base["data"] = spec
    experiment["base"] = base
    return experiment


def compare(experiment: Union[str, Spec], *, output: Optional[str] = None, jobs: int = 1,
            data: Optional[Tuple[Any, Any]] = None, smoke: bool = False,
            force: bool = False) -> CompareResult:
    """Runs an experiment (a dict in the experiment schema, docs/EXPERIMENTS.md, or the path of
    an experiment file) as ``nnfit compare`` does: every arm over its seeds (tuned per arm when
    it tunes), ``jobs`` runs at a time, in ``output`` (default runs/compare/<name>); finished
    runs there are reused. ``data=(x, y)`` replaces the base config's data source with arrays
    (written to <output>/data.csv). Returns the summary and the report's path. The GIL is
    released while it runs; Ctrl-C stops it, keeping the runs that ended."""
    if isinstance(experiment, (str, _os.PathLike)):
        origin = _os.fspath(experiment)
        spec = _json.loads(_nnfit._load_config(origin))  # "extends" followed, as nnfit does
    else:
        origin, spec = "experiment", dict(experiment)
    name = spec.get("name") or _os.path.splitext(_os.path.basename(origin))[0]
    folder = output or _os.path.join("runs", "compare", name + ("-smoke" if smoke else ""))
    if data is not None:
        spec = _with_array_data(spec, data, folder)
    command = f"nnfit.compare({origin!r}, output={folder!r}, jobs={jobs})"
    summary = _nnfit._compare(_json.dumps(spec), origin, folder, jobs, smoke, force, command)
    return CompareResult(_json.loads(summary), folder)
