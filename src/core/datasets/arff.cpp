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
#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>
#include <map>
#include <sstream>

#include "nnfit/dataset.hpp"
#include "nnfit/detail/atomic_file.hpp"
#include "nnfit/detail/memory_budget.hpp"
#include "nnfit/error.hpp"

namespace nnfit {

namespace {

// Far beyond any real data set; a header declaring more is refused while it is read, before
// the declared values take much memory (each costs about 100 bytes to index).
constexpr std::size_t kMaxAttributes = 1 << 20;
constexpr std::size_t kMaxColumns = 1 << 20;  // numeric attributes plus nominal values, in all

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

// A name or value as messages quote it: at most 80 bytes of it.
std::string quote(const std::string& name) {
  std::string out(1, '\'');  // appended, not "'" + temporary: GCC 12 warns falsely on that
  out += brief_text(name);
  out += '\'';
  return out;
}

// Names and declared values become feature and class names, which go into JSON (model
// files, reports): they must be valid UTF-8.
void require_utf8_text(const std::string& text, const std::string& where, const std::string& what) {
  if (!valid_utf8(text))
    throw DataError(where + ": " + what + " is not valid UTF-8 (save the file as UTF-8)");
}

// Nothing but a comment may follow a declaration: text there would otherwise be ignored.
void require_line_end(Line& line, const std::string& after) {
  if (!line.at_end())
    throw DataError(line.where() + ": unexpected " + quote(line.rest()) + " after " + after);
}

// `room`: how many more values the header may declare.
Attribute read_attribute(Line& line, std::size_t number, std::size_t room) {
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
      if (a.values.size() > room)
        throw DataError(line.where() + ": attribute " + quote(a.name) +
                        ": too many values (the attributes may declare " +
                        std::to_string(kMaxColumns) + " columns in all)");
      line.take(',');
    }
    if (a.values.empty())
      throw DataError(line.where() + ": attribute " + quote(a.name) + " declares no values");
    require_line_end(line, "attribute " + quote(a.name) + "'s list of values");
    return a;
  }
  a.type = lower(line.token(" \t{", quoted));
  if (a.type == "numeric" || a.type == "real" || a.type == "integer") {
    a.kind = Attribute::numeric;
  } else if (a.type == "string" || a.type == "relational") {
    a.kind = Attribute::other;
  } else if (a.type == "date") {
    a.kind = Attribute::other;
    bool format_quoted = false;  // a date's optional format, e.g. "yyyy-MM-dd"
    if (!line.at_end()) line.token(" \t", format_quoted);
  } else {
    throw DataError(line.where() + ": attribute " + quote(a.name) + ": unknown type " +
                    quote(a.type) + " (numeric, real, integer, {values}, string, date)");
  }
  require_line_end(line, "attribute " + quote(a.name) + "'s type " + quote(a.type));
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
  std::size_t declared = 0;                     // columns the attributes declare so far
  std::map<std::string, std::size_t> lines_of;  // attribute name -> its line
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
      h.attributes.push_back(read_attribute(line, number, kMaxColumns - declared));
      const Attribute& a = h.attributes.back();
      declared += a.kind == Attribute::nominal ? a.values.size() : 1;
      if (declared > kMaxColumns)
        throw DataError(line.where() + ": the attributes declare more than " +
                        std::to_string(kMaxColumns) + " columns");
      if (const auto [it, fresh] = lines_of.emplace(a.name, number); !fresh)
        throw DataError(line.where() + ": attribute " + quote(a.name) + " is declared twice " +
                        "(first at line " + std::to_string(it->second) +
                        "); columns are matched by name, so rename one");
    } else if (keyword == "@data") {
      h.data_line = number;
      require_line_end(line, "@data (the rows start on the next line)");
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
    if (static_cast<std::size_t>(it - attributes.begin()) == l.target)
      throw ConfigError(path + ": drop: " + quote(name) +
                        " is the class; name another class with \"target\" to drop it");
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

// One data row as (column, value) pairs and its class. Only what differs from an all-zero row
// is kept: a numeric 0 omitted from a sparse row has no cell, and a sparse row's omitted
// nominal inputs (their first value) are set when the matrix is filled, so memory follows the
// file's text, not rows x attributes. A missing nominal input to impute is one NaN cell at
// its first column, which stands for all of them.
struct Row {
  std::vector<std::pair<std::uint32_t, float>> cells;  // columns < kMaxColumns < 2^32
  double target = 0;
  bool missing = false;  // some value was '?'
  bool sparse = false;   // {index value, ...}: omitted nominal inputs are their first value
  std::vector<std::uint32_t> named;  // sparse: the nominal attributes it lists (ascending)
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
    if (o.missing == "impute" && a != l.target)
      row.cells.push_back(
          {static_cast<std::uint32_t>(l.column[a]), std::numeric_limits<float>::quiet_NaN()});
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
    row.cells.push_back(
        {static_cast<std::uint32_t>(l.column[a] + static_cast<std::size_t>(value)), 1.0f});
  } else if (value != 0) {
    row.cells.push_back({static_cast<std::uint32_t>(l.column[a]), static_cast<float>(value)});
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
  Row row;
  row.sparse = true;
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
    if (h.attributes[a].kind == Attribute::nominal)
      row.named.push_back(static_cast<std::uint32_t>(a));
    previous = a;
    first = false;
  }
  if (!line.at_end())
    throw DataError(line.where() + ": unexpected " + quote(line.rest()) +
                    " after the sparse row (instance weights are not supported)");
  return row;  // an omitted class is its first value (nominal) or 0: row.target's default
}

