// INTERNAL to store/: what the format upgrades of Store::Open compute per record.
#ifndef QCFLOW_STORE_FORMAT_UPGRADE_H_
#define QCFLOW_STORE_FORMAT_UPGRADE_H_

#include <optional>
#include <string>
#include <string_view>

namespace qcflow {

// The format 4 dedup key of an iCom record journaled before 4: its key with the
// trailing 16 hex digits (the FNV-1a of the message) replaced by Xxh3Hex(payload),
// which is what IcomDedupKey now gives the same message. Nullopt for a key
// without that "...|<16 lowercase hex>" ending (nothing else hashes the message).
std::optional<std::string> Xxh3DedupAlias(std::string_view dedup_key, std::string_view payload);

}  // namespace qcflow

#endif  // QCFLOW_STORE_FORMAT_UPGRADE_H_
