// Data: sources (Fashion-MNIST, IDX, CSV, generators, in-memory), preprocessing, splits and
// mini-batches.
//
// A source produces Samples: a float32 feature matrix [n, features] and either class labels
// or regression targets [n, outputs]. Splits are lists of row indices into the samples, never
// copies, so the training set is held once (Fashion-MNIST's 60k x 784 floats: 188 MB). A
// Scaler is fitted on the training rows only and applied in place to everything; it travels
// with the model so that evaluation and prediction see the same transform.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "nnfit/loss.hpp"
#include "nnfit/rng.hpp"
#include "nnfit/scaler.hpp"
#include "nnfit/schema.hpp"
#include "nnfit/spec.hpp"
#include "nnfit/types.hpp"

namespace nnfit {

enum class Task { classification, regression };

// A nominal input one-hot encoded: one 0/1 column per category, in this order, from `column`
// on. Stored with the model, so that predict encodes new rows the same way and refuses a
// category it has not seen.
struct CategoricalInput {
  std::string name;
  std::vector<std::string> categories;
  Index column = 0;
  json to_json() const;
  static CategoricalInput from_json(const json& j);  // throws json::exception when malformed
};

struct Samples {
  Matrix x;                          // [n, features]
  std::vector<std::int32_t> labels;  // classification: n labels in [0, classes)
  Matrix y;                          // regression: [n, outputs]
  Task task = Task::classification;
  std::vector<std::string> class_names;    // classification: one per class (index = label)
  std::vector<std::string> feature_names;  // the columns' names when the source has them (CSV)
  double pixel_max = 0.0;  // > 0 for image data (255): what "unit" scaling divides by
  // Columns that encode one attribute (a nominal attribute's one-hot columns) share a group
  // number; empty: every column is its own.
  std::vector<std::int32_t> feature_groups;
  // "missing": "impute": missing inputs are NaN here, filled after the split from the
  // training rows (a column's mean; a group's most frequent column).
  bool impute_missing = false;
  std::vector<CategoricalInput> categorical;  // the one-hot encoded inputs
  Index size() const { return x.rows(); }
  Index num_outputs() const {
    return task == Task::classification ? static_cast<Index>(class_names.size()) : y.cols();
  }
};

// A subset of samples: row indices into shared samples.
struct Split {
  std::shared_ptr<const Samples> samples;
  std::vector<Index> rows;
  Index size() const { return static_cast<Index>(rows.size()); }
  bool empty() const { return rows.empty(); }
};

// What load_data() returns: the splits, already preprocessed, and what they are.
struct Data {
  std::string source;
  Task task = Task::classification;
  Index num_features = 0;
  Index num_outputs = 0;  // classes, or regression targets
  std::vector<std::string> class_names;
  std::vector<std::string> feature_names;     // empty when the source does not name its features
  std::vector<CategoricalInput> categorical;  // the one-hot encoded inputs
  Scaler scaler;
  Split train, validation, test;
  // {"source", "task", "features", "outputs", "classes", "train", "validation", "test", ...}
  json summary() const;
  // The split named "train", "validation" or "test"; null for any other name.
  const Split* split(const std::string& name) const;
};

// Loads a `data` spec ({"source": "fashion_mnist", "scale": "standardize", "validation": 0.1,
// ...}; every key in docs/CONFIG.md). `seed` drives generators and splits. Throws ConfigError
// for a bad spec (every problem at once) and DataError for a bad file.
// With `scaler`, that transform is applied instead of fitting one (evaluating a trained model
// on new data must use the training statistics).
Data load_data(const json& spec, std::uint64_t seed, const std::string& path = "data",
               const std::optional<Scaler>& scaler = std::nullopt);
// Checks a data spec (every key, names, ranges) without reading any file; returns the spec
// with every default written out.
// The keys every data spec takes besides "source" and the source's own (`nnfit list`, docs).
std::vector<FieldInfo> data_fields();
json check_data_spec(const json& spec, Diagnostics& diagnostics, const std::string& path = "data");
// The task a data spec's samples will have, known before they are loaded (what resolves
// "loss": "auto"): its source's registry traits say (task_of_spec), classification when they
// do not. Tolerates a wrong spec (its errors are reported elsewhere).
Task task_of_data_spec(const json& resolved);
// The same preprocessing and splitting for samples made in C++ (the `inline` source).
// `test` may be empty. `spec` takes the same split and scale keys as load_data.
Data prepare_data(Samples train, std::optional<Samples> test, const json& spec, std::uint64_t seed,
                  const std::string& path = "data");

// Readers, for use without a spec.
// An IDX image file ([n, rows, cols] or [n, features], unsigned bytes) and its label file,
// gzip-compressed or raw (recognised by content, not name).
Samples read_idx(const std::string& images_path, const std::string& labels_path);

struct CsvOptions {
  bool header = true;
  char delimiter = ',';
  char comment = '#';
  std::vector<std::string> target = {};  // column names, or indices as text; empty: the last
  Task task = Task::classification;
  std::string missing = "error";  // error | zero | drop_row | impute
  std::vector<std::string> missing_values = {"", "NA", "N/A", "NaN", "nan", "null"};
  bool has_target = true;  // false: every column is a feature (inputs for prediction)
  // Feature columns to one-hot encode, by name or 0-based index; with categorical_auto, every
  // feature column whose values are not all numbers. Categories are the column's distinct
  // values, sorted, unless `categories` gives them (a test file takes the training file's, and
  // a value outside them is an error).
  std::vector<std::string> categorical;
  bool categorical_auto = false;
  std::map<std::string, std::vector<std::string>> categories;
};
Samples read_csv(const std::string& path, const CsvOptions& options = {});
// The same from text in memory; `origin` names it in messages.
Samples parse_csv(const std::string& text, const std::string& origin,
                  const CsvOptions& options = {});

// ARFF (Weka, OpenML): numeric and nominal attributes, dense and sparse rows
// (src/core/datasets/arff.cpp). Nominal inputs become one 0/1 column per declared value; the class
// (`target`, default the last attribute) is nominal (classification) or numeric (regression).
struct ArffOptions {
  std::string target;             // the class attribute's name; empty: the last
  std::vector<std::string> drop;  // attributes left out (string and date ones must be)
  std::string missing = "error";  // error | zero | drop_row | impute, for '?'
};
Samples read_arff(const std::string& path, const ArffOptions& options = {});
// The task an ARFF file's class attribute (`target`, "" for the last) gives, from its header
// alone: nominal is classification, numeric regression. Throws DataError as read_arff does.
Task read_arff_task(const std::string& path, const std::string& target = "");
Samples parse_arff(const std::string& text, const std::string& origin,
                   const ArffOptions& options = {});

// R data files (.rda/.RData workspaces, .rds single objects; gzip, bzip2, xz or none), read
// with librdata (src/core/datasets/rdata.cpp): one data frame's columns. Factors become one
// 0/1 column per level (as ARFF nominal attributes), logicals 0/1; a factor or logical target
// is classification (its levels the classes), a numeric one regression. Character columns
// are refused unless dropped or listed in `categorical`; Date and POSIXct unless dropped.
struct RDataOptions {
  std::string object;                    // the data frame's name; empty: the only one
  std::string target;                    // the column to predict (required)
  std::vector<std::string> drop;         // columns left out
  std::vector<std::string> categorical;  // character columns one-hot encoded (sorted values)
  std::string missing = "error";         // error | zero | drop_row | impute, for NA
};
Samples read_rdata(const std::string& path, const RDataOptions& options);
// The same from a file's bytes (compressed or not); `origin` names it in messages.
Samples parse_rdata(std::string bytes, const std::string& origin, const RDataOptions& options);
// The task the target column gives: numeric is regression, the rest classification.
Task read_rdata_task(const std::string& path, const std::string& object, const std::string& target);

// A CSV file's records as text, each cell with its 1-based line and column, for callers that
// pick columns themselves (`nnfit predict`). The header, if any, is records[0]. Throws
// DataError for unreadable files, unclosed quotes and a file without records.
struct CsvCell {
  std::string text;
  std::size_t line = 0;
  std::size_t column = 0;
};
using CsvRecord = std::vector<CsvCell>;
std::vector<CsvRecord> read_csv_records(const std::string& path, char delimiter = ',',
                                        char comment = '#');
// A finite float from a CSV cell (spaces trimmed, a leading '+' allowed).
bool parse_csv_number(const std::string& text, float& value);
// RFC 3629 UTF-8: no overlong forms, no surrogates, nothing past U+10FFFF.
bool valid_utf8(const std::string& text);
// Throws DataError "<path>:<line>:<column>: <what> is not valid UTF-8" unless it is.
void require_utf8(const std::string& path, const CsvCell& cell, const std::string& what);
// Renumbers a classification's labels as the classes `names` (a model's, or a training
// file's): a data file numbers its classes from its own labels, so one that lacks a class
// would otherwise shift every label after it. Throws DataError "<what>: class 'z' is not one
// of (x, y)" for a class `names` lacks.
void renumber_classes(Samples& samples, const std::vector<std::string>& names,
                      const std::string& what);

// Throws DataError "<path>:<line>:<column>: column name 'a' is repeated (first at column N)"
// when a header names two columns alike (spaces trimmed): matching columns by name would
// silently read the first of them twice.
void require_distinct_names(const std::string& path, const CsvRecord& header);

// A synthetic problem by name (spirals, moons, circles, xor, blobs, checkerboard, sine,
// friedman1) with its options ({"samples": 1000, "noise": 0.1, ...}).
Samples generate(const json& spec, Rng& rng, const std::string& path = "data");

}  // namespace nnfit
