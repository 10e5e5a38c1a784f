// Every built-in activation, forward and derivative side by side, and their registration.
//
// Shapes: x, y, gy, gx are all [batch, units]. Derivatives follow PyTorch at exactly x = 0
// (the x <= 0 branch: relu'(0) = 0, leaky_relu'(0) = slope, elu'(0) = alpha) and stay finite
// for |x| up to 1e4 in float32: every exp() that can overflow feeds only a branch that is not
// selected, or a ratio whose limit is taken explicitly. Where the derivative can be written in
// terms of the output (elu, selu, sigmoid, tanh) it is, so backward needs no second exp().
// Adding an activation: a struct here, a line in add_builtin_activations(), and its test.
#include <cmath>

// Eigen's AVX-512 packets trip two GCC 12 false alarms here: -Wignored-attributes on
// Packet16f as a template argument, and -Wuninitialized inside GCC's own avx512fintrin.h
// (GCC bug 105593, fixed in GCC 13). Both concern the compiler's headers, not this file.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wignored-attributes"
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif

#include "layers/activation_layer.hpp"
#include "nnfit/activation.hpp"
#include "nnfit/activations.hpp"
#include "nnfit/registry.hpp"

namespace nnfit {

namespace {

// Packet (SIMD) helpers. Eigen 3.4 does not vectorise select(), so an activation with a
// branch written as an Eigen expression runs one scalar exp() per element; those activations
// are written with Eigen's packet functions (pexpm1, plog1p, pselect, ...) instead.
const Schema<NoOptions>& no_options() {
  static const Schema<NoOptions> schema;
  return schema;
}

namespace pk = Eigen::internal;
using Packet = pk::packet_traits<float>::type;
constexpr int kPacketSize = pk::unpacket_traits<Packet>::size;

inline Packet splat(float v) {
  return pk::pset1<Packet>(v);
}
// mask of lanes where a > b
inline Packet greater(const Packet& a, const Packet& b) {
  return pk::pcmp_lt(b, a);
}

// out[i] = op(a[i]) or op(a[i], b[i], c[i]), whole packets, then the tail through a padded one.
template <class Op>
void packets(Index n, float* out, Op op, const float* a, const float* b = nullptr,
             const float* c = nullptr) {
  Index i = 0;
  for (; i + kPacketSize <= n; i += kPacketSize)
    pk::pstoreu(out + i, op(pk::ploadu<Packet>(a + i), b ? pk::ploadu<Packet>(b + i) : Packet{},
                            c ? pk::ploadu<Packet>(c + i) : Packet{}));
  if (i == n) return;
  alignas(64) float ta[kPacketSize] = {}, tb[kPacketSize] = {}, tc[kPacketSize] = {},
                    to[kPacketSize];
  std::copy(a + i, a + n, ta);
  if (b) std::copy(b + i, b + n, tb);
  if (c) std::copy(c + i, c + n, tc);
  pk::pstore(to, op(pk::pload<Packet>(ta), pk::pload<Packet>(tb), pk::pload<Packet>(tc)));
  std::copy(to, to + (n - i), out + i);
}

template <class Impl>
concept HasPackets = requires(const Impl& impl, const Packet& p) {
  impl.packet_f(p);
  impl.packet_df(p, p);
};

// An element-wise activation from a struct with f(x) and df(x, y) over Eigen arrays.
template <class Impl>
class Elementwise final : public Activation {
 public:
  explicit Elementwise(Impl impl) : impl_(impl) {}
  std::string name() const override { return Impl::kName; }
  json config() const override {
    json spec = Impl::schema().write(impl_.options);
    spec["type"] = Impl::kName;
    return spec;
  }
  void forward(const Matrix& x, Matrix& y) const override {
    y.resize(x.rows(), x.cols());
    if constexpr (HasPackets<Impl>) {
      packets(
          x.size(), y.data(),
          [&](const Packet& v, const Packet&, const Packet&) { return impl_.packet_f(v); },
          x.data());
    } else {
      y.array() = impl_.f(x.array());
    }
  }
  void backward(const Matrix& x, const Matrix& y, const Matrix& gy, Matrix& gx) const override {
    gx.resize(x.rows(), x.cols());
    if constexpr (HasPackets<Impl>) {
      packets(
          x.size(), gx.data(),
          [&](const Packet& xv, const Packet& yv, const Packet& g) {
            return pk::pmul(g, impl_.packet_df(xv, yv));
          },
          x.data(), y.data(), gy.data());
    } else {
      gx.array() = gy.array() * impl_.df(x.array(), y.array());
    }
  }
  std::string recommended_init() const override { return Impl::kInit; }

