// Optimisers against PyTorch's update rules, on problems small enough to work by hand.
//
// Problem: parameters p = [1, -2] and L = 0.5 * sum(p^2), so the gradient is p itself. The
// expected values are derived in the comments (and agree with torch.optim in float64 to the
// digits written; float32 arithmetic is allowed 1e-6 relative).
#include <doctest/doctest.h>

#include "tests/support.hpp"

using namespace nnfit;

namespace {

struct Quadratic {
  std::vector<float> values = {1.0f, -2.0f};
  std::vector<float> grads = {0.0f, 0.0f};
  ParameterView view() { return {values.data(), grads.data(), 2}; }
  void compute_gradient() { grads = values; }
};

// Runs `steps` steps of the optimiser described by `spec` on the quadratic; returns every
// step's parameters.
std::vector<std::vector<float>> run(const json& spec, int steps) {
  Quadratic q;
  auto optimizer = make_optimizer(spec, q.view());
  std::vector<std::vector<float>> trajectory;
  for (int i = 0; i < steps; ++i) {
    q.compute_gradient();
    optimizer->step();
    trajectory.push_back(q.values);
  }
  CHECK(optimizer->steps() == steps);
  return trajectory;
}

void check_trajectory(const std::vector<std::vector<float>>& got,
                      const std::vector<std::vector<double>>& expected) {
  REQUIRE(got.size() == expected.size());
  for (std::size_t s = 0; s < got.size(); ++s)
    for (std::size_t i = 0; i < 2; ++i) {
      CAPTURE(s);
      CAPTURE(i);
      CHECK(got[s][i] == doctest::Approx(expected[s][i]).epsilon(1e-6));
    }
}

}  // namespace

TEST_CASE("sgd with momentum: the buffer starts as the first gradient") {
  // lr 0.1, momentum 0.9, p0 = 1:
  // step 1: g = 1,    buf = g = 1,                 p = 1 - 0.1 * 1       = 0.9
  // step 2: g = 0.9,  buf = 0.9 * 1 + 0.9 = 1.8,   p = 0.9 - 0.18        = 0.72
  // step 3: g = 0.72, buf = 0.9 * 1.8 + 0.72 = 2.34, p = 0.72 - 0.234    = 0.486
  // (p0 = -2 scales everything by -2.)
  check_trajectory(run(json{{"type", "sgd"}, {"lr", 0.1}, {"momentum", 0.9}}, 3),
                   {{0.9, -1.8}, {0.72, -1.44}, {0.486, -0.972}});
}

TEST_CASE("sgd with nesterov momentum") {
  // step 1: g = 1, buf = 1, d = g + 0.9 buf = 1.9, p = 1 - 0.19 = 0.81
  // step 2: g = 0.81, buf = 0.9 + 0.81 = 1.71, d = 0.81 + 1.539 = 2.349, p = 0.81 - 0.2349
  check_trajectory(
      run(json{{"type", "sgd"}, {"lr", 0.1}, {"momentum", 0.9}, {"nesterov", true}}, 2),
      {{0.81, -1.62}, {0.5751, -1.1502}});
}

TEST_CASE("sgd with weight decay and with dampening") {
  // decay 0.1: g = p + 0.1 p = 1.1 p, p <- p - 0.11 p = 0.89 p each step.
  check_trajectory(run(json{{"type", "sgd"}, {"lr", 0.1}, {"weight_decay", 0.1}}, 2),
                   {{0.89, -1.78}, {0.7921, -1.5842}});
  // dampening 0.5 (not applied on the first step): buf1 = 1, p = 0.9;
  // buf2 = 0.9 * 1 + 0.5 * 0.9 = 1.35, p = 0.9 - 0.135 = 0.765.
  check_trajectory(
      run(json{{"type", "sgd"}, {"lr", 0.1}, {"momentum", 0.9}, {"dampening", 0.5}}, 2),
      {{0.9, -1.8}, {0.765, -1.53}});
}

