// The report of an experiment over several data sets (nnfit/report/compare_report.hpp,
// write_suite_report): ranks, the Friedman test, each arm against the baseline, and Demšar's
// critical-difference diagram.
#include "nnfit/report/suite_report.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <numeric>

#include "document.hpp"
#include "nnfit/detail/atomic_file.hpp"
#include "nnfit/report/compare_report.hpp"
#include "nnfit/uci.hpp"
#include "nnfit/version.hpp"

namespace nnfit {

namespace {

namespace fs = std::filesystem;

std::string number(double v, const char* format = "%.3g") {
  return report::cell_number(v, format);
}

// Demšar's critical-difference diagram: the rank axis (1, the best, on the left), each arm at
// its average rank, and a thick line under each group of arms whose ranks differ by less than
// the Nemenyi CD (no difference shown among them).
std::string cd_diagram(const SuiteSummary& s) {
  const std::vector<double>& ranks = s.ranking->average_ranks;
  const std::vector<std::string>& arms = s.arms;
  const double cd = s.ranking->critical_difference;
  const int k = static_cast<int>(ranks.size());
  const double left = 210, right = 210, width = 820, top = 60;
  const auto x = [&](double r) {
    return left + (r - 1.0) / std::max(1, k - 1) * (width - left - right);
  };
  std::vector<std::size_t> order(ranks.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(),
            [&](std::size_t a, std::size_t b) { return ranks[a] < ranks[b]; });
  // Maximal groups of consecutive arms (by rank) within the CD.
  std::vector<std::pair<std::size_t, std::size_t>> groups;
  for (std::size_t i = 0; i < order.size(); ++i) {
    std::size_t j = i;
    while (j + 1 < order.size() && ranks[order[j + 1]] - ranks[order[i]] < cd) ++j;
    if (j > i && (groups.empty() || j > groups.back().second)) groups.push_back({i, j});
  }
  const double label_top = top + 30 + 12.0 * static_cast<double>(groups.size());
  const double height = label_top + 22.0 * ((static_cast<double>(k) + 1) / 2) + 20;
  std::string svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + number(width, "%.0f") +
                    "\" height=\"" + number(height, "%.0f") +
                    "\" font-family=\"sans-serif\" font-size=\"12\">\n";
  svg += "<line x1=\"" + number(x(1), "%.1f") + "\" y1=\"" + number(top, "%.0f") + "\" x2=\"" +
         number(x(k), "%.1f") + "\" y2=\"" + number(top, "%.0f") + "\" stroke=\"black\"/>\n";
  for (int r = 1; r <= k; ++r)
    svg += "<line x1=\"" + number(x(r), "%.1f") + "\" y1=\"" + number(top - 5, "%.0f") +
           "\" x2=\"" + number(x(r), "%.1f") + "\" y2=\"" + number(top, "%.0f") +
           "\" stroke=\"black\"/><text x=\"" + number(x(r), "%.1f") + "\" y=\"" +
           number(top - 9, "%.0f") + "\" text-anchor=\"middle\">" + std::to_string(r) + "</text>\n";
  if (cd > 0) {
    svg += "<line x1=\"" + number(x(1), "%.1f") + "\" y1=\"18\" x2=\"" + number(x(1 + cd), "%.1f") +
           "\" y2=\"18\" stroke=\"black\" stroke-width=\"2\"/><text x=\"" + number(x(1), "%.1f") +
           "\" y=\"12\">CD = " + number(cd) + "</text>\n";
  }
  for (std::size_t g = 0; g < groups.size(); ++g) {
    const double y = top + 18 + 12.0 * static_cast<double>(g);
    svg += "<line x1=\"" + number(x(ranks[order[groups[g].first]]) - 4, "%.1f") + "\" y1=\"" +
           number(y, "%.0f") + "\" x2=\"" + number(x(ranks[order[groups[g].second]]) + 4, "%.1f") +
           "\" y2=\"" + number(y, "%.0f") + "\" stroke=\"#444\" stroke-width=\"4\"/>\n";
  }
  // Labels: the better half to the left, the rest to the right, one row each.
  const std::size_t half = (order.size() + 1) / 2;
  for (std::size_t i = 0; i < order.size(); ++i) {
    const bool on_left = i < half;
    const double row = label_top + 22.0 * static_cast<double>(on_left ? i : order.size() - 1 - i);
    const double rx = x(ranks[order[i]]);
    const double tx = on_left ? left - 10 : width - right + 10;
    svg += "<polyline fill=\"none\" stroke=\"black\" points=\"" + number(rx, "%.1f") + "," +
           number(top, "%.0f") + " " + number(rx, "%.1f") + "," + number(row, "%.0f") + " " +
           number(tx, "%.1f") + "," + number(row, "%.0f") + "\"/>\n";
    svg += "<text x=\"" + number(on_left ? tx - 4 : tx + 4, "%.1f") + "\" y=\"" +
           number(row + 4, "%.0f") + "\" text-anchor=\"" + (on_left ? "end" : "start") + "\">" +
           report::escape_xml(arms[order[i]]) + " (" + number(ranks[order[i]], "%.2f") +
           ")</text>\n";
  }
  return svg + "</svg>\n";
}

void ranks_section(report::Document& doc, const SuiteSummary& s) {
  const SuiteRanking& r = *s.ranking;
  const std::vector<std::string>& arms = s.arms;
  const std::vector<std::string>& datasets = s.datasets;
  doc.heading("Ranks");
  doc.paragraph("Per data set, each arm's mean `" + s.rank_by +
                "` over the evaluation seeds, with its rank among the arms there (1: the best; "
                "ties, within 1e-9, share the mean rank), and the runs behind it. A run that "
                "diverged counts as a failure, scored at its best validation epoch before it "
                "diverged (chance, 1 / classes, if it finished none), not left out. Each data "
                "set's own report is linked.");
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> header = {"data set"};
  header.insert(header.end(), arms.begin(), arms.end());
  rows.push_back(header);
  for (std::size_t d = 0; d < datasets.size(); ++d) {
    std::vector<std::string> row = {"[" + datasets[d] + "](datasets/" + datasets[d] +
                                    "/report.md)"};
    for (std::size_t m = 0; m < arms.size(); ++m) {
      const double v = r.scores[d][m];
      std::string runs;
      if (d < r.score_runs.size()) {
        const ScoreRuns& c = r.score_runs[d][m];
        runs = ", n " + std::to_string(c.n) +
               (c.diverged > 0 ? ", " + std::to_string(c.diverged) + " diverged" : "");
      }
      row.push_back((std::isfinite(v) ? number(v, "%.4f") : "-") + " (" +
                    number(r.ranks[d][m], "%.3g") + runs + ")");
    }
    rows.push_back(row);
  }
  if (!r.non_discriminating.empty()) {
    std::string names;
    for (const auto& n : r.non_discriminating) names += (names.empty() ? "" : ", ") + n;
    doc.paragraph(
        "Non-discriminating (the set cannot order the arms: every arm scored the same, as every "
        "arm at the majority rate does with accuracy on a skewed set, or, ranked by balanced "
        "accuracy, every arm's mean lies within two of its standard errors of chance, 1 / "
        "classes): " +
        names +
        ". Their ranks are kept (tied or near it, they add little but N). Balanced accuracy "
        "(`rank_by`: `test_balanced_accuracy_at_best_val`) is the measure a majority-class "
        "prediction cannot game.");
  }
  std::vector<std::string> average = {"**average rank**"};
  for (const double rank : r.average_ranks) average.push_back("**" + number(rank, "%.3f") + "**");
  rows.push_back(average);
  doc.table(rows);
}

// What this many data sets could detect, and the power for the effect the claim's source reports.
void power_paragraph(report::Document& doc, const SuiteSummary& s, const SuitePower& p) {
  const SuiteRanking& r = *s.ranking;
  std::string text =
      "**Power.** With " + std::to_string(s.datasets.size()) + " data sets and " +
      std::to_string(s.arms.size()) + " arms (standard error of a rank difference " +
      number(r.rank_standard_error) +
      "), the smallest difference of average ranks against the baseline that Holm's procedure "
      "detects with 80% power is " +
      number(p.detectable_first_step, "%.2f") + " ranks at its first step (alpha / " +
      std::to_string(s.arms.size() - 1) + ") and " + number(p.detectable_last_step, "%.2f") +
      " at its last (alpha); the Nemenyi test declares a pair different only beyond " +
      number(r.critical_difference, "%.2f") + " ranks.";
  if (p.reported_rank_difference)
    text += " The claim's source reports a difference of " +
            number(*p.reported_rank_difference, "%+.3f") + " ranks between " +
            (r.claimed_order.size() >= 2 ? r.claimed_order[0] + " and " + r.claimed_order[1]
                                         : std::string("the claimed best and second")) +
            "; the rank z-test's power to detect it here is " +
            number(100 * p.power_first_step, "%.0f") + "% at Holm's first step and " +
            number(100 * p.power_unadjusted, "%.0f") +
            "% unadjusted (Phi(|d| / SE - z)). The Wilcoxon test of the scores uses their sizes "
            "as well as their order and has more power than the ranks for a consistent effect.";
  doc.paragraph(text);
}

void tests_section(report::Document& doc, const SuiteSummary& s) {
  const SuiteRanking& r = *s.ranking;
  const Friedman& f = r.friedman;
  const int n = static_cast<int>(s.datasets.size()), k = static_cast<int>(s.arms.size());
  doc.heading("Tests");
  doc.paragraph("Friedman test over " + std::to_string(n) + " data sets and " + std::to_string(k) +
                " arms: chi2_F = " + number(f.chi2) + " (df " + std::to_string(f.df1) + "), p = " +
                number(f.chi2_p) + "; Iman and Davenport's F_F = " + number(f.iman_davenport) +
                " (df " + std::to_string(f.df1) + ", " + std::to_string(f.df2) +
                "), p = " + number(f.iman_davenport_p) + ". " +
                (f.iman_davenport_p < s.alpha
                     ? "The arms' ranks differ (p < 0.05)."
                     : "**No difference between the arms is shown** at this many data sets "
                       "(p >= 0.05): the post-hoc tests below are for completeness."));
  std::vector<std::vector<std::string>> rows = {{"arm", "rank - " + s.baseline + "'s", "z", "p",
                                                 "Holm p", "verdict", "Wilcoxon R+ / R-",
                                                 "Wilcoxon Holm p"}};
  for (const auto& c : r.against_baseline) {
    const auto& w = c.wilcoxon;
    rows.push_back({c.arm, number(c.rank_difference, "%+.3f"), number(c.z, "%.2f"), number(c.p),
                    number(c.p_adjusted), "**" + c.verdict + "**",
                    number(w.r_plus, "%.1f") + " / " + number(w.r_minus, "%.1f"),
                    number(w.p_adjusted)});
  }
  doc.table(rows);
  doc.paragraph(
      "Against the baseline: z is the difference of average ranks over its standard error " +
      number(r.rank_standard_error) +
      " = sqrt(k (k+1) / (6 N)); p-values two-sided, adjusted across the arms by Holm's method; "
      "a negative difference is a better (lower) rank. The Wilcoxon signed-rank test compares "
      "the scores themselves over the data sets (R+: data sets where the arm scores higher). "
      "Nemenyi's critical difference at 0.05 is " +
      number(r.critical_difference) +
      ": two arms whose average ranks differ by less are not shown to differ (joined in the "
      "diagram).");
  if (r.power) power_paragraph(doc, s, *r.power);
}

// The claim's ordering beside the ranks found, and what the tests allow saying about it.
void claim_section(report::Document& doc, const SuiteSummary& s) {
  const std::vector<std::string>& order = s.ranking->claimed_order;
  if (order.empty()) return;
  const std::vector<std::string>& arms = s.arms;
  const std::vector<double>& ranks = s.ranking->average_ranks;
  std::vector<std::size_t> by_rank(arms.size());
  std::iota(by_rank.begin(), by_rank.end(), 0);
  std::stable_sort(by_rank.begin(), by_rank.end(),
                   [&](std::size_t a, std::size_t b) { return ranks[a] < ranks[b]; });
  std::string found, claimed;
  for (std::size_t i = 0; i < by_rank.size(); ++i)
    found += (i ? ", " : "") + arms[by_rank[i]] + " " + number(ranks[by_rank[i]], "%.2f");
  for (std::size_t i = 0; i < order.size(); ++i) {
    const auto it = std::find(arms.begin(), arms.end(), order[i]);
    const auto place = static_cast<std::size_t>(
        std::find(by_rank.begin(), by_rank.end(), static_cast<std::size_t>(it - arms.begin())) -
        by_rank.begin());
    claimed += (i ? "; " : "") + order[i] + " (claimed " + std::to_string(i + 1) + ", found " +
               std::to_string(place + 1) + " of " + std::to_string(arms.size()) + ")";
  }
  bool holds = true;
  for (std::size_t i = 0; i < order.size(); ++i) {
    const auto it = std::find(arms.begin(), arms.end(), order[i]);
    holds &= it != arms.end() && arms[by_rank[i]] == order[i];
  }
  const bool shown = s.ranking->friedman.iman_davenport_p < s.alpha;
  doc.heading("The claim against these data sets");
  doc.paragraph(
      "Ranks found (best first): " + found + ". The claim's order: " + claimed + ". " +
      (holds ? "The ranks follow the claimed order" : "The ranks do not follow the claimed order") +
      (shown ? "; the Friedman test shows the arms differ (see the tests for which pairs)."
             : "; and the Friedman test does not show any difference between the arms "
               "over " +
                   std::to_string(s.datasets.size()) +
                   " data sets, so neither the claimed order nor the one found here is "
                   "established: **not shown at this many data sets**."));
}

void pairs_section(report::Document& doc, const SuiteSummary& s) {
  const std::vector<PairComparison>& pairs = s.ranking->pairs;
  std::vector<std::vector<std::string>> rows = {
      {"arm", "other", "R+ / R- (data sets where arm scores higher / lower)", "p", "Holm p"}};
  for (const auto& c : pairs)
    rows.push_back({c.arm, c.other, number(c.r_plus, "%.1f") + " / " + number(c.r_minus, "%.1f"),
                    number(c.p), number(c.p_adjusted)});
  doc.heading("Every pair (Wilcoxon signed-rank)", 3);
  doc.paragraph(
      "Each pair of arms compared on their scores over the data sets; p adjusted by "
      "Holm's method across all " +
      std::to_string(pairs.size()) + " pairs.");
  doc.table(rows);
}

}  // namespace

void write_suite_report(const Experiment& e, const SuiteSummary& summary_in,
                        const ReportContext& context, const std::string& output) {
  const fs::path dir(output);
  fs::create_directories(dir / "plots");
  SuiteSummary summary = summary_in;
  summary.provenance = provenance_of(context);
  write_file_atomically((dir / "summary.json").string(), json(summary).dump(2) + "\n");
  report::Document doc;
  doc.heading(e.name, 1);
  doc.paragraph("**Claim.** " + e.claim + (e.source.empty() ? "" : " (" + e.source + ")"));
  doc.paragraph(
      std::to_string(e.arms.size()) + " arms x " + std::to_string(summary.datasets.size()) +
      " data sets x " + std::to_string(e.seeds.size()) + " seeds. Generated by nnfit " + kVersion +
      " on " + context.date + " with `" + context.command + "` on " + context.machine + " (" +
      context.engine + "; " + number(context.wall_time, "%.0f") +
      " s). Method: Demšar 2006, \"Statistical comparisons of classifiers over multiple "
      "data sets\" (JMLR 7): average ranks, the Friedman test with Iman and Davenport's "
      "correction, Holm's step-down test against a control, the Wilcoxon signed-rank test "
      "and the Nemenyi critical difference." +
      (e.spec.value("smoke_run", false)
           ? " **Smoke size**: a reduced version of the experiment, not its result."
           : ""));
  doc.paragraph(
      "Splits: each seed draws its own stratified validation and test split, so an arm's score "
      "on a data set is its mean over " +
      std::to_string(e.seeds.size()) +
      " repeated splits (the arms of one seed share it). A set whose validation split would hold "
      "fewer than " +
      std::to_string(kMinValidationRows) + " rows takes " + number(100 * kSmallSetSplit, "%.0f") +
      "% of its rows for validation and as many for test. "
      "The UCI suite's larger sets are used through a stratified sample of " +
      std::to_string(kUciMaxRows) +
      " rows, the same for every arm and seed (`max_rows`; `nnfit list` gives each set's rows "
      "used).");
  if (!summary.left_out.empty())
    doc.paragraph("Left out (no arm has `" + e.rank_by +
                  "` there): " + json(summary.left_out).dump() + ".");
  if (!summary.ranking) {
    doc.paragraph("Fewer than two data sets have results: nothing to rank.");
  } else {
    claim_section(doc, summary);
    ranks_section(doc, summary);
    tests_section(doc, summary);
    const std::string svg = cd_diagram(summary);
    write_file_atomically((dir / "plots" / "critical_difference.svg").string(), svg);
    doc.figure(
        "Average ranks (1: the best) with Nemenyi's critical difference at 0.05; arms "
        "joined by a bar are not shown to differ.",
        "plots/critical_difference.svg", svg);
    pairs_section(doc, summary);
  }
  doc.heading("Configs");
  doc.code("the experiment", e.spec.dump(2));
  write_file_atomically((dir / "report.md").string(), doc.markdown());
  write_file_atomically((dir / "report.html").string(), doc.html(e.name));
}

}  // namespace nnfit
