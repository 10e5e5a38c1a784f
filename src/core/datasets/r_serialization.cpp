// Structural check of R's XDR serialization (datasets/r_serialization.hpp).
#include "datasets/r_serialization.hpp"

#include <cstdint>

#include "nnfit/error.hpp"

namespace nnfit {

namespace {

// SEXP types and the stream's pseudo-types (R's Rinternals.h and serialize.c).
enum : int {
  kSym = 1,
  kList = 2,
  kClosure = 3,
  kEnv = 4,
  kPromise = 5,
  kLang = 6,
  kSpecial = 7,
  kBuiltin = 8,
  kChar = 9,
  kLogical = 10,
  kInt = 13,
  kReal = 14,
  kComplex = 15,
  kStr = 16,
  kDots = 17,
  kVec = 19,
  kExpr = 20,
  kExtPtr = 22,
  kWeakRef = 23,
  kRaw = 24,
  kS4 = 25,
  kAltrep = 238,
  kAttrList = 239,
  kAttrLang = 240,
  kBaseEnv = 241,
  kEmptyEnv = 242,
  kPersist = 247,
  kPackage = 248,
  kNamespace = 249,
  kBaseNamespace = 250,
  kMissingArg = 251,
  kUnbound = 252,
  kGlobalEnv = 253,
  kNil = 254,
  kRef = 255
};

class Walker {
 public:
  Walker(const std::string& bytes, const std::string& origin) : b_(bytes), origin_(origin) {}

  void header() {
    if (b_.compare(0, 3, "RDA") == 0 || b_.compare(0, 3, "RDB") == 0)
      fail(
          "an ASCII or native-binary R workspace (save(ascii = TRUE)); re-save it with save()'s "
          "defaults");
    if (b_.compare(0, 3, "RDX") == 0) {
      if (b_.size() < 5 || (b_[3] != '2' && b_[3] != '3') || b_[4] != '\n')
        fail("not an R data file this reader knows (expected RDX2 or RDX3)");
      at_ = 5;
    }
    if (b_.compare(at_, 2, "X\n") != 0) {
      if (b_.compare(at_, 2, "A\n") == 0 || b_.compare(at_, 2, "B\n") == 0)
        fail(
            "an ASCII or native-binary R stream (save(ascii = TRUE)); re-save it with "
            "save() or saveRDS() defaults");
      fail("not an R data file (no RDX2/RDX3 or XDR header; is it an .rda/.rds file?)");
    }
    at_ += 2;
    const std::int32_t version = int32("the format version");
    int32("the writer's version");
    int32("the reader version");
    if (version != 2 && version != 3)
      fail("format version " + std::to_string(version) + " (R writes 2 or 3)");
    if (version == 3) skip(length("the native encoding's length"), 1, "the native encoding");
  }

  void body(bool workspace) {
    item(0);
    if (at_ != b_.size())
      fail(std::to_string(b_.size() - at_) + " bytes after the " +
           (workspace ? "workspace's objects" : "object"));
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw DataError(origin_ + ": byte " + std::to_string(at_) + " (decompressed): " + what);
  }

  std::int32_t int32(const char* what) {
    if (b_.size() - at_ < 4) fail(std::string("the file ends in ") + what + " (truncated?)");
    const auto* p = reinterpret_cast<const unsigned char*>(b_.data() + at_);
    at_ += 4;
    return static_cast<std::int32_t>(std::uint32_t{p[0]} << 24 | std::uint32_t{p[1]} << 16 |
                                     std::uint32_t{p[2]} << 8 | std::uint32_t{p[3]});
  }

  // A vector's length: -1 announces a long vector, which no data set here needs.
  std::size_t length(const char* what) {
    const std::int32_t n = int32(what);
    if (n == -1) fail("a long vector (over 2^31 - 1 elements) is not supported");
    if (n < 0) fail(std::string("a negative length in ") + what);
    return static_cast<std::size_t>(n);
  }

  void skip(std::size_t count, std::size_t size, const char* what) {
    if (count > (b_.size() - at_) / size)
      fail(std::string(what) + " claims " + std::to_string(count) + " elements of " +
           std::to_string(size) + " bytes; " + std::to_string(b_.size() - at_) + " bytes are left");
    at_ += count * size;
  }