TEST_CASE("adam: bias correction by optimiser step, eps after the square root") {
  // lr 0.1, betas (0.9, 0.999), p0 = 1.
  // step 1: m = 0.1, v = 0.001; m/(1-0.9) = 1, v/(1-0.999) = 1: p = 1 - 0.1 * 1/(1 + 1e-8)
  // step 2: g = 0.9: m = 0.09 + 0.09 = 0.18, v = 0.000999 + 0.00081 = 0.001809,
  //   p = 0.9 - (0.1 / 0.19) * 0.18 / (sqrt(0.001809) / sqrt(0.001999) + 1e-8) = 0.80041223
  // step 3 likewise: 0.70158627. For p0 = -2 the first step also moves by exactly 0.1.
  check_trajectory(run(json{{"type", "adam"}, {"lr", 0.1}}, 3),
                   {{0.900000001, -1.9000000005},
                    {0.8004122297123382, -1.8001664866210927},
                    {0.701586274504415, -1.7006233928121137}});
}

TEST_CASE("adam's weight decay is L2 added to the gradient, adamw's is decoupled") {
  // adam, decay 0.1: g = 1.1 p; step 1 still moves by lr * 1.1/(1.1 + 1e-8).
  check_trajectory(
      run(json{{"type", "adam"}, {"lr", 0.1}, {"weight_decay", 0.1}}, 2),
      {{0.9000000009090909, -1.9000000004545454}, {0.8004122295267844, -1.8001664865292035}});
  // adamw, decay 0.1: p <- p (1 - 0.1 * 0.1) = 0.99, then the Adam step of 0.1: 0.89.
  check_trajectory(run(json{{"type", "adamw"}, {"lr", 0.1}, {"weight_decay", 0.1}}, 2),
                   {{0.890000001, -1.8800000005}, {0.781571856954161, -1.7614089510885826}});
}

TEST_CASE("adam with amsgrad uses the running maximum of v") {
  // One parameter, gradients 1, 0.001, 0.001 (v falls after the first step, so the maximum
  // differs from v; values from torch.optim.Adam(amsgrad=True) in float64).
  for (const bool amsgrad : {true, false}) {
    CAPTURE(amsgrad);
    std::vector<float> p = {1.0f}, g = {0.0f};
    auto opt = make_optimizer(json{{"type", "adam"}, {"lr", 0.1}, {"amsgrad", amsgrad}},
                              ParameterView{p.data(), g.data(), 1});
    std::vector<double> expected =
        amsgrad ? std::vector<double>{0.900000001, 0.8329532741445618, 0.7810879989072801}
                : std::vector<double>{0.900000001, 0.8329197591918013, 0.7810026187580827};
    const float grads[] = {1.0f, 0.001f, 0.001f};
    for (int s = 0; s < 3; ++s) {
      g[0] = grads[s];
      opt->step();
      CHECK(p[0] == doctest::Approx(expected[static_cast<std::size_t>(s)]).epsilon(1e-6));
    }
  }
}

TEST_CASE("rmsprop: plain, and centered with momentum") {
  // lr 0.01, alpha 0.99: step 1: s = 0.01, p = 1 - 0.01 * 1/(0.1 + 1e-8) = 0.9.
  // step 2: s = 0.0099 + 0.0081 = 0.018, p = 0.9 - 0.01 * 0.9 / sqrt(0.018) = 0.83291798.
  check_trajectory(
      run(json{{"type", "rmsprop"}, {"lr", 0.01}}, 2),
      {{0.9000000099999991, -1.9000000049999999}, {0.8329179752650593, -1.8309433328172848}});
  check_trajectory(
      run(json{{"type", "rmsprop"}, {"lr", 0.01}, {"centered", true}, {"momentum", 0.5}}, 2),
      {{0.8994962285750879, -1.8994962235245836}, {0.7815075013905756, -1.7795002681178622}});
}

