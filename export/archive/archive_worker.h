// The runtime part of an archive sink ([[sink.quaac]], [[sink.quip]]): writes
// its outbox into documents every `interval`, and at once when a routed
// source queued sessions. A failing document (disk full, a file that is not
// valid) is logged once, its items retried with backoff; nothing is lost.
#ifndef QCFLOW_EXPORT_ARCHIVE_ARCHIVE_WORKER_H_
#define QCFLOW_EXPORT_ARCHIVE_ARCHIVE_WORKER_H_

#include <memory>
#include <string>

#include "export/archive/archive_sink.h"
#include "process/component/outbox_sink_worker.h"

namespace qcflow::archive {

class ArchiveWorker : public component::OutboxSinkWorker {
 public:
  // `kind`: the state kind ("quaac").
  ArchiveWorker(std::string kind, component::Millis interval, component::PartEnv env,
                std::unique_ptr<ArchiveSink> sink);
  ~ArchiveWorker() override;

 protected:
  DeadLetterWording DeadLetters() const override;

 private:
  void Loop() override;
  // One pass: batches until nothing is due; returns when to run next.
  component::SteadyTime Deliver();

  std::unique_ptr<ArchiveSink> sink_;
};

}  // namespace qcflow::archive

#endif  // QCFLOW_EXPORT_ARCHIVE_ARCHIVE_WORKER_H_
