// Data: IDX and CSV loaders against files the tests write themselves (each malformed case the
// readers must refuse, with its message), generators, splits, scaling and the batch loader; the
// real Fashion-MNIST when Debian's package is installed.
#include <doctest/doctest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include <filesystem>
#include <fstream>
#include <numeric>
#include <set>

#include "nnfit/uci.hpp"
#include "tests/support.hpp"

using namespace nnfit;
using nnfit::test::idx_images;
using nnfit::test::idx_labels;
namespace fs = std::filesystem;

namespace {

// A scratch folder that also writes files, raw or gzip-compressed.
struct Scratch : test::ScratchDir {
  std::string write(const std::string& name, const std::string& bytes) const {
    test::write_file(path(name), bytes);
    return path(name);
  }
  std::string write_gz(const std::string& name, const std::string& bytes) const {
    gzFile f = gzopen(path(name).c_str(), "wb");
    gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size()));
    gzclose(f);
    return path(name);
  }
};

// What `f` throws, as text ("" when it does not throw).
template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("IDX files, raw and gzip, read the same") {
  Scratch s;
  const auto images = idx_images(5, 3, 4);
  const auto labels = idx_labels({3, 1, 4, 1, 5});
  for (const bool gz : {false, true}) {
    CAPTURE(gz);
    const auto ip = gz ? s.write_gz("i.gz", images) : s.write("i", images);
    const auto lp = gz ? s.write_gz("l.gz", labels) : s.write("l", labels);
    const Samples samples = read_idx(ip, lp);
    REQUIRE(samples.x.rows() == 5);
    REQUIRE(samples.x.cols() == 12);
    CHECK(samples.x(2, 5) == static_cast<float>((2 * 7 + 5) % 256));
    CHECK(samples.labels == std::vector<std::int32_t>{3, 1, 4, 1, 5});
    CHECK(samples.class_names.size() == 6);
    CHECK(samples.pixel_max == 255.0);
  }
}

TEST_CASE("malformed IDX files are one-line errors with the file and the offset") {
  Scratch s;
  const auto images = idx_images(4, 2, 2);
  const auto good_labels = s.write("labels", idx_labels({0, 1, 0, 1}));
  auto images_error = [&](const std::string& bytes, bool gz = false) {
    const auto p = gz ? s.write_gz("bad.gz", bytes) : s.write("bad", bytes);
    return error_of([&] { read_idx(p, good_labels); });
  };
  CHECK(images_error("\x01\x02\x08\x03" + images.substr(4)).find("byte 0: not an IDX file") !=
        std::string::npos);
  CHECK(images_error(std::string("\0\0\x0D\x03", 4) + images.substr(4))
            .find("byte 2: IDX dtype 0x0D is not supported") != std::string::npos);
  CHECK(images_error(std::string("\0\0\x08\x04", 4) + images.substr(4))
            .find("byte 3: an image file has 4 dimensions") != std::string::npos);
  CHECK(images_error(images.substr(0, 10)).find("expected 4 bytes of IDX dimension 1") !=
        std::string::npos);
  // Uncompressed: the promise is checked against the file's size before any pixel is read.
  CHECK(images_error(images.substr(0, images.size() - 5))
            .find("the header promises 16 bytes of data, the file holds 11 (truncated file?)") !=
        std::string::npos);
  CHECK(
      images_error(images + "xx").find("the header promises 16 bytes of data, the file holds 18") !=
      std::string::npos);
  // Compressed: as the stream is decompressed, with the offset where it ends.
  const auto short_data = images_error(images.substr(0, images.size() - 5), true);
  CHECK(short_data.find("the header promises 4 rows of 4 bytes, the data ends after 2 of them") !=
        std::string::npos);
  CHECK(short_data.find("byte 27") != std::string::npos);
  CHECK(images_error(images + "xx", true).find("byte 32: extra data after the 4 images") !=
        std::string::npos);
  CHECK(images_error("").find("expected 4 bytes of IDX magic number") != std::string::npos);

  // A truncated gzip stream: the compressed file cut short.
  const auto gz = s.write_gz("full.gz", images);
  std::ifstream in(gz, std::ios::binary);
  const std::string compressed((std::istreambuf_iterator<char>(in)), {});
  const auto cut = s.write("cut.gz", compressed.substr(0, compressed.size() - 12));
  CHECK(error_of([&] { read_idx(cut, good_labels); }).find("the gzip stream ends early") !=
        std::string::npos);
  std::string corrupt = compressed;
  corrupt[compressed.size() / 2] = static_cast<char>(corrupt[compressed.size() / 2] ^ 0x55);
  corrupt[compressed.size() / 2 + 1] = static_cast<char>(corrupt[compressed.size() / 2 + 1] ^ 0x55);
  const auto bad_gz = s.write("corrupt.gz", corrupt);
  CHECK(error_of([&] { read_idx(bad_gz, good_labels); }).find(bad_gz + ": compressed byte") !=
        std::string::npos);

  const auto good_images = s.write("images", images);
  const auto three_labels = s.write("three", idx_labels({0, 1, 0}));
  CHECK(error_of([&] {
          read_idx(good_images, three_labels);
        }).find("3 labels, but " + good_images + " has 4 images") != std::string::npos);
  CHECK(error_of([&] {
          read_idx(good_images, s.path("nope"));
        }).find(s.path("nope") + ": cannot open: No such file") != std::string::npos);
  CHECK(error_of([&] { read_idx(s.dir.string(), good_labels); }).find("is a directory") !=
        std::string::npos);
}

