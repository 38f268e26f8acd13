#include "ingest/mpc/run_folder.h"

namespace qcflow::mpc {

const char* CheckTypeName(CheckType type) {
  switch (type) {
    case CheckType::kBeamAndGeometry: return "Beam and Geometry Checks";
    case CheckType::kEnhancedCouch: return "Enhanced Couch Checks";
    case CheckType::kEnhancedMlc: return "Enhanced MLC Checks";
    case CheckType::kCollimationDevices: return "Collimation Devices Checks";
  }
  return "Beam and Geometry Checks";
}

CheckType ClassifyCheckType(std::string_view name) {
  auto has = [name](std::string_view s) { return name.find(s) != std::string_view::npos; };
  if (has("Enhanced") && has("Couch")) return CheckType::kEnhancedCouch;
  if (has("Enhanced") && has("MLC")) return CheckType::kEnhancedMlc;
  if (has("Collimation") && has("Devices")) return CheckType::kCollimationDevices;
  return CheckType::kBeamAndGeometry;
}

Result<RunFolder> ParseRunFolder(std::string_view folder_name) {
  return Status::Internal("ParseRunFolder: not implemented yet");  // being written
}

}  // namespace qcflow::mpc
