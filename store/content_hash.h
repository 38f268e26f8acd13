// Content hashes that go into persisted dedup keys. They must never change
// between builds or platforms, so they are named here once (no std::hash).
// XXH3 (libxxhash, ~20x FNV-1a's speed) hashes iCom messages since store format 4;
// FNV-1a stays for the other kinds' keys and for reading format < 4 iCom keys.
#ifndef QCFLOW_STORE_CONTENT_HASH_H_
#define QCFLOW_STORE_CONTENT_HASH_H_

#include <cstdint>
#include <string>
#include <string_view>

namespace qcflow {

// 64-bit FNV-1a (offset basis 0xcbf29ce484222325, prime 0x100000001b3).
uint64_t Fnv1a64(std::string_view bytes);

inline constexpr uint64_t kFnv1a64Basis = 0xcbf29ce484222325ull;
// Continues hash `h` over `bytes`, for content read in pieces:
// Fnv1a64Update(Fnv1a64Update(kFnv1a64Basis, a), b) == Fnv1a64(a + b).
uint64_t Fnv1a64Update(uint64_t h, std::string_view bytes);

// A hash as 16 lowercase hex digits (what Fnv1a64Hex writes).
std::string HashHex(uint64_t h);

// Fnv1a64 as 16 lowercase hex digits.
std::string Fnv1a64Hex(std::string_view bytes);

// 64-bit XXH3 with seed 0 (XXH3_64bits), stable across xxHash >= 0.8 releases.
uint64_t Xxh3_64(std::string_view bytes);

// Xxh3_64 as 16 lowercase hex digits.
std::string Xxh3Hex(std::string_view bytes);

}  // namespace qcflow

#endif  // QCFLOW_STORE_CONTENT_HASH_H_