TEST_CASE("labels out of range for the data set are an error with the offset") {
  Scratch s;
  s.write("train-images-idx3-ubyte", idx_images(3, 2, 2));
  s.write("train-labels-idx1-ubyte", idx_labels({0, 12, 1}));
  s.write("t10k-images-idx3-ubyte", idx_images(2, 2, 2));
  s.write("t10k-labels-idx1-ubyte", idx_labels({0, 1}));
  const auto message = error_of([&] {
    load_data(json{{"source", "fashion_mnist"}, {"path", s.dir.string()}}, 1);
  });
  CHECK(message.find("train-labels-idx1-ubyte: byte 9: label 12 is outside [0, 10)") !=
        std::string::npos);
  s.write("train-labels-idx1-ubyte", idx_labels({0, 9, 1}));
  const Data data = load_data(json{{"source", "fashion_mnist"}, {"path", s.dir.string()}}, 1);
  CHECK(data.train.size() == 3);
  CHECK(data.test.size() == 2);
  CHECK(data.scaler.type == "unit");  // the default for pixels
  CHECK(data.train.samples->x.maxCoeff() <= 1.0f);
  CHECK(data.class_names[9] == "Ankle boot");
}

TEST_CASE("an unreadable file is an error, not a crash (checked as an unprivileged user)") {
  Scratch s;
  const auto p = s.write("secret.csv", "a,b\n1,2\n");
  ::chmod(p.c_str(), 0);
  ::chmod(s.dir.c_str(), 0755);
  // Root reads any file, so try as 'nobody' in a child process.
  int pipe_fds[2];
  REQUIRE(::pipe(pipe_fds) == 0);
  const pid_t child = ::fork();
  if (child == 0) {
    ::close(pipe_fds[0]);
    if (::getuid() == 0 && ::setuid(65534) != 0) _exit(2);
    const std::string message = error_of([&] { read_csv(p); });
    (void)!::write(pipe_fds[1], message.data(), message.size());
    _exit(0);
  }
  ::close(pipe_fds[1]);
  char buffer[512] = {};
  const auto n = ::read(pipe_fds[0], buffer, sizeof buffer - 1);
  ::close(pipe_fds[0]);
  int status = 0;
  ::waitpid(child, &status, 0);
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) == 0);
  CHECK(std::string(buffer, static_cast<std::size_t>(std::max<ssize_t>(n, 0))) ==
        p + ": cannot open: Permission denied");
}

TEST_CASE("CSV: header, quotes, comments, blank lines, CRLF and string labels") {
  Scratch s;
  const auto p = s.write("iris.csv",
                         "# a comment line\r\n"
                         "sepal,\"petal, width\",species\r\n"
                         "\r\n"
                         "5.1,0.2,setosa\r\n"
                         "  6.3 ,\"1.8\",\"virginica\"\r\n"
                         "# another comment\n"
                         "5.9,1.5,versicolor\n"
                         "4.9,0.1,\"set\"\"osa\"\n");
  const Samples samples = read_csv(p);
  REQUIRE(samples.x.rows() == 4);
  REQUIRE(samples.x.cols() == 2);
  CHECK(samples.x(1, 0) == 6.3f);
  CHECK(samples.x(1, 1) == 1.8f);
  CHECK(samples.class_names ==
        std::vector<std::string>{"set\"osa", "setosa", "versicolor", "virginica"});
  CHECK(samples.labels == std::vector<std::int32_t>{1, 3, 2, 0});
}

