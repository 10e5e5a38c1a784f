/* Writes the R data fixtures of tests/test_rdata.cpp with librdata's writer (no R needed):
 *   cc make_fixtures.c -lrdata -o /tmp/make_fixtures && (cd tests/data/rdata && /tmp/make_fixtures)
 *   gzip -9cn kinds.rda > kinds_gzip.rda; bzip2 -9c kinds.rda > kinds_bzip2.rda;
 *   xz -9c kinds.rda > kinds_xz.rda; xz -9c twenty.rda.raw > twenty.rda; rm twenty.rda.raw
 * The R commands that would make the same data frames are beside each (R writes the same
 * objects; R's files carry a few more attributes, such as row names, which nnfit ignores). */
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <rdata.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static ssize_t write_data(const void* bytes, size_t len, void* ctx) {
  return write(*(int*)ctx, bytes, len);
}

static void factor(rdata_writer_t* w, rdata_column_t* c, const int* codes, int n) {
  rdata_begin_column(w, c, n);
  for (int i = 0; i < n; ++i) rdata_append_int32_value(w, codes[i]);
  rdata_end_column(w, c);
}

/* kinds <- data.frame(x_real = c(1.5, -2, 3.25, 4), x_int = 1:4,
 *   x_lgl = c(TRUE, FALSE, TRUE, FALSE),
 *   colour = factor(c("red", "blue", "green", "red"), levels = c("red", "green", "blue")),
 *   name = c("a", "b", "c", "d"), day = as.Date("2020-01-01") + 0:3,
 *   y = factor(c("no", "yes", "yes", "no")), stringsAsFactors = FALSE)
 * save(kinds, file = "kinds.rda", compress = FALSE) */
static void kinds(void) {
  int fd = open("kinds.rda", O_CREAT | O_WRONLY | O_TRUNC, 0644);
  rdata_writer_t* w = rdata_writer_init(&write_data, RDATA_WORKSPACE);
  rdata_column_t* real = rdata_add_column(w, "x_real", RDATA_TYPE_REAL);
  rdata_column_t* integer = rdata_add_column(w, "x_int", RDATA_TYPE_INT32);
  rdata_column_t* logical = rdata_add_column(w, "x_lgl", RDATA_TYPE_LOGICAL);
  rdata_column_t* colour = rdata_add_column(w, "colour", RDATA_TYPE_INT32);
  rdata_column_add_factor(colour, "red");
  rdata_column_add_factor(colour, "green");
  rdata_column_add_factor(colour, "blue");
  rdata_column_t* name = rdata_add_column(w, "name", RDATA_TYPE_STRING);
  rdata_column_t* day = rdata_add_column(w, "day", RDATA_TYPE_DATE);
  rdata_column_t* y = rdata_add_column(w, "y", RDATA_TYPE_INT32);
  rdata_column_add_factor(y, "no");
  rdata_column_add_factor(y, "yes");
  rdata_begin_file(w, &fd);
  rdata_begin_table(w, "kinds");
  const double reals[] = {1.5, -2, 3.25, 4};
  rdata_begin_column(w, real, 4);
  for (int i = 0; i < 4; ++i) rdata_append_real_value(w, reals[i]);
  rdata_end_column(w, real);
  rdata_begin_column(w, integer, 4);
  for (int i = 0; i < 4; ++i) rdata_append_int32_value(w, i + 1);
  rdata_end_column(w, integer);
  rdata_begin_column(w, logical, 4);
  for (int i = 0; i < 4; ++i) rdata_append_logical_value(w, i % 2 == 0);
  rdata_end_column(w, logical);
  const int colours[] = {1, 3, 2, 1};
  factor(w, colour, colours, 4);
  const char* names[] = {"a", "b", "c", "d"};
  rdata_begin_column(w, name, 4);
  for (int i = 0; i < 4; ++i) rdata_append_string_value(w, names[i]);
  rdata_end_column(w, name);
  rdata_begin_column(w, day, 4);
  for (int i = 0; i < 4; ++i) {
    struct tm t = {0};
    t.tm_year = 120, t.tm_mday = 1 + i;
    rdata_append_date_value(w, &t);
  }
  rdata_end_column(w, day);
  const int ys[] = {1, 2, 2, 1};
  factor(w, y, ys, 4);
  rdata_end_table(w, 4, "kinds");
  rdata_end_file(w);
  rdata_writer_free(w);
  close(fd);
}

/* missing <- data.frame(x_real = c(1, NA, 3, 5), x_int = c(1L, 2L, NA, 4L),
 *   x_lgl = c(TRUE, NA, FALSE, TRUE), colour = factor(c("red", "blue", NA, "blue")),
 *   y = c(0.5, 1.5, 2.5, NA), z = factor(c("a", "b", "a", "b")))
 * save(missing, file = "missing.rda", compress = FALSE) */
