// The model: building from JSON (and its errors), parameters by name, initialisers,
// save/load, corrupt files, determinism.
#include <doctest/doctest.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "tests/support.hpp"

using namespace nnfit;
namespace fs = std::filesystem;

namespace {

const char* kSpec = R"({"inputs": 4, "layers": [
    {"type": "dense", "units": 8, "activation": "selu"},
    {"type": "dense", "units": 6}, {"type": "elu", "alpha": 0.5},
    {"type": "prelu", "shared": false},
    {"type": "dense", "units": 3, "bias": false}]})";

}  // namespace

TEST_CASE("parameters are named layers.<i>.<name>, counting every layer") {
  auto model = Model::from_json(json::parse(kSpec));
  CHECK(model.parameter_names() == std::vector<std::string>{"layers.0.weight", "layers.0.bias",
                                                            "layers.1.weight", "layers.1.bias",
                                                            "layers.3.weight", "layers.4.weight"});
  CHECK(model.num_parameters() == 4 * 8 + 8 + 8 * 6 + 6 + 6 + 6 * 3);
  CHECK(model.output_size() == 3);
  // Views write through to the flat buffer, and the flat buffer is what optimisers see.
  model.parameter("layers.1.bias")(0, 2) = 42.0f;
  const auto& info = model.parameter_info()[3];
  CHECK(model.values()[info.offset + 2] == 42.0f);
  CHECK_THROWS_WITH_AS(model.parameter("layers.1.bais"),
                       doctest::Contains("did you mean 'layers.1.bias'"), ConfigError);
}

TEST_CASE("building a model in code gives the same spec as from JSON") {
  Model model(4);
  model.add(json{{"type", "dense"}, {"units", 8}, {"activation", "selu"}})
      .add(json{{"type", "dense"}, {"units", 6}})
      .add(json{{"type", "elu"}, {"alpha", 0.5}})
      .add(json{{"type", "prelu"}, {"shared", false}})
      .add(json{{"type", "dense"}, {"units", 3}, {"bias", false}});
  CHECK(model.spec() == Model::from_json(json::parse(kSpec)).spec());
}

TEST_CASE("every error in a model spec is reported at once, with its JSON path") {
  const json spec = json::parse(R"({"inputs": 4, "layer": 1, "layers": [
      {"type": "dense", "units": -3},
      {"type": "selu_"},
      {"type": "dense", "units": 4, "activation": "prelu"},
      {"type": "dense", "units": 2, "init": "he_norm", "bias": "yes"},
      {"type": "dropout", "rate": 1.0},
      {"units": 3}]})");
  try {
    Model::from_json(spec, "configs/bad.json");
    FAIL("expected a ConfigError");
  } catch (const ConfigError& e) {
    const std::string message = e.what();
    CHECK(message.find("configs/bad.json: layer: unknown key 'layer' (did you mean 'layers'?)") !=
          std::string::npos);
    CHECK(message.find("layers[0].units: value -3 is out of range; allowed: >= 1") !=
          std::string::npos);
    CHECK(message.find("layers[1].type: unknown layer type 'selu_' (did you mean 'selu'?)") !=
          std::string::npos);
    CHECK(message.find("layers[2].activation: 'prelu' is a layer with parameters") !=
          std::string::npos);
    CHECK(message.find("layers[3].init: unknown value 'he_norm' (did you mean 'he_normal'?)") !=
          std::string::npos);
    CHECK(message.find("layers[3].bias: expected true or false, found a string") !=
          std::string::npos);
    CHECK(message.find("layers[4].rate: value 1 is out of range; allowed: [0, 1)") !=
          std::string::npos);
    CHECK(message.find("layers[5].type: missing") != std::string::npos);
    CHECK(std::count(message.begin(), message.end(), '\n') == 7);  // eight errors, one per line
  }
}

TEST_CASE("initialisers follow PyTorch's formulas (sample statistics)") {
  struct Case {
    const char* name;
    double stddev;  // of the distribution, for a [400, 300] weight
  };
  const double in = 300, out = 400;
  const Case cases[] = {{"he_normal", std::sqrt(2 / in)},
                        {"he_uniform", std::sqrt(6 / in) / std::sqrt(3.0)},
                        {"glorot_normal", std::sqrt(2 / (in + out))},
                        {"glorot_uniform", std::sqrt(6 / (in + out)) / std::sqrt(3.0)},
                        {"lecun_normal", std::sqrt(1 / in)},
                        {"lecun_uniform", 1 / std::sqrt(in)},
                        {"torch_default", 1 / std::sqrt(in) / std::sqrt(3.0)}};
  Rng rng(4);
  std::vector<float> buffer(400 * 300);
  for (const auto& c : cases) {
    CAPTURE(c.name);
    MatrixMap w(buffer.data(), 400, 300);
    initialize_weight(c.name, w, rng);
    const double mean = w.cast<double>().mean();
    const double sd = std::sqrt((w.cast<double>().array() - mean).square().mean());
    CHECK(std::abs(mean) < 0.05 * c.stddev);
    CHECK(sd == doctest::Approx(c.stddev).epsilon(0.01));
  }
  MatrixMap w(buffer.data(), 400, 300);
  initialize_weight("zeros", w, rng);
  CHECK(w.isZero());
  CHECK_THROWS_WITH_AS(initialize_weight("xavier", w, rng), doctest::Contains("valid:"),
                       ConfigError);
}

