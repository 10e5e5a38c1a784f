// ARFF (src/core/datasets/arff.cpp): every construct of the format nnfit reads, and every bad input
// as a DataError naming the file, the line and the attribute.
#include <doctest/doctest.h>

#include <cmath>

#include "tests/cli_support.hpp"

using namespace nnfit;

namespace {

const char* kWeather = R"(% The weather problem, with what ARFF allows
@RELATION 'weather, mixed'
@attribute outlook {sunny, overcast, 'light rain'}
@Attribute temperature NUMERIC
@attribute "wind speed" real   % a comment after the declaration
@attribute days integer
@ATTRIBUTE class {'yes, play', no}

@data
% a comment line inside the data
sunny, 85, 3.5, 1, no
overcast,83,1.25,2,'yes, play'
'light rain', -7e-1, 0, 3, "yes, play"
{0 overcast, 1 12, 4 no}
{}
)";

std::string error_of(const std::string& text, const ArffOptions& options = {}) {
  try {
    (void)parse_arff(text, "w.arff", options);
  } catch (const DataError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("ARFF: nominal, numeric, real and integer attributes, quotes, comments, case") {
  const Samples s = parse_arff(kWeather, "w.arff");
  REQUIRE(s.size() == 5);
  CHECK(s.task == Task::classification);
  CHECK(s.class_names == std::vector<std::string>{"yes, play", "no"});
  // outlook one-hot in declared order, then the numbers.
  CHECK(s.feature_names == std::vector<std::string>{"outlook=sunny", "outlook=overcast",
                                                    "outlook=light rain", "temperature",
                                                    "wind speed", "days"});
  CHECK(s.x.row(0)[0] == 1.0f);
  CHECK(s.x.row(0)[1] == 0.0f);
  CHECK(s.x.row(0)[3] == 85.0f);
  CHECK(s.x.row(0)[4] == 3.5f);
  CHECK(s.labels == std::vector<std::int32_t>{1, 0, 0, 1, 0});
  CHECK(s.x.row(2)[2] == 1.0f);
  CHECK(s.x.row(2)[3] == doctest::Approx(-0.7f));
  // Sparse rows: the listed values, and 0 / the first declared value for the others.
  CHECK(s.x.row(3)[1] == 1.0f);
  CHECK(s.x.row(3)[3] == 12.0f);
  CHECK(s.x.row(3)[4] == 0.0f);
  CHECK(s.x.row(4)[0] == 1.0f);  // {}: outlook is its first value, sunny
  CHECK(s.x.row(4)[3] == 0.0f);
}

TEST_CASE("ARFF: the class by name, a numeric class is regression, string attributes dropped") {
  const std::string text =
      "@relation r\n@attribute id string\n@attribute y numeric\n@attribute colour {red, blue}\n"
      "@attribute when date 'yyyy-MM-dd'\n@data\n'a', 1.5, red, '2020-01-01'\n'b', -2, blue, "
      "?\n";
  ArffOptions o;
  o.target = "y";
  CHECK(error_of(text, o).find("w.arff:2: attribute 'id' is a string attribute") !=
        std::string::npos);
  o.drop = {"id", "when"};
  const Samples s = parse_arff(text, "w.arff", o);
  CHECK(s.task == Task::regression);
  CHECK(s.feature_names == std::vector<std::string>{"colour=red", "colour=blue"});
  CHECK(s.y(1, 0) == -2.0f);
  o.target = "colour";
  o.drop = {"id", "when"};
  const Samples c = parse_arff(text, "w.arff", o);
  CHECK(c.class_names == std::vector<std::string>{"red", "blue"});
  CHECK(c.feature_names == std::vector<std::string>{"y"});
  o.target = "when";
  CHECK(error_of(text, o).find("the class 'when' is a date attribute") != std::string::npos);
  o.target = "nope";
  CHECK(error_of(text, o).find("no attribute named 'nope'") != std::string::npos);
}

TEST_CASE("ARFF: missing values are an error, zero, or a dropped row") {
  const std::string text =
      "@relation r\n@attribute a numeric\n@attribute b {x, y}\n@attribute class {p, q}\n@data\n"
      "1, x, p\n?, y, q\n3, ?, p\n4, x, ?\n";
  CHECK(error_of(text).find("w.arff:7: attribute 'a' is missing (?)") != std::string::npos);
  ArffOptions o;
  o.missing = "zero";
  // A missing class cannot be zero.
  CHECK(error_of(text, o).find("w.arff:9: attribute 'class' is missing") != std::string::npos);
  o.missing = "drop_row";
  const Samples s = parse_arff(text, "w.arff", o);
  CHECK(s.size() == 1);
  o.missing = "zero";
  const Samples z = parse_arff(text.substr(0, text.rfind("4, x, ?")), "w.arff", o);
  REQUIRE(z.size() == 3);
  CHECK(z.x(1, 0) == 0.0f);
  CHECK(z.x(2, 1) + z.x(2, 2) == 0.0f);  // a missing nominal input: no column set
  // A quoted '?' is a value, not a missing one.
  CHECK(error_of("@relation r\n@attribute b {x}\n@attribute c {p}\n@data\n'?', p\n")
            .find("'?' is not one of its declared values") != std::string::npos);
}

TEST_CASE("ARFF: bad input is a DataError with the file, the line and the attribute") {
  const std::string head = "@relation r\n@attribute a numeric\n@attribute class {p, q}\n";
  struct Case {
    std::string text, expected;
  };
  const std::vector<Case> cases = {
      {"", "w.arff: no @data section (is this an ARFF file?)"},
      {head, "w.arff: no @data section"},
      {"@relation r\n@attribute a numeric\n@attribute class {p, q", "never closed with '}'"},
      {head + "@data\n", "w.arff:4: @data has no rows"},
      {head + "@data\n1, r\n",
       "w.arff:5: attribute 'class': 'r' is not one of its declared values"},
      {head + "@data\nx, p\n", "w.arff:5: attribute 'a': expected a finite number, found 'x'"},
      {head + "@data\n1e99, p\n", "attribute 'a': expected a finite number"},
      {head + "@data\n1\n", "w.arff:5: expected ',' and the value of attribute 'class'"},
      {head + "@data\n1, p, 3\n", "w.arff:5: more values than the 2 attributes"},
      {head + "@data\n1, p, {2}\n", "instance weights"},
      {head + "@data\n{1 p, 0 1}\n", "w.arff:5: attribute indices must increase (0 after 1)"},
      {head + "@data\n{0 1, 5 p}\n", "w.arff:5: attribute index 5 is past the last (1)"},
      {head + "@data\n{0 1, x p}\n", "expected an attribute index, found 'x'"},
      {head + "@data\n{0 1, 1 p\n", "a sparse row is never closed"},
      {head + "@data\n'1, p\n", "w.arff:5: a quoted value is never closed"},
      {"@relation r\n@attribute a blob\n@attribute c {p}\n@data\n",
       "w.arff:2: attribute 'a': unknown type 'blob'"},
      {"@relation r\n@attribute a {x, x}\n",
       "w.arff:2: attribute 'a': value 'x' is declared twice"},
      {"@relation r\n@attribute a {}\n", "attribute 'a' declares no values"},
      {"@attribute a numeric\n@attribute c {p}\n@data\n1,p\n", "no @relation before @data"},
      {"@relation r\n@data\n", "w.arff:2: @data before any @attribute"},
      {"@relation r\n@attribute class {p}\n@data\np\n", "no input attributes besides the class"},
      {"hello\n", "w.arff:1: expected @relation, @attribute or @data, found 'hello'"},
      {"@relation r\n@attribute \xcctxt string\n",
       "w.arff:2: the attribute's name is not valid UTF-8"},
      {"@relation r\n@attribute a {x, \xff}\n",
       "w.arff:2: a value of attribute 'a' is not valid UTF-8"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.text);
    CHECK(error_of(c.text).find(c.expected) != std::string::npos);
  }
}

TEST_CASE("ARFF: what was once ignored or accepted quietly is refused, naming the line") {
  const std::string head = "@relation r\n@attribute a numeric\n@attribute class {p, q}\n";
  // A repeated name: predict matches columns by name and fed the first into both inputs.
  CHECK(error_of("@relation r\n@attribute x numeric\n@attribute 'x' numeric\n@attribute c "
                 "{p}\n@data\n1,2,p\n")
            .find("w.arff:3: attribute 'x' is declared twice (first at line 2)") !=
        std::string::npos);
  // Text after a declaration or after @data was dropped without a word.
  CHECK(error_of("@relation r\n@attribute x numeric {a,b}\n@attribute c {p}\n@data\n1,p\n")
            .find("w.arff:2: unexpected '{a,b}' after attribute 'x''s type 'numeric'") !=
        std::string::npos);
  CHECK(error_of("@relation r\n@attribute c {p} extra\n@data\np\n")
            .find("w.arff:2: unexpected 'extra' after attribute 'c''s list of values") !=
        std::string::npos);
  CHECK(error_of(head + "@data 1, p\n2, q\n")
            .find("w.arff:4: unexpected '1, p' after @data (the rows start on the next line)") !=
        std::string::npos);
  // Dropping the class once trained with every label set to the first class.
  ArffOptions o;
  o.drop = {"class"};
  CHECK_THROWS_WITH_AS(parse_arff(head + "@data\n1, p\n", "w.arff", o),
                       doctest::Contains("drop: 'class' is the class"), ConfigError);
  // A 5 MB undeclared value was quoted whole: a 5,000,104-byte error line.
  const std::string error = error_of(head + "@data\n1, " + std::string(5'000'000, 'v') + "\n");
  CHECK(error.size() < 300);
  CHECK(error.find("... (5000000 bytes)' is not one of its declared values") != std::string::npos);
}

TEST_CASE("ARFF: a UTF-8 byte order mark is not text, sparse rows fill what they omit") {
  const std::string text =
      "\xEF\xBB\xBF@relation r\n@attribute a numeric\n@attribute b {x, y}\n@attribute class "
      "{p, q}\n@data\n{0 2, 2 q}\n{1 y}\n{1 ?}\n";
  ArffOptions o;
  o.missing = "impute";
  const Samples s = parse_arff(text, "w.arff", o);
  REQUIRE(s.size() == 3);
  CHECK(s.x(0, 0) == 2.0f);
  CHECK(s.x(0, 1) == 1.0f);  // b omitted: its first value, x
  CHECK(s.x(0, 2) == 0.0f);
  CHECK(s.labels == std::vector<std::int32_t>{1, 0, 0});  // an omitted class: its first value
  CHECK(s.x(1, 1) == 0.0f);
  CHECK(s.x(1, 2) == 1.0f);
  CHECK(std::isnan(s.x(2, 1)));  // a missing nominal input: every column of it, to impute
  CHECK(std::isnan(s.x(2, 2)));
  o.missing = "zero";  // a missing nominal input listed as '?': no column set, not its first
  const Samples z = parse_arff(text, "w.arff", o);
  CHECK(z.x(2, 1) + z.x(2, 2) == 0.0f);
  CHECK(z.x(0, 1) == 1.0f);
  // 20,000 attributes over 1,000 empty sparse rows: kept sparse while reading (once a full
  // row of cells each, 1,967 MB for 100,000 attributes), the right matrix at the end.
  std::string wide = "@relation r\n";
  for (int i = 0; i < 20'000; ++i) {
    wide += "@attribute a";
    wide += std::to_string(i);
    wide += " numeric\n";
  }
  wide += "@attribute class {p}\n@data\n";
  for (int i = 0; i < 1000; ++i) wide += "{}\n";
  const Samples w = parse_arff(wide, "w.arff");
  CHECK(w.x.rows() == 1000);
  CHECK(w.x.cols() == 20'000);
  CHECK(w.x.isZero());
}

TEST_CASE(
    "ARFF: a header declaring huge one-hot inputs over many rows is refused before allocating") {
  // 100,000 sparse rows over 500k columns would be 200 GB dense: refused with the figure, from
  // the lines after @data, before any row is read.
  const auto values = [](int n) {
    std::string list;
    for (int i = 0; i < n; ++i) {
      if (i > 0) list += ',';
      list += std::to_string(i);
    }
    return list;
  };
  std::string text =
      "@relation r\n@attribute a {" + values(500'000) + "}\n@attribute class {p}\n@data\n";
  for (int i = 0; i < 100'000; ++i) text += "{}\n";
  CHECK(error_of(text).find("feature matrix (up to 100000 rows x 500000 columns)") !=
        std::string::npos);
  // Declared values beyond 2^20 in all are refused while the header is read (three attributes
  // of 2^21 values took 1.2 GB before the refusal).
  text = "@relation r\n@attribute a {" + values(600'000) + "}\n@attribute b {" + values(600'000) +
         "}\n@attribute class {p}\n@data\n{}\n";
  CHECK(error_of(text).find(":3: attribute 'b': too many values (the attributes may declare "
                            "1048576 columns in all)") != std::string::npos);
}

TEST_CASE("ARFF source: a test file must have the same header, Weka's iris loads") {
  test::ScratchDir dir;
  const std::string head = "@relation r\n@attribute a numeric\n@attribute class {p, q}\n@data\n";
  test::write_file(dir.path("train.arff"), head + "1,p\n2,q\n3,p\n4,q\n5,p\n6,q\n");
  test::write_file(dir.path("test.arff"), head + "1,q\n2,p\n");
  test::write_file(dir.path("other.arff"),
                   "@relation r\n@attribute a numeric\n@attribute class {q, p}\n@data\n1,q\n");
  json spec = {
      {"source", "arff"}, {"path", dir.path("train.arff")}, {"test_path", dir.path("test.arff")}};
  const Data d = load_data(spec, 1);
  CHECK(d.test.size() == 2);
  CHECK(d.class_names == std::vector<std::string>{"p", "q"});
  spec["test_path"] = dir.path("other.arff");
  CHECK_THROWS_WITH_AS(load_data(spec, 1), doctest::Contains("must have the same header"),
                       DataError);
  const std::string iris = "/usr/share/doc/weka/examples/iris.arff";
  if (std::ifstream(iris)) {
    const Samples s = read_arff(iris);
    CHECK(s.size() == 150);
    CHECK(s.class_names.size() == 3);
  }
}

TEST_CASE("missing: impute fills from the training rows only: mean, most frequent value") {
  test::ScratchDir dir;
  const std::string head =
      "@relation r\n@attribute a numeric\n@attribute b {x, y, z}\n@attribute class {p, q}\n"
      "@data\n";
  // Training rows: a = 1, 3 and missing (mean 2); b = y, y, x and missing (most frequent y).
  test::write_file(dir.path("train.arff"), head + "1, y, p\n3, y, q\n?, x, p\n5, ?, q\n");
  // The test rows' own values (100) must not move the fill.
  test::write_file(dir.path("test.arff"), head + "?, ?, p\n100, z, q\n100, z, q\n");
  json spec = {{"source", "arff"},
               {"path", dir.path("train.arff")},
               {"test_path", dir.path("test.arff")},
               {"missing", "impute"}};
  const Data d = load_data(spec, 1);
  const Matrix& train = d.train.samples->x;
  CHECK(train(2, 0) == doctest::Approx(3.0));  // mean of 1, 3, 5
  CHECK(train(3, 1) == 0.0f);
  CHECK(train(3, 2) == 1.0f);  // y
  CHECK(train(3, 3) == 0.0f);
  const Matrix& test = d.test.samples->x;
  CHECK(test(0, 0) == doctest::Approx(3.0));
  CHECK(test(0, 2) == 1.0f);
  CHECK(test(1, 0) == 100.0f);
  // CSV: the same for numeric columns.
  test::write_file(dir.path("t.csv"), "a,b,label\n1,10,p\nNA,20,q\n3,,p\n");
  const Data c =
      load_data({{"source", "csv"}, {"path", dir.path("t.csv")}, {"missing", "impute"}}, 1);
  CHECK(c.train.samples->x(1, 0) == doctest::Approx(2.0));
  CHECK(c.train.samples->x(2, 1) == doctest::Approx(15.0));
}

TEST_CASE(
    "CSV categorical columns: named or auto, one-hot in sorted order, test file encoded alike") {
  test::ScratchDir dir;
  test::write_file(dir.path("train.csv"),
                   "size,colour,label\n1,red,a\n2,blue,b\n3,red,a\n4,green,b\n5,,a\n");
  test::write_file(dir.path("test.csv"), "size,colour,label\n1,green,a\n2,purple,b\n");
  CsvOptions o;
  o.categorical = {"colour"};
  o.missing = "zero";
  const Samples s = read_csv(dir.path("train.csv"), o);
  CHECK(s.feature_names ==
        std::vector<std::string>{"size", "colour=blue", "colour=green", "colour=red"});
  REQUIRE(s.categorical.size() == 1);
  CHECK(s.categorical[0].column == 1);
  CHECK(s.x(0, 3) == 1.0f);
  CHECK(s.x(3, 2) == 1.0f);
  CHECK(s.x.row(4).segment(1, 3).sum() == 0.0f);  // missing, "zero": no column set
  CsvOptions a;
  a.categorical_auto = true;
  a.missing = "zero";
  CHECK(read_csv(dir.path("train.csv"), a).feature_names == s.feature_names);
  // The test file takes the training file's categories: purple is refused.
  json spec = {{"source", "csv"},
               {"path", dir.path("train.csv")},
               {"test_path", dir.path("test.csv")},
               {"categorical", {"colour"}},
               {"missing", "impute"}};
  CHECK_THROWS_WITH_AS(load_data(spec, 1),
                       doctest::Contains("test.csv:3:3: 'purple' is not a category of column "
                                         "'colour' in the training data"),
                       DataError);
  // Imputed: the missing colour is the most frequent training value, red.
  spec.erase("test_path");
  const Data d = load_data(spec, 1);
  CHECK(d.train.samples->x(4, 3) == 1.0f);
  CHECK(d.categorical.size() == 1);
  spec["categorical"] = {"hue"};
  CHECK_THROWS_WITH_AS(load_data(spec, 1), doctest::Contains("categorical: unknown column 'hue'"),
                       ConfigError);
}

TEST_CASE("a model with one-hot inputs: predict encodes raw categories and refuses unseen ones") {
  test::Workspace w;
  test::write_file((w.dir / "train.csv").string(),
                   "size,colour,label\n1,red,a\n2,blue,b\n3,red,a\n4,blue,b\n5,red,a\n6,blue,b\n"
                   "7,red,a\n8,blue,b\n");
  const json config = {{"data",
                        {{"source", "csv"},
                         {"path", (w.dir / "train.csv").string()},
                         {"categorical", {"colour"}},
                         {"scale", "standardize"}}},
                       {"model",
                        {{"layers",
                          {{{"type", "dense"}, {"units", 8}, {"activation", "relu"}},
                           {{"type", "dense"}, {"units", 2}}}}}},
                       {"optimizer", {{"type", "adam"}, {"lr", 0.05}}},
                       {"train", {{"epochs", 30}, {"batch_size", 4}}},
                       {"output", {{"dir", (w.dir / "run").string()}}}};
  test::write_file((w.dir / "c.json").string(), config.dump());
  REQUIRE(w.run("-q --config " + (w.dir / "c.json").string()).status == 0);
  // Columns by name, in another order; colour as its category names.
  test::write_file((w.dir / "in.csv").string(), "colour,size\nblue,2\nred,7\n");
  test::Result r = w.run("predict --model " + (w.dir / "run").string() + " --input " +
                         (w.dir / "in.csv").string());
  INFO(r.err);
  REQUIRE(r.status == 0);
  CHECK(r.out == "prediction\nb\na\n");
  test::write_file((w.dir / "bad.csv").string(), "colour,size\ngreen,2\n");
  r = w.run("predict --model " + (w.dir / "run").string() + " --input " +
            (w.dir / "bad.csv").string());
  CHECK(r.status == 3);
  CHECK(r.err.find("bad.csv:2:1: 'green' is not a category of 'colour' the model was trained "
                   "with (blue, red)") != std::string::npos);
  // eval on data whose categories differ from the model's is refused, not shifted.
  test::write_file((w.dir / "other.csv").string(), "size,colour,label\n1,blue,a\n2,green,b\n");
  const json data = {
      {"source", "csv"}, {"path", (w.dir / "other.csv").string()}, {"categorical", {"colour"}}};
  r = w.run("eval --model " + (w.dir / "run").string() + " --split train --data '" + data.dump() +
            "'");
  CHECK(r.status == 3);
  CHECK(r.err.find("input 'colour' is encoded (blue, green) from input 1 in the data but (blue, "
                   "red) from input 1") != std::string::npos);
}

TEST_CASE("ARFF: the task from the header alone, also when the header is longer than 1 MiB") {
  test::ScratchDir dir;
  // 70,000 numeric inputs make a header of about 1.4 MB: past the first MiB read_arff_task
  // tries first, so it must read on.
  std::string wide = "@relation wide\n";
  for (int i = 0; i < 70000; ++i) wide += "@attribute input_" + std::to_string(i) + " numeric\n";
  REQUIRE(wide.size() > (std::size_t{1} << 20));
  std::string row;
  for (int i = 0; i < 70000; ++i) row += "0,";
  for (const char* type : {"numeric", "{a,b}"}) {
    CAPTURE(type);
    const std::string path = dir.path(std::string("wide_") + (type[0] == 'n' ? "n" : "c"));
    test::write_file(path, wide + "@attribute y " + type + "\n@data\n" + row +
                               (type[0] == 'n' ? "1.5" : "a") + "\n");
    const Task expected = type[0] == 'n' ? Task::regression : Task::classification;
    CHECK(read_arff_task(path) == expected);
    CHECK(read_arff(path).task == expected);
    CHECK(read_arff_task(path, "input_3") == Task::regression);
  }
  CHECK_THROWS_AS(read_arff_task(dir.path("missing.arff")), DataError);
}