TEST_CASE("CSV: numeric labels in numeric order, targets by name or index, regression") {
  Scratch s;
  const auto p = s.write("d.csv", "x,y,label\n1,2,10\n3,4,9\n5,6,10\n7,8,2\n");
  const Samples by_default = read_csv(p);
  CHECK(by_default.class_names == std::vector<std::string>{"2", "9", "10"});
  CHECK(by_default.labels == std::vector<std::int32_t>{2, 1, 2, 0});
  CsvOptions regression;
  regression.task = Task::regression;
  regression.target = {"x", "2"};
  const Samples r = read_csv(p, regression);
  REQUIRE(r.x.cols() == 1);
  CHECK(r.x(3, 0) == 8.0f);
  REQUIRE(r.y.cols() == 2);
  CHECK(r.y(1, 0) == 3.0f);
  CHECK(r.y(1, 1) == 9.0f);
  CsvOptions no_header;
  no_header.header = false;
  no_header.target = {"0"};
  const auto q = s.write("n.csv", "1,0.5,0.25\n0,1.5,2.5\n");
  const Samples n = read_csv(q, no_header);
  CHECK(n.labels == std::vector<std::int32_t>{1, 0});
  CHECK(n.x(1, 1) == 2.5f);
  CsvOptions wrong;
  wrong.target = {"lable"};
  CHECK(error_of([&] { read_csv(p, wrong); }).find("did you mean 'label'?") != std::string::npos);
}

TEST_CASE("CSV: bad input names file:line:column") {
  Scratch s;
  CHECK(error_of([&] { read_csv(s.write("empty.csv", "")); }).find("empty.csv: no rows") !=
        std::string::npos);
  CHECK(error_of([&] { read_csv(s.write("h.csv", "a,b\n")); }).find("a header but no data rows") !=
        std::string::npos);
  CHECK(error_of([&] {
          read_csv(s.write("r.csv", "a,b,c\n1,2,3\n4,5\n"));
        }).find("r.csv:3: expected 3 fields (as in the header), found 2") != std::string::npos);
  CHECK(error_of([&] {
          read_csv(s.write("v.csv", "a,b,c\n1,2,3\n4,x5,6\n"));
        }).find("v.csv:3:3: 'x5' in column 'b' is not a number") != std::string::npos);
  CHECK(error_of([&] {
          read_csv(s.write("q.csv", "a,b\n1,\"2\n"));
        }).find("q.csv:2:3: quoted field is never closed") != std::string::npos);
  const auto missing = s.write("m.csv", "a,b,c\n1,,3\n4,5,6\nNA,2,1\n");
  CHECK(error_of([&] { read_csv(missing); }).find("m.csv:2:3: missing value in column 'b'") !=
        std::string::npos);
  CsvOptions zero;
  zero.missing = "zero";
  const Samples z = read_csv(missing, zero);
  CHECK(z.x(0, 1) == 0.0f);
  CHECK(z.x(2, 0) == 0.0f);
  CsvOptions drop;
  drop.missing = "drop_row";
  CHECK(read_csv(missing, drop).x.rows() == 1);
  CHECK(error_of([&] { read_csv(s.dir.string()); }).find("is a directory") != std::string::npos);
}

TEST_CASE(
    "CSV: repeated names, unknown categorical columns refused, a byte order mark is not text") {
  Scratch s;
  // Two columns named alike: predict by name once fed the first into both inputs.
  CHECK(error_of([&] {
          read_csv(s.write("d.csv", "a, a ,c\n1,2,p\n"));
        }).find("d.csv:1:3: column name 'a' is repeated (first in column 1)") != std::string::npos);
  // A categorical column that does not exist, by index or by name, or that is the target.
  const auto colours = s.write("c.csv", "colour,size,label\nred,1,p\nblue,2,q\n");
  for (const auto& [name, expected] : std::vector<std::pair<std::string, std::string>>{
           {"99", "categorical: column index 99 is past the last column (2)"},
           {"99999999999999999999999", "column index 9999999999999999999999"},
           {"colour2", "unknown column 'colour2' (did you mean 'colour'?)"},
           {"label", "categorical: 'label' is a target column, not an input"}}) {
    CsvOptions o;
    o.categorical = {"colour", name};
    CAPTURE(name);
    CHECK(error_of([&] { read_csv(colours, o); }).find(expected) != std::string::npos);
  }
  CsvOptions by_index;
  by_index.categorical = {"0"};
  CHECK(read_csv(colours, by_index).feature_names ==
        std::vector<std::string>{"colour=blue", "colour=red", "size"});
  // Excel's UTF-8 byte order mark is not part of the first column's name.
  const Samples bom = read_csv(s.write("bom.csv", "\xEF\xBB\xBFx,label\n1,p\n2,q\n"));
  CHECK(bom.feature_names == std::vector<std::string>{"x"});
}

