#include "ingest/trf/trf_capture.h"

#include "ingest/trf/decoder.h"
#include "store/content_hash.h"

namespace qcflow::trf {

std::string TrfDedupKey(std::string_view bytes) {
  return Fnv1a64Hex(bytes) + "/" + std::to_string(bytes.size());
}

void ShapeTrfRecord(std::string_view bytes, const std::string& linac, const std::string& zone,
                    files::RecordShape* shape) {
  shape->dedup_key = TrfDedupKey(bytes);
  shape->meta = {{"linac", linac}, {"zone", zone}};
  TrfHeader h;
  if (Status st = ReadTrfHeader(bytes, &h); !st.ok()) {
    shape->reason = "not a TRF log qcflow can decode: " + st.message();
    return;
  }
  if (h.start) {
    shape->event_time = *h.start;
    shape->event_time_text = h.date;
  }
  shape->meta.push_back({"field", h.field});
  shape->meta.push_back({"version", std::to_string(h.version)});
  shape->meta.push_back({"machine_id", h.machine_id});
}

files::FileScanOptions TrfScanOptions(const TrfCaptureSettings& s, Kind kind) {
  files::FileScanOptions o;
  o.source_id = s.source_id;
  o.dirs = s.dirs;
  o.patterns = s.patterns;
  o.recursive = s.recursive;
  o.mode = files::FileMode::kBinary;
  o.settle = s.settle;
  o.since = s.since;
  o.max_size = 1ull << 30;  // a log is a few MB; only a non-log is larger
  o.kind = kind;
  o.shape = [linac = s.linac, zone = s.zone](std::string_view bytes, files::RecordShape* shape) {
    ShapeTrfRecord(bytes, linac, zone, shape);
  };
  return o;
}

}  // namespace qcflow::trf
