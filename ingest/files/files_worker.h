// The runtime part of a [[source.files]]: each pass journals the settled new
// files (FileScanner) and turns the journal's new file records into upload
// sessions for the routed sinks (FilesTransform), then kicks those sinks.
#ifndef QCFLOW_INGEST_FILES_FILES_WORKER_H_
#define QCFLOW_INGEST_FILES_FILES_WORKER_H_

#include <memory>
#include <optional>
#include <vector>

#include "ingest/files/files_component.h"
#include "process/component/worker.h"

namespace qcflow::files {

class FilesWorker : public component::PollingWorker {
 public:
  FilesWorker(const FilesSourceSettings& config, component::PartEnv env,
              std::vector<component::Part*> sinks);
  ~FilesWorker() override;
  // Restores the counters of earlier runs and fixes the history window.
  Status Init() override;
  // The qcflow_source_* families and qcflow_files_unsettled.
  void AddMetrics(const std::vector<SourceCount>& counts, MicrosUtc now,
                  component::MetricFamilies* m) const override;

 private:
  bool Pass() override;
  // The after-upload step; whether it leaves work a later pass will do
  // (uploads a sink is still sending).
  Result<bool> PlaceUploaded(MicrosUtc now);
  std::string Doing() const override;

  FilesSourceSettings config_;
  FileScanner scanner_;
  std::unique_ptr<FilesTransform> transform_;
  std::unique_ptr<AfterUpload> after_;  // after = "move" | "copy"
  uint64_t placed_total_ = 0;           // summed over runs
  std::optional<MicrosUtc> since_;      // the history window's start; nullopt = all
  bool told_before_since_ = false;      // logged once per process
};

// `qcflow status`: a table of the file upload sources.
Status FilesStatus(Store& store, std::vector<component::SourceState>* states,
                   component::StatusReport* report);

}  // namespace qcflow::files

#endif  // QCFLOW_INGEST_FILES_FILES_WORKER_H_
