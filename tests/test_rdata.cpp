// R data files (src/core/datasets/rdata.cpp): column kinds, compressions, NA, objects, corrupt
// and hostile files, and a model trained on one predicting from a CSV file. The fixtures in
// tests/data/rdata/ are written by make_fixtures.c there (with the R commands that make the
// same data frames).
#include <doctest/doctest.h>

#include <cmath>

#include "tests/cli_support.hpp"

using namespace nnfit;

namespace {

std::string fixture(const char* name) {
  return (test::kSource / "tests/data/rdata" / name).string();
}

std::string bytes_of(const char* name) {
  return test::slurp(fixture(name));
}

RDataOptions kinds_options() {
  RDataOptions o;
  o.target = "y";
  // Appended, not assigned from {"name", "day"}: GCC 12 warns falsely (-Wrestrict) on that.
  o.drop.emplace_back("name");
  o.drop.emplace_back("day");
  return o;
}

// The message parse_rdata throws for `bytes`.
std::string error_of(const std::string& bytes, const RDataOptions& o = kinds_options()) {
  try {
    parse_rdata(bytes, "f.rda", o);
  } catch (const DataError& e) {
    return e.what();
  }
  return "(no error)";
}

// An XDR integer.
std::string be32(std::uint32_t v) {
  return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8),
          static_cast<char>(v)};
}
const std::string kHeader = "RDX2\nX\n" + be32(2) + be32(0x040201) + be32(0x020300);

}  // namespace

TEST_CASE("R data: every column kind becomes the documented features and classes") {
  const Samples s = read_rdata(fixture("kinds.rda"), kinds_options());
  CHECK(s.task == Task::classification);
  CHECK(s.class_names == std::vector<std::string>{"no", "yes"});
  CHECK(s.labels == std::vector<std::int32_t>{0, 1, 1, 0});
  CHECK(s.feature_names == std::vector<std::string>{"x_real", "x_int", "x_lgl", "colour=red",
                                                    "colour=green", "colour=blue"});
  REQUIRE(s.x.rows() == 4);
  CHECK(s.x(1, 0) == -2.0f);  // numeric
  CHECK(s.x(2, 1) == 3.0f);   // integer
  CHECK(s.x(0, 2) == 1.0f);   // logical TRUE
  CHECK(s.x(1, 2) == 0.0f);   // FALSE
  CHECK(s.x(1, 5) == 1.0f);   // colour "blue": the third level's column
  CHECK(s.x.row(1).segment(3, 3).sum() == 1.0f);
  REQUIRE(s.categorical.size() == 1);
  CHECK(s.categorical[0].name == "colour");
  CHECK(s.categorical[0].categories == std::vector<std::string>{"red", "green", "blue"});
  CHECK(s.categorical[0].column == 3);
  // A character column one-hot encoded when declared: its sorted values.
  RDataOptions o = kinds_options();
  o.drop = {"day"};
  o.categorical = {"name"};
  const Samples named = read_rdata(fixture("kinds.rda"), o);
  CHECK(named.x.cols() == 10);
  CHECK(named.feature_names[6] == "name=a");
  CHECK(named.x(3, 9) == 1.0f);  // "d"
  // A numeric target is regression; a character target classification by its values.
  o.target = "x_real";
  o.drop = {"day", "name"};
  CHECK(read_rdata(fixture("kinds.rda"), o).task == Task::regression);
  o.target = "name";
  o.drop = {"day"};
  o.categorical = {};
  CHECK(read_rdata(fixture("kinds.rda"), o).class_names ==
        std::vector<std::string>{"a", "b", "c", "d"});
}

TEST_CASE("R data: character and date columns are refused by name unless dropped") {
  RDataOptions o = kinds_options();
  o.drop = {"day"};
  CHECK(error_of(bytes_of("kinds.rda"), o)
            .find("f.rda: column 'name' is character; list it in \"categorical\" to one-hot "
                  "encode it, or in \"drop\"") != std::string::npos);
  o.drop = {"name"};
  CHECK(error_of(bytes_of("kinds.rda"), o)
            .find("f.rda: column 'day' is Date, which nnfit cannot use as a feature; leave it "
                  "out with \"drop\": [\"day\"]") != std::string::npos);
  o.drop = {"name", "nope"};
  CHECK(error_of(bytes_of("kinds.rda"), o)
            .find("drop: data frame 'kinds' has no column named 'nope' (its columns: x_real, "
                  "x_int, x_lgl, colour, name, day, y)") != std::string::npos);
  o = kinds_options();
  o.target = "";
  CHECK_THROWS_WITH_AS(parse_rdata(bytes_of("kinds.rda"), "f.rda", o),
                       doctest::Contains("\"target\": name the column to predict"), ConfigError);
}

