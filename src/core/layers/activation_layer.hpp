// An Activation used as a layer of its own: {"type": "elu", "alpha": 1.0}.
#pragma once

#include <memory>

#include "nnfit/activation.hpp"
#include "nnfit/layer.hpp"

namespace nnfit {

class ActivationLayer final : public Layer {
 public:
  explicit ActivationLayer(std::unique_ptr<Activation> activation)
      : activation_(std::move(activation)) {}
  std::string type() const override { return activation_->name(); }
  json config() const override { return activation_->config(); }
  Index setup(Index input_size) override { return input_size; }
  std::string recommended_init() const override { return activation_->recommended_init(); }
  bool is_activation() const override { return true; }
  std::string activation_name() const override { return activation_->name(); }
  // input, output: [batch, units]
  void forward(const Matrix& input, Matrix& output, const ForwardContext&) override {
    activation_->forward(input, output);
  }
  // gy, g: [batch, units]
  void backward(const Matrix& input, const Matrix& output, const Matrix& gy, Matrix* g) override {
    if (g) activation_->backward(input, output, gy, *g);
  }

 private:
  std::unique_ptr<Activation> activation_;
};

}  // namespace nnfit
