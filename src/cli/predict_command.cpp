// `nnfit predict`: CSV in, predictions out, with the preprocessing saved in the model file.
//
// Nothing about the input is guessed quietly. A header row is recognised by rule (a first row
// with any non-number, or one equal to the model's feature names, is a header; an all-number
// row is data) unless --header or --no-header says so. When the model knows its features'
// names, a header's columns are matched to them by name (reordered columns are put back in
// order; missing ones are an error; unused ones are named on stderr).
#include <algorithm>
#include <cstdio>
#include <optional>

#include "commands.hpp"
#include "nnfit/detail/atomic_file.hpp"
#include "nnfit/error.hpp"
#include "nnfit/model_file.hpp"
#include "nnfit/parallel_step.hpp"

namespace nnfit::cli {

namespace {

struct InputColumns {
  std::size_t first_data_row = 0;     // 1 with a header
  std::vector<std::size_t> features;  // the input column of each model feature, in model order
  std::optional<std::size_t> id;      // the column copied to the output
  std::string id_name = "id";
};

// One column of the input CSV as the model sees it: a number (one model input) or a category
// (one-hot over `categorical->categories`, from model input `column`).
struct RawInput {
  std::string name;
  const CategoricalInput* categorical = nullptr;
  Index column = 0;
};

// The model's inputs as input columns: one per model input, except that a one-hot encoded
// input is one column of category names.
std::vector<RawInput> raw_inputs(const ModelInfo& info, Index inputs) {
  std::vector<RawInput> raw;
  for (Index c = 0; c < inputs;) {
    const CategoricalInput* categorical = nullptr;
    for (const auto& k : info.categorical)
      if (k.column == c) categorical = &k;
    if (categorical) {
      raw.push_back({categorical->name, categorical, c});
      c += static_cast<Index>(categorical->categories.size());
    } else {
      const auto i = static_cast<std::size_t>(c);
      raw.push_back({i < info.feature_names.size() ? info.feature_names[i] : "", nullptr, c});
      ++c;
    }
  }
  return raw;
}

std::vector<std::string> raw_names(const ModelInfo& info, Index inputs) {
  std::vector<std::string> names;
  if (info.feature_names.empty()) return names;
  for (const auto& r : raw_inputs(info, inputs)) names.push_back(r.name);
  return names;
}

std::string trimmed(const std::string& s) {
  const auto begin = s.find_first_not_of(" \t");
  if (begin == std::string::npos) return "";
  return s.substr(begin, s.find_last_not_of(" \t") - begin + 1);
}

bool all_numbers(const CsvRecord& record) {
  float value = 0.0f;
  for (const auto& cell : record)
    if (!parse_csv_number(cell.text, value)) return false;
  return true;
}

std::vector<std::string> names_of(const CsvRecord& record) {
  std::vector<std::string> names;
  for (const auto& cell : record) names.push_back(trimmed(cell.text));
  return names;
}

bool has_header(const PredictOptions& o, const CsvRecord& first,
                const std::vector<std::string>& expected) {
  if (o.header != Header::detect) return o.header == Header::yes;
  if (!expected.empty()) {
    auto names = names_of(first);
    if (o.id.empty() || o.id.find_first_not_of("0123456789") == std::string::npos) {
      // An all-number row equal to the model's (numeric) feature names is still a header.
      if (names == expected) return true;
    } else {
      return true;  // --id names a column: only a header can name it
    }
  }
  return !all_numbers(first);
}

// Columns by name: the model's features in its order, the id column, and what is left over.
void match_names(const PredictOptions& o, const CsvRecord& header,
                 const std::vector<std::string>& expected, InputColumns& columns) {
  require_distinct_names(o.input, header);
  const auto names = names_of(header);
  auto find = [&](const std::string& name) -> std::optional<std::size_t> {
    for (std::size_t c = 0; c < names.size(); ++c)
      if (names[c] == name) return c;
    return std::nullopt;
  };
  if (!o.id.empty()) {
    columns.id = find(o.id);
    if (!columns.id) throw ConfigError("--id " + o.id + ": " + o.input + " has no such column");
    columns.id_name = o.id;
  }
  if (expected.empty()) return;
  std::vector<std::string> missing;
  for (const auto& name : expected) {
    const auto c = find(name);
    if (c)
      columns.features.push_back(*c);
    else
      missing.push_back(name);
  }
  if (!missing.empty()) {
    std::string list;
    for (const auto& m : missing) list += (list.empty() ? "" : ", ") + m;
    throw DataError(o.input + ":" + std::to_string(header.front().line) +
                    ": the header lacks the model's feature columns " + list);
  }
  std::string unused;
  for (std::size_t c = 0; c < names.size(); ++c)
    if (c != columns.id &&
        std::find(columns.features.begin(), columns.features.end(), c) == columns.features.end())
      unused += (unused.empty() ? "" : ", ") + names[c];
  if (!unused.empty())
    std::fprintf(stderr, "nnfit: predict: %s: columns not used by the model: %s\n", o.input.c_str(),
                 unused.c_str());
}

InputColumns map_columns(const PredictOptions& o, const std::vector<CsvRecord>& records,
                         const ModelInfo& info, Index model_inputs) {
  InputColumns columns;
  const std::vector<std::string> expected = raw_names(info, model_inputs);
  const Index inputs = static_cast<Index>(raw_inputs(info, model_inputs).size());
  const bool header = has_header(o, records.front(), expected);
  columns.first_data_row = header ? 1 : 0;
  if (header) {
    for (const auto& cell : records.front()) require_utf8(o.input, cell, "the column name");
    match_names(o, records.front(), expected, columns);
  } else if (!o.id.empty()) {
    if (o.id.find_first_not_of("0123456789") != std::string::npos || o.id.size() > 9 ||
        std::stoul(o.id) >= records.front().size())
      throw ConfigError("--id " + o.id +
                        ": without a header row, give the id column's 0-based "
                        "index (below " +
                        std::to_string(records.front().size()) + ")");
    columns.id = std::stoul(o.id);
  }
  if (columns.features.empty())
    for (std::size_t c = 0; c < records.front().size(); ++c)
      if (c != columns.id) columns.features.push_back(c);
  if (static_cast<Index>(columns.features.size()) != inputs)
    throw DataError(
        o.input + ": " + std::to_string(columns.features.size()) +
        " feature columns, the model takes " + std::to_string(inputs) +
        (header ? "" : " (the first row was read as data: is it a header? see --header)"));
  return columns;
}

// A category cell as its model inputs: 1 in its column; a category the training data did not
// have is an error, not a row of zeros.
void encode_category(const PredictOptions& o, const CsvCell& cell, const RawInput& input,
                     Eigen::Ref<RowVector> row) {
  const auto& categories = input.categorical->categories;
  const auto it = std::find(categories.begin(), categories.end(), trimmed(cell.text));
  if (it == categories.end()) {
    std::string known;
    for (std::size_t i = 0; i < categories.size() && i < 10; ++i)
      known += (i ? ", " : "") + categories[i];
    throw DataError(o.input + ":" + std::to_string(cell.line) + ":" + std::to_string(cell.column) +
                    ": '" + trimmed(cell.text).substr(0, 80) + "' is not a category of '" +
                    input.name + "' the model was trained with (" + known +
                    (categories.size() > 10 ? ", ..." : "") + ")");
  }
  row[input.column + static_cast<Index>(it - categories.begin())] = 1.0f;
}

Matrix read_features(const PredictOptions& o, const std::vector<CsvRecord>& records,
                     const InputColumns& columns, const ModelInfo& info, Index inputs) {
  const std::vector<RawInput> raw = raw_inputs(info, inputs);
  const std::size_t width = records.front().size();
  Matrix x = Matrix::Zero(static_cast<Index>(records.size() - columns.first_data_row), inputs);
  for (std::size_t r = columns.first_data_row; r < records.size(); ++r) {
    const CsvRecord& record = records[r];
    if (record.size() != width)
      throw DataError(o.input + ":" + std::to_string(record.front().line) + ": expected " +
                      std::to_string(width) + " fields, found " + std::to_string(record.size()));
    for (std::size_t j = 0; j < columns.features.size(); ++j) {
      const CsvCell& cell = record[columns.features[j]];
      const auto row = static_cast<Index>(r - columns.first_data_row);
      if (raw[j].categorical) {
        encode_category(o, cell, raw[j], x.row(row));
        continue;
      }
      float value = 0.0f;
      if (!parse_csv_number(cell.text, value))
        throw DataError(o.input + ":" + std::to_string(cell.line) + ":" +
                        std::to_string(cell.column) + ": '" + trimmed(cell.text).substr(0, 80) +
                        "' is not a finite number");
      x(row, raw[j].column) = value;
    }
  }
  return x;
}

std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\n\r") == std::string::npos) return text;
  std::string quoted = "\"";
  for (char c : text) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
  return quoted + "\"";
}

std::string number_text(double value, const char* format) {
  char text[40];
  std::snprintf(text, sizeof text, format, value);
  return text;
}

// The output's header row.
std::string output_header(const PredictOptions& o, const InputColumns& columns,
                          const ModelInfo& info, Index outputs) {
  // Appended piece by piece: GCC 12 warns (-Wrestrict, bug 105329) on "x" + std::string.
  std::string out = columns.id ? csv_field(columns.id_name).append(",") : "";
  if (info.task != Task::classification) {
    for (Index j = 0; j < outputs; ++j) out.append(j ? ",y" : "y").append(std::to_string(j));
    return out.append("\n");
  }
  out.append("prediction");
  for (const char* prefix : {"p_", "logit_"}) {
    if (!(prefix[0] == 'p' ? o.probabilities : o.logits)) continue;
    for (const auto& n : info.class_names) out.append(",").append(csv_field(prefix + n));
  }
  return out.append("\n");
}

// One output row from one row of model outputs.
std::string output_row(const PredictOptions& o, const ModelInfo& info,
                       const Eigen::Ref<const RowVector>& y) {
  std::string out;
  if (info.task != Task::classification) {
    for (Index j = 0; j < y.size(); ++j) out.append(j ? "," : "").append(number_text(y[j], "%.9g"));
    return out;
  }
  Index best = 0;
  const float max = y.maxCoeff(&best);
  const auto& names = info.class_names;
  out += csv_field(best < static_cast<Index>(names.size()) ? names[static_cast<std::size_t>(best)]
                                                           : std::to_string(best));
  if (o.probabilities) {
    const RowVector e = (y.array() - max).exp().matrix();
    const double sum = e.cast<double>().sum();
    for (Index j = 0; j < e.size(); ++j) out += number_text(e[j] / sum, ",%.6g");
  }
  if (o.logits)
    for (Index j = 0; j < y.size(); ++j) out += number_text(y[j], ",%.9g");
  return out;
}

}  // namespace