  void items(std::size_t count, int depth, const char* what) {
    if (count > (b_.size() - at_) / 4) skip(count, 4, what);  // fails with the figures
    for (std::size_t i = 0; i < count; ++i) item(depth);
  }

  void character() {
    const std::int32_t n = int32("a string's length");
    if (n == -1) return;  // NA_character_
    if (n < 0) fail("a negative string length");
    skip(static_cast<std::size_t>(n), 1, "a string");
  }

  // One object; pairlists (attributes, workspaces) loop over their tails.
  void item(int depth) {
    if (depth > kMaxRDepth) fail("objects nested deeper than " + std::to_string(kMaxRDepth));
    for (;;) {
      const std::uint32_t flags = static_cast<std::uint32_t>(int32("an object's header"));
      const int type = static_cast<int>(flags & 0xFF);
      const bool has_attr = flags & (1u << 9), has_tag = flags & (1u << 10);
      if (type == kList || type == kLang || type == kClosure || type == kPromise || type == kDots ||
          type == kAttrList || type == kAttrLang) {
        if (has_attr || type == kAttrList || type == kAttrLang) item(depth + 1);
        if (has_tag) item(depth + 1);
        item(depth + 1);  // CAR; the CDR is the next turn of the loop
        continue;
      }
      // Vectors, strings, functions and S4 objects carry their attributes after them; the
      // others (symbols, environments, references, ALTREP) return before (serialize.c).
      if (scalar_or_vector(type, flags, depth) && has_attr) item(depth + 1);
      return;
    }
  }

  // Returns whether attributes may follow.
  bool scalar_or_vector(int type, std::uint32_t flags, int depth) {
    switch (type) {
      case kNil:
      case kGlobalEnv:
      case kUnbound:
      case kMissingArg:
      case kBaseNamespace:
      case kEmptyEnv:
      case kBaseEnv:
        return false;
      case kRef: {
        std::uint32_t index = flags >> 8;
        if (index == 0) index = static_cast<std::uint32_t>(int32("a reference"));
        if (index == 0 || index > refs_)
          fail("a reference to object " + std::to_string(index) + ", which was not read before");
        return false;
      }
      case kPersist:
      case kPackage:
      case kNamespace:
        if (int32("a name list") != 0) fail("a name list that does not start with 0");
        items(length("a name list's length"), depth + 1, "a name list");
        ++refs_;
        return false;
      case kSym:
        item(depth + 1);
        ++refs_;
        return false;
      case kEnv:
        int32("an environment's lock");
        ++refs_;
        for (int i = 0; i < 4; ++i) item(depth + 1);  // enclosure, frame, hash table, attributes
        return false;
      case kSpecial:
      case kBuiltin:
        skip(length("a function name"), 1, "a function name");
        return true;
      case kChar:
        character();
        return true;
      case kLogical:
      case kInt:
        skip(length("a vector's length"), 4, "a vector");
        return true;
      case kReal:
        skip(length("a vector's length"), 8, "a vector");
        return true;
      case kComplex:
        skip(length("a vector's length"), 16, "a vector");
        return true;
      case kRaw:
        skip(length("a vector's length"), 1, "a vector");
        return true;
      case kStr:
      case kVec:
      case kExpr:
        items(length("a list's length"), depth + 1, "a list");
        return true;
      case kS4:
        return true;
      case kExtPtr:
        ++refs_;
        item(depth + 1);
        item(depth + 1);
        return true;
      case kWeakRef:
        ++refs_;
        return true;
      case kAltrep:
        for (int i = 0; i < 3; ++i) item(depth + 1);
        return false;  // class, state, attr
      default:
        fail("an R object of type " + std::to_string(type) +
             " (byte code, class references, ...), which nnfit does not read");
    }
  }

  const std::string& b_;
  const std::string& origin_;
  std::size_t at_ = 0;
  std::uint32_t refs_ = 0;
};

}  // namespace

void check_r_serialization(const std::string& bytes, const std::string& origin) {
  Walker w(bytes, origin);
  const bool workspace = bytes.compare(0, 3, "RDX") == 0;
  w.header();
  w.body(workspace);
}

}  // namespace nnfit
