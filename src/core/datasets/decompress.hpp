// A whole file's bytes in memory, decompressed when it is gzip, bzip2 or xz (recognised by
// content: 1f 8b, "BZh", fd "7zXZ" 00), as R writes its data files (save(compress = TRUE,
// "bzip2" or "xz")). librdata, as Debian builds it, links no compression library, so the
// R data reader hands it the decompressed stream.
//
// Untrusted input: the output grows in 1 MiB steps and is checked against the machine's
// memory before each step (a 1 KB "bomb" claiming terabytes fails with a message when it
// passes that, not when the machine runs out); a truncated or corrupt stream is a DataError
// naming the compressed byte where it failed.
#pragma once

#include <string>

namespace nnfit {

struct FileBytes {
  std::string bytes;        // decompressed
  std::string compression;  // "none", "gzip", "bzip2" or "xz"
};

// The decompressed content of `text` (a file's bytes); `origin` names it in messages.
FileBytes decompress(std::string text, const std::string& origin);

}  // namespace nnfit
