#include "tests/testing/mpc_runs.h"

#include <cstdio>

#include "tests/testing/temp_dir.h"

namespace qcflow::testing {

void WriteGeometryRun(const std::string& tds, int i) {
  const int month = i < 30 ? 4 : 5, day = i < 30 ? i + 1 : i - 29;
  char date[16];
  std::snprintf(date, sizeof date, "2024-%02d-%02d", month, day);
  WriteGeometryRunOn(tds, date);
}

void WriteGeometryRunOn(const std::string& tds, const std::string& date) {
  const std::string folder = "NDS-WKS-SN1234-" + date + "-07-00-00-0000-GeometryCheckTemplate6xMVkV";
  WriteFile(tds + "/TrueBeam1234/MPCChecks/" + folder + "/Results.csv",
            "Name [Unit], Value, Threshold, Evaluation Result\r\n"
            "IsoCenterGroup/IsoCenterSize [mm], 0.3, 0.5, Pass\r\n"
            "IsoCenterGroup/MVImagerProjectionOffset [mm], 0.2, 0.5, Pass\r\n"
            "BeamGroup/BeamOutputChange [%], -0.17, 2, Pass\r\n"
            "BeamGroup/BeamUniformityChange [%], 0.1, 2, Pass\r\n"
            "GantryGroup/GantryAbsolute [\xC3\x82\xC2\xB0], -0.09, 0.3, Pass\r\n");
}

}  // namespace qcflow::testing
