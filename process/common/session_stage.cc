#include "process/common/session_stage.h"

#include "process/common/session_index.h"
#include "store/coding.h"
#include "store/derived.h"
#include "store/write_set.h"

namespace qcflow {

Result<StagedSession> StageSession(Derived& derived, const SessionTarget& target,
                                   std::string_view owner, QcSession* session, std::string encoded,
                                   std::set<std::string>* keys_this_step, WriteSet* ws) {
  StagedSession staged;
  const std::string base = session->user_key;
  bool stored_already = false;  // the same measurements are stored under the key
  // QCPump's keys have minute precision; sessions of one minute share a key.
  for (int n = 1;; ++n) {
    if (n > 1) {
      session->user_key = base + "/" + std::to_string(n);
      encoded = EncodeQcSession(*session);
    }
    auto stored = derived.Get(target.ns, session->user_key);
    if (!stored.ok()) return stored.status();
    bool taken = keys_this_step->count(session->user_key) > 0;
    if (!taken && *stored && **stored != encoded) {
      auto old = DecodeQcSession(**stored);
      stored_already = old.ok() && SameMeasurements(*old, *session);
      taken = !stored_already;
    }
    if (!taken) break;
    staged.renamed = true;
    if (n == 99) return staged;  // beyond any real clinic; the caller reports the rename
  }
  const std::string& key = session->user_key;
  staged.user_key = key;
  keys_this_step->insert(key);
  if (!stored_already) ws->PutDerived(target.ns, key, std::move(encoded));
  ws->PutDerivedIndex(kSessionsBySource, SessionIndexKey(session->source_id, session->work_started, key),
                      target.ns, key);
  const std::string group = SessionGroup(*session);
  std::string index_key(owner);
  index_key.push_back('\0');
  coding::PutBigEndian64(&index_key, coding::OrderedFromSigned(session->work_started));
  index_key.push_back('\0');
  index_key.append(key);
  ws->PutDerivedIndex(target.index, std::move(index_key), target.ns, key);
  for (const std::string& sink : target.sinks) ws->Enqueue(sink, key, target.ns, key, group);
  return staged;
}

}  // namespace qcflow
