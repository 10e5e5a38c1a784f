// The report of one training run: report.html in its run directory, drawn from the files the
// run wrote (config.json, metrics.jsonl, summary.json, diagnostics.jsonl, model.safetensors),
// so `nnfit report DIR` can redraw it at any time, even for a run still in progress.
#pragma once

#include <string>

namespace nnfit {

// Writes <dir>/report.html (self-contained: plots inline as SVG) and returns its path. Throws
// DataError when the directory holds no run (no metrics.jsonl) or a file in it is damaged.
std::string write_run_report(const std::string& dir);

}  // namespace nnfit