TEST_CASE("CSV through a data spec, with a separate test file and class names kept") {
  Scratch s;
  const auto train = s.write("train.csv", "f,c\n1,b\n2,a\n3,b\n4,a\n");
  const auto test = s.write("test.csv", "f,c\n5,a\n");
  const Data data = load_data(
      json{{"source", "csv"}, {"path", train}, {"test_path", test}, {"scale", "minmax"}}, 1);
  CHECK(data.class_names == std::vector<std::string>{"a", "b"});
  CHECK(data.test.samples->labels == std::vector<std::int32_t>{0});
  CHECK(data.train.samples->x(3, 0) == 1.0f);                       // (4 - 1) / 3
  CHECK(data.test.samples->x(0, 0) == doctest::Approx(4.0 / 3.0));  // the training min-max
  CHECK(error_of([&] {
          load_data(json{{"source", "csv"}, {"path", train}, {"scale", "unit"}}, 1);
        }).find("'unit' divides pixel values by 255") != std::string::npos);
}

TEST_CASE("generators: deterministic per seed, documented shapes, balanced classes") {
  const std::vector<std::pair<std::string, std::pair<Index, Index>>> shapes = {
      {"spirals", {2, 3}}, {"moons", {2, 2}},        {"circles", {2, 2}}, {"xor", {2, 2}},
      {"blobs", {2, 3}},   {"checkerboard", {2, 2}}, {"sine", {1, 1}},    {"friedman1", {10, 1}}};
  for (const auto& [name, shape] : shapes) {
    CAPTURE(name);
    json spec = {{"source", name}, {"samples", 300}};
    if (name == "spirals") spec["arms"] = 3;
    Rng a(5), b(5), c(6);
    const Samples first = generate(spec, a), second = generate(spec, b), other = generate(spec, c);
    CHECK(first.x.rows() == 300);
    CHECK(first.x.cols() == shape.first);
    CHECK(first.num_outputs() == shape.second);
    CHECK(first.x == second.x);
    CHECK(first.x != other.x);
    if (first.task == Task::classification) {
      std::vector<int> counts(static_cast<std::size_t>(shape.second), 0);
      for (auto l : first.labels) ++counts[static_cast<std::size_t>(l)];
      CHECK(*std::max_element(counts.begin(), counts.end()) -
                *std::min_element(counts.begin(), counts.end()) <=
            1);
    }
  }
}

TEST_CASE("generators follow their definitions") {
  Rng rng(3);
  const Samples f = generate(json{{"source", "friedman1"}, {"samples", 50}, {"features", 6}}, rng);
  for (Index i = 0; i < 50; ++i) {
    const double x0 = f.x(i, 0), x1 = f.x(i, 1), x2 = f.x(i, 2), x3 = f.x(i, 3), x4 = f.x(i, 4);
    CHECK(f.y(i, 0) == doctest::Approx(10 * std::sin(3.141592653589793 * x0 * x1) +
                                       20 * (x2 - 0.5) * (x2 - 0.5) + 10 * x3 + 5 * x4)
                           .epsilon(1e-5));
  }
  const Samples x = generate(json{{"source", "xor"}, {"samples", 200}}, rng);
  for (Index i = 0; i < 200; ++i)
    CHECK(x.labels[static_cast<std::size_t>(i)] == ((x.x(i, 0) > 0) != (x.x(i, 1) > 0) ? 1 : 0));
  const Samples c =
      generate(json{{"source", "circles"}, {"samples", 100}, {"noise", 0}, {"factor", 0.5}}, rng);
  for (Index i = 0; i < 100; ++i)
    CHECK(c.x.row(i).norm() ==
          doctest::Approx(c.labels[static_cast<std::size_t>(i)] ? 0.5 : 1.0).epsilon(1e-5));
  const Samples s = generate(json{{"source", "sine"}, {"samples", 100}, {"noise", 0}}, rng);
  for (Index i = 0; i < 100; ++i)
    CHECK(s.y(i, 0) == doctest::Approx(std::sin(s.x(i, 0))).epsilon(1e-5));
  CHECK(error_of([&] {
          generate(json{{"source", "spiral"}}, rng);
        }).find("did you mean 'spirals'?") != std::string::npos);
  CHECK(error_of([&] {
          generate(json{{"source", "friedman1"}, {"features", 3}}, rng);
        }).find("data.features: value 3 is out of range") != std::string::npos);
}

