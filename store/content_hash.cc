#include "store/content_hash.h"

#include <xxhash.h>

#include <cstdio>

namespace qcflow {

uint64_t Fnv1a64Update(uint64_t h, std::string_view bytes) {
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  return h;
}

uint64_t Fnv1a64(std::string_view bytes) { return Fnv1a64Update(kFnv1a64Basis, bytes); }

std::string HashHex(uint64_t h) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

std::string Fnv1a64Hex(std::string_view bytes) { return HashHex(Fnv1a64(bytes)); }

uint64_t Xxh3_64(std::string_view bytes) { return XXH3_64bits(bytes.data(), bytes.size()); }

std::string Xxh3Hex(std::string_view bytes) { return HashHex(Xxh3_64(bytes)); }

}  // namespace qcflow