TEST_CASE("init auto follows the activation: LeCun for selu, He for relu, Glorot for tanh") {
  auto model = Model::from_json(json::parse(R"({"inputs": 400, "layers": [
      {"type": "dense", "units": 400, "activation": "selu"},
      {"type": "dense", "units": 400}, {"type": "relu"},
      {"type": "dense", "units": 400, "activation": "tanh"},
      {"type": "dense", "units": 400, "init": "torch_default"}]})"));
  Rng rng(8);
  model.initialize(rng);
  auto sd = [&](const std::string& name) {
    const auto w = model.parameter(name).cast<double>();
    return std::sqrt((w.array() - w.mean()).square().mean());
  };
  CHECK(sd("layers.0.weight") == doctest::Approx(std::sqrt(1.0 / 400)).epsilon(0.01));
  CHECK(sd("layers.1.weight") == doctest::Approx(std::sqrt(2.0 / 400)).epsilon(0.01));
  CHECK(sd("layers.3.weight") == doctest::Approx(std::sqrt(6.0 / 800 / 3)).epsilon(0.01));
  CHECK(model.parameter("layers.0.bias").isZero());
  // torch_default also draws the bias from U(+-1/sqrt(fan_in)).
  const auto bias = model.parameter("layers.4.bias");
  CHECK(bias.cwiseAbs().maxCoeff() <= 1.0f / 20.0f);
  CHECK(bias.cwiseAbs().maxCoeff() > 0.04f);
}

TEST_CASE("a constant bias_init, as the dying-ReLU experiment needs") {
  auto model = Model::from_json(
      json::parse(R"({"inputs": 3, "layers": [{"type": "dense", "units": 5, "bias_init": -3}]})"));
  Rng rng(1);
  model.initialize(rng);
  CHECK((model.parameter("layers.0.bias").array() == -3.0f).all());
}

TEST_CASE("save and load round-trip bit-exactly, spec included") {
  test::ScratchDir dir;
  auto model = Model::from_json(json::parse(kSpec));
  Rng rng(12);
  model.initialize(rng);
  const std::string path = dir.path("model.safetensors");
  model.save(path, {{"note", "hello"}});
  CHECK_FALSE(fs::exists(path + ".tmp." + std::to_string(::getpid())));

  Model loaded = Model::load(path);
  CHECK(loaded.spec() == model.spec());
  REQUIRE(loaded.num_parameters() == model.num_parameters());
  CHECK(std::memcmp(loaded.values(), model.values(),
                    sizeof(float) * static_cast<std::size_t>(model.num_parameters())) == 0);
  const auto file = read_safetensors(path);
  CHECK(file.metadata.at("note") == "hello");
  CHECK(file.tensors[0].name == "layers.0.weight");
  CHECK(file.tensors[0].shape == std::vector<std::int64_t>{8, 4});

  // The layout that numpy and Python's safetensors read: u64 length, JSON, raw floats.
  const std::string bytes = test::read_file(path);
  std::uint64_t length;
  std::memcpy(&length, bytes.data(), 8);
  CHECK(length % 8 == 0);
  const auto header = json::parse(bytes.substr(8, length));
  CHECK(header["layers.0.weight"]["dtype"] == "F32");
  CHECK(header["layers.0.weight"]["data_offsets"] == json::array({0, 8 * 4 * 4}));
  CHECK(bytes.size() == 8 + length + 4 * static_cast<std::size_t>(model.num_parameters()));
  float first;
  std::memcpy(&first, bytes.data() + 8 + length, 4);
  CHECK(first == model.parameter("layers.0.weight")(0, 0));
}

