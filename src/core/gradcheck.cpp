#include "nnfit/gradcheck.hpp"

#include <cfloat>
#include <cmath>
#include <functional>
#include <sstream>

namespace nnfit {

std::string GradientCheckResult::summary() const {
  std::ostringstream out;
  out << (ok ? "ok" : "FAILED") << ": " << checked << " derivatives checked, max error "
      << max_error;
  for (std::size_t i = 0; i < failures.size() && i < 10; ++i) out << "\n  " << failures[i];
  if (failures.size() > 10) out << "\n  ... and " << failures.size() - 10 << " more";
  return out.str();
}

namespace {

// Central differences of `objective` with respect to each of the n floats at `values`,
// compared with `analytic`. `objective` returns {L, sum |w*y|}.
void compare(const std::string& label, float* values, const float* analytic, Index n, Index cols,
             const std::function<std::pair<double, double>()>& objective,
             const GradientCheckOptions& options, GradientCheckResult& result) {
  for (Index i = 0; i < n; ++i) {
    const float original = values[i];
    const double h = options.step * std::max(1.0, std::abs(static_cast<double>(original)));
    values[i] = static_cast<float>(original + h);
    const double up = static_cast<double>(values[i]) - original;
    const auto [plus, magnitude] = objective();
    values[i] = static_cast<float>(original - h);
    const double down = original - static_cast<double>(values[i]);
    const double minus = objective().first;
    values[i] = original;
    const double numeric = (plus - minus) / (up + down);
    const double exact = analytic[i];
    const double error = std::abs(numeric - exact);
    const double noise = 16.0 * FLT_EPSILON * magnitude / h;
    const double allowed =
        options.atol + options.rtol * std::max(std::abs(numeric), std::abs(exact)) + noise;
    ++result.checked;
    result.max_error = std::max(result.max_error, error);
    if (!(error <= allowed)) {
      result.ok = false;
      std::ostringstream line;
      line << label << "[" << i / cols << "," << i % cols << "]: analytic " << exact << ", numeric "
           << numeric << " (allowed error " << allowed << ")";
      result.failures.push_back(line.str());
    }
  }
}

}  // namespace

GradientCheckResult check_gradients(Layer& layer, const Matrix& input,
                                    const GradientCheckOptions& options) {
  Rng rng(options.seed);
  const Index width = layer.setup(input.cols());
  Index count = 0;
  const auto shapes = layer.parameter_shapes();
  for (const auto& shape : shapes) count += shape.size();
  std::vector<float> values(static_cast<std::size_t>(count)), grads(values.size(), 0.0f);
  layer.bind(values.data(), grads.data());
  layer.initialize(rng, nullptr);

  Matrix w(input.rows(), width);
  for (Index i = 0; i < w.size(); ++i) w.data()[i] = static_cast<float>(rng.normal());
  const Rng stream = rng.fork(1);

  Matrix x = input;
  Matrix y;
  auto run_forward = [&] {
    Rng local = stream;
    layer.forward(x, y, {.training = options.training, .rng = &local});
  };
  auto objective = [&]() -> std::pair<double, double> {
    run_forward();
    double sum = 0.0, magnitude = 0.0;
    for (Index i = 0; i < y.size(); ++i) {
      const double term = static_cast<double>(w.data()[i]) * y.data()[i];
      sum += term;
      magnitude += std::abs(term);
    }
    return {sum, magnitude};
  };

  run_forward();
  Matrix g;
  layer.backward(x, y, w, &g);

  GradientCheckResult result;
  const Matrix analytic_input = g;
  compare("input", x.data(), analytic_input.data(), x.size(), x.cols(), objective, options, result);
  Index offset = 0;
  const std::vector<float> analytic_params = grads;
  for (const auto& shape : shapes) {
    compare(shape.name, values.data() + offset, analytic_params.data() + offset, shape.size(),
            shape.cols, objective, options, result);
    offset += shape.size();
  }
  return result;
}

GradientCheckResult check_gradients(Model& model, const Loss& loss, const Matrix& input,
                                    const Target& target, const GradientCheckOptions& options) {
  const Rng stream = Rng(options.seed).fork(1);
  auto run_forward = [&]() -> const Matrix& {
    Rng local = stream;
    return model.forward(input, {.training = options.training, .rng = &local});
  };
  auto objective = [&]() -> std::pair<double, double> {
    const double value = loss.evaluate(run_forward(), target, nullptr);
    return {value, std::abs(value)};
  };
  model.zero_grad();
  run_forward();
  model.backward(loss, target);
  const std::vector<float> analytic(model.gradients(), model.gradients() + model.num_parameters());
  GradientCheckResult result;
  for (const auto& info : model.parameter_info()) {
    const Index cols = info.shape.back();
    compare(info.name, model.values() + info.offset, analytic.data() + info.offset, info.size, cols,
            objective, options, result);
  }
  return result;
}

}  // namespace nnfit
