// From a `data` spec to preprocessed splits: the source, `limit`, held-out test and
// validation fractions (stratified by class), scaling fitted on the training rows; and the
// batch loader. Random streams (rng.hpp): the generator draws from Stream::data_generator of
// the data seed, the splits from Stream::data_split, so changing the split leaves the
// generated samples alone.
#include <algorithm>
#include <climits>
#include <cmath>
#include <cstring>
#include <map>

#include "datasets/imputation.hpp"
#include "datasets/splits.hpp"
#include "nnfit/error.hpp"
#include "nnfit/registry.hpp"

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
  const auto* entry = table.find(p.source);
  if (entry)
    p.load = entry->read(reader).make;
  else if (!p.source.empty())
    diag.error(reader.path_of("source"), table.unknown(p.source));
  reader.finish();
  p.resolved = reader.resolved();
  // A source's default test fraction (a UCI set without a test file of its own holds out a
  // stratified 20%: the suite's sets are compared on test accuracy) unless "test" is set.
  if (entry && entry->traits.default_test > 0.0 && !spec.contains("test") &&
      !has_own_test_set(spec)) {
    p.test = entry->traits.default_test;
    p.resolved["test"] = p.test;
  }
  // The scale a source gets when none is given: "unit" for the image sources (their samples
  // carry pixel_max), "none" for the rest -- what finish() applies.
  if (p.scale.empty()) {
    p.resolved["scale"] = entry && entry->traits.images ? "unit" : "none";
  }
  return p;
}

// "a, b": the sources whose samples are images (their traits say so).
std::string image_sources() {
  std::string list;
  for (const auto& entry : registry().sources.entries())
    if (entry.traits.images) list += (list.empty() ? "" : ", ") + entry.name;
  return list;
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
    throw ConfigError("data.scale: 'unit' divides pixel values by 255 and is for image sources (" +
                      image_sources() + "); use 'minmax' or 'standardize' for " + p.source);

  Rng split_rng = Rng(seed).fork(Stream::data_split);
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
  Rng rng = Rng(data_seed).fork(Stream::data_generator);
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

}  // namespace nnfit