TEST_CASE("optimiser state saves and restores: a resumed run continues identically") {
  const json spec = {{"type", "adam"}, {"lr", 0.05}};
  Quadratic a, b;
  auto first = make_optimizer(spec, a.view());
  for (int i = 0; i < 3; ++i) {
    a.compute_gradient();
    first->step();
  }
  b.values = a.values;
  auto second = make_optimizer(spec, b.view());
  second->load_state(first->state());
  CHECK(second->steps() == 3);
  for (int i = 0; i < 2; ++i) {
    a.compute_gradient();
    first->step();
    b.compute_gradient();
    second->step();
  }
  CHECK(a.values == b.values);

  OptimizerState wrong = first->state();
  wrong.buffers["exp_avg"].pop_back();
  CHECK_THROWS_AS(second->load_state(wrong), ConfigError);
}

TEST_CASE("zero_grad, gradient norm and clipping as clip_grad_norm_") {
  Quadratic q;
  q.grads = {3.0f, 4.0f};
  CHECK(gradient_norm(q.view()) == doctest::Approx(5.0));
  CHECK(clip_gradient_norm(q.view(), 1.0) == doctest::Approx(5.0));
  CHECK(q.grads[0] == doctest::Approx(3.0 / (5.0 + 1e-6)));
  CHECK(gradient_norm(q.view()) == doctest::Approx(1.0).epsilon(1e-6));
  clip_gradient_norm(q.view(), 10.0);  // below the limit: untouched
  CHECK(gradient_norm(q.view()) == doctest::Approx(1.0).epsilon(1e-6));
  auto opt = make_optimizer("sgd", q.view());
  opt->zero_grad();
  CHECK(q.grads == std::vector<float>{0.0f, 0.0f});
}

TEST_CASE("optimiser specs are validated with paths, ranges and suggestions") {
  Quadratic q;
  CHECK_THROWS_WITH_AS(make_optimizer(json{{"type", "adamm"}}, q.view()),
                       doctest::Contains("did you mean 'adam'"), ConfigError);
  CHECK_THROWS_WITH_AS(make_optimizer(json{{"type", "sgd"}, {"lr", 0}}, q.view()),
                       doctest::Contains("optimizer.lr: value 0 is out of range"), ConfigError);
  CHECK_THROWS_WITH_AS(make_optimizer(json{{"type", "sgd"}, {"nesterov", true}}, q.view()),
                       doctest::Contains("needs momentum > 0"), ConfigError);
  CHECK_THROWS_WITH_AS(
      make_optimizer(json{{"type", "adam"}, {"beta1", 1.0}, {"lr", "x"}}, q.view()),
      doctest::Contains("optimizer.lr: expected a number, found a string"), ConfigError);
}

TEST_CASE("schedules: warm-up, step, exponential and cosine factors") {
  auto constant = make_schedule(json{{"type", "constant"}, {"warmup_steps", 4}});
  CHECK(constant->factor(0, 10, 100) == doctest::Approx(0.25));
  CHECK(constant->factor(3, 10, 100) == doctest::Approx(1.0));
  CHECK(constant->factor(50, 10, 100) == doctest::Approx(1.0));
  auto step = make_schedule(json{{"type", "step"}, {"step_size", 2}, {"gamma", 0.5}});
  CHECK(step->factor(19, 10, 100) == doctest::Approx(1.0));   // epoch 1
  CHECK(step->factor(20, 10, 100) == doctest::Approx(0.5));   // epoch 2
  CHECK(step->factor(45, 10, 100) == doctest::Approx(0.25));  // epoch 4
  auto exponential = make_schedule(json{{"type", "exponential"}, {"gamma", 0.9}});
  CHECK(exponential->factor(25, 10, 100) == doctest::Approx(0.81));
  auto cosine = make_schedule(json{{"type", "cosine"}, {"min_factor", 0.1}});
  CHECK(cosine->factor(0, 10, 100) == doctest::Approx(1.0));
  CHECK(cosine->factor(50, 10, 100) == doctest::Approx(0.55));
  CHECK(cosine->factor(100, 10, 100) == doctest::Approx(0.1));
  CHECK_THROWS_AS(make_schedule("cosin"), ConfigError);
}
