// CSV files (RFC 4180 quoting, plus '#' comment lines, blank lines and CRLF) as Samples.
//
// Every field keeps its line and column, so every complaint names file:line:column. The
// target columns are chosen by name (with a header) or by 0-based index; the default is the
// last column. Class labels may be any strings: they are numbered in sorted order (numeric
// order when every label is a number), and the names are kept.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <set>
#include <sstream>

#include "nnfit/dataset.hpp"
#include "nnfit/detail/atomic_file.hpp"
#include "nnfit/detail/memory_budget.hpp"
#include "nnfit/error.hpp"

namespace nnfit {

namespace {

using Field = CsvCell;
using Record = CsvRecord;

std::string trim(const std::string& s) {
  const auto begin = s.find_first_not_of(" \t");
  if (begin == std::string::npos) return "";
  return s.substr(begin, s.find_last_not_of(" \t") - begin + 1);
}

std::vector<Record> parse(const std::string& path, const std::string& text, char delimiter,
                          char comment) {
  std::vector<Record> records;
  std::size_t i = 0, line = 1, column = 1;
  auto where = [&](std::size_t l, std::size_t c) {
    return path + ":" + std::to_string(l) + ":" + std::to_string(c);
  };
  while (i < text.size()) {
    // At the start of a record: skip comment and blank lines.
    if (text[i] == comment) {
      while (i < text.size() && text[i] != '\n') ++i;
      ++i, ++line, column = 1;
      continue;
    }
    std::size_t probe = i;
    while (probe < text.size() &&
           (text[probe] == ' ' || text[probe] == '\t' || text[probe] == '\r'))
      ++probe;
    if (probe == text.size() || text[probe] == '\n') {
      i = probe + 1, ++line, column = 1;
      continue;
    }
    Record record;
    bool end_of_record = false;
    while (!end_of_record) {
      Field field{"", line, column};
      if (i < text.size() && text[i] == '"') {
        const std::size_t open_line = line, open_column = column;
        ++i, ++column;
        bool closed = false;
        while (i < text.size()) {
          const char c = text[i];
          if (c == '"') {
            if (i + 1 < text.size() && text[i + 1] == '"') {
              field.text += '"';
              i += 2, column += 2;
              continue;
            }
            ++i, ++column;
            closed = true;
            break;
          }
          if (c == '\n') ++line, column = 0;
          field.text += c;
          ++i, ++column;
        }
        if (!closed)
          throw DataError(where(open_line, open_column) + ": quoted field is never closed");
        while (i < text.size() && (text[i] == ' ' || text[i] == '\t' || text[i] == '\r'))
          ++i, ++column;
        if (i < text.size() && text[i] != delimiter && text[i] != '\n')
          throw DataError(where(line, column) + ": unexpected '" + std::string(1, text[i]) +
                          "' after a closing quote");
      } else {
        while (i < text.size() && text[i] != delimiter && text[i] != '\n') {
          if (text[i] != '\r') field.text += text[i];
          ++i, ++column;
        }
      }
      record.push_back(std::move(field));
      if (i >= text.size() || text[i] == '\n') {
        end_of_record = true;
        ++i, ++line, column = 1;
      } else {
        ++i, ++column;  // the delimiter
      }
    }
    records.push_back(std::move(record));
  }
  return records;
}

}  // namespace

// RFC 3629 UTF-8: no overlong forms, no surrogates, nothing past U+10FFFF.
bool valid_utf8(const std::string& text) {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const auto* end = p + text.size();
  while (p < end) {
    const unsigned char c = *p;
    int extra = 0;
    unsigned low = 0x80, high = 0xBF;
    if (c < 0x80) {
      ++p;
      continue;
    } else if (c >= 0xC2 && c <= 0xDF) {
      extra = 1;
    } else if (c >= 0xE0 && c <= 0xEF) {
      extra = 2;
      if (c == 0xE0) low = 0xA0;
      if (c == 0xED) high = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      extra = 3;
      if (c == 0xF0) low = 0x90;
      if (c == 0xF4) high = 0x8F;
    } else {
      return false;
    }
    if (end - p <= extra) return false;
    if (p[1] < low || p[1] > high) return false;
    for (int k = 2; k <= extra; ++k)
      if (p[k] < 0x80 || p[k] > 0xBF) return false;
    p += extra + 1;
  }
  return true;
}

namespace {

bool parse_float(const std::string& text, float& value) {
  const std::string t = trim(text);
  if (t.empty()) return false;
  const char* begin = t.data() + (t[0] == '+' ? 1 : 0);
  const auto [end, error] = std::from_chars(begin, t.data() + t.size(), value);
  return error == std::errc() && end == t.data() + t.size() && std::isfinite(value);
}

}  // namespace

// Text that nnfit keeps (column names, class labels) is written into JSON and model files
// later: it must be UTF-8 now, not fail an epoch later when the model is saved.
void require_utf8(const std::string& path, const CsvCell& cell, const std::string& what) {
  if (!valid_utf8(cell.text))
    throw DataError(path + ":" + std::to_string(cell.line) + ":" + std::to_string(cell.column) +
                    ": " + what + " is not valid UTF-8 (save the file as UTF-8)");
}

bool parse_csv_number(const std::string& text, float& value) {
  return parse_float(text, value);
}

void require_distinct_names(const std::string& path, const CsvRecord& header) {
  std::map<std::string, std::size_t> first;  // name -> its column (1-based)
  for (std::size_t c = 0; c < header.size(); ++c) {
    const CsvCell& cell = header[c];
    const auto [it, fresh] = first.emplace(trim(cell.text), c + 1);
    if (!fresh)
      throw DataError(path + ":" + std::to_string(cell.line) + ":" + std::to_string(cell.column) +
                      ": column name '" + brief_text(it->first) +
                      "' is repeated (first in column " + std::to_string(it->second) +
                      "); columns are matched by name, so rename one");
  }
}

namespace {

std::string read_text(const std::string& path) {
  return read_file_bytes(path, "a CSV file");
}

std::vector<CsvRecord> records_of(const std::string& text, const std::string& path, char delimiter,
                                  char comment) {
  // A UTF-8 byte order mark (Excel writes one) is not part of the first column's name.
  const std::string_view bom = "\xEF\xBB\xBF";
  const bool has_bom = std::string_view(text).substr(0, 3) == bom;
  std::vector<Record> records =
      parse(path, has_bom ? text.substr(bom.size()) : text, delimiter, comment);
  if (records.empty()) throw DataError(path + ": no rows (the file is empty or all comments)");
  return records;
}

}  // namespace

std::vector<CsvRecord> read_csv_records(const std::string& path, char delimiter, char comment) {
  return records_of(read_text(path), path, delimiter, comment);
}

Samples read_csv(const std::string& path, const CsvOptions& options) {
  return parse_csv(read_text(path), path, options);
}

void renumber_classes(Samples& samples, const std::vector<std::string>& names,
                      const std::string& what) {
  if (samples.class_names == names) return;
  std::vector<std::int32_t> index;  // per class of the samples: its number in `names`
  for (const auto& name : samples.class_names) {
    const auto it = std::find(names.begin(), names.end(), name);
    if (it == names.end()) {
      std::string list;
      for (std::size_t i = 0; i < names.size() && i < 20; ++i)
        list += (i ? ", " : "") + brief_text(names[i], 40);
      throw DataError(what + ": class '" + brief_text(name, 40) + "' is not one of (" + list +
                      (names.size() > 20 ? ", ..." : "") + ")");
    }
    index.push_back(static_cast<std::int32_t>(it - names.begin()));
  }
  for (auto& label : samples.labels) label = index[static_cast<std::size_t>(label)];
  samples.class_names = names;
}

// Class labels: numbered in numeric order when all are numbers, else in string order.
void number_classes(const std::string& path, const std::vector<Record>& records,
                    const std::vector<std::size_t>& kept, std::size_t target, Samples& samples) {
  std::set<std::string> distinct;
  for (const auto r : kept) {
    require_utf8(path, records[r][target], "the class label");
    distinct.insert(trim(records[r][target].text));
  }
  std::vector<std::string> classes(distinct.begin(), distinct.end());
  const bool numeric = std::all_of(classes.begin(), classes.end(), [](const std::string& s) {
    float v;
    return parse_float(s, v);
  });
  if (numeric)
    std::sort(classes.begin(), classes.end(), [](const std::string& a, const std::string& b) {
      return std::stod(a) < std::stod(b);
    });
  std::map<std::string, std::int32_t> index;
  for (std::size_t c = 0; c < classes.size(); ++c) index[classes[c]] = static_cast<std::int32_t>(c);
  for (const auto r : kept) samples.labels.push_back(index.at(trim(records[r][target].text)));
  samples.class_names = classes;
}

namespace {

// A CSV file's records with their column names, as parse_csv works through them.
struct Table {
  const std::string& path;
  const CsvOptions& options;
  std::vector<Record> records;
  std::vector<std::string> names;
  std::size_t first = 0;  // the first data record (1 after a header)
  std::size_t width = 0;