// Row `i` of the matrix from `row`'s cells (x is all zeros before).
void fill_row(Matrix& x, Index i, const Row& row, const Header& h, const Layout& l) {
  for (const auto& [column, value] : row.cells) {
    const Attribute& at = h.attributes[static_cast<std::size_t>(l.groups[column])];
    if (std::isnan(value) && at.kind == Attribute::nominal)  // impute the whole one-hot group
      x.row(i).segment(column, static_cast<Index>(at.values.size())).setConstant(value);
    else
      x(i, static_cast<Index>(column)) = value;
  }
  if (!row.sparse) return;
  // Omitted nominal inputs: their first value (one given as '?' stays missing: no column set,
  // or NaN to impute).
  for (const auto& c : l.categorical)
    if (!std::binary_search(
            row.named.begin(), row.named.end(),
            static_cast<std::uint32_t>(l.groups[static_cast<std::size_t>(c.column)])))
      x(i, c.column) = 1.0f;
}

// The dense matrix of `rows` x the layout's columns must fit in memory (a data error).
void check_matrix_fits(std::size_t rows, const Layout& l, const std::string& path,
                       const std::string& what) {
  const std::uint64_t bytes = saturating_multiply(
      saturating_multiply(rows, std::max<std::size_t>(l.columns, 1)), sizeof(float));
  try {
    check_fits_in_memory(bytes, path + "'s feature matrix (" + what + std::to_string(rows) +
                                    " rows x " + std::to_string(l.columns) + " columns)");
  } catch (const ConfigError& e) {
    throw DataError(e.what());
  }
}

Samples to_samples(const Header& h, const Layout& l, const std::vector<Row>& rows,
                   const std::string& path) {
  const Attribute& target = h.attributes[l.target];
  check_matrix_fits(rows.size(), l, path, "");
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
    fill_row(s.x, static_cast<Index>(i), rows[i], h, l);
    if (s.task == Task::classification)
      s.labels.push_back(static_cast<std::int32_t>(rows[i].target));
    else
      s.y(static_cast<Index>(i), 0) = static_cast<float>(rows[i].target);
  }
  return s;
}

// A UTF-8 byte order mark before "@relation" (some editors write one) is not text.
std::string_view without_bom(std::string_view text) {
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  return text;
}

}  // namespace

Samples parse_arff(const std::string& text, const std::string& path, const ArffOptions& options) {
  if (options.missing != "error" && options.missing != "zero" && options.missing != "drop_row" &&
      options.missing != "impute")
    throw ConfigError("missing: expected error, zero, drop_row or impute, found " +
                      options.missing);
  const std::string_view body = without_bom(text);
  std::istringstream lines{std::string(body)};
  std::size_t number = 0;
  const Header header = read_header(lines, path, number);
  const Layout layout = layout_of(header, options, path);
  // Each row is a line: the lines after @data bound the rows, and so the matrix, before any
  // row is read (tellg is -1 when @data ended the text).
  const std::streamoff at = lines.tellg();
  const std::string_view rest =
      at < 0 ? std::string_view() : body.substr(static_cast<std::size_t>(at));
  const auto data_lines = static_cast<std::size_t>(std::count(rest.begin(), rest.end(), '\n')) +
                          (!rest.empty() && rest.back() != '\n' ? 1 : 0);
  check_matrix_fits(data_lines, layout, path, "up to ");
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

// Resolving "loss": "auto" needs only the header, which the file's first MiB holds in all but
// the widest files: a large file is then not read twice (here and when it is loaded). The
// whole file is read when the header goes on past that MiB, and when nothing could be read
// (so that a missing file or a folder gets read_file_bytes's message).
Task read_arff_task(const std::string& path, const std::string& target) {
  constexpr std::size_t kHeaderBytes = std::size_t{1} << 20;
  std::string text(kHeaderBytes, '\0');
  std::ifstream in(path, std::ios::binary);
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  if (text.empty()) text = read_file_bytes(path, "an ARFF file");
  const auto header_of = [&path](std::string_view bytes) {
    std::istringstream lines{std::string(without_bom(bytes))};
    std::size_t number = 0;
    return read_header(lines, path, number);
  };
  Header header;
  try {
    header = header_of(text);
  } catch (const DataError&) {
    if (text.size() < kHeaderBytes) throw;  // that was the whole file
    header = header_of(read_file_bytes(path, "an ARFF file"));
  }
  ArffOptions options;
  options.target = target;
  const Attribute& a = header.attributes[layout_of(header, options, path).target];
  return a.kind == Attribute::numeric ? Task::regression : Task::classification;
}

Samples read_arff(const std::string& path, const ArffOptions& options) {
  return parse_arff(read_file_bytes(path, "an ARFF file"), path, options);
}

}  // namespace nnfit
