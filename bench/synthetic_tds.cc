#include "bench/synthetic_tds.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <random>

#include "store/time_util.h"

namespace qcflow::synthetic {
namespace {

namespace fs = std::filesystem;

constexpr int kFirstSerial = 1101;
constexpr int kLeavesPerBank = 35;  // x2 banks: 70 per-leaf rows

// Beam checks after the 6X geometry check; a window takes 2-5 of them.
const char* const kBeamTails[] = {
    "BeamCheckTemplate6xMVkV",     "BeamCheckTemplate6xFFFMVkV", "BeamCheckTemplate10xMVkV",
    "BeamCheckTemplate10xFFFMVkV", "BeamCheckTemplate15xMVkV",   "BeamCheckTemplate6eMVkV",
    "BeamCheckTemplate9eMVkV",     "BeamCheckTemplate6eHDTSEMVkV"};

// Named quantities of a Results.csv; "°" is spelled per file (see below).
struct Quantity {
  const char* name;  // with "%DEG%" where the unit is degrees
  double sd;         // spread of the synthetic values
  double threshold;
};
const Quantity kQuantities[] = {
    {"IsoCenterGroup/IsoCenterSize [mm]", 0.05, 0.5},
    {"IsoCenterGroup/IsoCenterMVOffset [mm]", 0.05, 0.5},
    {"IsoCenterGroup/IsoCenterKVOffset [mm]", 0.05, 0.5},
    {"BeamGroup/BeamOutputChange [%]", 0.3, 2},
    {"BeamGroup/BeamUniformityChange [%]", 0.3, 2},
    {"BeamGroup/BeamCenterShift [mm]", 0.1, 0.5},
    {"CollimationGroup/CollimationRotationOffset [%DEG%]", 0.1, 0.5},
    {"CollimationGroup/JawsGroup/JawX1 [mm]", 0.2, 1},
    {"CollimationGroup/JawsGroup/JawX2 [mm]", 0.2, 1},
    {"CollimationGroup/JawsGroup/JawY1 [mm]", 0.2, 1},
    {"CollimationGroup/JawsGroup/JawY2 [mm]", 0.2, 1},
    {"CollimationGroup/JawsGroup/JawParallelismX1 [%DEG%]", 0.05, 0.3},
    {"CollimationGroup/JawsGroup/JawParallelismY1 [%DEG%]", 0.05, 0.3},
    {"CollimationGroup/MLCGroup/MLCMaxOffsetA [mm]", 0.2, 1},
    {"CollimationGroup/MLCGroup/MLCMaxOffsetB [mm]", 0.2, 1},
    {"CollimationGroup/MLCGroup/MLCMeanOffsetA [mm]", 0.1, 1},
    {"CollimationGroup/MLCGroup/MLCMeanOffsetB [mm]", 0.1, 1},
    {"CollimationGroup/MLCBacklashGroup/MLCBacklashMaxA [mm]", 0.1, 1},
    {"CollimationGroup/MLCBacklashGroup/MLCBacklashMaxB [mm]", 0.1, 1},
    {"CollimationGroup/MLCBacklashGroup/MLCBacklashMeanA [mm]", 0.05, 1},
    {"CollimationGroup/MLCBacklashGroup/MLCBacklashMeanB [mm]", 0.05, 1},
    {"CouchGroup/CouchMaxPositionError [mm]", 0.2, 1},
    {"CouchGroup/CouchLat [mm]", 0.2, 1},
    {"CouchGroup/CouchLng [mm]", 0.2, 1},
    {"CouchGroup/CouchVrt [mm]", 0.2, 1},
    {"CouchGroup/CouchRtnFine [%DEG%]", 0.05, 0.3},
    {"CouchGroup/CouchRtnLarge [%DEG%]", 0.05, 0.3},
    {"CouchGroup/RotationInducedCouchShiftFullRange [mm]", 0.2, 1},
    {"GantryGroup/GantryAbsolute [%DEG%]", 0.05, 0.3},
    {"GantryGroup/GantryRelative [%DEG%]", 0.05, 0.3},
};

std::string FolderName(int serial, const CivilTime& t, int beam, const char* tail) {
  char buf[160];
  std::snprintf(buf, sizeof buf, "NDS-WKS-SN%d-%04d-%02d-%02d-%02d-%02d-%02d-%04d-%s", serial,
                t.year, t.month, t.day, t.hour, t.minute, t.second, beam, tail);
  return buf;
}

Result<MicrosUtc> StartDay(const std::string& start) {
  int y = 0, m = 0, d = 0;
  char extra = 0;
  if (std::sscanf(start.c_str(), "%4d-%2d-%2d%c", &y, &m, &d, &extra) != 3) {
    return Status::InvalidArgument("start date '" + start + "' is not YYYY-MM-DD");
  }
  auto t = CivilToUtc({y, m, d, 0, 0, 0, 0}, "UTC");
  if (!t.ok()) return Status::InvalidArgument("start date '" + start + "' is not a valid date");
  return *t;
}

}  // namespace

Status ValidateSyntheticTdsOptions(const SyntheticTdsOptions& o) {
  if (o.folders == 0) return Status::InvalidArgument("--folders must be at least 1");
  if (o.serials < 1 || o.serials > 99) {
    return Status::InvalidArgument("--serials must be between 1 and 99");
  }
  return StartDay(o.start).status();
}

SyntheticPlan PlanSyntheticTds(const SyntheticTdsOptions& o) {
  SyntheticPlan plan;
  auto start = StartDay(o.start);
  if (!start.ok() || o.serials < 1) return plan;
  std::mt19937_64 rng(o.seed);
  auto uniform = [&rng](int lo, int hi) {  // inclusive; portable (no std distributions)
    return lo + int(rng() % uint64_t(hi - lo + 1));
  };
  // Naive UTC arithmetic: the tree is a wall-clock plan, zones do not matter here.
  auto civil = [](MicrosUtc t) { return *UtcToCivil(t, "UTC"); };
  auto add = [&](int serial, MicrosUtc t, int beam, const char* tail, bool opens) {
    plan.runs.push_back({"TrueBeam" + std::to_string(serial),
                         FolderName(serial, civil(t), beam, tail), rng(), opens});
  };
  for (int64_t day = 0; plan.runs.size() < o.folders; ++day) {
    const MicrosUtc midnight = *start + day * 24 * 3600 * kMicrosPerSecond;
    for (int s = 0; s < o.serials && plan.runs.size() < o.folders; ++s) {
      const int serial = kFirstSerial + s;
      MicrosUtc t = midnight + (7 * 3600 + uniform(0, 40 * 60)) * kMicrosPerSecond;
      const MicrosUtc open = t;
      int beam = 0;
      std::vector<const char*> tails(std::begin(kBeamTails), std::end(kBeamTails));
      for (size_t i = tails.size(); i > 1; --i) std::swap(tails[i - 1], tails[rng() % i]);
      const int runs = uniform(3, 6);  // at most 5 gaps of 3.5 min: inside the 20 min window
      ++plan.sessions;
      for (int i = 0; i < runs && plan.runs.size() < o.folders; ++i) {
        if (i > 0) t += uniform(60, 210) * kMicrosPerSecond;
        add(serial, t, beam++, i == 0 ? "GeometryCheckTemplate6xMVkV" : tails[i - 1], i == 0);
      }
      const int extra = uniform(0, 99);
      if (extra < 25 && plan.runs.size() < o.folders) {
        add(serial, open + 30 * kMicrosPerMinute, beam++,
            extra < 15 ? "GeometryCheckTemplate6xMVkVEnhancedCouch"
                       : "EnhancedMLCCheckTemplate6xMVkV",
            true);
        ++plan.sessions;
      }
    }
  }
  return plan;
}

std::string SyntheticResultsCsv(uint64_t csv_seed, size_t* rows) {
  std::mt19937_64 rng(csv_seed);
  const bool bom = rng() % 2 == 0;
  const bool crlf = rng() % 2 == 0;
  const bool misdecoded = rng() % 4 == 0;    // "Â°": a UTF-8 file read as Latin-1 once
  const bool halcyon = rng() % 10 == 0;      // blank thresholds
  const char* deg = misdecoded ? "\xC3\x82\xC2\xB0" : "\xC2\xB0";
  const char* eol = crlf ? "\r\n" : "\n";
  std::normal_distribution<double> noise(0.0, 1.0);  // same stream per seed on one libstdc++

  std::string out;
  out.reserve(8192);
  if (bom) out += "\xEF\xBB\xBF";
  out += "Name [Unit], Value, Threshold, Evaluation Result";
  out += eol;
  size_t n = 0;
  char buf[256];
  auto row = [&](const std::string& name, double v, double threshold, bool blank_value) {
    std::string value;
    if (!blank_value) {
      std::snprintf(buf, sizeof buf, "%.3f", v);
      value = buf;
    }
    std::string th;
    if (!halcyon) {
      std::snprintf(buf, sizeof buf, "%g", threshold);
      th = buf;
    }
    const char* eval = blank_value ? "" : (std::abs(v) <= threshold ? "Pass" : "Fail");
    out += name + ", " + value + ", " + th + ", " + eval + eol;
    ++n;
  };
  for (const Quantity& q : kQuantities) {
    std::string name = q.name;
    if (size_t p = name.find("%DEG%"); p != std::string::npos) name.replace(p, 5, deg);
    row(name, noise(rng) * q.sd, q.threshold, rng() % 50 == 0);
  }
  for (const char bank : {'A', 'B'}) {
    for (int leaf = 1; leaf <= kLeavesPerBank; ++leaf) {
      std::snprintf(buf, sizeof buf, "CollimationGroup/MLCGroup/MLCLeaves%c/MLCLeaf%d [mm]", bank,
                    leaf);
      row(buf, noise(rng) * 0.1, 1, false);
    }
  }
  if (rows) *rows = n;
  return out;
}

Result<SyntheticTdsReport> WriteSyntheticTds(const std::string& dir,
                                             const SyntheticTdsOptions& options) {
  QCFLOW_RETURN_IF_ERROR(ValidateSyntheticTdsOptions(options));
  std::error_code ec;
  if (fs::exists(dir, ec) && !fs::is_empty(dir, ec)) {
    return Status::AlreadyExists(dir + " is not empty; give a new or empty directory");
  }
  SyntheticPlan plan = PlanSyntheticTds(options);
  SyntheticTdsReport report;
  report.sessions = plan.sessions;
  for (const SyntheticRun& run : plan.runs) {
    const fs::path folder = fs::path(dir) / run.parent / "MPCChecks" / run.folder;
    fs::create_directories(folder, ec);
    if (ec) return Status::IOError("cannot create " + folder.string() + ": " + ec.message());
    size_t rows = 0;
    const std::string csv = SyntheticResultsCsv(run.csv_seed, &rows);
    const std::string path = (folder / "Results.csv").string();
    std::FILE* f = std::fopen(path.c_str(), "wb");
    if (f == nullptr) return Status::IOError("cannot create " + path);
    const bool written = std::fwrite(csv.data(), 1, csv.size(), f) == csv.size();
    if (std::fclose(f) != 0 || !written) return Status::IOError("cannot write " + path);
    ++report.folders;
    report.rows += rows;
    report.bytes += csv.size();
  }
  return report;
}

}  // namespace qcflow::synthetic