TEST_CASE("corrupt or mismatched model files are clear errors, not crashes") {
  test::ScratchDir dir;
  auto model = Model::from_json(json::parse(kSpec));
  Rng rng(1);
  model.initialize(rng);
  const std::string good = dir.path("good.safetensors");
  model.save(good);
  const std::string bytes = test::read_file(good);
  std::uint64_t length;
  std::memcpy(&length, bytes.data(), 8);
  const std::string bad = dir.path("bad.safetensors");

  CHECK_THROWS_WITH_AS(Model::load(dir.path("missing.safetensors")),
                       doctest::Contains("cannot open"), DataError);
  test::write_file(bad, bytes.substr(0, 5));
  CHECK_THROWS_WITH_AS(Model::load(bad), doctest::Contains("too short"), DataError);
  test::write_file(bad, bytes.substr(0, 8 + length / 2));
  CHECK_THROWS_WITH_AS(Model::load(bad), doctest::Contains("runs past the end"), DataError);
  test::write_file(bad, bytes.substr(0, bytes.size() - 10));
  CHECK_THROWS_WITH_AS(Model::load(bad), doctest::Contains("truncated?"), DataError);
  test::write_file(bad, bytes + "xxxx");
  CHECK_THROWS_WITH_AS(Model::load(bad), doctest::Contains("belong to none"), DataError);
  std::string broken = bytes;
  broken[8] = '[';
  test::write_file(bad, broken);
  CHECK_THROWS_WITH_AS(Model::load(bad), doctest::Contains("header is not valid JSON"), DataError);
  std::string f64 = bytes;
  const auto at = f64.find("\"F32\"");
  f64.replace(at, 5, "\"F64\"");
  test::write_file(bad, f64);
  CHECK_THROWS_WITH_AS(Model::load(bad), doctest::Contains("F32 only"), DataError);
  // Random bytes anywhere in the header never crash the reader.
  Rng noise(3);
  for (int trial = 0; trial < 200; ++trial) {
    std::string mutated = bytes;
    const auto pos = 8 + noise.below(length);
    mutated[pos] = static_cast<char>(noise.below(256));
    test::write_file(bad, mutated);
    try {
      Model::load(bad);
    } catch (const Error&) {
    }
  }

  // Weights that do not fit the model.
  auto other = Model::from_json(json::parse(
      R"({"inputs": 4, "layers": [{"type": "dense", "units": 7}, {"type": "dense", "units": 3}]})"));
  CHECK_THROWS_WITH_AS(
      other.load_weights(good),
      doctest::Contains("tensor 'layers.0.weight' has shape [8, 4], the model expects [7, 4]"),
      ConfigError);
  CHECK_THROWS_WITH_AS(other.load_weights(good), doctest::Contains("not a parameter of the model"),
                       ConfigError);
  SafetensorsFile plain;
  plain.tensors.push_back({"w", {1}, {1.0f}});
  write_safetensors(bad, plain);
  CHECK_THROWS_WITH_AS(Model::load(bad), doctest::Contains("not a model saved by nnfit"),
                       DataError);
}

TEST_CASE("one seed gives identical parameters after training, another seed does not") {
  auto train = [](std::uint64_t seed) {
    Rng rng(seed);
    auto model = Model::from_json(json::parse(R"({"inputs": 2, "layers": [
        {"type": "dense", "units": 16, "activation": "relu"}, {"type": "dropout", "rate": 0.2},
        {"type": "dense", "units": 2}]})"));
    model.initialize(rng);
    const auto data = test::two_spirals(50, rng);
    auto loss = make_loss("softmax_cross_entropy");
    auto opt = make_optimizer(json{{"type", "adam"}, {"lr", 0.01}}, model.parameters());
    for (int s = 0; s < 20; ++s) train_step(model, *loss, *opt, data.x, data.y, rng);
    return std::vector<float>(model.values(), model.values() + model.num_parameters());
  };
  CHECK(train(5) == train(5));
  CHECK(train(5) != train(6));
}

TEST_CASE("train_step stops on a non-finite loss before touching the parameters") {
  auto model =
      Model::from_json(json::parse(R"({"inputs": 1, "layers": [{"type": "dense", "units": 1}]})"));
  Rng rng(1);
  model.initialize(rng);
  Matrix x(1, 1), t(1, 1);
  x << 1;
  t << std::numeric_limits<float>::infinity();
  auto loss = make_loss("mse");
  auto opt = make_optimizer("sgd", model.parameters());
  const std::vector<float> before(model.values(), model.values() + model.num_parameters());
  CHECK_THROWS_WITH_AS(train_step(model, *loss, *opt, x, t, rng),
                       doctest::Contains("optimiser step 1: the loss is inf"), DivergedError);
  CHECK(std::vector<float>(model.values(), model.values() + model.num_parameters()) == before);
}

TEST_CASE("forward rejects inputs of the wrong width") {
  auto model = Model::from_json(json::parse(kSpec));
  CHECK_THROWS_WITH_AS(model.predict(Matrix::Zero(2, 5)),
                       doctest::Contains("input has 5 columns, the model takes 4"), ConfigError);
}
