// Training on several threads: the split batch gives the single-thread gradient (up to float
// rounding), the same result on every run for a given thread count, and it learns.
#include <doctest/doctest.h>

#include "nnfit/metrics.hpp"
#include "nnfit/parallel_step.hpp"
#include "tests/support.hpp"

using namespace nnfit;

namespace {

Model make_model(std::uint64_t seed) {
  auto model = Model::from_json(json::parse(R"({"inputs": 2, "layers": [
      {"type": "dense", "units": 32, "activation": "elu"}, {"type": "dropout", "rate": 0.0},
      {"type": "dense", "units": 32, "activation": "relu"}, {"type": "dense", "units": 3}]})"));
  Rng rng(seed);
  model.initialize(rng);
  return model;
}

std::vector<float> train(int threads, int steps) {
  Rng data_rng(4);
  const Samples data =
      generate(json{{"source", "spirals"}, {"samples", 301}, {"arms", 3}}, data_rng);
  Model model = make_model(1);
  auto loss = make_loss("softmax_cross_entropy");
  auto opt = make_optimizer(json{{"type", "adam"}, {"lr", 0.01}}, model.parameters());
  ParallelStep step(model, threads);
  Rng rng(9);
  for (int s = 0; s < steps; ++s) step.run(*loss, *opt, data.x, data.labels, rng);
  return {model.values(), model.values() + model.num_parameters()};
}

}  // namespace

TEST_CASE("one step on 1, 2 and 3 threads moves the parameters alike") {
  const auto one = train(1, 1), two = train(2, 1), three = train(3, 1);
  REQUIRE(one.size() == two.size());
  double worst = 0;
  for (std::size_t i = 0; i < one.size(); ++i) {
    worst = std::max(worst, static_cast<double>(std::abs(one[i] - two[i])));
    worst = std::max(worst, static_cast<double>(std::abs(one[i] - three[i])));
  }
  // Adam's first step moves every parameter by lr = 0.01; the split batch may only differ by
  // rounding (sums taken in another order).
  CHECK(worst < 1e-5);
}

TEST_CASE("a thread count gives the same result on every run") {
  CHECK(train(2, 30) == train(2, 30));
  CHECK(train(3, 30) == train(3, 30));
}

TEST_CASE("the loss reported for a split batch is the batch's mean loss") {
  Rng data_rng(4);
  const Samples data = generate(json{{"source", "blobs"}, {"samples", 101}}, data_rng);
  Model a = make_model(2), b = make_model(2);
  auto loss = make_loss("softmax_cross_entropy");
  auto oa = make_optimizer("sgd", a.parameters());
  auto ob = make_optimizer("sgd", b.parameters());
  ParallelStep sa(a, 1), sb(b, 2);
  Rng ra(1), rb(1);
  const auto r1 = sa.run(*loss, *oa, data.x, data.labels, ra);
  const auto r2 = sb.run(*loss, *ob, data.x, data.labels, rb);
  CHECK(r2.loss == doctest::Approx(r1.loss).epsilon(1e-6));
  CHECK(r2.gradient_norm == doctest::Approx(r1.gradient_norm).epsilon(1e-5));
  Index rows = 0;
  sb.for_each_output([&](Index first, const Matrix& out) {
    CHECK(first == rows);
    rows += out.rows();
  });
  CHECK(rows == 101);
}

TEST_CASE("two threads learn the spirals as one does") {
  Rng data_rng(2024);
  const auto data = test::two_spirals(100, data_rng);
  auto model = Model::from_json(json{{"inputs", 2},
                                     {"layers",
                                      {{{"type", "dense"}, {"units", 32}, {"activation", "selu"}},
                                       {{"type", "dense"}, {"units", 32}, {"activation", "selu"}},
                                       {{"type", "dense"}, {"units", 2}}}}});
  Rng rng(7);
  model.initialize(rng);
  auto loss = make_loss("softmax_cross_entropy");
  auto opt = make_optimizer(json{{"type", "adam"}, {"lr", 0.01}}, model.parameters());
  ParallelStep step(model, 2);
  for (int s = 0; s < 1000; ++s) step.run(*loss, *opt, data.x, data.y, rng);
  CHECK(test::accuracy(model.predict(data.x), data.y) >= 0.95);
}

TEST_CASE("evaluation split across threads gives one thread's metrics") {
  Rng data_rng(5);
  Data data =
      prepare_data(generate(json{{"source", "spirals"}, {"samples", 997}, {"arms", 3}}, data_rng),
                   std::nullopt, json::object(), 1);
  Model model = make_model(2);
  auto loss = make_loss("softmax_cross_entropy");
  const Evaluation one = evaluate(model, *loss, data.train, 256, true);
  for (int threads : {2, 3}) {
    CAPTURE(threads);
    ParallelStep parallel(model, threads);
    const Evaluation split = evaluate(model, *loss, data.train, 256, true, &parallel);
    CHECK(split.metrics.samples == one.metrics.samples);
    CHECK(*split.metrics.accuracy == *one.metrics.accuracy);
    CHECK(split.metrics.loss == doctest::Approx(one.metrics.loss).epsilon(1e-6));
    CHECK(split.confusion == one.confusion);
  }
}