 private:
  Impl impl_;
};

// f(x) = x; f'(x) = 1.
struct Linear {
  static constexpr const char* kName = "linear";
  static constexpr const char* kInit = "glorot_uniform";
  NoOptions options;
  static const Schema<NoOptions>& schema() { return no_options(); }
  template <class X>
  auto f(const X& x) const {
    return x;
  }
  template <class X, class Y>
  auto df(const X& x, const Y&) const {
    return X::Ones(x.rows(), x.cols());
  }
};

// ReLU, f(x) = max(0, x); f'(x) = 1 if x > 0 else 0.
// Nair and Hinton 2010; Glorot, Bordes, Bengio 2011, "Deep sparse rectifier neural networks".
struct Relu {
  static constexpr const char* kName = "relu";
  static constexpr const char* kInit = "he_normal";
  NoOptions options;
  static const Schema<NoOptions>& schema() { return no_options(); }
  Packet packet_f(const Packet& x) const { return pk::pmax(x, splat(0.0f)); }
  Packet packet_df(const Packet& x, const Packet&) const {
    return pk::pselect(greater(x, splat(0.0f)), splat(1.0f), splat(0.0f));
  }
};

// Leaky ReLU, f(x) = x if x > 0 else a*x; f'(x) = 1 if x > 0 else a (a = slope, 0.01).
// Maas, Hannun, Ng 2013, "Rectifier nonlinearities improve neural network acoustic models".
struct LeakyRelu {
  static constexpr const char* kName = "leaky_relu";
  static constexpr const char* kInit = "he_normal";
  explicit LeakyRelu(const LeakyReluOptions& o) : options(o), slope(static_cast<float>(o.slope)) {}
  static const Schema<LeakyReluOptions>& schema() {
    static const auto s = Schema<LeakyReluOptions>().number("slope", &LeakyReluOptions::slope,
                                                            "the slope for x <= 0", {0.0, 1.0});
    return s;
  }
  LeakyReluOptions options;
  float slope;
  Packet packet_f(const Packet& x) const {
    return pk::pselect(greater(x, splat(0.0f)), x, pk::pmul(splat(slope), x));
  }
  Packet packet_df(const Packet& x, const Packet&) const {
    return pk::pselect(greater(x, splat(0.0f)), splat(1.0f), splat(slope));
  }
};

// ELU, f(x) = x if x > 0 else alpha*(exp(x) - 1); f'(x) = 1 if x > 0 else f(x) + alpha.
// Clevert, Unterthiner, Hochreiter 2015, "Fast and accurate deep network learning by ELUs".
struct Elu {
  static constexpr const char* kName = "elu";
  static constexpr const char* kInit = "he_normal";
  explicit Elu(const EluOptions& o) : options(o), alpha(static_cast<float>(o.alpha)) {}
  static const Schema<EluOptions>& schema() {
    static const auto s = Schema<EluOptions>().number("alpha", &EluOptions::alpha,
                                                      "the value approached as x -> -inf, negated",
                                                      Bounds::positive());
    return s;
  }
  EluOptions options;
  float alpha;
  Packet packet_f(const Packet& x) const {
    const Packet negative = pk::pmul(splat(alpha), pk::pexpm1(pk::pmin(x, splat(0.0f))));
    return pk::pselect(greater(x, splat(0.0f)), x, negative);
  }
  Packet packet_df(const Packet& x, const Packet& y) const {
    return pk::pselect(greater(x, splat(0.0f)), splat(1.0f), pk::padd(y, splat(alpha)));
  }
};

// SELU, f(x) = scale*x if x > 0 else scale*alpha*(exp(x) - 1);
// f'(x) = scale if x > 0 else f(x) + scale*alpha (not scale*(f(x) + alpha): a known slip).
// Klambauer, Unterthiner, Mayr, Hochreiter 2017, "Self-normalizing neural networks". The
// constants are the paper's full-precision values (as PyTorch), rounded once to float.
constexpr double kSeluAlpha = 1.6732632423543772848170429916717;
constexpr double kSeluScale = 1.0507009873554804934193349852946;
struct Selu {
  static constexpr const char* kName = "selu";
  static constexpr const char* kInit = "lecun_normal";
  static constexpr auto kScale = static_cast<float>(kSeluScale);
  static constexpr auto kScaleAlpha = static_cast<float>(kSeluScale * kSeluAlpha);
  NoOptions options;
  static const Schema<NoOptions>& schema() { return no_options(); }
  Packet packet_f(const Packet& x) const {
    const Packet negative = pk::pmul(splat(kScaleAlpha), pk::pexpm1(pk::pmin(x, splat(0.0f))));
    return pk::pselect(greater(x, splat(0.0f)), pk::pmul(splat(kScale), x), negative);
  }
  Packet packet_df(const Packet& x, const Packet& y) const {
    return pk::pselect(greater(x, splat(0.0f)), splat(kScale), pk::padd(y, splat(kScaleAlpha)));
  }
};

// CELU, f(x) = max(0, x) + min(0, alpha*(exp(x/alpha) - 1)); f'(x) = 1 if x > 0 else
// exp(x/alpha). Barron 2017, "Continuously differentiable exponential linear units".
struct Celu {
  static constexpr const char* kName = "celu";
  static constexpr const char* kInit = "he_normal";
  explicit Celu(const CeluOptions& o) : options(o), alpha(static_cast<float>(o.alpha)) {}
  static const Schema<CeluOptions>& schema() {
    static const auto s = Schema<CeluOptions>().number(
        "alpha", &CeluOptions::alpha, "the scale of the negative part", Bounds::positive());
    return s;
  }
  CeluOptions options;
  float alpha;
  Packet packet_f(const Packet& x) const {
    const Packet scaled = pk::pdiv(pk::pmin(x, splat(0.0f)), splat(alpha));
    return pk::pselect(greater(x, splat(0.0f)), x, pk::pmul(splat(alpha), pk::pexpm1(scaled)));
  }
  Packet packet_df(const Packet& x, const Packet&) const {
    const Packet scaled = pk::pdiv(pk::pmin(x, splat(0.0f)), splat(alpha));
    return pk::pselect(greater(x, splat(0.0f)), splat(1.0f), pk::pexp(scaled));
  }
};

// Softsign, f(x) = x / (1 + |x|); f'(x) = 1 / (1 + |x|)^2.
// Glorot and Bengio 2010, "Understanding the difficulty of training deep feedforward nets".
struct Softsign {
  static constexpr const char* kName = "softsign";
  static constexpr const char* kInit = "glorot_uniform";
  NoOptions options;
  static const Schema<NoOptions>& schema() { return no_options(); }
  template <class X>
  auto f(const X& x) const {
    return x / (1.0f + x.abs());
  }
  template <class X, class Y>
  auto df(const X& x, const Y&) const {
    return (1.0f + x.abs()).square().inverse();
  }
};

// Softplus, f(x) = log(1 + exp(beta*x)) / beta, and x where beta*x > threshold (PyTorch);
// computed as (max(bx, 0) + log1p(exp(-|bx|))) / beta so nothing overflows.
// f'(x) = sigmoid(beta*x), and 1 above the threshold. Dugas et al. 2001; Glorot et al. 2011.
struct Softplus {
  static constexpr const char* kName = "softplus";
  static constexpr const char* kInit = "he_normal";
  explicit Softplus(const SoftplusOptions& o)
      : options(o), beta(static_cast<float>(o.beta)), threshold(static_cast<float>(o.threshold)) {}
  static const Schema<SoftplusOptions>& schema() {
    static const auto s =
        Schema<SoftplusOptions>()
            .number("beta", &SoftplusOptions::beta, "sharpness", Bounds::positive())
            .number("threshold", &SoftplusOptions::threshold, "linear where beta * x exceeds it",
                    Bounds::positive());
    return s;
  }
  SoftplusOptions options;
  float beta;
  float threshold;
  Packet packet_f(const Packet& x) const {
    const Packet bx = pk::pmul(splat(beta), x);
    const Packet smooth = pk::pdiv(
        pk::padd(pk::pmax(bx, splat(0.0f)), pk::plog1p(pk::pexp(pk::pnegate(pk::pabs(bx))))),
        splat(beta));
    return pk::pselect(greater(bx, splat(threshold)), x, smooth);
  }
  Packet packet_df(const Packet& x, const Packet&) const {
    // sigmoid(bx) = 1 / (1 + exp(-bx)); exp(-bx) -> inf gives exactly 0, as it should.
    const Packet bx = pk::pmul(splat(beta), x);
    const Packet sigmoid = pk::pdiv(splat(1.0f), pk::padd(splat(1.0f), pk::pexp(pk::pnegate(bx))));
    return pk::pselect(greater(bx, splat(threshold)), splat(1.0f), sigmoid);
  }
};

// Sigmoid, f(x) = 1 / (1 + exp(-x)); f'(x) = f(x)(1 - f(x)).
struct Sigmoid {
  static constexpr const char* kName = "sigmoid";
  static constexpr const char* kInit = "glorot_uniform";
  NoOptions options;
  static const Schema<NoOptions>& schema() { return no_options(); }
  template <class X>
  auto f(const X& x) const {
    return (1.0f + (-x).exp()).inverse();
  }
  template <class X, class Y>
  auto df(const X&, const Y& y) const {
    return y * (1.0f - y);
  }
};

// Tanh, f(x) = tanh(x); f'(x) = 1 - f(x)^2.
struct Tanh {
  static constexpr const char* kName = "tanh";
  static constexpr const char* kInit = "glorot_uniform";
  NoOptions options;
  static const Schema<NoOptions>& schema() { return no_options(); }
  template <class X>
  auto f(const X& x) const {
    return x.tanh();
  }
  template <class X, class Y>
  auto df(const X&, const Y& y) const {
    return 1.0f - y.square();
  }
};

// GELU, exact: f(x) = x*Phi(x) = x/2 (1 + erf(x/sqrt 2)); f'(x) = Phi(x) + x*phi(x).
// tanh approximation: f(x) = x/2 (1 + tanh(u)), u = sqrt(2/pi)(x + 0.044715 x^3);
// f'(x) = (1 + tanh u)/2 + x/2 (1 - tanh^2 u) sqrt(2/pi)(1 + 3*0.044715 x^2).
// Hendrycks and Gimpel 2016, "Gaussian error linear units (GELUs)".
struct Gelu {
  static constexpr const char* kName = "gelu";
  static constexpr const char* kInit = "he_normal";
  explicit Gelu(const GeluOptions& o) : options(o), tanh_approximation(o.approximate == "tanh") {}
  static const Schema<GeluOptions>& schema() {
    static const auto s =
        Schema<GeluOptions>().choice("approximate", &GeluOptions::approximate, {"none", "tanh"},
                                     "none: the exact x Phi(x); tanh: the tanh approximation");
    return s;
  }
  GeluOptions options;
  bool tanh_approximation;
  static constexpr float kSqrt2OverPi = 0.7978845608028654f;
  static constexpr float kInvSqrt2 = 0.7071067811865476f;
  static constexpr float kInvSqrt2Pi = 0.3989422804014327f;
  template <class X>
  auto tanh_u(const X& x) const {
    return (kSqrt2OverPi * (x + 0.044715f * x.cube())).tanh();
  }
  template <class X>
  auto phi_cdf(const X& x) const {
    return 0.5f * (1.0f + (x * kInvSqrt2).unaryExpr([](float v) { return std::erf(v); }));
  }
  template <class X>
  auto f(const X& x) const {
    return tanh_approximation ? (0.5f * x * (1.0f + tanh_u(x))).eval() : (x * phi_cdf(x)).eval();
  }
  template <class X, class Y>
  auto df(const X& x, const Y&) const {
    if (tanh_approximation) {
      const auto t = tanh_u(x).eval();
      return (0.5f * (1.0f + t) + 0.5f * x * (1.0f - t.square()) * kSqrt2OverPi *
                                      (1.0f + 3.0f * 0.044715f * x.square()))
          .eval();
    }
    return (phi_cdf(x) + x * kInvSqrt2Pi * (-0.5f * x.square()).exp()).eval();
  }
};

// SiLU / swish, f(x) = x*sigmoid(x); f'(x) = s(x)(1 + x(1 - s(x))).
// Elfwing, Uchibe, Doya 2017; Ramachandran, Zoph, Le 2017 ("swish").
struct Silu {
  static constexpr const char* kName = "silu";
  static constexpr const char* kInit = "he_normal";
  NoOptions options;
  static const Schema<NoOptions>& schema() { return no_options(); }
  template <class X>
  auto s(const X& x) const {
    return (1.0f + (-x).exp()).inverse();
  }
  template <class X>
  auto f(const X& x) const {
    return x * s(x);
  }
  template <class X, class Y>
  auto df(const X& x, const Y&) const {
    return s(x) * (1.0f + x * (1.0f - s(x)));
  }
};

// Mish, f(x) = x*tanh(softplus(x)); f'(x) = t + x*sigmoid(x)*(1 - t^2), t = tanh(softplus(x)).
// Misra 2019, "Mish: a self regularized non-monotonic activation function".
struct Mish {
  static constexpr const char* kName = "mish";
  static constexpr const char* kInit = "he_normal";
  NoOptions options;
  static const Schema<NoOptions>& schema() { return no_options(); }
  template <class X>
  auto t(const X& x) const {
    return (x.max(0.0f) + (-x.abs()).exp().log1p()).tanh();
  }
  template <class X>
  auto f(const X& x) const {
    return x * t(x);
  }
  template <class X, class Y>
  auto df(const X& x, const Y&) const {
    return t(x) + x * (1.0f + (-x).exp()).inverse() * (1.0f - t(x).square());
  }
};

// Softmax over each row, f(x)_i = exp(x_i - max) / sum_j exp(x_j - max);
// gx = y * (gy - sum_j gy_j y_j). For a classifier's output use softmax_cross_entropy on the
// logits instead: it fuses the two stably.
class Softmax final : public Activation {
 public:
  std::string name() const override { return "softmax"; }
  void forward(const Matrix& x, Matrix& y) const override {
    y.resize(x.rows(), x.cols());
    y = (x.colwise() - x.rowwise().maxCoeff()).array().exp().matrix();
    y.array().colwise() /= y.array().rowwise().sum();
  }
  void backward(const Matrix&, const Matrix& y, const Matrix& gy, Matrix& gx) const override {
    const Vector dot = (gy.array() * y.array()).rowwise().sum().matrix();
    gx.resize(y.rows(), y.cols());
    gx.array() = y.array() * (gy.array().colwise() - dot.array());
  }
};

// A user's activation from scalar functions (register_activation).
class ScalarActivation final : public Activation {
 public:
  ScalarActivation(std::string name, ScalarFunction f, ScalarDerivative df, std::string init)
      : name_(std::move(name)), f_(std::move(f)), df_(std::move(df)), init_(std::move(init)) {}
  std::string name() const override { return name_; }
  void forward(const Matrix& x, Matrix& y) const override {
    y.resize(x.rows(), x.cols());
    for (Index i = 0; i < x.size(); ++i) y.data()[i] = f_(x.data()[i]);
  }
  void backward(const Matrix& x, const Matrix& y, const Matrix& gy, Matrix& gx) const override {
    gx.resize(x.rows(), x.cols());
    for (Index i = 0; i < x.size(); ++i)
      gx.data()[i] = gy.data()[i] * df_(x.data()[i], y.data()[i]);
  }
  std::string recommended_init() const override { return init_; }

