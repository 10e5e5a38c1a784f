#!/usr/bin/env python3
"""Does ELU or SELU reach ReLU's loss in fewer steps on scikit-learn's digits?

A notebook-style walk through nnfit from Python: load a data set with scikit-learn (Debian's
python3-sklearn), train one network to see the API, then compare ReLU, ELU and SELU over
seeds (each arm tuned? no: one fixed learning rate here, to keep it quick) and print the
verdict table. Run it with Debian's python3 after scripts/setup:

    /usr/bin/python3 examples/python/compare_activations.py            # 8 seeds, about 2 s
    /usr/bin/python3 examples/python/compare_activations.py --smoke    # 3 seeds, 3 epochs (the test)
"""

import sys

import numpy as np
from sklearn.datasets import load_digits

import nnfit

smoke = "--smoke" in sys.argv
digits = load_digits()
x = digits.data.astype(np.float32)  # 1797 images of 8 x 8 pixels, values 0-16
y = digits.target.astype(np.int64)  # 10 classes
print(f"nnfit {nnfit.__version__}: digits, {x.shape[0]} rows x {x.shape[1]} features")

# One network, to see the API.
net = nnfit.Sequential([nnfit.dense(64, "selu"), nnfit.dense(64, "selu"), nnfit.dense(10)])
fitted = nnfit.fit(net, x, y, optimizer=nnfit.sgd(lr=0.05), epochs=3 if smoke else 10,
                   batch_size=32, validation=0.2, scale="standardize")
last = fitted.history[-1]
print(f"one SELU fit: {len(fitted.history)} epochs, val_loss {last['val_loss']:.4f}, "
      f"val_accuracy {last['val_accuracy']:.3f}")

# The comparison: every arm on the same splits, batches and initial draws per seed; the
# speedup (steps to the same validation loss, over the whole curve) is the primary measure.
experiment = {
    "name": "digits_relu_elu_selu",
    "claim": "ELU and SELU reach the validation loss ReLU reaches in fewer steps.",
    "base": {
        "model": {"layers": [nnfit.dense(64, "relu"), nnfit.dense(64, "relu"), nnfit.dense(10)]},
        "optimizer": nnfit.sgd(lr=0.05),
        "train": {"epochs": 3 if smoke else 15, "batch_size": 32, "eval_every_steps": 15},
        "data": {"validation": 0.2, "test": 0.2, "scale": "standardize"},
    },
    "seeds": 3 if smoke else 8,
    "diagnostics": False,
    "baseline": "relu",
    "arms": [
        {"name": "relu", "activation": "relu"},
        {"name": "elu", "activation": "elu"},
        {"name": "selu", "activation": "selu"},
    ],
}
result = nnfit.compare(experiment, output="runs/compare/digits_relu_elu_selu" +
                       ("-smoke" if smoke else ""), jobs=2, data=(x, y))

print(f"\nverdicts against relu (primary: the speedup in steps; report: {result.report})")
print(f"{'arm':5} {'measure':16} {'ratio':>7} {'95% interval':>16} {'Holm p':>7}  verdict")
for row in result.comparisons:
    if row["measure"] not in ("speedup", "seconds_speedup"):
        continue
    interval = (f"[{row['low']:.3f}, {row['high']:.3f}]" if row["low"] is not None
                else "(too few seeds)")
    print(f"{row['arm']:5} {row['measure']:16} {row['difference']:7.3f} {interval:>16} "
          f"{row['p_adjusted']:7.3g}  {row['verdict']}")
