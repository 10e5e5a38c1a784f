// Checks shared by the tests that run the nnfit command: a message holds a part, and a
// command is refused with an exit status and a message.
#pragma once

#include <doctest/doctest.h>

#include <string>

#include "tests/cli_support.hpp"

namespace nnfit::test {

inline bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// Runs nnfit with `args` and checks that it refuses with `status` and a message holding `part`.
inline void refused(const Workspace& w, const std::string& args, int status,
                    const std::string& part) {
  const Result r = w.run(args);
  CAPTURE(args);
  CHECK(r.status == status);
  CHECK_MESSAGE(has(r.err, part), r.err);
}

}  // namespace nnfit::test