 private:
  std::string name_;
  ScalarFunction f_;
  ScalarDerivative df_;
  std::string init_;
};

// Registers an element-wise activation from its struct: its schema, its builder.
template <class Impl>
void add(ActivationRegistry& table, const char* summary) {
  using Options = std::remove_cvref_t<decltype(Impl::schema().defaults())>;
  table.add(Impl::kName, summary, Impl::schema(),
            [](const Options& options) -> std::unique_ptr<Activation> {
              if constexpr (std::is_same_v<Options, NoOptions>)
                return std::make_unique<Elementwise<Impl>>(Impl{});
              else
                return std::make_unique<Elementwise<Impl>>(Impl(options));
            },
            {Impl::kInit});
}

}  // namespace

void add_builtin_activations(Registries& r) {
  auto& a = r.activations;
  add<Linear>(a, "identity, f(x) = x");
  add<Relu>(a, "max(0, x) (Glorot et al. 2011)");
  add<LeakyRelu>(a, "x if x > 0 else slope*x (Maas et al. 2013)");
  add<Elu>(a, "x if x > 0 else alpha*(exp(x)-1) (Clevert et al. 2015)");
  add<Selu>(a, "scaled ELU, self-normalising (Klambauer et al. 2017)");
  add<Celu>(a, "continuously differentiable ELU (Barron 2017)");
  add<Softsign>(a, "x / (1 + |x|) (Glorot and Bengio 2010)");
  add<Softplus>(a, "log(1 + exp(beta*x))/beta, linear above threshold");
  add<Sigmoid>(a, "1 / (1 + exp(-x))");
  add<Tanh>(a, "hyperbolic tangent");
  a.add("softmax", "exp(x_i) / sum_j exp(x_j) over each row",
        []() -> std::unique_ptr<Activation> { return std::make_unique<Softmax>(); });
  add<Gelu>(a, "x * Phi(x) (Hendrycks and Gimpel 2016)");
  add<Silu>(a, "x * sigmoid(x), also called swish (Elfwing et al. 2017)");
  a.add("swish", "alias of silu",
        []() -> std::unique_ptr<Activation> { return std::make_unique<Elementwise<Silu>>(Silu{}); },
        {Silu::kInit});
  add<Mish>(a, "x * tanh(softplus(x)) (Misra 2019)");
}

void register_activation(const std::string& name, ScalarFunction f, ScalarDerivative derivative,
                         const std::string& summary, const std::string& recommended_init) {
  if (!f || !derivative) throw ConfigError("register_activation('" + name + "'): empty function");
  if (registry().layers.find(name))
    throw ConfigError("register_activation: '" + name + "' is already a layer name");
  registry().activations.add(name, summary,
                             [=]() -> std::unique_ptr<Activation> {
                               return std::make_unique<ScalarActivation>(name, f, derivative,
                                                                         recommended_init);
                             },
                             {recommended_init});
}

std::unique_ptr<Activation> make_activation(const json& spec, const std::string& path) {
  return build(registry().activations, spec, path);
}

namespace {
template <class Impl, class Options>
ActivationRecipe typed(const Options& options) {
  return ActivationRegistry::recipe(
      Impl::kName, Impl::schema(), options,
      [](const Options& o) -> std::unique_ptr<Activation> {
        return std::make_unique<Elementwise<Impl>>(Impl(o));
      },
      Impl::kInit);
}
}  // namespace

ActivationRecipe activation(const std::string& name) {
  return recipe_named(registry().activations, name, "activation");
}
ActivationRecipe leaky_relu(const LeakyReluOptions& options) {
  return typed<LeakyRelu>(options);
}
ActivationRecipe elu(const EluOptions& options) {
  return typed<Elu>(options);
}
ActivationRecipe celu(const CeluOptions& options) {
  return typed<Celu>(options);
}
ActivationRecipe softplus(const SoftplusOptions& options) {
  return typed<Softplus>(options);
}
ActivationRecipe gelu(const GeluOptions& options) {
  return typed<Gelu>(options);
}

}  // namespace nnfit
