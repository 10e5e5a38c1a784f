// The statistics of a comparison: what summary.json holds (docs/EXPERIMENTS.md).
#pragma once

#include <string>
#include <vector>

#include "nnfit/experiments/runner.hpp"

namespace nnfit {

// The statistics of a comparison (the content of summary.json), as docs/EXPERIMENTS.md
// defines them: per arm, each continuous measure's mean, sd and 95% interval over seeds, and
// time to the target as survival data (Kaplan-Meier, restricted mean); per arm against the
// baseline, paired effects with exact permutation (or sign-test) p-values, Holm-adjusted
// across arms, and verdicts from the adjusted p. Continuous measures, per run:
//   final_{train,val,test}_{loss,accuracy}   at the last epoch
//   best_{train,val}_loss, best_val_accuracy over epochs
//   test_accuracy_at_best_val                at the epoch with the lowest validation loss
//   val_loss_auc, loss_auc                   mean validation (training) loss over the epochs
//   val_loss_at_25pct, val_loss_at_50pct     validation loss after a quarter (half) the steps
//   wall_time, dead_final
// The primary measure is time to target when there is one, else val_loss_auc, else loss_auc.
json summarize(const Experiment& experiment, const std::vector<RunRecord>& records);

}  // namespace nnfit