TEST_CASE("R data: gzip, bzip2 and xz files read as the uncompressed one") {
  const Samples plain = read_rdata(fixture("kinds.rda"), kinds_options());
  for (const char* name : {"kinds_gzip.rda", "kinds_bzip2.rda", "kinds_xz.rda"}) {
    INFO(name);
    const Samples s = read_rdata(fixture(name), kinds_options());
    CHECK(s.x == plain.x);
    CHECK(s.labels == plain.labels);
    CHECK(s.feature_names == plain.feature_names);
  }
}

TEST_CASE("R data: NA follows the missing policy, with the row and column named") {
  // missing.rda: x_real NA in row 2, x_int in 3, x_lgl in 2, colour in 3, y in 4; z complete.
  RDataOptions o;
  o.target = "z";
  o.drop = {"y"};
  CHECK(error_of(bytes_of("missing.rda"), o)
            .find("f.rda: row 2, column 'x_real' is NA; \"missing\": \"drop_row\", \"zero\" or "
                  "\"impute\" allows it") != std::string::npos);
  o.missing = "drop_row";
  const Samples dropped = read_rdata(fixture("missing.rda"), o);
  CHECK(dropped.labels == std::vector<std::int32_t>{0, 1});  // rows 1 and 4
  o.missing = "zero";
  const Samples zero = read_rdata(fixture("missing.rda"), o);
  REQUIRE(zero.size() == 4);
  CHECK(zero.x(1, 0) == 0.0f);                       // x_real NA: 0
  CHECK(zero.x.row(2).segment(3, 2).sum() == 0.0f);  // colour NA: no column set
  CHECK_FALSE(zero.impute_missing);
  o.missing = "impute";
  const Samples impute = read_rdata(fixture("missing.rda"), o);
  CHECK(std::isnan(impute.x(1, 0)));
  CHECK(std::isnan(impute.x(2, 3)));  // colour NA: its whole group, to impute
  CHECK(std::isnan(impute.x(2, 4)));
  CHECK(impute.x(0, 4) == 1.0f);  // row 1 "red": the second level
  CHECK(impute.impute_missing);
  // A target's NA is never filled; drop_row leaves its row out.
  o.target = "y";
  o.drop = {"z"};
  CHECK(error_of(bytes_of("missing.rda"), o)
            .find("f.rda: row 4: the target 'y' is NA; \"missing\": \"drop_row\" leaves such rows "
                  "out") != std::string::npos);
  o.missing = "drop_row";
  const Samples regression = read_rdata(fixture("missing.rda"), o);
  CHECK(regression.task == Task::regression);
  REQUIRE(regression.size() == 1);
  CHECK(regression.y(0, 0) == 0.5f);
  // A logical target: classes FALSE and TRUE.
  o.target = "x_lgl";
  o.drop = {"y"};
  const Samples logical = read_rdata(fixture("missing.rda"), o);
  CHECK(logical.class_names == std::vector<std::string>{"FALSE", "TRUE"});
  CHECK(logical.labels == std::vector<std::int32_t>{1, 1});
}

TEST_CASE("R data: the object is the only data frame, or named") {
  RDataOptions o;
  o.target = "v";
  CHECK(error_of(bytes_of("two_frames.rda"), o)
            .find("f.rda: holds 2 data frames; name one with \"object\": a (data frame, 2 "
                  "columns), b (data frame, 2 columns)") != std::string::npos);
  o.object = "b";
  const Samples b = parse_rdata(bytes_of("two_frames.rda"), "f.rda", o);
  CHECK(b.size() == 3);
  CHECK(b.labels == std::vector<std::int32_t>{1, 0, 1});
  o.object = "c";
  CHECK(error_of(bytes_of("two_frames.rda"), o)
            .find("f.rda: no object named 'c'; the file holds "
                  "a (data frame") != std::string::npos);
}

