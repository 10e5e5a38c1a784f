// ARFF files (Weka, OpenML; https://waikato.github.io/weka-wiki/formats_and_processing/arff/)
// as Samples.
//
//   % comment
//   @relation glass
//   @attribute RI numeric                      numeric | real | integer
//   @attribute 'colour' {red, 'dark blue'}     nominal: its values, quoted when they must be
//   @attribute Type {build, vehic, ...}        the class: by name, default the last attribute
//   @data
//   1.51793, red, build                        dense rows; ? is a missing value
//   {0 1.5, 2 vehic}                           sparse rows: index value; omitted values are 0
//                                              (a nominal attribute's first value)
//
// Keywords are case-insensitive; names and values may be quoted with ' or " (backslash
// escapes). Nominal inputs become one 0/1 column per declared value ("colour=red"), in the
// declared order; a nominal class gives the class names, a numeric class a regression target.
// String, date and relational attributes are refused by name unless `drop` lists them.
//
// Untrusted input: rows are kept sparse while reading, so memory follows the file's content,
// and the dense matrix is allocated only after its size (rows x columns) is checked against
// the machine's memory. Every complaint names file:line and the attribute.
#include <algorithm>
#include <charconv>
#include <cstring>
#include <limits>
#include <map>
#include <sstream>

#include "nnfit/atomic_file.hpp"
#include "nnfit/dataset.hpp"
#include "nnfit/error.hpp"
#include "nnfit/memory_budget.hpp"

namespace nnfit {

namespace {

// Far beyond any real data set; a header declaring more is refused before anything grows.
constexpr std::size_t kMaxAttributes = 1 << 20;
constexpr std::size_t kMaxColumns = 1 << 22;

struct Attribute {
  std::string name;
  enum Kind { numeric, nominal, other } kind = numeric;
  std::string type;                 // as declared, for messages ("string", "date")
  std::vector<std::string> values;  // nominal
  std::map<std::string, std::size_t> index;
  std::size_t line = 0;
};

// A cursor over one line, with the tokens ARFF needs.
class Line {
 public:
  Line(std::string text, std::string where) : text_(std::move(text)), where_(std::move(where)) {}
  const std::string& where() const { return where_; }
  void skip_space() {
    while (i_ < text_.size() && (text_[i_] == ' ' || text_[i_] == '\t' || text_[i_] == '\r')) ++i_;
  }
  bool at_end() {
    skip_space();
    return i_ >= text_.size() || text_[i_] == '%';
  }
  char peek() {
    skip_space();
    return i_ < text_.size() ? text_[i_] : '\0';
  }
  void expect(char c, const std::string& what) {
    if (peek() != c) throw DataError(where_ + ": expected " + what);
    ++i_;
  }
  bool take(char c) {
    if (peek() != c) return false;
    ++i_;
    return true;
  }
  // A word, a quoted string, or a value up to one of `stops` (spaces trimmed). `quoted` says
  // which it was ('?' means missing only unquoted).
  std::string token(const char* stops, bool& quoted) {
    skip_space();
    quoted = false;
    if (i_ < text_.size() && (text_[i_] == '\'' || text_[i_] == '"')) return quoted_token(quoted);
    const std::size_t start = i_;
    while (i_ < text_.size() && !std::strchr(stops, text_[i_]) && text_[i_] != '%') ++i_;
    std::string out = text_.substr(start, i_ - start);
    while (!out.empty() && (out.back() == ' ' || out.back() == '\t' || out.back() == '\r'))
      out.pop_back();
    return out;
  }
  std::string rest() {
    skip_space();
    return text_.substr(i_);
  }

