#include "export/archive/document_update.h"

#include <cstdio>
#include <filesystem>

#include "store/durable_file.h"
#include "store/journal.h"

namespace qcflow::archive {

Result<Period> ParsePeriod(std::string_view text) {
  if (text == "day") return Period::kDay;
  if (text == "month") return Period::kMonth;
  return Status::InvalidArgument("period must be \"day\" or \"month\", not \"" + std::string(text) + "\"");
}

std::string MachineFolder(const MachineIdentity& machine) {
  const std::string& raw = !machine.serial.empty() ? machine.serial
                           : !machine.name.empty() ? machine.name
                                                   : machine.id;
  std::string out;
  for (char c : raw) {
    const bool keep = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                      c == '.' || c == '_' || c == '-';
    out += keep ? c : '_';
  }
  // "." and ".." would name the archive's own folder or its parent.
  if (out.empty() || out.find_first_not_of('.') == std::string::npos) out = "_" + out;
  return out;
}

Result<std::string> DocumentPath(const std::string& dir, const QcSession& session, Period period,
                                 const std::string& extension) {
  auto civil = UtcToCivil(session.work_started, session.zone.empty() ? "UTC" : session.zone);
  if (!civil.ok()) return civil.status();
  char date[16];
  if (period == Period::kDay) {
    std::snprintf(date, sizeof date, "%04d-%02d-%02d", civil->year, civil->month, civil->day);
  } else {
    std::snprintf(date, sizeof date, "%04d-%02d", civil->year, civil->month);
  }
  return (std::filesystem::path(dir) / MachineFolder(session.machine) / (date + extension)).string();
}

SourceReader JournalSources(Journal& journal) {
  return [&journal](uint64_t seq) -> Result<std::string> {
    auto r = journal.Get(seq);
    if (!r.ok()) return r.status().WithContext("journal record " + std::to_string(seq));
    return std::move(r->payload);
  };
}

Result<DocumentUpdate> UpdateDocument(const ArchiveFormat& format, const std::string& path,
                                      const std::vector<SessionToWrite>& sessions,
                                      const SourceReader& sources) {
  auto existing = ReadFileIfExists(path);
  if (!existing.ok()) return existing.status();
  std::optional<std::string_view> text;
  if (existing->has_value()) text = **existing;
  auto doc = format.open(text);
  if (!doc.ok()) {
    return Status::FailedPrecondition(path + " is not a valid " + format.name + " document (" +
                                      doc.status().message() +
                                      "); qcflow does not overwrite it: move it aside and the "
                                      "sessions are written to a new one");
  }
  DocumentUpdate update;
  update.created = !existing->has_value();
  size_t appended = 0;
  for (const SessionToWrite& s : sessions) {
    if (s.check_held && (*doc)->Holds(*s.session)) {
      update.outcomes.push_back(WriteOutcome::kHeld);
      update.refusals.emplace_back();
      continue;
    }
    Status added = (*doc)->Append(*s.session, sources);
    update.outcomes.push_back(added.ok() ? WriteOutcome::kWritten : WriteOutcome::kRefused);
    update.refusals.push_back(added.ok() ? "" : added.message());
    if (added.ok()) ++appended;
  }
  if (appended == 0) {
    update.bytes = existing->has_value() ? (*existing)->size() : 0;
    return update;
  }
  auto out = (*doc)->Text();
  if (!out.ok()) return out.status().WithContext(path);
  QCFLOW_RETURN_IF_ERROR(MakeDirs(std::filesystem::path(path).parent_path().string()));
  QCFLOW_RETURN_IF_ERROR(ReplaceFileDurably(path, *out));
  update.bytes = out->size();
  return update;
}

}  // namespace qcflow::archive
