// MPC run folder names: what a Varian MPC run folder's name tells about the run.
//
// Contract (see shared/spec/mpc.md "Run folder names"): new-style names
// (TrueBeam 2.x/3.x, Halcyon) and old-style names (early TrueBeam) are parsed;
// anything else is an InvalidArgument whose message says what was expected, so
// the caller can quarantine the file and go on.
#ifndef QCFLOW_INGEST_MPC_RUN_FOLDER_H_
#define QCFLOW_INGEST_MPC_RUN_FOLDER_H_

#include <string>
#include <string_view>

#include "store/status.h"
#include "store/time_util.h"

namespace qcflow::mpc {

// Test-list families, classified from the folder name (first match wins).
enum class CheckType {
  kBeamAndGeometry,      // "Beam and Geometry Checks" (the only windowed type)
  kEnhancedCouch,        // "Enhanced Couch Checks"
  kEnhancedMlc,          // "Enhanced MLC Checks"
  kCollimationDevices,   // "Collimation Devices Checks" (TrueBeam 3.0)
};

// The QATrack+/QCPump display name, e.g. "Beam and Geometry Checks".
const char* CheckTypeName(CheckType type);

// Applies the spec's first-match classification to a run folder name.
CheckType ClassifyCheckType(std::string_view folder_name);

struct RunFolder {
  std::string name;           // the folder name as found on disk
  std::string serial;         // word characters after "SN"
  std::string time_text;      // "2020-11-06-09-59-21", as in the name
  CivilTime run_time;         // MPC workstation wall clock (no zone)
  int beam_number = 0;        // the 4-digit run number
  std::string template_name;  // "GeometryCheckTemplate", old style: "Beam"/"Geometry"
  std::string energy;         // "6", "10", "2.5" as written
  bool electron = false;      // type 'e'/'E'
  bool fff = false;
  bool hdtse = false;
  std::string trailing;       // text after the beam type, e.g. "MVkV", "MVkVEnhancedCouch"
  std::string beam_label;     // "6X", "6FFF", "16E", "6HDTSE", "2.5X"
  CheckType check_type = CheckType::kBeamAndGeometry;
  bool old_style = false;
};

// Parses a run folder name (the last path component only). The prefix before
// "-SN" is free text and may itself contain "-SN"; like QCPump's greedy match,
// the last "-SN" that yields a valid name wins. Runs in about a microsecond.
Result<RunFolder> ParseRunFolder(std::string_view folder_name);

}  // namespace qcflow::mpc

#endif  // QCFLOW_INGEST_MPC_RUN_FOLDER_H_