 private:
  std::string quoted_token(bool& quoted) {
    const char quote = text_[i_++];
    std::string out;
    while (i_ < text_.size() && text_[i_] != quote) {
      if (text_[i_] == '\\' && i_ + 1 < text_.size()) ++i_;
      out += text_[i_++];
    }
    if (i_ >= text_.size()) throw DataError(where_ + ": a quoted value is never closed");
    ++i_;
    quoted = true;
    return out;
  }
  std::string text_, where_;
  std::size_t i_ = 0;
};

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string quote(const std::string& name) {
  return "'" + name + "'";
}

// Names and declared values become feature and class names, which go into JSON (model
// files, reports): they must be valid UTF-8.
void require_utf8_text(const std::string& text, const std::string& where, const std::string& what) {
  if (!valid_utf8(text))
    throw DataError(where + ": " + what + " is not valid UTF-8 (save the file as UTF-8)");
}

Attribute read_attribute(Line& line, std::size_t number) {
  Attribute a;
  a.line = number;
  bool quoted = false;
  a.name = line.token(" \t{", quoted);
  if (a.name.empty()) throw DataError(line.where() + ": @attribute without a name");
  require_utf8_text(a.name, line.where(), "the attribute's name");
  if (line.take('{')) {
    a.kind = Attribute::nominal;
    a.type = "nominal";
    while (!line.take('}')) {
      if (line.at_end())
        throw DataError(line.where() + ": attribute " + quote(a.name) +
                        ": the list of values is never closed with '}'");
      const std::string value = line.token(",}", quoted);
      require_utf8_text(value, line.where(), "a value of attribute " + quote(a.name));
      if (a.index.count(value))
        throw DataError(line.where() + ": attribute " + quote(a.name) + ": value " + quote(value) +
                        " is declared twice");
      a.index[value] = a.values.size();
      a.values.push_back(value);
      if (a.values.size() > kMaxColumns)
        throw DataError(line.where() + ": attribute " + quote(a.name) + ": too many values");
      line.take(',');
    }
    if (a.values.empty())
      throw DataError(line.where() + ": attribute " + quote(a.name) + " declares no values");
    return a;
  }
  a.type = lower(line.token(" \t", quoted));
  if (a.type == "numeric" || a.type == "real" || a.type == "integer") {
    a.kind = Attribute::numeric;
  } else if (a.type == "string" || a.type == "date" || a.type == "relational") {
    a.kind = Attribute::other;
  } else {
    throw DataError(line.where() + ": attribute " + quote(a.name) + ": unknown type " +
                    quote(a.type) + " (numeric, real, integer, {values}, string, date)");
  }
  return a;
}

struct Header {
  std::vector<Attribute> attributes;
  std::size_t data_line = 0;  // the @data line
};

// Reads up to @data; `lines` is positioned after it.
Header read_header(std::istream& lines, const std::string& path, std::size_t& number) {
  Header h;
  bool relation = false;
  std::string text;
  while (std::getline(lines, text)) {
    ++number;
    Line line(text, path + ":" + std::to_string(number));
    if (line.at_end()) continue;
    bool quoted = false;
    const std::string keyword = lower(line.token(" \t", quoted));
    if (keyword == "@relation") {
      relation = true;
    } else if (keyword == "@attribute") {
      if (h.attributes.size() >= kMaxAttributes)
        throw DataError(line.where() + ": more than " + std::to_string(kMaxAttributes) +
                        " attributes");
      h.attributes.push_back(read_attribute(line, number));
    } else if (keyword == "@data") {
      h.data_line = number;
      if (!relation) throw DataError(path + ": no @relation before @data");
      if (h.attributes.empty()) throw DataError(line.where() + ": @data before any @attribute");
      return h;
    } else {
      throw DataError(line.where() + ": expected @relation, @attribute or @data, found " +
                      quote(keyword));
    }
  }
  throw DataError(path + ": no @data section" +
                  (h.attributes.empty() ? " (is this an ARFF file?)" : ""));
}

// The columns of the samples: which attribute goes where.
struct Layout {
  std::size_t target = 0;           // attribute index of the class
  std::vector<bool> dropped;        // per attribute
  std::vector<std::size_t> column;  // per input attribute: its first column
  std::size_t columns = 0;
  std::vector<std::string> names;
  std::vector<std::int32_t> groups;  // per column: its attribute
  std::vector<CategoricalInput> categorical;
};

Layout layout_of(const Header& h, const ArffOptions& o, const std::string& path) {
  Layout l;
  const auto& attributes = h.attributes;
  l.target = attributes.size() - 1;
  if (!o.target.empty()) {
    const auto it = std::find_if(attributes.begin(), attributes.end(),
                                 [&](const Attribute& a) { return a.name == o.target; });
    if (it == attributes.end())
      throw DataError(path + ": no attribute named " + quote(o.target) + " (the class)");
    l.target = static_cast<std::size_t>(it - attributes.begin());
  }
  if (attributes[l.target].kind == Attribute::other)
    throw DataError(path + ":" + std::to_string(attributes[l.target].line) + ": the class " +
                    quote(attributes[l.target].name) + " is a " + attributes[l.target].type +
                    " attribute; it must be nominal (classification) or numeric (regression)");
  l.dropped.assign(attributes.size(), false);
  for (const auto& name : o.drop) {
    const auto it = std::find_if(attributes.begin(), attributes.end(),
                                 [&](const Attribute& a) { return a.name == name; });
    if (it == attributes.end()) throw DataError(path + ": drop: no attribute named " + quote(name));
    l.dropped[static_cast<std::size_t>(it - attributes.begin())] = true;
  }
  l.column.assign(attributes.size(), 0);
  for (std::size_t a = 0; a < attributes.size(); ++a) {
    const Attribute& at = attributes[a];
    if (a == l.target || l.dropped[a]) continue;
    if (at.kind == Attribute::other)
      throw DataError(path + ":" + std::to_string(at.line) + ": attribute " + quote(at.name) +
                      " is a " + at.type +
                      " attribute, which nnfit cannot use as a feature; leave it out with "
                      "\"drop\": [\"" +
                      at.name + "\"]");
    l.column[a] = l.columns;
    if (at.kind == Attribute::numeric) {
      l.names.push_back(at.name);
      ++l.columns;
    } else {
      for (const auto& v : at.values) l.names.push_back(at.name + "=" + v);
      l.categorical.push_back({at.name, at.values, static_cast<Index>(l.columns)});
      l.columns += at.values.size();
    }
    l.groups.resize(l.columns, static_cast<std::int32_t>(a));
    if (l.columns > kMaxColumns)
      throw DataError(path + ": the inputs would need more than " + std::to_string(kMaxColumns) +
                      " columns");
  }
  return l;
}

// One data row as (column, value) pairs and its class; or missing().
struct Row {
  std::vector<std::pair<std::size_t, float>> cells;
  double target = 0;
  bool missing = false;  // some value was '?'
};

// The value of attribute `a` from its text: the cells it sets and, for the class, the target.
void set_value(Row& row, const Header& h, const Layout& l, std::size_t a, const std::string& text,
               bool quoted, const ArffOptions& o, const std::string& where) {
  const Attribute& at = h.attributes[a];
  if (l.dropped[a]) return;
  if (!quoted && text == "?") {
    // A missing class can only be dropped; a missing input may also be zero.
    if (o.missing == "error" || (a == l.target && o.missing != "drop_row"))
      throw DataError(where + ": attribute " + quote(at.name) + " is missing (?); " +
                      (a == l.target ? "\"missing\": \"drop_row\" leaves such rows out"
                                     : "\"missing\": \"drop_row\" or \"zero\" allows it"));
    row.missing = true;
    if (o.missing == "impute" && a != l.target) {
      const std::size_t width = at.kind == Attribute::nominal ? at.values.size() : 1;
      for (std::size_t k = 0; k < width; ++k)
        row.cells.push_back({l.column[a] + k, std::numeric_limits<float>::quiet_NaN()});
    }
    return;
  }
  double value = 0;
  if (at.kind == Attribute::nominal) {
    const auto it = at.index.find(text);
    if (it == at.index.end())
      throw DataError(where + ": attribute " + quote(at.name) + ": " + quote(text) +
                      " is not one of its declared values");
    value = static_cast<double>(it->second);
  } else {
    float f = 0;
    if (!parse_csv_number(text, f))
      throw DataError(where + ": attribute " + quote(at.name) +
                      ": expected a finite number, found " + quote(text.substr(0, 40)));
    value = f;
  }
  if (a == l.target) {
    row.target = value;
  } else if (at.kind == Attribute::nominal) {
    row.cells.push_back({l.column[a] + static_cast<std::size_t>(value), 1.0f});
  } else {
    row.cells.push_back({l.column[a], static_cast<float>(value)});
  }
}

Row read_dense(Line& line, const Header& h, const Layout& l, const ArffOptions& o) {
  Row row;
  for (std::size_t a = 0; a < h.attributes.size(); ++a) {
    if (a > 0)
      line.expect(',', "',' and the value of attribute " + quote(h.attributes[a].name) +
                           " (the row has " + std::to_string(a) + " of " +
                           std::to_string(h.attributes.size()) + " values)");
    bool quoted = false;
    const std::string text = line.token(",{", quoted);
    set_value(row, h, l, a, text, quoted, o, line.where());
  }
  if (line.peek() == ',' || line.peek() == '{')
    throw DataError(line.where() + ": more values than the " + std::to_string(h.attributes.size()) +
                    " attributes (instance weights, \", {w}\", are not supported)");
  if (!line.at_end()) throw DataError(line.where() + ": unexpected " + quote(line.rest()));
  return row;
}

// {index value, ...}: omitted attributes are 0 (numeric) or their first value (nominal).
Row read_sparse(Line& line, const Header& h, const Layout& l, const ArffOptions& o) {
  line.expect('{', "'{'");
  std::vector<bool> seen(h.attributes.size(), false);
  Row row;
  std::size_t previous = 0;
  bool first = true;
  while (!line.take('}')) {
    if (line.at_end()) throw DataError(line.where() + ": a sparse row is never closed with '}'");
    if (!first) line.expect(',', "',' or '}'");
    bool quoted = false;
    const std::string index_text = line.token(" \t", quoted);
    std::size_t a = 0;
    const auto [end, error] =
        std::from_chars(index_text.data(), index_text.data() + index_text.size(), a);
    if (error != std::errc() || end != index_text.data() + index_text.size() || quoted)
      throw DataError(line.where() + ": expected an attribute index, found " +
                      quote(index_text.substr(0, 40)));
    if (a >= h.attributes.size())
      throw DataError(line.where() + ": attribute index " + index_text + " is past the last (" +
                      std::to_string(h.attributes.size() - 1) + ")");
    if (!first && a <= previous)
      throw DataError(line.where() + ": attribute indices must increase (" + index_text +
                      " after " + std::to_string(previous) + ")");
    const std::string text = line.token(",}", quoted);
    set_value(row, h, l, a, text, quoted, o, line.where());
    seen[a] = true;
    previous = a;
    first = false;
  }
  if (!line.at_end())
    throw DataError(line.where() + ": unexpected " + quote(line.rest()) +
                    " after the sparse row (instance weights are not supported)");
  for (std::size_t a = 0; a < h.attributes.size(); ++a)
    if (!seen[a])
      set_value(row, h, l, a,
                h.attributes[a].kind == Attribute::nominal ? h.attributes[a].values[0] : "0", true,
                o, line.where());
  return row;
}

Samples to_samples(const Header& h, const Layout& l, const std::vector<Row>& rows,
                   const std::string& path) {
  const Attribute& target = h.attributes[l.target];
  const std::uint64_t bytes = saturating_multiply(
      saturating_multiply(rows.size(), std::max<std::size_t>(l.columns, 1)), sizeof(float));
  try {
    check_fits_in_memory(bytes, path + "'s feature matrix (" + std::to_string(rows.size()) +
                                    " rows x " + std::to_string(l.columns) + " columns)");
  } catch (const ConfigError& e) {
    throw DataError(e.what());
  }
  if (l.columns == 0) throw DataError(path + ": no input attributes besides the class");
  Samples s;
  s.x = Matrix::Zero(static_cast<Index>(rows.size()), static_cast<Index>(l.columns));
  s.feature_names = l.names;
  s.feature_groups = l.groups;
  s.categorical = l.categorical;
  s.task = target.kind == Attribute::nominal ? Task::classification : Task::regression;
  if (s.task == Task::classification)
    s.class_names = target.values;
  else
    s.y.resize(static_cast<Index>(rows.size()), 1);
  for (std::size_t i = 0; i < rows.size(); ++i) {
    for (const auto& [column, value] : rows[i].cells)
      s.x(static_cast<Index>(i), static_cast<Index>(column)) = value;
    if (s.task == Task::classification)
      s.labels.push_back(static_cast<std::int32_t>(rows[i].target));
    else
      s.y(static_cast<Index>(i), 0) = static_cast<float>(rows[i].target);
  }
  return s;
}

}  // namespace

Samples parse_arff(const std::string& text, const std::string& path, const ArffOptions& options) {
  if (options.missing != "error" && options.missing != "zero" && options.missing != "drop_row" &&
      options.missing != "impute")
    throw ConfigError("missing: expected error, zero, drop_row or impute, found " +
                      options.missing);
  std::istringstream lines(text);
  std::size_t number = 0;
  const Header header = read_header(lines, path, number);
  const Layout layout = layout_of(header, options, path);
  std::vector<Row> rows;
  std::string line_text;
  while (std::getline(lines, line_text)) {
    ++number;
    Line line(line_text, path + ":" + std::to_string(number));
    if (line.at_end()) continue;
    Row row = line.peek() == '{' ? read_sparse(line, header, layout, options)
                                 : read_dense(line, header, layout, options);
    if (row.missing && options.missing == "drop_row") continue;
    rows.push_back(std::move(row));
  }
  if (rows.empty())
    throw DataError(
        path + ":" + std::to_string(header.data_line) + ": @data has no rows" +
        (options.missing == "drop_row" ? " (after dropping rows with missing values)" : ""));
  Samples samples = to_samples(header, layout, rows, path);
  samples.impute_missing = options.missing == "impute";
  return samples;
}

Samples read_arff(const std::string& path, const ArffOptions& options) {
  return parse_arff(read_file_bytes(path, "an ARFF file"), path, options);
}

}  // namespace nnfit
