// The report of one training run: report.html in its run directory, drawn from the files the
// run wrote (config.json, metrics.jsonl, summary.json, diagnostics.jsonl, model.safetensors),
// so `nnfit report DIR` can redraw it at any time, even for a run still in progress.
#pragma once

#include <string>
#include <vector>

namespace nnfit {

// Writes <dir>/report.html (self-contained: plots inline as SVG) and returns its path. Throws
// DataError when the directory holds no run (no metrics.jsonl) or a file in it is damaged.
std::string write_run_report(const std::string& dir);

// Several runs on one page (the TensorBoard habit, as one self-contained file): their loss,
// accuracy, learning-rate and gradient-norm curves overlaid, the config keys that differ
// between them, and their final metrics. Writes `output` and returns it.
std::string write_runs_report(const std::vector<std::string>& dirs, const std::string& output);

}  // namespace nnfit
