// R data files (.rda, .RData, .rds) as Samples: one data frame's columns become features and
// a target (nnfit/dataset.hpp, read_rdata).
//
//   numeric, integer   one column each
//   logical            one 0/1 column
//   factor             one 0/1 column per level, in the levels' order ("colour=red"), as an
//                      ARFF nominal attribute; as the target, its levels are the classes
//   character          refused by name unless dropped or listed in "categorical" (then its
//                      sorted distinct values are the levels); as the target, the classes
//   Date, POSIXct      refused by name unless dropped
//   NA (and NaN)       through "missing": error | zero | drop_row | impute
//
// The bytes pass three gates before any value is converted: decompression bounded by the
// machine's memory (datasets/decompress.hpp), a structural walk that bounds every length by
// the bytes left and the nesting depth (datasets/r_serialization.hpp), then librdata
// (datasets/rdata_tables.cpp). The feature matrix is checked against memory before it is
// allocated.
#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <set>

#include "datasets/decompress.hpp"
#include "datasets/r_serialization.hpp"
#include "datasets/rdata_tables.hpp"
#include "nnfit/dataset.hpp"
#include "nnfit/detail/atomic_file.hpp"
#include "nnfit/detail/memory_budget.hpp"
#include "nnfit/error.hpp"

namespace nnfit {

namespace {

using Kind = RColumn::Kind;

std::string quoted(const std::string& name) {
  return "'" + brief_text(name) + "'";
}

std::string object_list(const std::vector<RTable>& tables) {
  std::string out;
  for (const auto& t : tables) {
    if (!out.empty()) out += ", ";
    out += t.object.empty() ? "(unnamed)" : t.object;
    out += t.data_frame
               ? " (data frame, " + std::to_string(t.columns.size()) + " columns)"
               : " (" + std::string(t.columns.empty() ? "empty" : r_kind_name(t.columns[0].kind)) +
                     " vector)";
  }
  return out.empty() ? "none" : out;
}

// The data frame `object` names, or the only one in the file.
const RTable& pick_table(const std::vector<RTable>& tables, const std::string& object,
                         const std::string& path) {
  std::vector<const RTable*> frames;
  for (const auto& t : tables)
    if (t.data_frame) frames.push_back(&t);
  if (!object.empty()) {
    for (const auto& t : tables)
      if (t.object == object) {
        if (!t.data_frame)
          throw DataError(path + ": object " + quoted(object) +
                          " is not a data frame; the file holds " + object_list(tables));
        return t;
      }
    throw DataError(path + ": no object named " + quoted(object) + "; the file holds " +
                    object_list(tables));
  }
  if (frames.size() == 1) return *frames[0];
  throw DataError(path + ": " +
                  (frames.empty() ? std::string("no data frame; the file holds ")
                                  : "holds " + std::to_string(frames.size()) +
                                        " data frames; name one with \"object\": ") +
                  object_list(tables));
}

std::size_t column_index(const RTable& t, const std::string& name, const std::string& path,
                         const std::string& role) {
  for (std::size_t c = 0; c < t.columns.size(); ++c)
    if (t.columns[c].name == name) return c;
  std::string names;
  for (const auto& c : t.columns) names += (names.empty() ? "" : ", ") + c.name;
  throw DataError(path + ": " + role + ": data frame " + quoted(t.object) +
                  " has no column named " + quoted(name) + " (its columns: " + brief_text(names) +
                  ")");
}

// A character column as a factor: its sorted distinct values are the levels.
RColumn as_factor(const RColumn& text) {
  RColumn f;
  f.name = text.name;
  f.kind = Kind::factor;
  std::set<std::string> values;
  for (const auto& v : text.texts)
    if (v) values.insert(*v);
  f.levels.assign(values.begin(), values.end());
  for (const auto& v : text.texts)
    f.numbers.push_back(
        v ? static_cast<double>(std::lower_bound(f.levels.begin(), f.levels.end(), *v) -
                                f.levels.begin() + 1)
          : std::numeric_limits<double>::quiet_NaN());
  return f;
}

// The frame's columns checked and typed: equal lengths, distinct names, no unusable kind.
struct Frame {
  std::vector<RColumn> inputs;
  RColumn target;
  std::size_t rows = 0;
};

void require_usable_names(const RTable& t, const std::string& path) {
  std::set<std::string> seen;
  for (const auto& c : t.columns) {
    if (!valid_utf8(c.name))
      throw DataError(path + ": a column name of " + quoted(t.object) + " is not valid UTF-8");
    if (!seen.insert(c.name).second)
      throw DataError(path + ": data frame " + quoted(t.object) + " names two columns " +
                      quoted(c.name) + "; columns are matched by name");
    for (const auto& l : c.levels)
      if (!valid_utf8(l))
        throw DataError(path + ": column " + quoted(c.name) + ": a level is not valid UTF-8");
  }
}

Frame frame_of(const RTable& t, const RDataOptions& o, const std::string& path) {
  if (o.target.empty())
    throw ConfigError(path +
                      ": \"target\": name the column to predict (R data frames have no "
                      "conventional class column)");
  require_usable_names(t, path);
  const std::size_t target = column_index(t, o.target, path, "target");
  std::vector<bool> dropped(t.columns.size(), false);
  for (const auto& name : o.drop) {
    const std::size_t c = column_index(t, name, path, "drop");
    if (c == target) throw ConfigError(path + ": drop: " + quoted(name) + " is the target");
    dropped[c] = true;
  }
  for (const auto& name : o.categorical) column_index(t, name, path, "categorical");
  const auto declared = [&](const std::string& name) {
    return std::find(o.categorical.begin(), o.categorical.end(), name) != o.categorical.end();
  };
  Frame f;
  f.rows = t.columns[target].size();
  for (std::size_t c = 0; c < t.columns.size(); ++c) {
    const RColumn& col = t.columns[c];
    if (col.size() != f.rows)
      throw DataError(path + ": column " + quoted(col.name) + " has " + std::to_string(col.size()) +
                      " values, the target " + std::to_string(f.rows));
    if (dropped[c]) continue;
    RColumn typed =
        col.kind == Kind::text && (declared(col.name) || c == target) ? as_factor(col) : col;
    if (typed.kind == Kind::text || typed.kind == Kind::date || typed.kind == Kind::timestamp)
      throw DataError(path + ": column " + quoted(col.name) + " is " + r_kind_name(col.kind) +
                      (typed.kind == Kind::text
                           ? "; list it in \"categorical\" to one-hot encode it, or in \"drop\""
                           : ", which nnfit cannot use as a feature; leave it out with "
                             "\"drop\": [\"" +
                                 col.name + "\"]"));
    if (c == target)
      f.target = std::move(typed);
    else
      f.inputs.push_back(std::move(typed));
  }
  if (f.inputs.empty()) throw DataError(path + ": no input columns besides the target");
  if (f.rows == 0) throw DataError(path + ": data frame " + quoted(t.object) + " has no rows");
  return f;
}

// Where each input's columns start, their names, and the one-hot groups.
struct Encoding {
  std::vector<Index> first;
  std::vector<std::string> names;
  std::vector<std::int32_t> groups;
  std::vector<CategoricalInput> categorical;
};

Encoding encoding_of(const Frame& f) {
  Encoding e;
  for (std::size_t i = 0; i < f.inputs.size(); ++i) {
    const RColumn& c = f.inputs[i];
    e.first.push_back(static_cast<Index>(e.names.size()));
    if (c.kind == Kind::factor) {
      e.categorical.push_back({c.name, c.levels, e.first.back()});
      for (const auto& l : c.levels) e.names.push_back(c.name + "=" + l);
    } else {
      e.names.push_back(c.name);
    }
    e.groups.resize(e.names.size(), static_cast<std::int32_t>(i));
  }
  return e;
}

// Row r's value of input c into x (all zeros before); false when it is NA.
bool set_input(Matrix& x, Index row, const RColumn& c, Index first, std::size_t r,
               const std::string& path) {
  const double v = c.numbers[r];
  if (std::isnan(v)) return false;
  if (c.kind == Kind::factor) {
    if (v < 1 || v > static_cast<double>(c.levels.size()))
      throw DataError(path + ": column " + quoted(c.name) + ", row " + std::to_string(r + 1) +
                      ": factor code " + std::to_string(v) + " outside its " +
                      std::to_string(c.levels.size()) + " levels");
    x(row, first + static_cast<Index>(v) - 1) = 1.0f;
    return true;
  }
  if (std::abs(v) > std::numeric_limits<float>::max())
    throw DataError(path + ": column " + quoted(c.name) + ", row " + std::to_string(r + 1) + ": " +
                    std::to_string(v) + " is outside float32's range");
  x(row, first) = static_cast<float>(v);
  return true;
}

// The rows kept: all, or those without NA under "drop_row"; NA elsewhere per "missing".
std::vector<std::size_t> kept_rows(const Frame& f, const RDataOptions& o, const std::string& path) {
  std::vector<std::size_t> rows;
  for (std::size_t r = 0; r < f.rows; ++r) {
    const bool target_na = std::isnan(f.target.numbers[r]);
    bool input_na = false;
    for (const auto& c : f.inputs) input_na |= std::isnan(c.numbers[r]);
    if ((target_na || input_na) && o.missing == "drop_row") continue;
    if (target_na)
      throw DataError(path + ": row " + std::to_string(r + 1) + ": the target " +
                      quoted(f.target.name) +
                      " is NA; \"missing\": \"drop_row\" leaves such "
                      "rows out");
    if (input_na && o.missing == "error")
      for (const auto& c : f.inputs)
        if (std::isnan(c.numbers[r]))
          throw DataError(path + ": row " + std::to_string(r + 1) + ", column " + quoted(c.name) +
                          " is NA; \"missing\": \"drop_row\", \"zero\" or "
                          "\"impute\" allows it");
    rows.push_back(r);
  }
  if (rows.empty()) throw DataError(path + ": no rows left after dropping those with NA");
  return rows;
}

Samples to_samples(const Frame& f, const RDataOptions& o, const std::string& path) {
  const Encoding e = encoding_of(f);
  const std::vector<std::size_t> rows = kept_rows(f, o, path);
  try {
    check_fits_in_memory(saturating_multiply(saturating_multiply(rows.size(), e.names.size()), 4),
                         path + "'s feature matrix");
  } catch (const ConfigError& error) {
    throw DataError(error.what());
  }
  Samples s;
  s.x = Matrix::Zero(static_cast<Index>(rows.size()), static_cast<Index>(e.names.size()));
  s.feature_names = e.names;
  s.feature_groups = e.groups;
  s.categorical = e.categorical;
  s.impute_missing = o.missing == "impute";
  const bool classes = f.target.kind == Kind::factor || f.target.kind == Kind::logical;
  s.task = classes ? Task::classification : Task::regression;
  if (f.target.kind == Kind::factor) s.class_names = f.target.levels;
  if (f.target.kind == Kind::logical) s.class_names = {"FALSE", "TRUE"};
  if (!classes) s.y.resize(static_cast<Index>(rows.size()), 1);
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const auto row = static_cast<Index>(i);
    for (std::size_t c = 0; c < f.inputs.size(); ++c)
      if (!set_input(s.x, row, f.inputs[c], e.first[c], rows[i], path) && o.missing == "impute") {
        const Index width =
            f.inputs[c].kind == Kind::factor ? static_cast<Index>(f.inputs[c].levels.size()) : 1;
        s.x.row(row).segment(e.first[c], width).setConstant(std::nanf(""));
      }
    const double t = f.target.numbers[rows[i]];
    if (f.target.kind == Kind::factor)
      s.labels.push_back(static_cast<std::int32_t>(t) - 1);
    else if (f.target.kind == Kind::logical)
      s.labels.push_back(t != 0 ? 1 : 0);
    else
      s.y(row, 0) = static_cast<float>(t);
  }
  if (f.target.kind == Kind::factor)
    for (std::size_t i = 0; i < rows.size(); ++i)
      if (s.labels[i] < 0 || static_cast<std::size_t>(s.labels[i]) >= s.class_names.size())
        throw DataError(path + ": row " + std::to_string(rows[i] + 1) +
                        ": the target's factor code is outside its levels");
  return s;
}

void check_options(const RDataOptions& o) {
  if (o.missing != "error" && o.missing != "zero" && o.missing != "drop_row" &&
      o.missing != "impute")
    throw ConfigError("missing: expected error, zero, drop_row or impute, found " + o.missing);
}

std::vector<RTable> read_rdata_objects(std::string file_bytes, const std::string& path) {
  const FileBytes data = decompress(std::move(file_bytes), path);
  check_r_serialization(data.bytes, path);
  return read_r_tables(data.bytes, path);
}

}  // namespace

Samples parse_rdata(std::string file_bytes, const std::string& path, const RDataOptions& options) {
  check_options(options);
  const std::vector<RTable> tables = read_rdata_objects(std::move(file_bytes), path);
  return to_samples(frame_of(pick_table(tables, options.object, path), options, path), options,
                    path);
}

Samples read_rdata(const std::string& path, const RDataOptions& options) {
  return parse_rdata(read_file_bytes(path, "an R data file"), path, options);
}

Task read_rdata_task(const std::string& path, const std::string& object,
                     const std::string& target) {
  const std::vector<RTable> tables =
      read_rdata_objects(read_file_bytes(path, "an R data file"), path);
  const RTable& t = pick_table(tables, object, path);
  const RColumn& c = t.columns[column_index(t, target, path, "target")];
  return c.kind == Kind::real || c.kind == Kind::integer ? Task::regression : Task::classification;
}

}  // namespace nnfit
