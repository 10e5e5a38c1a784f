// Weight initialisers (formulas in nnfit/init.hpp). Draws go row by row through the
// weight [fan_out, fan_in], from the Rng passed in, so a seed fixes them.
#include "nnfit/init.hpp"

#include <cmath>

#include "nnfit/registry.hpp"

namespace nnfit {

namespace {
void fill_normal(MatrixMap w, double stddev, Rng& rng) {
  for (Index i = 0; i < w.size(); ++i) w.data()[i] = static_cast<float>(rng.normal() * stddev);
}
void fill_uniform(MatrixMap w, double bound, Rng& rng) {
  for (Index i = 0; i < w.size(); ++i) w.data()[i] = static_cast<float>(rng.uniform(-bound, bound));
}
double fan_in(const MatrixMap& w) {
  return static_cast<double>(w.cols());
}
double fan_sum(const MatrixMap& w) {
  return static_cast<double>(w.cols() + w.rows());
}
}  // namespace

void add_builtin_initializers(Registries& r) {
  auto& i = r.initializers;
  i.add("he_normal", "N(0, 2/fan_in) (He et al. 2015)",
        [](MatrixMap w, Rng& rng) { fill_normal(w, std::sqrt(2.0 / fan_in(w)), rng); });
  i.add("he_uniform", "U(+-sqrt(6/fan_in)) (He et al. 2015)",
        [](MatrixMap w, Rng& rng) { fill_uniform(w, std::sqrt(6.0 / fan_in(w)), rng); });
  i.add("glorot_normal", "N(0, 2/(fan_in+fan_out)) (Glorot and Bengio 2010)",
        [](MatrixMap w, Rng& rng) { fill_normal(w, std::sqrt(2.0 / fan_sum(w)), rng); });
  i.add("glorot_uniform", "U(+-sqrt(6/(fan_in+fan_out))) (Glorot and Bengio 2010)",
        [](MatrixMap w, Rng& rng) { fill_uniform(w, std::sqrt(6.0 / fan_sum(w)), rng); });
  i.add("lecun_normal", "N(0, 1/fan_in) (LeCun et al. 1998; SELU's init)",
        [](MatrixMap w, Rng& rng) { fill_normal(w, std::sqrt(1.0 / fan_in(w)), rng); });
  i.add("lecun_uniform", "U(+-sqrt(3/fan_in))",
        [](MatrixMap w, Rng& rng) { fill_uniform(w, std::sqrt(3.0 / fan_in(w)), rng); });
  i.add("zeros", "all zero", [](MatrixMap w, Rng&) { w.setZero(); });
  i.add("torch_default", "U(+-1/sqrt(fan_in)), PyTorch's nn.Linear default",
        [](MatrixMap w, Rng& rng) { fill_uniform(w, 1.0 / std::sqrt(fan_in(w)), rng); });
}

void initialize_weight(const std::string& name, MatrixMap weight, Rng& rng) {
  const auto* entry = registry().initializers.find(name);
  if (!entry) throw ConfigError(registry().initializers.unknown(name));
  Diagnostics none;
  const json no_spec = json::object();
  SpecReader reader(no_spec, name, none);
  entry->read(reader).make(weight, rng);
}

}  // namespace nnfit
