// Refusing work that cannot fit in memory before allocating it, with the figure: a config that
// asks for 10^14 parameters or 10^13 generated values gets a message, not "out of memory".
#pragma once

#include <cstdint>
#include <string>

namespace nnfit {

// The machine's physical memory in bytes (0 when unknown).
std::uint64_t physical_memory_bytes();

// a * b, or UINT64_MAX when the product overflows.
std::uint64_t saturating_multiply(std::uint64_t a, std::uint64_t b);
std::uint64_t saturating_add(std::uint64_t a, std::uint64_t b);

// "1.5 GB", "312 MB", "4.0 KB".
std::string format_bytes(std::uint64_t bytes);

// Throws ConfigError "<what> needs about N GB of memory; this machine has M GB" when `bytes`
// exceeds the physical memory.
void check_fits_in_memory(std::uint64_t bytes, const std::string& what);

}  // namespace nnfit