TEST_CASE("splits: stratified, disjoint, complete, seeded, limit takes the first samples") {
  const json spec = {{"source", "blobs"}, {"samples", 1000}, {"validation", 0.2}, {"test", 0.1}};
  const Data a = load_data(spec, 11), b = load_data(spec, 11), c = load_data(spec, 12);
  // Classes of 334, 333, 333: the test split takes round(10%) of each, 33 + 33 + 33; the
  // validation split 20% of what is left (301, 300, 300): 60 + 60 + 60.
  CHECK(a.test.size() == 99);
  CHECK(a.validation.size() == 180);
  CHECK(a.train.size() == 721);
  std::set<Index> all;
  for (const Split* split : {&a.train, &a.validation, &a.test})
    all.insert(split->rows.begin(), split->rows.end());
  CHECK(all.size() == 1000);
  CHECK(a.validation.rows == b.validation.rows);
  CHECK(a.validation.rows != c.validation.rows);
  std::vector<int> counts(3, 0);
  for (const Index r : a.validation.rows)
    ++counts[static_cast<std::size_t>(a.validation.samples->labels[static_cast<std::size_t>(r)])];
  CHECK(counts == std::vector<int>{60, 60, 60});
  const Data limited = load_data(json{{"source", "blobs"}, {"samples", 1000}, {"limit", 90}}, 1);
  CHECK(limited.train.size() == 90);
  CHECK(limited.train.rows.back() == 89);
  CHECK(error_of([&] {
          load_data(json{{"source", "fashion_mnist"}, {"test", 0.1}, {"path", "/nonexistent"}}, 1);
        }).find("no train-labels-idx1-ubyte[.gz]") != std::string::npos);
}

TEST_CASE("standardisation statistics come from the training split only") {
  // Features 0..99; the validation rows are held out before the statistics are taken.
  Samples samples;
  samples.task = Task::regression;
  samples.x.resize(100, 1);
  samples.y.resize(100, 1);
  for (Index i = 0; i < 100; ++i) samples.x(i, 0) = samples.y(i, 0) = static_cast<float>(i);
  const Data data =
      prepare_data(samples, std::nullopt, json{{"validation", 0.3}, {"scale", "standardize"}}, 4);
  double sum = 0, squares = 0;
  for (const Index r : data.train.rows) {
    sum += r;
    squares += static_cast<double>(r) * r;
  }
  const double n = static_cast<double>(data.train.size());
  const double mean = sum / n, stddev = std::sqrt(squares / n - mean * mean);
  CHECK(data.scaler.offset[0] == doctest::Approx(mean));
  CHECK(data.scaler.factor[0] == doctest::Approx(1 / stddev));
  double after = 0;
  for (const Index r : data.train.rows) after += data.train.samples->x(r, 0);
  CHECK(std::abs(after / n) < 1e-5);
  // The validation rows were transformed with the training statistics, not their own.
  const Index v = data.validation.rows[0];
  CHECK(data.validation.samples->x(v, 0) ==
        doctest::Approx((static_cast<double>(v) - mean) / stddev));
}

