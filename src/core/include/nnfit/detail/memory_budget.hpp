// Refusing work that cannot fit in memory before allocating it, with the figure: a config that
// asks for 10^14 parameters or 10^13 generated values gets a message, not "out of memory".
#pragma once

#include <cstddef>
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

// Asks Linux to back [data, data + bytes) with transparent huge pages (2 MB) when the system
// allows them on request (/sys/kernel/mm/transparent_hugepage/enabled: madvise, Debian's
// default). For a data set's matrices, before they are first written: filling Fashion-MNIST's
// 220 MB took about 55,000 page faults with 4 KB pages, a third of a one-epoch run's time from
// start to exit. Only the 2 MB-aligned interior is advised; elsewhere, and off Linux, nothing.
void advise_huge_pages(void* data, std::size_t bytes);

}  // namespace nnfit
