// R data files' objects as columns, read by librdata (datasets/rdata_tables.cpp); what
// datasets/rdata.cpp turns into Samples.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace nnfit {

struct RColumn {
  enum class Kind { real, integer, logical, factor, text, date, timestamp };
  std::string name;
  Kind kind = Kind::real;
  std::vector<double> numbers;  // real, integer, logical, factor codes (1-based), dates: NaN is NA
  std::vector<std::optional<std::string>> texts;  // text: nullopt is NA
  std::vector<std::string> levels;                // factor
  std::size_t size() const { return kind == Kind::text ? texts.size() : numbers.size(); }
};

// One top-level object: a data frame (a list of columns named by its "names") or a vector.
struct RTable {
  std::string object;  // its name in the workspace; "" for an .rds file's single object
  bool data_frame = false;
  std::vector<RColumn> columns;
};

// The objects of an R data stream (decompressed, checked by check_r_serialization). Throws
// DataError "<origin>: ..." with librdata's message and the byte it had reached.
std::vector<RTable> read_r_tables(const std::string& bytes, const std::string& origin);

// "numeric", "factor", "character", ... as R names a column's class.
const char* r_kind_name(RColumn::Kind kind);

}  // namespace nnfit
