#include "process/common/stored_sessions_testing.h"

#include <gtest/gtest.h>

#include "store/derived.h"
#include "store/outbox.h"
#include "store/store.h"

namespace qcflow::testing {

std::unique_ptr<Store> OpenTestStore(const std::string& dir) {
  auto s = Store::Open(dir);
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return s.ok() ? std::move(*s) : nullptr;
}

std::map<std::string, std::string> StoredRecords(Store* store, const std::string& ns) {
  std::map<std::string, std::string> out;
  Status s = store->derived().Scan(ns, "", [&](std::string_view k, std::string_view v) {
    out.emplace(k, v);
    return true;
  });
  EXPECT_TRUE(s.ok()) << s.ToString();
  return out;
}

std::map<std::string, QcSession> StoredSessions(Store* store, const std::string& ns) {
  std::map<std::string, QcSession> out;
  for (const auto& [key, value] : StoredRecords(store, ns)) {
    auto session = DecodeQcSession(value);
    EXPECT_TRUE(session.ok()) << key << ": " << session.status().ToString();
    if (session.ok()) out.emplace(key, std::move(*session));
  }
  return out;
}

std::vector<std::string> OutboxItemIds(Store* store, const std::string& sink) {
  auto items = store->outbox().List(sink, 100000, true);
  EXPECT_TRUE(items.ok()) << items.status().ToString();
  std::vector<std::string> ids;
  if (items.ok()) {
    for (const OutboxItem& i : *items) ids.push_back(i.item_id);
  }
  return ids;
}

}  // namespace qcflow::testing