  std::string where(const Field& f) const {
    return path + ":" + std::to_string(f.line) + ":" + std::to_string(f.column);
  }
  bool is_missing(const std::string& text) const {
    const std::string t = trim(text);
    return std::find(options.missing_values.begin(), options.missing_values.end(), t) !=
           options.missing_values.end();
  }
};

// Column names from the header (or "column N"); every data row must be as wide.
void read_header(Table& t) {
  t.width = t.records[0].size();
  if (t.options.header) {
    for (const auto& f : t.records[0]) {
      require_utf8(t.path, f, "the column name");
      t.names.push_back(trim(f.text));
    }
    require_distinct_names(t.path, t.records[0]);
    t.first = 1;
  } else {
    for (std::size_t c = 0; c < t.width; ++c) t.names.push_back("column " + std::to_string(c));
  }
  if (t.records.size() == t.first) throw DataError(t.path + ": a header but no data rows");
  if (t.options.has_target && t.width < 2)
    throw DataError(t.path + ": " + std::to_string(t.width) +
                    " column; need features and a target");
  for (std::size_t r = t.first; r < t.records.size(); ++r)
    if (t.records[r].size() != t.width)
      throw DataError(t.path + ":" + std::to_string(t.records[r][0].line) + ": expected " +
                      std::to_string(t.width) + " fields (as " +
                      (t.options.header ? "in the header" : "in the first row") + "), found " +
                      std::to_string(t.records[r].size()));
}

// Which columns are targets: by name (with a header) or 0-based index; default the last.
std::vector<std::size_t> target_columns(const Table& t) {
  std::vector<std::size_t> targets;
  for (const auto& name : t.options.target) {
    const auto named = std::find(t.names.begin(), t.names.end(), name);
    std::size_t index = 0;
    const auto [end, error] = std::from_chars(name.data(), name.data() + name.size(), index);
    if (t.options.header && named != t.names.end()) {
      targets.push_back(static_cast<std::size_t>(named - t.names.begin()));
    } else if (error == std::errc() && end == name.data() + name.size() && index < t.width) {
      targets.push_back(index);
    } else {
      throw ConfigError(t.path + ": target column '" + name + "' not found; " +
                        (t.options.header ? unknown_name_message("column", name, t.names)
                                          : "without a header, give a 0-based index below " +
                                                std::to_string(t.width)));
    }
  }
  if (targets.empty() && t.options.has_target) targets.push_back(t.width - 1);
  if (t.options.has_target && t.options.task == Task::classification && targets.size() != 1)
    throw ConfigError(t.path + ": classification takes one target column, found " +
                      std::to_string(targets.size()));
  return targets;
}

// The data rows kept: missing values are an error, or drop their row ("drop_row"), or read
// as 0 in feature columns ("zero"; a missing target is always an error then).
std::vector<std::size_t> kept_rows(const Table& t, const std::vector<std::size_t>& targets) {
  std::vector<std::size_t> kept;
  for (std::size_t r = t.first; r < t.records.size(); ++r) {
    bool drop = false;
    for (std::size_t c = 0; c < t.width; ++c) {
      const Field& f = t.records[r][c];
      if (!t.is_missing(f.text)) continue;
      const bool target = std::find(targets.begin(), targets.end(), c) != targets.end();
      if (t.options.missing == "drop_row") {
        drop = true;
      } else if (t.options.missing == "error" || target) {
        throw DataError(
            t.where(f) + ": missing value in column '" + t.names[c] + "'" +
            (target ? " (a target: set data.missing to \"drop_row\" to skip such rows)"
                    : " (set data.missing to \"impute\", \"zero\" or \"drop_row\" to accept)"));
      }
    }
    if (!drop) kept.push_back(r);
  }
  if (kept.empty()) throw DataError(t.path + ": every row has a missing value");
  return kept;
}

// The numbers of `columns` in the kept rows; `what` names them in messages. A missing value
// is 0 with `missing_is_zero`, NaN (to be imputed after the split) with "impute".
Matrix numbers(const Table& t, const std::vector<std::size_t>& kept,
               const std::vector<std::size_t>& columns, bool missing_is_zero, const char* what) {
  const float missing =
      t.options.missing == "impute" ? std::numeric_limits<float>::quiet_NaN() : 0.0f;
  Matrix m(static_cast<Index>(kept.size()), static_cast<Index>(columns.size()));
  for (std::size_t k = 0; k < kept.size(); ++k)
    for (std::size_t j = 0; j < columns.size(); ++j) {
      const Field& f = t.records[kept[k]][columns[j]];
      float value = 0.0f;
      if (missing_is_zero && t.is_missing(f.text))
        value = missing;
      else if (!parse_float(f.text, value))
        throw DataError(t.where(f) + ": " + what + "'" + trim(f.text) + "' in column '" +
                        t.names[columns[j]] + "' is not a number");
      m(static_cast<Index>(k), static_cast<Index>(j)) = value;
    }
  return m;
}

// Every name in "categorical" is a feature column: by name, or by 0-based index.
void check_categorical_names(const Table& t, const std::vector<std::size_t>& targets) {
  for (const auto& name : t.options.categorical) {
    const auto named = std::find(t.names.begin(), t.names.end(), name);
    std::size_t index = t.width;
    if (named != t.names.end()) {
      index = static_cast<std::size_t>(named - t.names.begin());
    } else if (!name.empty() && name.find_first_not_of("0123456789") == std::string::npos) {
      std::from_chars(name.data(), name.data() + name.size(), index);  // too large: stays >= width
      if (index >= t.width)
        throw ConfigError(t.path + ": categorical: column index " + brief_text(name, 40) +
                          " is past the last column (" + std::to_string(t.width - 1) + ")");
    } else {
      throw ConfigError(t.path + ": categorical: " +
                        unknown_name_message("column", brief_text(name, 40), t.names));
    }
    if (std::find(targets.begin(), targets.end(), index) != targets.end())
      throw ConfigError(t.path + ": categorical: '" + t.names[index] +
                        "' is a target column, not an input");
  }
}

// Whether feature column `c` is one-hot encoded: named (or indexed) in options.categorical,
// or, with categorical_auto, holding a value that is not a number.
bool is_categorical(const Table& t, const std::vector<std::size_t>& kept, std::size_t c) {
  for (const auto& name : t.options.categorical)
    if (name == t.names[c] || name == std::to_string(c)) return true;
  if (!t.options.categorical_auto) return false;
  float value = 0;
  for (const auto r : kept) {
    const Field& f = t.records[r][c];
    if (!t.is_missing(f.text) && !parse_float(f.text, value)) return true;
  }
  return false;
}

// The categories of column `c`: given (a test file's are the training file's), or the distinct
// values of the kept rows, sorted.
std::vector<std::string> categories_of(const Table& t, const std::vector<std::size_t>& kept,
                                       std::size_t c) {
  if (const auto it = t.options.categories.find(t.names[c]); it != t.options.categories.end())
    return it->second;
  std::set<std::string> distinct;
  for (const auto r : kept) {
    const Field& f = t.records[r][c];
    if (t.is_missing(f.text)) continue;
    require_utf8(t.path, f, "the category");
    distinct.insert(trim(f.text));
  }
  return {distinct.begin(), distinct.end()};
}

// One-hot columns of categorical column `c` in `x` from column `first`; a missing value is no
// column set ("zero") or NaN ("impute").
void one_hot(const Table& t, const std::vector<std::size_t>& kept, std::size_t c,
             const std::vector<std::string>& categories, Index first, Matrix& x) {
  for (std::size_t k = 0; k < kept.size(); ++k) {
    const Field& f = t.records[kept[k]][c];
    const auto row = static_cast<Index>(k);
    if (t.is_missing(f.text)) {
      if (t.options.missing == "impute")
        x.row(row).segment(first, static_cast<Index>(categories.size())).setConstant(NAN);
      continue;
    }
    const auto it = std::find(categories.begin(), categories.end(), trim(f.text));
    if (it == categories.end())
      throw DataError(t.where(f) + ": '" + trim(f.text).substr(0, 40) +
                      "' is not a category of column '" + t.names[c] + "' in the training data");
    x(row, first + static_cast<Index>(it - categories.begin())) = 1.0f;
  }
}

// The feature columns, numeric ones as they are and categorical ones one-hot.
void encode_features(const Table& t, const std::vector<std::size_t>& kept,
                     const std::vector<std::size_t>& features, Samples& samples) {
  std::vector<std::pair<std::size_t, std::vector<std::string>>> layout;  // per feature column
  Index width = 0;
  for (const auto c : features) {
    std::vector<std::string> categories;
    if (is_categorical(t, kept, c)) categories = categories_of(t, kept, c);
    layout.push_back({c, categories});
    width += categories.empty() ? 1 : static_cast<Index>(categories.size());
  }
  // Each distinct value of a categorical column is a column: a file with many of them (an id
  // read as a category) can ask for far more than the machine has, so the size is checked
  // before the matrix is allocated.
  const std::uint64_t bytes = saturating_multiply(
      saturating_multiply(kept.size(), static_cast<std::uint64_t>(width)), sizeof(float));
  try {
    check_fits_in_memory(bytes, t.path + "'s one-hot feature matrix (" +
                                    std::to_string(kept.size()) + " rows x " +
                                    std::to_string(width) + " columns)");
  } catch (const ConfigError& e) {
    throw DataError(e.what());
  }
  samples.x = Matrix::Zero(static_cast<Index>(kept.size()), width);
  samples.feature_names.clear();
  Index column = 0;
  for (const auto& [c, categories] : layout) {
    const auto group = static_cast<std::int32_t>(c);
    if (categories.empty()) {
      samples.x.col(column) = numbers(t, kept, {c}, true, "").col(0);
      samples.feature_names.push_back(t.names[c]);
      samples.feature_groups.push_back(group);
      ++column;
      continue;
    }
    one_hot(t, kept, c, categories, column, samples.x);
    samples.categorical.push_back({t.names[c], categories, column});
    for (const auto& v : categories) {
      samples.feature_names.push_back(t.names[c] + "=" + v);
      samples.feature_groups.push_back(group);
    }
    column += static_cast<Index>(categories.size());
  }
}

}  // namespace

json CategoricalInput::to_json() const {
  return {{"name", name}, {"categories", categories}, {"column", column}};
}

CategoricalInput CategoricalInput::from_json(const json& j) {
  return {j.at("name").get<std::string>(), j.at("categories").get<std::vector<std::string>>(),
          j.at("column").get<Index>()};
}

Samples parse_csv(const std::string& text, const std::string& path, const CsvOptions& options) {
  Table t{path, options, records_of(text, path, options.delimiter, options.comment), {}, 0, 0};
  read_header(t);
  const std::vector<std::size_t> targets = target_columns(t);
  std::vector<std::size_t> features;
  for (std::size_t c = 0; c < t.width; ++c)
    if (std::find(targets.begin(), targets.end(), c) == targets.end()) features.push_back(c);
  const std::vector<std::size_t> kept = kept_rows(t, targets);

  Samples samples;
  samples.task = options.task;
  if (options.header)
    for (const auto c : features) samples.feature_names.push_back(t.names[c]);
  check_categorical_names(t, targets);
  if (options.categorical.empty() && !options.categorical_auto)
    samples.x = numbers(t, kept, features, true, "");
  else
    encode_features(t, kept, features, samples);
  samples.impute_missing = options.missing == "impute";
  if (!options.has_target) return samples;
  if (options.task == Task::regression)
    samples.y = numbers(t, kept, targets, false, "regression target ");
  else
    number_classes(path, t.records, kept, targets[0], samples);
  return samples;
}

}  // namespace nnfit
