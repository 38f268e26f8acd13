#include "process/mpc/transform_problems.h"

#include "process/mpc/mpc_transform.h"
#include "store/coding.h"

namespace qcflow::mpc::internal {

std::string ConflictProblem(const std::string& conflict) {
  const size_t slash = conflict.find('/');
  const std::string ns = conflict.substr(0, slash);
  const std::string key = slash == std::string::npos ? "" : conflict.substr(slash + 1);
  if (ns == kSessionNs) {
    return "MPC session " + key + " is another group's QCPump user_key (two groups in the "
           "same minute, or changed grouping settings); the stored session was kept and this "
           "group is stored and queued under " + key + "/2 (or the next free number)";
  }
  std::string what = key;
  if (key.size() == 8) what = "journal seq " + std::to_string(coding::GetBigEndian64(key));
  return "derived record " + ns + " for " + what +
         " was already stored with different content; kept the stored one";
}

std::string LateProblem(const LateRun& l, std::optional<uint64_t> earlier) {
  const std::string done = l.amended ? "uploaded as an amendment of " + l.user_key
                                     : "recorded in mpc.late, not uploaded (set late = \"amend\" "
                                       "to upload such runs as amendments)";
  if (!earlier) {
    return "MPC run " + l.run.folder + " arrived after session " + l.user_key + " was emitted; " +
           done;
  }
  return "MPC run " + l.run.folder + ": its Results.csv changed after session " + l.user_key +
         " was uploaded (journal seq " + std::to_string(*earlier) + " was uploaded, seq " +
         std::to_string(l.run.seq) + " is the new content; compare them with `qcflow query "
         "records --kind mpc`); the new content is " + done;
}

}  // namespace qcflow::mpc::internal