TEST_CASE("standardize_global: one mean and sd over every feature, clip clamps, both saved") {
  // Two features: 0, 1, 2, 3 and 10, 10, 10, 10 -> over all eight values mean 5.75,
  // population variance (0 + 1 + 4 + 9 + 4 * 100) / 8 - 5.75^2 = 18.6875.
  Samples samples;
  samples.task = Task::regression;
  samples.x.resize(4, 2);
  samples.x << 0, 10, 1, 10, 2, 10, 3, 10;
  samples.y = Matrix::Zero(4, 1);
  const Data global = prepare_data(samples, std::nullopt, json{{"scale", "standardize_global"}}, 1);
  const double sd = std::sqrt(18.6875);
  CHECK(global.scaler.offset[0] == doctest::Approx(5.75));
  CHECK(global.scaler.offset[1] == doctest::Approx(5.75));
  CHECK(global.scaler.factor[1] == doctest::Approx(1 / sd));
  CHECK(global.train.samples->x(0, 1) == doctest::Approx((10 - 5.75) / sd));
  // Per feature, the constant column would only be shifted; globally it keeps its distance.
  const Data clipped =
      prepare_data(samples, std::nullopt, json{{"scale", "standardize_global"}, {"clip", 1.0}}, 1);
  // (A ';' in this test's name kept it from ever running under CTest, and it expected 1.0 of
  // (10 - 5.75) / sd = 0.983, which a clip at 1 leaves alone.)
  CHECK(clipped.train.samples->x(0, 1) == doctest::Approx((10 - 5.75) / sd));  // inside
  CHECK(clipped.train.samples->x(0, 0) == -1.0f);                              // -1.33, clipped
  CHECK(clipped.train.samples->x(2, 0) == doctest::Approx((2 - 5.75) / sd));
  const Data tighter =
      prepare_data(samples, std::nullopt, json{{"scale", "standardize_global"}, {"clip", 0.9}}, 1);
  CHECK(tighter.train.samples->x(0, 1) == 0.9f);
  // The clip travels with the model file, so predict applies it too.
  test::ScratchDir dir;
  Model model(2);
  model.add(json{{"type", "dense"}, {"units", 1}});
  Rng rng(1);
  model.initialize(rng);
  save_model(dir.path("m.safetensors"), model, {clipped.scaler, Task::regression, {}, {}, {}, {}});
  const SavedModel loaded = load_model(dir.path("m.safetensors"));
  CHECK(loaded.info.scaler.type == "standardize_global");
  CHECK(loaded.info.scaler.clip == 1.0);
  CHECK_THROWS_WITH_AS(
      prepare_data(samples, std::nullopt, json{{"scale", "minmax"}, {"clip", 3}}, 1),
      doctest::Contains("clip: needs \"scale\": \"standardize\""), ConfigError);
}

TEST_CASE("data specs are checked before any file is read, every problem at once") {
  Diagnostics diag;
  check_data_spec(
      json{{"source", "csv"}, {"validatoin", 0.1}, {"scale", "standardise"}, {"task", "regresion"}},
      diag);
  REQUIRE(diag.errors().size() == 4);
  const std::string all = diag.errors()[0] + diag.errors()[1] + diag.errors()[2] + diag.errors()[3];
  CHECK(all.find("data.path: missing") != std::string::npos);
  CHECK(all.find("data.scale: unknown value 'standardise' (did you mean 'standardize'?)") !=
        std::string::npos);
  CHECK(all.find("data.task: unknown value 'regresion' (did you mean 'regression'?)") !=
        std::string::npos);
  CHECK(all.find("data.validatoin: unknown key 'validatoin' (did you mean 'validation'?)") !=
        std::string::npos);
}

TEST_CASE("batch loader: every row once per epoch, seeded order, drop_last") {
  const Data data = load_data(json{{"source", "moons"}, {"samples", 103}}, 1);
  BatchLoader loader(data.train, 10, true, false, 77);
  CHECK(loader.batches_per_epoch() == 11);
  Batch batch;
  std::vector<std::int32_t> epoch0;
  std::multiset<float> seen;
  int batches = 0;
  while (loader.next(batch)) {
    ++batches;
    epoch0.insert(epoch0.end(), batch.labels.begin(), batch.labels.end());
    for (Index i = 0; i < batch.size(); ++i) seen.insert(batch.x(i, 0));
  }
  CHECK(batches == 11);
  CHECK(batch.size() == 3);
  std::multiset<float> expected;
  for (Index i = 0; i < 103; ++i) expected.insert(data.train.samples->x(i, 0));
  CHECK(seen == expected);
  // Epoch 0 again gives the same order; epoch 1 another.
  auto first_batch = [&](std::int64_t epoch) {
    loader.start_epoch(epoch);
    loader.next(batch);
    return Matrix(batch.x);
  };
  const Matrix a = first_batch(0), b = first_batch(0), c = first_batch(1);
  CHECK(a == b);
  CHECK(a != c);
  BatchLoader fresh(data.train, 10, true, false, 77);
  fresh.next(batch);
  CHECK(batch.x == a);
  BatchLoader dropping(data.train, 10, false, true, 77);
  CHECK(dropping.batches_per_epoch() == 10);
  int count = 0;
  while (dropping.next(batch)) ++count;
  CHECK(count == 10);
  BatchLoader ordered(data.train, 5, false, false, 1);
  ordered.next(batch);
  CHECK(batch.x == data.train.samples->x.topRows(5));
}

