// Reading a file whole, and writing files so that nothing is lost: the bytes go to a temporary file
// in the same folder, which is flushed to disk and then renamed over the target. A reader (or a
// crash) sees the old file or the new one, never half of one.
#pragma once

#include <string>
#include <string_view>

namespace nnfit {

// Throws DataError naming the path when any step fails; the temporary file is removed.
void write_file_atomically(const std::string& path, std::string_view bytes);

// A whole file's bytes. Throws DataError "<path>: is a directory, expected <what>" or
// "<path>: cannot open: <reason>".
std::string read_file_bytes(const std::string& path, const std::string& what = "a file");

}  // namespace nnfit