static void missing(void) {
  int fd = open("missing.rda", O_CREAT | O_WRONLY | O_TRUNC, 0644);
  rdata_writer_t* w = rdata_writer_init(&write_data, RDATA_WORKSPACE);
  rdata_column_t* real = rdata_add_column(w, "x_real", RDATA_TYPE_REAL);
  rdata_column_t* integer = rdata_add_column(w, "x_int", RDATA_TYPE_INT32);
  rdata_column_t* logical = rdata_add_column(w, "x_lgl", RDATA_TYPE_LOGICAL);
  rdata_column_t* colour = rdata_add_column(w, "colour", RDATA_TYPE_INT32);
  rdata_column_add_factor(colour, "blue");
  rdata_column_add_factor(colour, "red");
  rdata_column_t* y = rdata_add_column(w, "y", RDATA_TYPE_REAL);
  rdata_column_t* z = rdata_add_column(w, "z", RDATA_TYPE_INT32);
  rdata_column_add_factor(z, "a");
  rdata_column_add_factor(z, "b");
  rdata_begin_file(w, &fd);
  rdata_begin_table(w, "missing");
  const double reals[] = {1, NAN, 3, 5}, ys[] = {0.5, 1.5, 2.5, NAN};
  const int ints[] = {1, 2, INT_MIN, 4}, lgls[] = {1, INT_MIN, 0, 1},
            colours[] = {2, 1, INT_MIN, 1};
  rdata_begin_column(w, real, 4);
  for (int i = 0; i < 4; ++i) rdata_append_real_value(w, reals[i]);
  rdata_end_column(w, real);
  rdata_begin_column(w, integer, 4);
  for (int i = 0; i < 4; ++i) rdata_append_int32_value(w, ints[i]);
  rdata_end_column(w, integer);
  rdata_begin_column(w, logical, 4);
  for (int i = 0; i < 4; ++i) rdata_append_logical_value(w, lgls[i]);
  rdata_end_column(w, logical);
  factor(w, colour, colours, 4);
  rdata_begin_column(w, y, 4);
  for (int i = 0; i < 4; ++i) rdata_append_real_value(w, ys[i]);
  rdata_end_column(w, y);
  const int zs[] = {1, 2, 1, 2};
  factor(w, z, zs, 4);
  rdata_end_table(w, 4, "missing");
  rdata_end_file(w);
  rdata_writer_free(w);
  close(fd);
}

/* a <- data.frame(u = c(1, 2), v = factor(c("p", "q")))
 * b <- data.frame(u = c(3, 4, 5), v = factor(c("q", "p", "q")))
 * save(a, b, file = "two_frames.rda", compress = FALSE) */
static void two_frames(void) {
  int fd = open("two_frames.rda", O_CREAT | O_WRONLY | O_TRUNC, 0644);
  rdata_writer_t* w = rdata_writer_init(&write_data, RDATA_WORKSPACE);
  rdata_column_t* u = rdata_add_column(w, "u", RDATA_TYPE_REAL);
  rdata_column_t* v = rdata_add_column(w, "v", RDATA_TYPE_INT32);
  rdata_column_add_factor(v, "p");
  rdata_column_add_factor(v, "q");
  rdata_begin_file(w, &fd);
  const char* tables[] = {"a", "b"};
  for (int t = 0; t < 2; ++t) {
    const int n = t == 0 ? 2 : 3;
    const int codes[2][3] = {{1, 2, 0}, {2, 1, 2}};
    rdata_begin_table(w, tables[t]);
    rdata_begin_column(w, u, n);
    for (int i = 0; i < n; ++i) rdata_append_real_value(w, t * 2 + i + 1);
    rdata_end_column(w, u);
    factor(w, v, codes[t], n);
    rdata_end_table(w, n, tables[t]);
  }
  rdata_end_file(w);
  rdata_writer_free(w);
  close(fd);
}

/* twenty <- data.frame(u = 1:20 / 2, g = factor(rep(c("a", "b"), 10)),
 *   y = factor(rep(c("no", "no", "yes", "yes"), 5)), r = (1:20)^2 / 10)
 * save(twenty, file = "twenty.rda", compress = "xz") */
static void twenty(void) {
  int fd = open("twenty.rda.raw", O_CREAT | O_WRONLY | O_TRUNC, 0644);
  rdata_writer_t* w = rdata_writer_init(&write_data, RDATA_WORKSPACE);
  rdata_column_t* u = rdata_add_column(w, "u", RDATA_TYPE_REAL);
  rdata_column_t* g = rdata_add_column(w, "g", RDATA_TYPE_INT32);
  rdata_column_add_factor(g, "a");
  rdata_column_add_factor(g, "b");
  rdata_column_t* y = rdata_add_column(w, "y", RDATA_TYPE_INT32);
  rdata_column_add_factor(y, "no");
  rdata_column_add_factor(y, "yes");
  rdata_column_t* r = rdata_add_column(w, "r", RDATA_TYPE_REAL);
  rdata_begin_file(w, &fd);
  rdata_begin_table(w, "twenty");
  int gs[20], ys[20];
  for (int i = 0; i < 20; ++i) gs[i] = 1 + i % 2, ys[i] = 1 + (i % 4) / 2;
  rdata_begin_column(w, u, 20);
  for (int i = 0; i < 20; ++i) rdata_append_real_value(w, (i + 1) / 2.0);
  rdata_end_column(w, u);
  factor(w, g, gs, 20);
  factor(w, y, ys, 20);
  rdata_begin_column(w, r, 20);
  for (int i = 0; i < 20; ++i) rdata_append_real_value(w, (i + 1) * (i + 1) / 10.0);
  rdata_end_column(w, r);
  rdata_end_table(w, 20, "twenty");
  rdata_end_file(w);
  rdata_writer_free(w);
  close(fd);
}

int main(void) {
  kinds();
  twenty();
  missing();
  two_frames();
  return 0;
}