TEST_CASE("R data: corrupt and hostile files are located data errors") {
  const std::string plain = bytes_of("kinds.rda");
  // Truncated: the structural walk names the byte.
  CHECK(error_of(plain.substr(0, 300)).find("f.rda: byte 299 (decompressed): the file ends in") !=
        std::string::npos);
  // A compressed stream cut short, or with a byte flipped.
  for (const char* name : {"kinds_gzip.rda", "kinds_bzip2.rda", "kinds_xz.rda"}) {
    INFO(name);
    const std::string packed = bytes_of(name);
    CHECK(error_of(packed.substr(0, packed.size() / 2)).find("stream ends early") !=
          std::string::npos);
    std::string flipped = packed;
    flipped[packed.size() / 2] = static_cast<char>(flipped[packed.size() / 2] ^ 0x55);
    CHECK(error_of(flipped).find("f.rda: ") == 0);
  }
  // A 2^31 - 1 element vector claimed in a 40-byte file: refused before librdata allocates.
  const std::string bomb = kHeader + be32(0x402) + be32(1) + be32(9) + be32(1) + "x" + be32(13) +
                           be32(0x7fffffff) + be32(1);
  CHECK(error_of(bomb).find("a vector claims 2147483647 elements of 4 bytes; 4 bytes are left") !=
        std::string::npos);
  // Lists nested 10,000 deep: refused at the depth limit, not by the stack.
  std::string deep = kHeader;
  for (int i = 0; i < 10000; ++i) deep += be32(19) + be32(1);
  CHECK(error_of(deep).find("objects nested deeper than 64") != std::string::npos);
  // Not R data; R's ASCII format; bytes after the last object; a reference to nothing.
  CHECK(error_of("hello, world\n").find("f.rda: byte 0 (decompressed): not an R data file") !=
        std::string::npos);
  CHECK(error_of("RDA2\nA\n2\n")
            .find("byte 0 (decompressed): an ASCII or native-binary R workspace") !=
        std::string::npos);
  CHECK(error_of("RDX2\nA\n2\n").find("an ASCII or native-binary R stream") != std::string::npos);
  CHECK(error_of(plain + "xx").find("2 bytes after the workspace's objects") != std::string::npos);
  CHECK(error_of(kHeader + be32(0x402) + be32(0x5ff) + be32(254) + be32(254))
            .find("a reference to object 5, which was not read before") != std::string::npos);
  // Nothing but a vector: no data frame.
  CHECK(error_of(kHeader + be32(0x402) + be32(1) + be32(9) + be32(1) + "v" + be32(14) + be32(1) +
                 std::string(8, '\0') + be32(254))
            .find("no data frame; the file holds v (numeric vector)") != std::string::npos);
}

TEST_CASE("R data: a model trained on an .rda file predicts from a CSV file by column name") {
  test::Workspace w;
  const json config = {{"data",
                        {{"source", "rdata"},
                         {"path", fixture("kinds.rda")},
                         {"target", "y"},
                         {"drop", {"name", "day"}},
                         {"scale", "standardize"}}},
                       {"model",
                        {{"layers",
                          {{{"type", "dense"}, {"units", 8}, {"activation", "relu"}},
                           {{"type", "dense"}, {"units", 2}}}}}},
                       {"train", {{"epochs", 2}, {"batch_size", 2}}},
                       {"output", {{"dir", (w.dir / "run").string()}}}};
  test::write_file((w.dir / "c.json").string(), config.dump());
  test::Result r = w.run("-q --config " + (w.dir / "c.json").string());
  INFO(r.err);
  REQUIRE(r.status == 0);
  // Columns by name in another order; the factor as its levels, the logical as 0/1.
  test::write_file((w.dir / "in.csv").string(),
                   "colour,x_lgl,x_int,x_real\nblue,0,2,-2\nred,1,1,1.5\n");
  r = w.run("predict --model " + (w.dir / "run").string() + " --input " +
            (w.dir / "in.csv").string());
  REQUIRE(r.status == 0);
  CHECK(r.out.rfind("prediction\n", 0) == 0);
  CHECK(std::count(r.out.begin(), r.out.end(), '\n') == 3);
  // The factor's levels travel with the model: an unseen one is refused by name.
  test::write_file((w.dir / "bad.csv").string(), "colour,x_lgl,x_int,x_real\npurple,0,2,-2\n");
  r = w.run("predict --model " + (w.dir / "run").string() + " --input " +
            (w.dir / "bad.csv").string());
  CHECK(r.status == 3);
  CHECK(r.err.find("'purple' is not a category of 'colour' the model was trained with (red, "
                   "green, blue)") != std::string::npos);
}
