// From a `data` spec to preprocessed splits: the source, `limit`, held-out test and
// validation fractions (stratified by class), scaling fitted on the training rows; and the
// batch loader. Random streams: the generator draws from fork(1) of the data seed, the
// splits from fork(2), so changing the split leaves the generated samples alone.
#include <algorithm>
#include <climits>
#include <cmath>
#include <cstring>
#include <map>

#include "nnfit/error.hpp"
#include "nnfit/registry.hpp"
#include "nnfit/uci.hpp"

namespace nnfit {

namespace {

struct DataPlan {
  SourceLoader load;
  std::string source;
  std::int64_t limit = 0, test_limit = 0;
  double validation = 0.0, test = 0.0;
  bool stratify = true;
  std::string scale;  // "" = the source's default
  double clip = 0;    // > 0: clamp standardised values to [-clip, clip]
  std::optional<std::uint64_t> seed;
  json resolved;  // the spec with every default written out
};

// The keys every data spec takes besides "source" and the source's own: splits and scaling.
const Schema<DataPlan>& split_schema() {
  static const auto schema =
      Schema<DataPlan>()
          .custom(
              {"scale", "none | unit | standardize | standardize_global | minmax", nullptr,
               "unit divides pixels by 255; standardize subtracts each feature's mean and divides "
               "by its (population) standard deviation; standardize_global one mean and sd over "
               "all features (images: a border pixel that is almost always 0 is not blown up "
               "to hundreds of sd); minmax maps each feature's range to [0, 1]. "
               "Fitted on the training split, saved with the model",
               false, "unit for image sources, else none"},
              [](SpecReader& r, DataPlan& p) {
                p.scale = r.choice("scale", "",
                                   {"none", "unit", "standardize", "standardize_global", "minmax"});
              },
              [](const DataPlan& p, json& j) { j["scale"] = p.scale; })
          .number("validation", &DataPlan::validation,
                  "fraction of the training samples held out for validation",
                  Bounds::unit_open_above())
          .number("test", &DataPlan::test,
                  "fraction held out as the test set, for sources without one",
                  Bounds::unit_open_above())
          .boolean("stratify", &DataPlan::stratify, "hold out the same fraction of each class")
          .integer("limit", &DataPlan::limit, "use only the first N training samples (0: all)", 0,
                   LLONG_MAX)
          .integer("test_limit", &DataPlan::test_limit,
                   "use only the first N test samples (0: all)", 0, LLONG_MAX)
          .custom(
              {"seed", "integer >= 0", nullptr, "a seed for the data (generation and splits)",
               false, "the run's seed"},
              [](SpecReader& r, DataPlan& p) {
                if (r.has("seed")) p.seed = r.unsigned_integer("seed", 0);
              },
              [](const DataPlan& p, json& j) {
                if (p.seed) j["seed"] = *p.seed;
              })
          .number("clip", &DataPlan::clip,
                  "with standardize or standardize_global: clamp standardised values to "
                  "[-clip, clip] (0: no clamp), for data with rare extreme features",
                  Bounds::at_least(0.0, 1e30))
          .check([](const DataPlan& p, SpecReader& r) {
            if (p.clip > 0 && p.scale != "standardize" && p.scale != "standardize_global")
              r.diagnostics().error(r.path_of("clip"),
                                    "needs \"scale\": \"standardize\" or \"standardize_global\"");
            if (p.validation + p.test >= 1.0)
              r.diagnostics().error(r.path_of("validation"),
                                    "validation + test fractions must leave training data");
          });
  return schema;
}

void read_split_keys(SpecReader& reader, DataPlan& p) {
  const DataPlan read = split_schema().read(reader);
  p.limit = read.limit;
  p.test_limit = read.test_limit;
  p.validation = read.validation;
  p.test = read.test;
  p.stratify = read.stratify;
  p.scale = read.scale;
  p.seed = read.seed;
  p.clip = read.clip;
}

// Reads and checks every key of a data spec; no file is touched.
DataPlan plan(const json& spec, const std::string& path, Diagnostics& diag) {
  DataPlan p;
  SpecReader reader(spec, path, diag);
  if (!reader.is_object()) return p;
  const auto& table = registry().sources;
  if (!reader.has("source"))
    diag.error(reader.path_of("source"), "missing; one of: " + table.listing());
  p.source = reader.string("source", "");
  read_split_keys(reader, p);
  if (!p.source.empty()) {
    if (const auto* entry = table.find(p.source)) {
      p.load = entry->read(reader).make;
    } else {
      diag.error(reader.path_of("source"), table.unknown(p.source));
    }
  }
  reader.finish();
  p.resolved = reader.resolved();
  // A UCI set without a test file of its own holds out a stratified 20% as its test set
  // unless "test" says otherwise (the suite's sets are compared on test accuracy).
  if (p.source == "uci" && !spec.contains("test") && spec.contains("name") &&
      spec["name"].is_string() && !uci_has_test_file(spec["name"].get<std::string>())) {
    p.test = kUciTestFraction;
    p.resolved["test"] = p.test;
  }
  // The scale a source gets when none is given: "unit" for the image sources (their samples
  // carry pixel_max), "none" for the rest -- what finish() applies.
  if (p.scale.empty()) {
    const auto* entry = table.find(p.source);
    p.resolved["scale"] = entry && entry->traits.images ? "unit" : "none";
  }
  return p;
}

// Splits `rows` into (kept, held out), holding out `fraction` of each class (or of all rows).
std::pair<std::vector<Index>, std::vector<Index>> hold_out(const std::vector<Index>& rows,
                                                           double fraction, const Samples& samples,
                                                           bool stratify, Rng& rng,
                                                           const std::string& what) {
  std::map<std::int32_t, std::vector<Index>> groups;
  const bool by_class = stratify && samples.task == Task::classification;
  for (const Index r : rows)
    groups[by_class ? samples.labels[static_cast<std::size_t>(r)] : 0].push_back(r);
  std::vector<Index> kept, held;
  for (auto& [label, group] : groups) {
    rng.shuffle(group.begin(), group.end());
    const auto take =
        static_cast<std::size_t>(std::llround(fraction * static_cast<double>(group.size())));
    held.insert(held.end(), group.begin(), group.begin() + static_cast<std::ptrdiff_t>(take));
    kept.insert(kept.end(), group.begin() + static_cast<std::ptrdiff_t>(take), group.end());
  }
  if (held.empty() || kept.empty())
    throw ConfigError("data." + what + ": a fraction of " + std::to_string(fraction) + " of " +
                      std::to_string(rows.size()) + " samples leaves " +
                      (held.empty() ? "nothing held out" : "nothing to train on"));
  std::sort(kept.begin(), kept.end());
  std::sort(held.begin(), held.end());
  return {kept, held};
}

std::vector<Index> first_rows(Index n, std::int64_t limit) {
  std::vector<Index> rows(static_cast<std::size_t>(limit > 0 ? std::min<Index>(n, limit) : n));
  for (std::size_t i = 0; i < rows.size(); ++i) rows[i] = static_cast<Index>(i);
  return rows;
}

// Every feature and target must be finite: an inf would reach the loss as "diverged" one
// epoch later, blamed on the training instead of the data.
// True when no value is NaN or Inf: the exponent bits of each float are tested in one pass the
// compiler vectorises (Eigen's allFinite() computes x - x == x - x, 20x slower here: 0.3 s of
// a Fashion-MNIST run's 1.7 s start to exit).
bool all_finite(const Matrix& m) {
  std::uint32_t special = 0;
  const float* p = m.data();
  for (Index i = 0; i < m.size(); ++i) {
    std::uint32_t bits;
    std::memcpy(&bits, p + i, sizeof bits);
    special |= static_cast<std::uint32_t>((bits & 0x7f800000u) == 0x7f800000u);
  }
  return special == 0;
}

void check_finite(const Samples& samples, const std::string& where) {
  for (const Matrix* m : {&samples.x, &samples.y}) {
    if (all_finite(*m)) continue;
    // NaN inputs are the reader's missing values, to be imputed after the split.
    const bool imputed = m == &samples.x && samples.impute_missing;
    for (Index r = 0; r < m->rows(); ++r)
      for (Index c = 0; c < m->cols(); ++c)
        if (!std::isfinite((*m)(r, c)) && !(imputed && std::isnan((*m)(r, c))))
          throw DataError(where + ": sample " + std::to_string(r) + ", " +
                          (m == &samples.x ? "feature " : "target ") + std::to_string(c) + " is " +
                          std::to_string((*m)(r, c)) +
                          " (beyond float32's range?); nnfit needs finite values");
  }
}

// The columns of each attribute: a nominal attribute's one-hot columns together.
std::vector<std::vector<Index>> column_groups(const Samples& s) {
  std::vector<std::vector<Index>> groups;
  std::map<std::int32_t, std::size_t> index;
  for (Index c = 0; c < s.x.cols(); ++c) {
    const std::int32_t g = s.feature_groups.empty() ? static_cast<std::int32_t>(c)
                                                    : s.feature_groups[static_cast<std::size_t>(c)];
    const auto [it, added] = index.emplace(g, groups.size());
    if (added) groups.emplace_back();
    groups[it->second].push_back(c);
  }
  return groups;
}

// "missing": "impute": each missing (NaN) input takes what the training rows say: a numeric
// column's mean, or for a nominal attribute the column (value) most of them have. Nothing
// from the validation or test rows is used.
void impute_missing(Samples& train, Samples* test, const std::vector<Index>& rows) {
  for (const auto& group : column_groups(train)) {
    std::vector<double> sums(group.size(), 0.0);
    double count = 0;
    for (const Index r : rows) {
      if (std::isnan(train.x(r, group[0]))) continue;
      for (std::size_t k = 0; k < group.size(); ++k) sums[k] += train.x(r, group[k]);
      ++count;
    }
    std::vector<float> fill(group.size(), 0.0f);
    if (group.size() == 1) {
      fill[0] = count > 0 ? static_cast<float>(sums[0] / count) : 0.0f;
    } else if (count > 0) {
      fill[static_cast<std::size_t>(std::max_element(sums.begin(), sums.end()) - sums.begin())] =
          1.0f;
    }
    for (Samples* s : {&train, test}) {
      if (!s) continue;
      for (Index r = 0; r < s->x.rows(); ++r)
        if (std::isnan(s->x(r, group[0])))
          for (std::size_t k = 0; k < group.size(); ++k) s->x(r, group[k]) = fill[k];
    }
  }
}

Data finish(SourceData source, const DataPlan& p, std::uint64_t seed,
            const std::optional<Scaler>& fixed = std::nullopt) {
  Samples& train = source.train;
  if (train.size() == 0) throw DataError(p.source + ": no samples");
  check_finite(train, p.source);
  if (source.test) check_finite(*source.test, p.source + " (test set)");
  if (source.test && p.test > 0.0)
    throw ConfigError("data.test: " + p.source +
                      " has its own test set; a test fraction is for sources without one");
  if (source.test && source.test->x.cols() != train.x.cols())
    throw DataError(p.source + ": the test set has " + std::to_string(source.test->x.cols()) +
                    " features, the training set " + std::to_string(train.x.cols()));
  const std::string scale = !p.scale.empty() ? p.scale : (train.pixel_max > 0 ? "unit" : "none");
  if (!fixed && scale == "unit" && train.pixel_max <= 0)
    throw ConfigError(
        "data.scale: 'unit' divides pixel values by 255 and is for image sources "
        "(fashion_mnist, mnist, idx); use 'minmax' or 'standardize' for " +
        p.source);

  Rng split_rng = Rng(seed).fork(2);
  Data data;
  data.source = p.source;
  data.task = train.task;
  data.num_features = train.x.cols();
  data.num_outputs = train.num_outputs();
  data.class_names = train.class_names;
  data.feature_names = train.feature_names;
  data.categorical = train.categorical;

  std::vector<Index> rows = first_rows(train.size(), p.limit);
  std::vector<Index> test_rows;
  if (p.test > 0.0)
    std::tie(rows, test_rows) = hold_out(rows, p.test, train, p.stratify, split_rng, "test");
  std::vector<Index> validation_rows;
  if (p.validation > 0.0)
    std::tie(rows, validation_rows) =
        hold_out(rows, p.validation, train, p.stratify, split_rng, "validation");

  if (train.impute_missing || (source.test && source.test->impute_missing)) {
    // The fill values come from the training rows; a model does not store them (yet), so
    // evaluating one on data with missing values would use other values: refused.
    const bool any_missing = train.x.hasNaN() || (source.test && source.test->x.hasNaN());
    if (fixed && any_missing)
      throw DataError(p.source +
                      ": \"missing\": \"impute\" takes its values from the training split, and "
                      "the model does not store them; evaluate on data without missing values");
    impute_missing(train, source.test ? &*source.test : nullptr, rows);
  }
  if (fixed && !fixed->identity() && fixed->offset.size() != train.x.cols())
    throw DataError(p.source + ": the data has " + std::to_string(train.x.cols()) +
                    " features, the model's preprocessing " + std::to_string(fixed->offset.size()));
  if (!fixed) {
    data.scaler = Scaler::fit(scale, train.x, rows, train.pixel_max);
    data.scaler.clip = p.clip;
  } else {
    data.scaler = *fixed;
  }
  data.scaler.apply(train.x);
  auto shared = std::make_shared<const Samples>(std::move(train));
  data.train = {shared, rows};
  data.validation = {shared, validation_rows};
  if (source.test) {
    data.scaler.apply(source.test->x);
    const Index n = source.test->size();
    auto test = std::make_shared<const Samples>(std::move(*source.test));
    data.test = {test, first_rows(n, p.test_limit)};
  } else {
    if (p.test_limit > 0 && static_cast<std::int64_t>(test_rows.size()) > p.test_limit)
      test_rows.resize(static_cast<std::size_t>(p.test_limit));
    data.test = {shared, test_rows};
  }
  return data;
}

}  // namespace

Scaler Scaler::fit(const std::string& type, const Matrix& x, const std::vector<Index>& rows,
                   double pixel_max) {
  Scaler s;
  s.type = type;
  const Index d = x.cols();
  if (type == "none") return s;
  if (type == "unit") {
    s.offset = RowVector::Zero(d);
    s.factor = RowVector::Constant(d, static_cast<float>(1.0 / pixel_max));
    return s;
  }
  s.offset.resize(d);
  s.factor.resize(d);
  if (type == "standardize_global") {
    // One mean and population sd over every feature of the training rows (torchvision's
    // Normalize for images), in double.
    double sum = 0, squares = 0;
    for (const Index r : rows) {
      const Eigen::ArrayXd v = x.row(r).transpose().cast<double>().array();
      sum += v.sum();
      squares += v.square().sum();
    }
    const double n = static_cast<double>(rows.size()) * static_cast<double>(d);
    const double mean = sum / n;
    const double stddev = std::sqrt(std::max(0.0, squares / n - mean * mean));
    s.offset.setConstant(static_cast<float>(mean));
    s.factor.setConstant(
        static_cast<float>(stddev > 1e-6 * std::max(1.0, std::abs(mean)) ? 1.0 / stddev : 1.0));
  } else if (type == "standardize") {
    // Mean and population standard deviation (as sklearn's StandardScaler), in double.
    Eigen::ArrayXd sum = Eigen::ArrayXd::Zero(d), squares = Eigen::ArrayXd::Zero(d);
    for (const Index r : rows) {
      const Eigen::ArrayXd v = x.row(r).transpose().cast<double>().array();
      sum += v;
      squares += v * v;
    }
    const double n = static_cast<double>(rows.size());
    for (Index j = 0; j < d; ++j) {
      const double mean = sum[j] / n;
      const double variance = std::max(0.0, squares[j] / n - mean * mean);
      const double stddev = std::sqrt(variance);
      s.offset[j] = static_cast<float>(mean);
      s.factor[j] =
          static_cast<float>(stddev > 1e-6 * std::max(1.0, std::abs(mean)) ? 1.0 / stddev : 1.0);
    }
  } else if (type == "minmax") {
    RowVector low = RowVector::Constant(d, std::numeric_limits<float>::infinity());
    RowVector high = -low;
    for (const Index r : rows) {
      low = low.cwiseMin(x.row(r));
      high = high.cwiseMax(x.row(r));
    }
    for (Index j = 0; j < d; ++j) {
      s.offset[j] = low[j];
      const double range = static_cast<double>(high[j]) - low[j];
      s.factor[j] = static_cast<float>(range > 0 ? 1.0 / range : 1.0);
    }
  } else {
    throw ConfigError("unknown scaling '" + type +
                      "'; valid: none, unit, standardize, standardize_global, minmax");
  }
  return s;
}

void Scaler::apply(Matrix& x) const {
  if (identity()) return;
  x = ((x.rowwise() - offset).array().rowwise() * factor.array()).matrix();
  if (clip > 0) x = x.cwiseMax(static_cast<float>(-clip)).cwiseMin(static_cast<float>(clip));
}

const Split* Data::split(const std::string& name) const {
  return name == "train"        ? &train
         : name == "validation" ? &validation
         : name == "test"       ? &test
                                : nullptr;
}

json Data::summary() const {
  json out = {{"source", source},
              {"task", task == Task::classification ? "classification" : "regression"},
              {"features", num_features},
              {"outputs", num_outputs},
              {"scale", scaler.type},
              {"train", train.size()},
              {"validation", validation.size()},
              {"test", test.size()}};
  if (task == Task::classification) out["classes"] = class_names;
  return out;
}

Data load_data(const json& spec, std::uint64_t seed, const std::string& path,
               const std::optional<Scaler>& scaler) {
  Diagnostics diag;
  DataPlan p = plan(spec, path, diag);
  diag.throw_if_any();
  const std::uint64_t data_seed = p.seed.value_or(seed);
  Rng rng = Rng(data_seed).fork(1);
  return finish(p.load(rng), p, data_seed, scaler);
}

Task task_of_data_spec(const json& resolved) {
  // The spec may be wrong: read only values of the right type. (A fuzzer found "source":
  // [0, 1] throwing here.)
  const std::string source = spec_text(resolved, "source");
  const SourceRegistry::Entry* entry = registry().sources.find(source);
  return entry && entry->traits.task_of_spec ? entry->traits.task_of_spec(resolved)
                                             : Task::classification;
}

std::vector<FieldInfo> data_fields() {
  return split_schema().fields();
}

json check_data_spec(const json& spec, Diagnostics& diagnostics, const std::string& path) {
  return plan(spec, path, diagnostics).resolved;
}

Data prepare_data(Samples train, std::optional<Samples> test, const json& spec, std::uint64_t seed,
                  const std::string& path) {
  json options = spec.is_object() ? spec : json::object();
  options["source"] = "inline";
  // The samples come from C++; the spec's split and scale keys still apply.
  Diagnostics diag;
  SpecReader reader(options, path, diag);
  DataPlan p;
  p.source = "inline";
  reader.accept("source");
  read_split_keys(reader, p);
  reader.finish();
  diag.throw_if_any();
  return finish(SourceData{std::move(train), std::move(test)}, p, p.seed.value_or(seed));
}

Samples generate(const json& spec, Rng& rng, const std::string& path) {
  Diagnostics diag;
  SpecReader reader(spec, path, diag);
  const auto& table = registry().sources;
  const std::string name = reader.string("source", "");
  const auto* entry = table.find(name);
  if (!entry) diag.error(reader.path_of("source"), table.unknown(name));
  SourceLoader loader = entry ? entry->read(reader).make : SourceLoader();
  reader.finish();
  diag.throw_if_any();
  return loader(rng).train;
}

BatchLoader::BatchLoader(const Split& split, Index batch_size, bool shuffle, bool drop_last,
                         std::uint64_t seed)
    : split_(split),
      batch_size_(batch_size),
      shuffle_(shuffle),
      drop_last_(drop_last),
      seed_(seed) {
  if (batch_size <= 0) throw ConfigError("batch size must be positive");
  start_epoch(0);
}

void BatchLoader::start_epoch(std::int64_t epoch) {
  order_ = split_.rows;
  if (shuffle_)
    Rng(seed_).fork(static_cast<std::uint64_t>(epoch)).shuffle(order_.begin(), order_.end());
  position_ = 0;
}

Index BatchLoader::batches_per_epoch() const {
  const Index n = split_.size();
  return drop_last_ ? n / batch_size_ : (n + batch_size_ - 1) / batch_size_;
}

bool BatchLoader::next(Batch& batch) {
  const Index n = split_.size();
  const Index size = std::min(batch_size_, n - position_);
  if (size <= 0 || (drop_last_ && size < batch_size_)) return false;
  const Samples& s = *split_.samples;
  batch.task = s.task;
  batch.x.resize(size, s.x.cols());
  if (s.task == Task::classification) {
    batch.labels.resize(static_cast<std::size_t>(size));
  } else {
    batch.y.resize(size, s.y.cols());
  }
  for (Index i = 0; i < size; ++i) {
    const Index row = order_[static_cast<std::size_t>(position_ + i)];
    batch.x.row(i) = s.x.row(row);
    if (s.task == Task::classification)
      batch.labels[static_cast<std::size_t>(i)] = s.labels[static_cast<std::size_t>(row)];
    else
      batch.y.row(i) = s.y.row(row);
  }
  position_ += size;
  return true;
}

}  // namespace nnfit
