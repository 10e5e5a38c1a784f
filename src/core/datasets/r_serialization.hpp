// A structural check of R's serialization format (XDR: what save() and saveRDS() write),
// walked before librdata reads the bytes.
//
// librdata allocates what a length field claims before it reads the values, and recurses
// once per nested object: a 100-byte file claiming a 2^31-element vector, or nesting a list
// 10^6 deep, would take gigabytes or the stack. This walk reads every object's header and
// length without allocating, and refuses, with the byte where it stands:
//   - a length beyond the bytes left (so librdata's allocations stay within a few times the
//     file's decompressed size), a long vector (over 2^31 - 1 elements),
//   - nesting deeper than kMaxRDepth (pairlists' tails are walked in a loop, not recursion),
//   - a reference to an object not yet read, a type nnfit does not read (byte code, ...),
//   - ASCII or native-binary streams (save(ascii = TRUE)), bytes after the last object.
// The format: R Internals, section 1.8 "Serialization formats", and R's serialize.c.
#pragma once

#include <string>

namespace nnfit {

inline constexpr int kMaxRDepth = 64;

// Throws DataError "<origin>: byte N: <what>" when `bytes` (decompressed) is not a well-formed
// R data stream ("RDX2\n" / "RDX3\n" then "X\n", or an .rds stream starting at "X\n").
void check_r_serialization(const std::string& bytes, const std::string& origin);

}  // namespace nnfit
