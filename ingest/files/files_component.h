// [[source.files]]: upload text or binary files to a QA database's upload test
// (QCPump's "Generic Text File" and "Generic Binary File" uploaders).
//
// Keys (defaults in brackets): name; dirs = [{ path, unit, destination? }]
// (unit: a QATrack+ unit name, or its number); pattern ["*"] and ignore [""]
// (globs, a string or a list); recursive [false]; mode "text" | "binary"
// ["text"]; encoding "utf-8" | "latin-1" | "cp1252" ["utf-8"]; test_list
// (template over unit, filename, stem, dir; required); macro ["upload"];
// time "mtime" | "now" ["mtime"]; settle [10s]; max_size [50 MiB, bytes];
// zone ["UTC"]; history ["1d", or "all": files older than that before the
// first start are not uploaded]; after "keep" | "move" | "copy" ["keep"] (each dir then needs
// a destination; files are placed there once every sink confirmed the upload,
// after_upload.h); plus the common keys.
// Capture: ingest/files/file_scan.h; sessions: process/files/.
#ifndef QCFLOW_INGEST_FILES_FILES_COMPONENT_H_
#define QCFLOW_INGEST_FILES_FILES_COMPONENT_H_

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "ingest/files/after_upload.h"
#include "ingest/files/file_scan.h"
#include "process/component/component.h"
#include "process/files/files_transform.h"

namespace qcflow::files {

struct WatchedDir {
  std::string path;
  UnitRef unit;
  std::string destination;  // "" = none; required by after = "move" | "copy"
};

struct FilesSourceSettings {
  std::string name;
  std::chrono::milliseconds interval{60'000};
  std::vector<WatchedDir> dirs;
  FileScanOptions scan;          // source_id = name; dirs = the paths of `dirs`
  FilesTransformConfig transform;  // upload options; sinks from routes
  AfterUploadAction after = AfterUploadAction::kKeep;
  // How far back before the first start files are taken, by mtime (as MPC's
  // history); nullopt = "all". Keeps a switch from QCPump from uploading an
  // archive of files it already sent.
  std::optional<std::chrono::milliseconds> history = std::chrono::hours(24);
};

class FilesComponent : public component::Component {
 public:
  FilesComponent(const component::ComponentKind& kind, component::CommonOptions common,
                 FilesSourceSettings settings)
      : Component(kind, std::move(common)), settings_(std::move(settings)) {}
  const FilesSourceSettings& settings() const { return settings_; }
  void AddSink(const std::string& sink) override;
  std::optional<component::SessionSource> Sessions() const override;
  void Check(component::CheckContext& ctx) const override;  // files_checks.cc
  Result<std::unique_ptr<component::Part>> Build(component::PartEnv& env) const override;

 private:
  FilesSourceSettings settings_;
};

const component::ComponentKind& FilesSourceKind();

}  // namespace qcflow::files

#endif  // QCFLOW_INGEST_FILES_FILES_COMPONENT_H_
