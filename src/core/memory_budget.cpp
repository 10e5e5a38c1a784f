#include "nnfit/detail/memory_budget.hpp"

#include <unistd.h>
#ifdef __linux__
#include <sys/mman.h>
#endif

#include <cstdio>

#include "nnfit/error.hpp"

namespace nnfit {

std::uint64_t physical_memory_bytes() {
  const long pages = ::sysconf(_SC_PHYS_PAGES);
  const long page_size = ::sysconf(_SC_PAGESIZE);
  if (pages <= 0 || page_size <= 0) return 0;
  return saturating_multiply(static_cast<std::uint64_t>(pages),
                             static_cast<std::uint64_t>(page_size));
}

std::uint64_t saturating_multiply(std::uint64_t a, std::uint64_t b) {
  std::uint64_t product = 0;
  return __builtin_mul_overflow(a, b, &product) ? UINT64_MAX : product;
}

std::uint64_t saturating_add(std::uint64_t a, std::uint64_t b) {
  std::uint64_t sum = 0;
  return __builtin_add_overflow(a, b, &sum) ? UINT64_MAX : sum;
}

std::string format_bytes(std::uint64_t bytes) {
  const char* units[] = {"bytes", "KB", "MB", "GB", "TB", "PB", "EB"};
  double value = static_cast<double>(bytes);
  int unit = 0;
  while (value >= 1000.0 && unit < 6) value /= 1000.0, ++unit;
  char text[32];
  std::snprintf(text, sizeof text, unit == 0 ? "%.0f %s" : "%.3g %s", value, units[unit]);
  return text;
}

void check_fits_in_memory(std::uint64_t bytes, const std::string& what) {
  const std::uint64_t available = physical_memory_bytes();
  if (available == 0 || bytes <= available) return;
  throw ConfigError(what + " needs about " +
                    (bytes == UINT64_MAX ? std::string("more than 18 EB") : format_bytes(bytes)) +
                    " of memory; this machine has " + format_bytes(available));
}

void advise_huge_pages(void* data, std::size_t bytes) {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  constexpr std::uintptr_t kHuge = std::uintptr_t{2} << 20;
  const auto begin = reinterpret_cast<std::uintptr_t>(data);
  const std::uintptr_t first = (begin + kHuge - 1) & ~(kHuge - 1);
  const std::uintptr_t last = (begin + bytes) & ~(kHuge - 1);
  if (bytes < kHuge || last <= first) return;
  // Advice only: a kernel without THP says EINVAL, and the memory works the same.
  (void)madvise(reinterpret_cast<void*>(first), last - first, MADV_HUGEPAGE);
#else
  (void)data;
  (void)bytes;
#endif
}

}  // namespace nnfit
