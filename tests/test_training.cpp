// End-to-end learning: XOR and two spirals with each of the six activations the project
// compares. These would fail on a wrong gradient, a broken optimiser or a bad initialiser.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <memory>

#include "tests/support.hpp"

using namespace nnfit;

namespace {
const char* kActivations[] = {"relu", "leaky_relu", "elu", "selu", "softsign", "softplus"};

Model mlp(Index inputs, Index width, const std::string& activation, Index classes) {
  return Model::from_json(json{{"inputs", inputs},
                               {"layers",
                                {{{"type", "dense"}, {"units", width}, {"activation", activation}},
                                 {{"type", "dense"}, {"units", width}, {"activation", activation}},
                                 {{"type", "dense"}, {"units", classes}}}}});
}
// Training accuracy of a fresh 2-hidden-layer MLP after full-batch Adam.
double trained_accuracy(const test::Classification& data, Index width,
                        const std::string& activation, double lr, int steps) {
  Rng rng(7);
  auto model = mlp(2, width, activation, 2);
  model.initialize(rng);
  return test::train_classifier(model, data, json{{"type", "adam"}, {"lr", lr}}, steps, rng);
}

}  // namespace

TEST_CASE("a small MLP learns XOR with each activation") {
  const auto data = test::xor_data();
  for (const char* activation : kActivations) {
    CAPTURE(activation);
    CHECK(trained_accuracy(data, 8, activation, 0.03, 300) == 1.0);
  }
}

TEST_CASE("an MLP learns two spirals to at least 95% with each activation") {
  Rng data_rng(2024);
  const auto data = test::two_spirals(100, data_rng);
  for (const char* activation : kActivations) {
    CAPTURE(activation);
    CHECK(trained_accuracy(data, 32, activation, 0.01, 1000) >= 0.95);
  }
}

TEST_CASE("the spirals are not linearly separable: a linear network stays far below 95%") {
  // The control that makes the test above mean something.
  Rng data_rng(2024);
  CHECK(trained_accuracy(test::two_spirals(100, data_rng), 32, "linear", 0.01, 1000) < 0.75);
}

TEST_CASE("a non-finite test loss is recorded, never a divergence: the test split steers nothing") {
  // A test row of NaN (no reader lets one through; here it is put in by hand) makes the test
  // loss NaN at every epoch end. It once marked the run diverged, which could veto a tuning
  // value through the test split.
  const json spec = {{"source", "moons"}, {"samples", 200}, {"validation", 0.25}, {"test", 0.25}};
  Data data = load_data(spec, 1);
  auto poisoned = std::make_shared<Samples>(*data.test.samples);
  poisoned->x(data.test.rows[0], 0) = std::numeric_limits<float>::quiet_NaN();
  data.test.samples = poisoned;
  RunConfig run = read_run_config(json{{"data", spec},
                                       {"model", {{"layers", {{{"type", "dense"}, {"units", 2}}}}}},
                                       {"train", {{"epochs", 2}}}},
                                  "test");
  auto setup = build_run(run, data, "test");
  Trainer trainer(setup->model, *setup->loss, *setup->optimizer, *setup->schedule, data, run.train,
                  run.seed);
  CHECK_NOTHROW(trainer.run());
  REQUIRE(trainer.history().size() == 2);
  CHECK(std::isnan(trainer.history().back().test.loss));
  CHECK(std::isfinite(trainer.history().back().validation.loss));
}

TEST_CASE("balanced accuracy: the mean recall over the classes present (scikit-learn's)") {
  // Nine rows of class 0, one of class 1, and a model that always says 0: accuracy 0.9, but
  // balanced accuracy (1 + 0) / 2 = 0.5, as balanced_accuracy_score([0]*9 + [1], [0]*10).
  Samples s;
  s.x = Matrix::Zero(10, 1);
  s.labels = {0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  s.class_names = {"a", "b"};
  const Data data = prepare_data(s, std::nullopt, json{{"validation", 0}}, 1);
  Model model =
      Model::from_json(json{{"inputs", 1}, {"layers", {{{"type", "dense"}, {"units", 2}}}}});
  std::fill(model.values(), model.values() + model.num_parameters(), 0.0f);
  model.values()[model.num_parameters() - 2] = 1.0f;  // bias of class 0
  const auto loss = make_loss("softmax_cross_entropy");
  const Metrics m = evaluate(model, *loss, data.train, 4, false).metrics;
  CHECK(*m.accuracy == doctest::Approx(0.9));
  REQUIRE(m.balanced_accuracy);
  CHECK(*m.balanced_accuracy == doctest::Approx(0.5));
  // Three classes present (of four), always predicted 0: recalls 1, 0, 0; the absent class d
  // is not counted.
  Samples t;
  t.x = Matrix::Zero(5, 1);
  t.labels = {0, 0, 1, 1, 2};
  t.class_names = {"a", "b", "c", "d"};
  const Data three = prepare_data(t, std::nullopt, json{{"validation", 0}}, 1);
  Model m4 = Model::from_json(json{{"inputs", 1}, {"layers", {{{"type", "dense"}, {"units", 4}}}}});
  std::fill(m4.values(), m4.values() + m4.num_parameters(), 0.0f);
  m4.values()[m4.num_parameters() - 4] = 1.0f;  // always class 0: recalls 1, 0, 0
  CHECK(*evaluate(m4, *loss, three.train, 4, false).metrics.balanced_accuracy ==
        doctest::Approx(1.0 / 3.0));
}
