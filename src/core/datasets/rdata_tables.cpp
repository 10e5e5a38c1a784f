// R data files through librdata (datasets/rdata_tables.hpp).
//
// librdata calls back once per object (table_handler), once per column or vector
// (column_handler, after the factor levels it found in the vector's attributes:
// value_label_handler), once per string of a character vector (text_value_handler) and once
// per column name (column_name_handler, after the columns). Its input is the bytes in memory,
// through its I/O hooks: Debian's build reads no compressed stream itself.
#include "datasets/rdata_tables.hpp"

#include <rdata.h>

#include <climits>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>

#include "nnfit/error.hpp"

namespace nnfit {

namespace {

struct Memory {
  const std::string* bytes = nullptr;
  rdata_off_t at = 0;
};

int memory_open(const char*, void*) {
  return 0;
}
int memory_close(void*) {
  return 0;
}
rdata_off_t memory_seek(rdata_off_t offset, rdata_io_flags_t whence, void* io) {
  auto* m = static_cast<Memory*>(io);
  const auto size = static_cast<rdata_off_t>(m->bytes->size());
  const rdata_off_t base = whence == RDATA_SEEK_SET ? 0 : whence == RDATA_SEEK_CUR ? m->at : size;
  if (offset > size - base || base + offset < 0) return -1;
  m->at = base + offset;
  return m->at;
}
ssize_t memory_read(void* buf, size_t n, void* io) {
  auto* m = static_cast<Memory*>(io);
  const auto left = static_cast<size_t>(static_cast<rdata_off_t>(m->bytes->size()) - m->at);
  const size_t take = n < left ? n : left;
  if (take > 0) std::memcpy(buf, m->bytes->data() + m->at, take);
  m->at += static_cast<rdata_off_t>(take);
  return static_cast<ssize_t>(take);
}
rdata_error_t memory_update(long, rdata_progress_handler, void*, void*) {
  return RDATA_OK;
}

struct Reader {
  std::vector<RTable> tables;
  std::vector<std::string> pending_levels;  // the next factor's, read before its values
  std::string problem;                      // why a handler stopped the parse
  RTable& table() {
    if (tables.empty()) tables.emplace_back();
    return tables.back();
  }
};

int on_table(const char* name, void* ctx) {
  auto* r = static_cast<Reader*>(ctx);
  r->tables.push_back({name ? name : "", false, {}});
  r->pending_levels.clear();
  return 0;
}

RColumn::Kind kind_of(rdata_type_t type, bool has_levels) {
  switch (type) {
    case RDATA_TYPE_STRING:
      return RColumn::Kind::text;
    case RDATA_TYPE_INT32:
      return has_levels ? RColumn::Kind::factor : RColumn::Kind::integer;
    case RDATA_TYPE_LOGICAL:
      return RColumn::Kind::logical;
    case RDATA_TYPE_DATE:
      return RColumn::Kind::date;
    case RDATA_TYPE_TIMESTAMP:
      return RColumn::Kind::timestamp;
    case RDATA_TYPE_REAL:
      break;
  }
  return RColumn::Kind::real;
}

int on_column(const char* name, rdata_type_t type, void* data, long count, void* ctx) {
  auto* r = static_cast<Reader*>(ctx);
  RTable& t = r->table();
  if (!name) t.data_frame = true;  // a list's element: a data frame's column
  RColumn c;
  c.name = name ? name : "";
  c.kind = kind_of(type, !r->pending_levels.empty());
  c.levels = std::move(r->pending_levels);
  r->pending_levels.clear();
  const auto n = static_cast<std::size_t>(count < 0 ? 0 : count);
  if (c.kind == RColumn::Kind::text) {
    c.texts.reserve(n);
  } else if (data) {
    c.numbers.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
      if (type == RDATA_TYPE_REAL || type == RDATA_TYPE_DATE || type == RDATA_TYPE_TIMESTAMP) {
        c.numbers[i] = static_cast<const double*>(data)[i];  // NA_real_ is a NaN
      } else {
        const std::int32_t v = static_cast<const std::int32_t*>(data)[i];
        c.numbers[i] = v == INT_MIN ? std::numeric_limits<double>::quiet_NaN() : v;
      }
    }
  } else if (n > 0) {
    r->problem = "a column of " + std::to_string(n) + " values came without them";
    return 1;
  }
  t.columns.push_back(std::move(c));
  return 0;
}

int on_text(const char* value, int, void* ctx) {
  auto* r = static_cast<Reader*>(ctx);
  RTable& t = r->table();
  if (t.columns.empty() || t.columns.back().kind != RColumn::Kind::text) {
    r->problem = "a string outside a character column";
    return 1;
  }
  t.columns.back().texts.push_back(value ? std::optional<std::string>(value) : std::nullopt);
  return 0;
}

int on_level(const char* value, int, void* ctx) {
  static_cast<Reader*>(ctx)->pending_levels.push_back(value ? value : "NA");
  return 0;
}

int on_column_name(const char* value, int index, void* ctx) {
  auto* r = static_cast<Reader*>(ctx);
  RTable& t = r->table();
  if (index < 0 || static_cast<std::size_t>(index) >= t.columns.size()) {
    r->problem = "more column names than columns in '" + t.object + "'";
    return 1;
  }
  t.columns[static_cast<std::size_t>(index)].name = value ? value : "";
  return 0;
}

}  // namespace

const char* r_kind_name(RColumn::Kind kind) {
  switch (kind) {
    case RColumn::Kind::real:
      return "numeric";
    case RColumn::Kind::integer:
      return "integer";
    case RColumn::Kind::logical:
      return "logical";
    case RColumn::Kind::factor:
      return "factor";
    case RColumn::Kind::text:
      return "character";
    case RColumn::Kind::date:
      return "Date";
    case RColumn::Kind::timestamp:
      return "POSIXct";
  }
  return "?";
}

std::vector<RTable> read_r_tables(const std::string& bytes, const std::string& origin) {
  Memory memory{&bytes, 0};
  Reader reader;
  rdata_parser_t* parser = rdata_parser_init();
  if (!parser) throw DataError(origin + ": librdata cannot start (out of memory)");
  // librdata (Debian's 0~20210223) allocates a default I/O context for its file reader and
  // marks it external (rdata_unistd_io_init calls rdata_set_io_ctx), so neither
  // rdata_set_io_ctx nor rdata_parser_free ever frees it: it is freed here before ours
  // replaces it (LeakSanitizer found it in fuzz_rdata).
  std::free(parser->io->io_ctx);
  parser->io->io_ctx = nullptr;
  rdata_set_open_handler(parser, memory_open);
  rdata_set_close_handler(parser, memory_close);
  rdata_set_seek_handler(parser, memory_seek);
  rdata_set_read_handler(parser, memory_read);
  rdata_set_update_handler(parser, memory_update);
  rdata_set_io_ctx(parser, &memory);
  rdata_set_table_handler(parser, on_table);
  rdata_set_column_handler(parser, on_column);
  rdata_set_text_value_handler(parser, on_text);
  rdata_set_value_label_handler(parser, on_level);
  rdata_set_column_name_handler(parser, on_column_name);
  const rdata_error_t status = rdata_parse(parser, origin.c_str(), &reader);
  rdata_parser_free(parser);
  if (status != RDATA_OK)
    throw DataError(origin + ": byte " + std::to_string(memory.at) + " (decompressed): " +
                    (reader.problem.empty()
                         ? std::string("librdata: ") + rdata_error_message(status)
                         : reader.problem));
  return std::move(reader.tables);
}

}  // namespace nnfit
