#include "export/quaac/quaac_session.h"

#include <zlib.h>

#include "process/common/utc_offset.h"
#include "store/text_util.h"

namespace qcflow::quaac {
namespace {

bool IsDataPoint(const TestResult& t) {
  if (t.skipped) return false;
  switch (t.role) {
    case TestRole::kMeasured:
    case TestRole::kDeviation: return true;
    case TestRole::kReference: return false;
    case TestRole::kContext: return t.number.has_value();
  }
  return false;
}

Result<Equipment> Machine(const MachineIdentity& m) {
  Equipment e{.name = m.name, .type = m.type.empty() ? "linac" : m.type,
              .serial_number = m.serial, .manufacturer = m.manufacturer, .model = m.model};
  if (e.name.empty()) e.name = !m.serial.empty() ? m.serial : m.id;
  if (e.name.empty()) return Status::InvalidArgument("the session's machine has no name, serial or id");
  return e;
}

std::string DeviceName(const DeviceIdentity& d) {
  return std::string(TrimChars(d.type + " " + d.serial));
}

// The file a file test carries: gzip'd when it is text; base64 bytes are kept
// as they are (compression null: content is the base64 of the bytes).
Result<Attachment> FileAttachment(const FileValue& f) {
  const size_t dot = f.filename.rfind('.');
  const std::string type = dot == std::string::npos ? "" : f.filename.substr(dot + 1);
  if (f.encoding == "text") return MakeGzipAttachment(f.filename, f.value, type);
  return Attachment{.name = f.filename, .content = f.value, .compression = std::nullopt, .type = type};
}

std::string DescribeReference(const TestResult& t) {
  if (t.reference) return "reference value: the source's baseline";
  if (t.tolerance) return "reference value: the source's tolerance (threshold)";
  return "";
}

}  // namespace

std::string DataPointName(const TestResult& t) {
  std::string name = t.name.empty() ? t.key : t.name;
  for (const char* beam_key : {"beam", "beam_name"}) {
    auto it = t.parameters.find(beam_key);
    if (it != t.parameters.end() && !it->second.empty()) return name + " (" + it->second + ")";
  }
  return name;
}

Status AppendSession(const QcSession& session, const SessionOptions& options,
                     const std::vector<Attachment>& attachments, Document* doc) {
  const std::string where = "session '" + session.user_key + "'";
  QCFLOW_RETURN_IF_ERROR(ValidateEmail(options.site_user.email).WithContext("site user"));
  auto machine = Machine(session.machine);
  if (!machine.ok()) return machine.status().WithContext(where);
  auto offset = UtcOffsetMinutes(session.work_started, session.zone);
  if (!offset.ok()) return offset.status().WithContext(where);
  User performer = options.site_user;
  if (!TrimChars(session.performer).empty()) performer.name = session.performer;

  // All or nothing without copying the document (a day of 200 deliveries made
  // that quadratic): the lists only grow here, so a failure cuts them back.
  Document& out = *doc;
  const size_t datapoints = out.datapoints.size(), equipment = out.equipment.size(),
               users = out.users.size(), attached = out.attachments.size();
  auto undo = [&] {
    out.datapoints.erase(out.datapoints.begin() + datapoints, out.datapoints.end());
    out.equipment.erase(out.equipment.begin() + equipment, out.equipment.end());
    out.users.erase(out.users.begin() + users, out.users.end());
    out.attachments.erase(out.attachments.begin() + attached, out.attachments.end());
  };
  const size_t user = out.AddUser(performer);
  const size_t primary = out.AddEquipment(*machine);
  std::vector<size_t> ancillary;
  if (!DeviceName(session.device).empty()) {
    ancillary.push_back(out.AddEquipment({.name = DeviceName(session.device),
                                          .type = session.device.type,
                                          .serial_number = session.device.serial,
                                          .model = session.device.type}));
  }
  std::vector<size_t> shared;
  for (const Attachment& a : attachments) shared.push_back(out.AddAttachment(a));

  for (const TestResult& t : session.tests) {
    if (!IsDataPoint(t)) continue;
    DataPoint dp{.name = DataPointName(t), .performed = session.work_started,
                 .utc_offset_minutes = *offset, .measurement_unit = t.unit,
                 .description = DescribeReference(t), .procedure = session.procedure,
                 .performer_comment = t.comment, .parameters = t.parameters,
                 .performer = user, .primary_equipment = primary,
                 .ancillary_equipment = ancillary, .attachments = shared};
    if (t.number) dp.measurement_value = *t.number;
    else if (t.text) dp.measurement_value = *t.text;
    dp.reference_value = t.reference ? t.reference : t.tolerance;
    if (t.role != TestRole::kMeasured) dp.parameters["role"] = std::string(TestRoleName(t.role));
    if (!t.evaluation.empty()) dp.parameters["evaluation"] = t.evaluation;
    dp.parameters[std::string(kSessionParameter)] = session.user_key;
    dp.parameters[std::string(kKeyParameter)] = t.key;
    if (t.file) {
      auto file = FileAttachment(*t.file);
      if (!file.ok()) {
        undo();
        return file.status().WithContext(where + ", test " + t.key);
      }
      dp.measurement_value = t.file->filename;
      dp.attachments.push_back(out.AddAttachment(*file));
    }
    out.datapoints.push_back(std::move(dp));
  }
  return Status::OK();
}

Result<Attachment> MakeGzipAttachment(std::string_view name, std::string_view bytes,
                                      std::string_view type, std::string_view comment) {
  z_stream z{};
  // windowBits 15 + 16: a gzip wrapper, as Python's gzip.compress writes.
  if (deflateInit2(&z, Z_BEST_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    return Status::IOError("zlib: deflateInit2 failed");
  }
  std::string gz(deflateBound(&z, bytes.size()), '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
  z.avail_in = static_cast<uInt>(bytes.size());
  z.next_out = reinterpret_cast<Bytef*>(gz.data());
  z.avail_out = static_cast<uInt>(gz.size());
  const int rc = deflate(&z, Z_FINISH);
  gz.resize(z.total_out);
  deflateEnd(&z);
  if (rc != Z_STREAM_END) return Status::IOError("zlib: deflate failed (" + std::to_string(rc) + ")");
  return Attachment{.name = std::string(name), .content = Base64(gz),
                    .comment = std::string(comment), .type = std::string(type)};
}

}  // namespace qcflow::quaac
