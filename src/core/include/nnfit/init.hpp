// Weight initialisers, by name, with PyTorch's semantics (torch.nn.init). A weight is
// [fan_out, fan_in] as in nn.Linear.
//
//   he_normal       N(0, 2 / fan_in)                 kaiming_normal_(nonlinearity='relu')
//   he_uniform      U(+-sqrt(6 / fan_in))            kaiming_uniform_(nonlinearity='relu')
//   glorot_normal   N(0, 2 / (fan_in + fan_out))     xavier_normal_
//   glorot_uniform  U(+-sqrt(6 / (fan_in + fan_out))) xavier_uniform_
//   lecun_normal    N(0, 1 / fan_in)                 (SELU's init, Klambauer et al. 2017)
//   lecun_uniform   U(+-sqrt(3 / fan_in))
//   zeros           0
//   torch_default   U(+-1 / sqrt(fan_in))            nn.Linear's reset_parameters
//                                                    (kaiming_uniform_ with a = sqrt(5))
// "auto" is resolved by the Dense layer from the activation that follows it: lecun_normal
// for selu, he_normal for the ReLU family (relu, leaky_relu, prelu, elu, celu, gelu, silu,
// mish, softplus), glorot_uniform for everything else (tanh, sigmoid, softsign, linear, ...).
#pragma once

#include <string>

#include "nnfit/rng.hpp"
#include "nnfit/types.hpp"

namespace nnfit {

// Fills `weight` with the named initialiser; throws ConfigError for unknown names.
void initialize_weight(const std::string& name, MatrixMap weight, Rng& rng);

}  // namespace nnfit