int predict(const PredictOptions& o) {
  const std::string model_path = model_file_of(o.model);
  SavedModel saved = load_model(model_path);
  const std::vector<CsvRecord> records = read_csv_records(o.input);
  const InputColumns columns = map_columns(o, records, saved.info, saved.model.input_size());
  if (records.size() == columns.first_data_row)
    throw DataError(o.input + ": a header but no data rows");
  Matrix samples = read_features(o, records, columns, saved.info, saved.model.input_size());
  saved.info.scaler.apply(samples);

  std::string out = output_header(o, columns, saved.info, saved.model.output_size());
  const Index batch = 1024;
  Matrix x;
  Index row = 0;
  ParallelStep parallel(saved.model, o.threads);
  // Rows of one part of a batch, in order (the parts come in row order).
  auto write = [&](Index, const Matrix& y) {
    for (Index i = 0; i < y.rows(); ++i, ++row) {
      if (columns.id) {
        const auto& record = records[columns.first_data_row + static_cast<std::size_t>(row)];
        out += csv_field(trimmed(record[*columns.id].text)) + ",";
      }
      out += output_row(o, saved.info, y.row(i)) + "\n";
    }
  };
  for (Index start = 0; start < samples.rows(); start += batch) {
    const Index n = std::min(batch, samples.rows() - start);
    x = samples.middleRows(start, n);
    parallel.forward(x);
    parallel.for_each_output(write);
  }
  if (o.output.empty() || o.output == "-")
    std::fwrite(out.data(), 1, out.size(), stdout);
  else
    write_file_atomically(o.output, out);
  return kSuccess;
}

}  // namespace nnfit::cli
