// The data sources that read files or take values from the spec: fashion_mnist, mnist, idx,
// csv, inline. (The generators are in synthetic.cpp.)
#include <cmath>
#include <filesystem>
#include <limits>

#include "nnfit/detail/json_text.hpp"
#include "nnfit/error.hpp"
#include "nnfit/registry.hpp"

namespace nnfit {

void add_synthetic_sources(Registries& r);  // src/core/datasets/synthetic.cpp
void add_uci_source(Registries& r);         // src/core/datasets/uci.cpp

namespace {

namespace fs = std::filesystem;

// Classes a label may name: an output layer this wide is already far beyond any data set
// nnfit is for.
constexpr std::uint64_t kMaxClasses = 1 << 16;

const char* kFashionMnistPath = "/usr/share/datasets/fashion-mnist";
const std::vector<std::string> kFashionClasses = {"T-shirt/top", "Trouser",   "Pullover", "Dress",
                                                  "Coat",        "Sandal",    "Shirt",    "Sneaker",
                                                  "Bag",         "Ankle boot"};

// `name` or `name.gz` in `folder`.
std::string find_idx(const std::string& folder, const std::string& name,
                     const std::string& source) {
  for (const std::string& candidate : {name + ".gz", name}) {
    const fs::path path = fs::path(folder) / candidate;
    if (fs::exists(path)) return path.string();
  }
  throw DataError(folder + ": no " + name + "[.gz] for " + source +
                  (source == "fashion_mnist" && folder == kFashionMnistPath
                       ? " (install Debian's dataset-fashion-mnist, as scripts/setup does, or set "
                         "data.path)"
                       : ""));
}

void check_labels(Samples& samples, const std::string& file,
                  const std::vector<std::string>& names) {
  for (std::size_t i = 0; i < samples.labels.size(); ++i)
    if (samples.labels[i] >= static_cast<std::int32_t>(names.size()))
      throw DataError(file + ": byte " + std::to_string(8 + i) + ": label " +
                      std::to_string(samples.labels[i]) + " is outside [0, " +
                      std::to_string(names.size()) + ")");
  samples.class_names = names;
}

SourceLoader mnist_like(SpecReader& spec, const std::string& source,
                        const std::string& default_path, const std::vector<std::string>& classes) {
  if (default_path.empty() && !spec.has("path"))
    spec.diagnostics().error(spec.path_of("path"),
                             "missing: the folder with " + source + "'s IDX files");
  const std::string folder = spec.string("path", default_path);
  return [=](Rng&) {
    SourceData data;
    const auto train_labels = find_idx(folder, "train-labels-idx1-ubyte", source);
    data.train = read_idx(find_idx(folder, "train-images-idx3-ubyte", source), train_labels);
    check_labels(data.train, train_labels, classes);
    const auto test_labels = find_idx(folder, "t10k-labels-idx1-ubyte", source);
    data.test = read_idx(find_idx(folder, "t10k-images-idx3-ubyte", source), test_labels);
    check_labels(*data.test, test_labels, classes);
    return data;
  };
}

SourceLoader idx_source(SpecReader& spec) {
  for (const char* key : {"images", "labels"})
    if (!spec.has(key)) spec.diagnostics().error(spec.path_of(key), "missing: the IDX file's path");
  const std::string images = spec.string("images", ""), labels = spec.string("labels", "");
  const bool has_test = spec.has("test_images") || spec.has("test_labels");
  const std::string test_images = spec.string("test_images", ""),
                    test_labels = spec.string("test_labels", "");
  if (has_test && (test_images.empty() || test_labels.empty()))
    spec.diagnostics().error(spec.path_of("test_images"),
                             "test_images and test_labels go together");
  return [=](Rng&) {
    SourceData data;
    data.train = read_idx(images, labels);
    if (has_test) {
      data.test = read_idx(test_images, test_labels);
      // One set of class names for both: the larger label range.
      auto& a = data.train.class_names;
      auto& b = data.test->class_names;
      if (b.size() > a.size()) a = b;
      b = a;
    }
    return data;
  };
}

std::vector<std::string> target_columns(SpecReader& spec) {
  std::vector<std::string> out;
  const json* target = spec.raw("target");
  if (!target) return out;
  auto one = [&](const json& t) {
    if (t.is_string())
      out.push_back(t.get<std::string>());
    else if (t.is_number_unsigned())
      out.push_back(std::to_string(t.get<std::uint64_t>()));
    else
      spec.diagnostics().error(spec.path_of("target"), "expected a column name or a 0-based index");
  };
  if (target->is_array()) {
    for (const auto& t : *target) one(t);
  } else {
    one(*target);
  }
  return out;
}

SourceLoader csv_source(SpecReader& spec) {
  if (!spec.has("path")) spec.diagnostics().error(spec.path_of("path"), "missing: the CSV file");
  CsvOptions options;
  const std::string path = spec.string("path", "");
  const std::string test_path = spec.string("test_path", "");
  options.header = spec.boolean("header", options.header);
  const std::string delimiter = spec.string("delimiter", std::string(1, options.delimiter));
  const std::string comment = spec.string("comment", std::string(1, options.comment));
  if (delimiter.size() != 1 || comment.size() != 1)
    spec.diagnostics().error(spec.path_of(delimiter.size() != 1 ? "delimiter" : "comment"),
                             "expected a single character");
  options.delimiter = delimiter.empty() ? ',' : delimiter[0];
  options.comment = comment.empty() ? '#' : comment[0];
  options.target = target_columns(spec);
  options.task =
      spec.choice("task", "classification", {"classification", "regression"}) == "regression"
          ? Task::regression
          : Task::classification;
  options.missing =
      spec.choice("missing", options.missing, {"error", "zero", "drop_row", "impute"});
  if (const json* values = spec.raw("missing_values", options.missing_values)) {
    if (values->is_array() &&
        std::all_of(values->begin(), values->end(), [](const json& v) { return v.is_string(); }))
      options.missing_values = values->get<std::vector<std::string>>();
    else
      spec.diagnostics().error(spec.path_of("missing_values"), "expected an array of strings");
  }
  if (const json* c = spec.raw("categorical", json::array())) {
    if (*c == "auto")
      options.categorical_auto = true;
    else if (c->is_array() &&
             std::all_of(c->begin(), c->end(), [](const json& v) { return v.is_string(); }))
      options.categorical = c->get<std::vector<std::string>>();
    else
      spec.diagnostics().error(spec.path_of("categorical"),
                               "expected \"auto\" or an array of column names");
  }
  return [=](Rng&) {
    SourceData data;
    data.train = read_csv(path, options);
    if (!test_path.empty()) {
      // The test file is encoded with the training file's categories.
      CsvOptions test_options = options;
      test_options.categorical.clear();
      test_options.categorical_auto = false;
      for (const auto& c : data.train.categorical) {
        test_options.categorical.push_back(c.name);
        test_options.categories[c.name] = c.categories;
      }
      data.test = read_csv(test_path, test_options);
      // Number the test file's classes as the training file's.
      if (options.task == Task::classification)
        renumber_classes(*data.test, data.train.class_names,
                         test_path + ": its classes must occur in " + path);
    }
    return data;
  };
}

std::vector<std::string> string_list(SpecReader& spec, const char* key) {
  const json* values = spec.raw(key, json::array());
  if (!values) return {};
  if (values->is_array() &&
      std::all_of(values->begin(), values->end(), [](const json& v) { return v.is_string(); }))
    return values->get<std::vector<std::string>>();
  spec.diagnostics().error(spec.path_of(key), "expected an array of strings");
  return {};
}

// An ARFF file (and optionally a test file with the same header).
SourceLoader arff_source(SpecReader& spec) {
  if (!spec.has("path")) spec.diagnostics().error(spec.path_of("path"), "missing: the ARFF file");
  ArffOptions options;
  const std::string path = spec.string("path", "");
  const std::string test_path = spec.string("test_path", "");
  options.target = spec.string("target", "");
  options.drop = string_list(spec, "drop");
  options.missing =
      spec.choice("missing", options.missing, {"error", "zero", "drop_row", "impute"});
  return [=](Rng&) {
    SourceData data;
    data.train = read_arff(path, options);
    if (!test_path.empty()) {
      data.test = read_arff(test_path, options);
      // The same columns and classes, in the same order: the same header, as Weka requires.
      if (data.test->feature_names != data.train.feature_names ||
          data.test->class_names != data.train.class_names || data.test->task != data.train.task)
        throw DataError(test_path + ": its attributes (or their declared values) differ from " +
                        path + "'s; a test file must have the same header");
    }
    return data;
  };
}

// One data frame of an R data file.
SourceLoader rdata_source(SpecReader& spec) {
  if (!spec.has("path")) spec.diagnostics().error(spec.path_of("path"), "missing: the R data file");
  if (!spec.has("target"))
    spec.diagnostics().error(spec.path_of("target"), "missing: the column to predict");
  RDataOptions options;
  const std::string path = spec.string("path", "");
  options.object = spec.string("object", "");
  options.target = spec.string("target", "");
  options.drop = string_list(spec, "drop");
  options.categorical = string_list(spec, "categorical");
  options.missing =
      spec.choice("missing", options.missing, {"error", "zero", "drop_row", "impute"});
  return [=](Rng&) {
    SourceData data;
    data.train = read_rdata(path, options);
    return data;
  };
}

// The target column's type says; a file that cannot be read is classification here (loading
// it reports the error).
Task rdata_task(const json& spec) {
  try {
    return read_rdata_task(spec_text(spec, "path"), spec_text(spec, "object"),
                           spec_text(spec, "target"));
  } catch (const Error&) {
    return Task::classification;
  }
}

Task csv_task(const json& spec) {
  return spec_text(spec, "task") == "regression" ? Task::regression : Task::classification;
}

// The traits of a file source whose test set is the file "test_path" names.
EntryTraits with_test_path(std::function<Task(const json&)> task_of_spec) {
  EntryTraits traits = EntryTraits::source_task(std::move(task_of_spec));
  traits.own_test_set = [](const json& spec) {
    return spec.is_object() && spec.contains("test_path");
  };
  return traits;
}

// An ARFF source's task is its class attribute's type, read from the file's header. A file
// that cannot be read is classification here: loading it reports the error.
Task arff_task(const json& spec) {
  try {
    return read_arff_task(spec_text(spec, "path"), spec_text(spec, "target"));
  } catch (const Error&) {
    return Task::classification;
  }
}

// {"features": [[...], ...], "labels": [...]} or {"features": ..., "targets": [[...], ...]}.
// A spec built in C++ holds signed integers; one parsed from text, unsigned.
bool is_not_class_index(const json& v) {
  if (v.is_number_unsigned()) return v.get<std::uint64_t>() >= kMaxClasses;
  if (!v.is_number_integer()) return true;
  const auto label = v.get<std::int64_t>();
  return label < 0 || static_cast<std::uint64_t>(label) >= kMaxClasses;
}

SourceLoader inline_source(SpecReader& spec) {
  SourceData data;
  Samples& s = data.train;
  const json* features = spec.raw("features");
  const json* labels = spec.raw("labels");
  const json* targets = spec.raw("targets");
  auto matrix = [&](const json* rows, const std::string& key, Matrix& out) {
    if (!rows || !rows->is_array() || rows->empty() || !(*rows)[0].is_array() ||
        (*rows)[0].empty()) {
      spec.diagnostics().error(spec.path_of(key),
                               "expected a non-empty array of equal-length number arrays");
      return;
    }
    out.resize(static_cast<Index>(rows->size()), static_cast<Index>((*rows)[0].size()));
    for (std::size_t i = 0; i < rows->size(); ++i) {
      const json& row = (*rows)[i];
      if (!row.is_array() || row.size() != (*rows)[0].size()) {
        spec.diagnostics().error(json_path(spec.path_of(key), i),
                                 "expected " + std::to_string((*rows)[0].size()) + " numbers");
        return;
      }
      for (std::size_t j = 0; j < row.size(); ++j) {
        if (!row[j].is_number()) {
          spec.diagnostics().error(json_path(json_path(spec.path_of(key), i), j),
                                   "expected a number");
          return;
        }
        // Beyond float32's range becomes inf explicitly (the cast would be undefined), and
        // load_data refuses it with the sample and feature.
        const double value = row[j].get<double>();
        const float infinity = std::numeric_limits<float>::infinity();
        out(static_cast<Index>(i), static_cast<Index>(j)) =
            value > std::numeric_limits<float>::max()    ? infinity
            : value < -std::numeric_limits<float>::max() ? -infinity
                                                         : static_cast<float>(value);
      }
    }
  };
  matrix(features, "features", s.x);
  if ((labels == nullptr) == (targets == nullptr)) {
    spec.diagnostics().error(spec.path(),
                             "give either \"labels\" (classification) or \"targets\" (regression)");
  } else if (labels) {
    s.task = Task::classification;
    // Class indices are checked before any is converted or any class is named: 10^8 would
    // build 10^8 class names, 2^31 - 1 overflow, 2^32 - 1 wrap to -1.
    const auto bad = !labels->is_array()
                         ? labels->cbegin()
                         : std::find_if(labels->begin(), labels->end(), is_not_class_index);
    if (!labels->is_array() || bad != labels->end()) {
      spec.diagnostics().error(
          labels->is_array()
              ? json_path(spec.path_of("labels"), static_cast<std::size_t>(bad - labels->begin()))
              : spec.path_of("labels"),
          "expected class indices from 0 to " + std::to_string(kMaxClasses - 1) +
              (labels->is_array() ? "; found " + brief_json(*bad) : ""));
    } else {
      s.labels = labels->get<std::vector<std::int32_t>>();
      const auto classes =
          s.labels.empty() ? 0 : *std::max_element(s.labels.begin(), s.labels.end()) + 1;
      for (std::int32_t c = 0; c < classes; ++c) s.class_names.push_back(std::to_string(c));
    }
  } else {
    s.task = Task::regression;
    matrix(targets, "targets", s.y);
  }
  if (spec.diagnostics().empty()) {
    const Index rows =
        s.task == Task::classification ? static_cast<Index>(s.labels.size()) : s.y.rows();
    if (rows != s.x.rows())
      spec.diagnostics().error(spec.path(), std::to_string(s.x.rows()) + " feature rows but " +
                                                std::to_string(rows) + " targets");
  }
  return [data](Rng&) { return data; };
}

// A reader-based source's entry: the loader from `read`, recorded as a recipe.
SourceRegistry::Reader source_reader(const std::string& name,
                                     std::function<SourceLoader(SpecReader&)> read) {
  return [name, read](SpecReader& spec) {
    return SourceRecipe{name, json::object(), read(spec), ""};
  };
}

FieldInfo field(const char* name, const char* type, json default_value, const char* doc,
                bool required = false) {
  return {name, type, std::move(default_value), doc, required};
}

std::vector<FieldInfo> csv_fields() {
  const CsvOptions d;
  return {field("path", "path", nullptr, "the CSV file", true),
          field("test_path", "path", nullptr, "a CSV file of test samples, same columns"),
          field("header", "boolean", d.header, "the first record names the columns"),
          field("target", "column name or 0-based index, or an array of them", nullptr,
                "the target column(s); default the last column"),
          field("task", "classification | regression", "classification",
                "class labels (any strings) or real-valued targets"),
          field("delimiter", "one character", std::string(1, d.delimiter), "the field separator"),
          field("comment", "one character", std::string(1, d.comment),
                "lines starting with it are skipped"),
          field("missing", "error | zero | drop_row | impute", d.missing,
                "what a missing value does: an error, 0, the row left out, or the training "
                "split's mean of the column"),
          field("missing_values", "array of strings", d.missing_values,
                "the cells that count as missing"),
          field("categorical", "\"auto\" or array of column names", json::array(),
                "feature columns one-hot encoded (\"auto\": those not all numbers); categories "
                "sorted, stored with the model")};
}

}  // namespace

void add_builtin_sources(Registries& r) {
  auto& s = r.sources;
  s.add_reader("fashion_mnist", "Zalando's Fashion-MNIST, 60k/10k 28x28 images in 10 classes",
               {field("path", "path", kFashionMnistPath,
                      "the folder with the four IDX files, .gz or raw (Debian's "
                      "dataset-fashion-mnist)")},
               source_reader("fashion_mnist",
                             [](SpecReader& spec) {
                               return mnist_like(spec, "fashion_mnist", kFashionMnistPath,
                                                 kFashionClasses);
                             }),
               EntryTraits::image_source([](const json&) { return true; }));
  s.add_reader("mnist", "MNIST digits from its IDX files (the same loader)",
               {field("path", "path", nullptr, "the folder with the four IDX files", true)},
               source_reader("mnist",
                             [](SpecReader& spec) {
                               return mnist_like(
                                   spec, "mnist", "",
                                   {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"});
                             }),
               EntryTraits::image_source([](const json&) { return true; }));
  s.add_reader("idx", "any IDX image and label files of unsigned bytes, raw or gzip",
               {field("images", "path", nullptr, "the training images", true),
                field("labels", "path", nullptr, "the training labels", true),
                field("test_images", "path", nullptr, "test images (with test_labels)"),
                field("test_labels", "path", nullptr, "test labels (with test_images)")},
               source_reader("idx", idx_source), EntryTraits::image_source([](const json& spec) {
                 return spec.is_object() && spec.contains("test_images");
               }));
  // The task of a source that can hold either, from its spec (what "loss": "auto" needs
  // before the data is read); the others hold class labels.
  s.add_reader("csv", "a CSV file: features and target column(s)", csv_fields(),
               source_reader("csv", csv_source), with_test_path(csv_task));
  s.add_reader(
      "arff", "an ARFF file (Weka, OpenML): numeric and nominal attributes, dense or sparse",
      {field("path", "path", nullptr, "the ARFF file", true),
       field("test_path", "path", nullptr, "an ARFF file of test samples with the same header"),
       field("target", "attribute name", nullptr,
             "the class attribute: nominal (classification) or numeric (regression); default "
             "the last"),
       field("drop", "array of attribute names", json::array(),
             "attributes left out (string and date attributes must be)"),
       field("missing", "error | zero | drop_row | impute", "error",
             "what '?' does: an error, 0 (a nominal input: no column set), the row left out, or "
             "the training split's mean (numeric) or most frequent value (nominal)")},
      source_reader("arff", arff_source), with_test_path(arff_task));
  s.add_reader(
      "rdata", "an R data file (.rda, .RData, .rds; gzip, bzip2, xz): one data frame",
      {field("path", "path", nullptr, "the R data file", true),
       field("object", "name", "", "the data frame; \"\": the only one in the file"),
       field("target", "column name", nullptr,
             "the column to predict: a factor or logical (classification) or numeric "
             "(regression)",
             true),
       field("drop", "array of column names", json::array(),
             "columns left out (character columns not in \"categorical\", Date and POSIXct "
             "columns must be)"),
       field("categorical", "array of column names", json::array(),
             "character columns one-hot encoded, their sorted values the categories (factors "
             "always are, in their levels' order)"),
       field("missing", "error | zero | drop_row | impute", "error",
             "what NA does: an error, 0 (a factor: no column set), the row left out, or the "
             "training split's mean (numeric) or most frequent level (factor)")},
      source_reader("rdata", rdata_source), EntryTraits::source_task(rdata_task));
  s.add_reader("inline", "values given in the spec",
               {field("features", "array of number arrays", nullptr, "one row per sample", true),
                field("labels", "array of class indices", nullptr, "for classification"),
                field("targets", "array of number arrays", nullptr, "for regression")},
               source_reader("inline", inline_source),
               EntryTraits::source_task([](const json& spec) {
                 return spec.is_object() && spec.contains("targets") ? Task::regression
                                                                     : Task::classification;
               }));
  add_synthetic_sources(r);
  add_uci_source(r);
}

}  // namespace nnfit