TEST_CASE("the real Fashion-MNIST, when Debian's dataset-fashion-mnist is installed") {
  const char* folder = "/usr/share/datasets/fashion-mnist";
  if (!fs::exists(fs::path(folder) / "train-images-idx3-ubyte.gz")) {
    MESSAGE("skipped: " << folder << " not found (apt-get install dataset-fashion-mnist)");
    return;
  }
  const Data data = load_data(json{{"source", "fashion_mnist"}, {"scale", "none"}}, 1);
  CHECK(data.train.size() == 60000);
  CHECK(data.test.size() == 10000);
  CHECK(data.num_features == 784);
  const Samples& train = *data.train.samples;
  // The first training image is an ankle boot (label 9) whose pixels sum to 76247; the first
  // test image is also an ankle boot, pixel sum 33456 (read with numpy from the same files).
  CHECK(train.labels[0] == 9);
  CHECK(train.x.row(0).cast<double>().sum() == 76247.0);
  CHECK(data.test.samples->labels[0] == 9);
  CHECK(data.test.samples->x.row(0).cast<double>().sum() == 33456.0);
  std::vector<int> counts(10, 0);
  for (auto l : train.labels) ++counts[static_cast<std::size_t>(l)];
  CHECK(counts == std::vector<int>(10, 6000));
}

TEST_CASE("the UCI suite: 28 distinct sets from four packages, each read, large ones capped") {
  const std::vector<UciSet> sets = uci_sets();
  REQUIRE(sets.size() == 28);
  std::set<std::string> packages;
  for (const auto& s : sets) {
    CAPTURE(s.name);
    // scripts/setup extracts every package's files; a set that does not load fails here.
    REQUIRE(s.installed);
    packages.insert(s.package);
    CHECK(s.classes >= 2);
    // The cap samples the training file (segment's 1,500 rows are under it); rounding per
    // class, each class keeping one row, moves it by at most the number of classes.
    if (s.rows <= kUciMaxRows || uci_has_test_file(s.name))
      CHECK(s.rows_used == s.rows);
    else
      CHECK(std::abs(s.rows_used - kUciMaxRows) <= s.classes);
    CHECK(s.majority > 0.0);
    CHECK(s.majority < 1.0);
  }
  CHECK(packages ==
        std::set<std::string>{"weka", "r-cran-mlbench", "r-cran-kernlab", "python3-sklearn"});
  // A capped set: a stratified sample, every class kept (shuttle has classes of 6 and 11 rows
  // in 58,000), the same rows whatever the seed.
  const Data a = load_data({{"source", "uci"}, {"name", "shuttle"}, {"test", 0.0}}, 1);
  const Data b = load_data({{"source", "uci"}, {"name", "shuttle"}, {"test", 0.0}}, 2);
  CHECK(a.train.size() == b.train.size());
  CHECK(std::abs(a.train.size() - kUciMaxRows) <= 7);
  CHECK(a.train.samples->x == b.train.samples->x);
  std::set<std::int32_t> classes(a.train.samples->labels.begin(), a.train.samples->labels.end());
  CHECK(classes.size() == 7);
  CHECK(load_data({{"source", "uci"}, {"name", "shuttle"}, {"max_rows", 0}, {"test", 0.0}}, 1)
            .train.size() == 58000);
  // scikit-learn's files: the class names from their first line.
  const Data wdbc = load_data({{"source", "uci"}, {"name", "wdbc"}}, 1);
  CHECK(wdbc.class_names == std::vector<std::string>{"malignant", "benign"});
  CHECK(wdbc.num_features == 30);
  // R data: a factor target's levels are the classes; an Id column dropped.
  const Data breast = load_data({{"source", "uci"}, {"name", "breast-wisconsin"}}, 1);
  CHECK(breast.class_names == std::vector<std::string>{"benign", "malignant"});
}
