// The speedup comparisons of a summary (summary.cpp): each arm against the baseline on the
// same seeds, by the level-matched speedup (nnfit/experiments/speedup.hpp) in steps and, with
// the arms' costs per step, in seconds. Private to the experiments layer.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "nnfit/experiments/summary.hpp"

namespace nnfit::speedup_parts {

// The curve the experiment's runs are compared on (Summary::speedup_curve): validation loss at
// eval_every_steps, else the windowed training loss, else the validation (or training) loss at
// epoch ends; "" when the runs have none.
std::string curve_kind(const Experiment& experiment, const std::vector<RunRecord>& records);

// One run's curve of that kind, (step, loss).
LossCurve curve_of(const RunRecord& r, const std::string& kind);

// Per arm but the baseline: "speedup" and, when both arms have a cost, "seconds_speedup".
std::vector<Comparison> speedup_comparisons(const Experiment& experiment,
                                            const std::vector<RunRecord>& records,
                                            const std::string& kind,
                                            const std::map<std::string, StepCost>& step_costs);

// "faster" or "slower" with the adjusted p below alpha and enough seeds, else "not shown".
std::string speedup_verdict(const Comparison& c, double adjusted);

}  // namespace nnfit::speedup_parts
