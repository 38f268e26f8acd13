#include "ingest/mpc/run_folder.h"

#include <cstddef>

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

namespace {

// A hand-written scanner instead of std::regex: a backfill parses tens of
// thousands of names, and std::regex costs microseconds per match.

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
// ASCII \w: the serial must equal a QATrack+ unit serial, which is ASCII in practice.
bool IsWord(char c) { return IsDigit(c) || IsAlpha(c) || c == '_'; }

// How far an attempt got, so that with several "-SN" candidates the most
// informative failure is reported.
enum Stage { kSerial = 0, kTime, kBeamNumber, kTemplate, kBeam, kOldTemplate, kValid };

struct Failure {
  int stage = -1;
  std::string reason;
};

class Scanner {
 public:
  Scanner(std::string_view s, size_t pos) : s_(s), pos_(pos) {}

  size_t pos() const { return pos_; }
  bool AtEnd() const { return pos_ >= s_.size(); }
  char Peek() const { return AtEnd() ? '\0' : s_[pos_]; }
  std::string_view Rest() const { return s_.substr(pos_); }

  bool Consume(char c) {
    if (Peek() != c) return false;
    ++pos_;
    return true;
  }
  // Case-sensitive literal.
  bool Consume(std::string_view lit) {
    if (s_.substr(pos_, lit.size()) != lit) return false;
    pos_ += lit.size();
    return true;
  }
  template <typename Pred>
  std::string_view TakeWhile(Pred pred) {
    size_t start = pos_;
    while (!AtEnd() && pred(s_[pos_])) ++pos_;
    return s_.substr(start, pos_ - start);
  }
  // Exactly n digits, as an int (n <= 9).
  bool Number(size_t n, int* out) {
    if (pos_ + n > s_.size()) return false;
    int v = 0;
    for (size_t i = 0; i < n; ++i) {
      char c = s_[pos_ + i];
      if (!IsDigit(c)) return false;
      v = v * 10 + (c - '0');
    }
    pos_ += n;
    *out = v;
    return true;
  }

 private:
  std::string_view s_;
  size_t pos_;
};

// "<energy><x|e>[FFF][HDTSE]": energy is digits with an optional ".digits".
bool ReadBeam(Scanner& sc, RunFolder* f) {
  Scanner save = sc;
  std::string_view whole = sc.TakeWhile(IsDigit);
  if (whole.empty()) return false;
  size_t energy_len = whole.size();
  Scanner frac = sc;
  if (frac.Consume('.')) {
    std::string_view digits = frac.TakeWhile(IsDigit);
    if (digits.empty()) {
      sc = save;
      return false;
    }
    energy_len += 1 + digits.size();
    sc = frac;
  }
  char type = sc.Peek();
  if (type != 'x' && type != 'X' && type != 'e' && type != 'E') {
    sc = save;
    return false;
  }
  f->energy.assign(save.Rest().substr(0, energy_len));
  sc.Consume(type);
  f->electron = (type == 'e' || type == 'E');
  f->fff = sc.Consume("FFF") || sc.Consume("fff");
  f->hdtse = sc.Consume("HDTSE");
  f->beam_label = f->energy;
  f->beam_label += f->fff ? "FFF" : f->hdtse ? "HDTSE" : f->electron ? "E" : "X";
  return true;
}

// Parses the name assuming "SN" starts at sn_pos. On failure fills *why.
bool ParseAt(std::string_view name, size_t sn_pos, RunFolder* f, Failure* why) {
  auto fail = [why](int stage, const char* reason) {
    why->stage = stage;
    why->reason = reason;
    return false;
  };
  Scanner sc(name, sn_pos + 2);
  std::string_view serial = sc.TakeWhile(IsWord);
  if (serial.empty() || !sc.Consume('-')) {
    return fail(kSerial, "no serial number (word characters) between 'SN' and '-'");
  }
  f->serial.assign(serial);

  size_t time_start = sc.pos();
  CivilTime& t = f->run_time;
  if (!(sc.Number(4, &t.year) && sc.Consume('-') && sc.Number(2, &t.month) && sc.Consume('-') &&
        sc.Number(2, &t.day) && sc.Consume('-') && sc.Number(2, &t.hour) && sc.Consume('-') &&
        sc.Number(2, &t.minute) && sc.Consume('-') && sc.Number(2, &t.second) &&
        sc.Consume('-'))) {
    return fail(kTime, "no YYYY-MM-DD-HH-MM-SS time after the serial number");
  }
  t.micros = 0;
  f->time_text.assign(name.substr(time_start, sc.pos() - 1 - time_start));

  // The spec says 4 digits; any run of digits is accepted, it is unambiguous.
  std::string_view beam_no = sc.TakeWhile(IsDigit);
  if (beam_no.empty() || beam_no.size() > 9 || !sc.Consume('-')) {
    return fail(kBeamNumber, "no beam number (e.g. 0009) followed by '-' after the time");
  }
  f->beam_number = 0;
  for (char c : beam_no) f->beam_number = f->beam_number * 10 + (c - '0');

  if (IsDigit(sc.Peek())) {
    // Old style: "<energy><type>[FFF][HDTSE][MVkV]-<Template><rest>".
    f->old_style = true;
    if (!ReadBeam(sc, f)) {
      return fail(kBeam, "no energy and beam type (e.g. 6x, 10x, 6e, 2.5x) after the beam number");
    }
    std::string_view mode = sc.TakeWhile(IsAlpha);  // e.g. "MVkV"
    if (!sc.Consume('-')) {
      return fail(kOldTemplate, "old-style name: expected '-<Template>' (Beam, Geometry) after the beam type");
    }
    std::string_view tmpl = sc.TakeWhile(IsAlpha);
    if (tmpl.empty()) {
      return fail(kOldTemplate, "old-style name: no template word (Beam, Geometry) after the beam type");
    }
    f->template_name.assign(tmpl);
    f->trailing.assign(mode);
    f->trailing.append(sc.Rest());
  } else {
    // New style: "<Template><energy><type>[FFF][HDTSE]<rest>".
    f->old_style = false;
    std::string_view tmpl = sc.TakeWhile(IsAlpha);
    if (tmpl.empty()) {
      return fail(kTemplate, "no template name (e.g. GeometryCheckTemplate) after the beam number");
    }
    f->template_name.assign(tmpl);
    if (!ReadBeam(sc, f)) {
      return fail(kBeam, "no energy and beam type (e.g. 6x, 10xFFF, 6e, 2.5x) after the template name");
    }
    f->trailing.assign(sc.Rest());
  }

  auto valid = CivilToUtc(t, "UTC");
  if (!valid.ok()) {
    why->stage = kValid;
    why->reason = "time '" + f->time_text + "' is not a valid date/time";
    return false;
  }
  return true;
}

Status NotRecognised(std::string_view name, const std::string& reason) {
  constexpr size_t kMaxShown = 300;  // names come from disk; keep messages bounded
  std::string shown(name.substr(0, kMaxShown));
  if (name.size() > kMaxShown) shown += "...";
  return Status::InvalidArgument(
      "MPC run folder '" + shown + "' not recognised: " + reason +
      ". Expected '<prefix>-SN<serial>-YYYY-MM-DD-HH-MM-SS-<beam no>-<Template><energy><x|e>"
      "[FFF][HDTSE]...' (e.g. NDS-WKS-SN1234-2020-11-06-09-59-21-0009-GeometryCheckTemplate6xMVkV)"
      " or the old form '<prefix>-SN<serial>-YYYY-MM-DD-HH-MM-SS-<beam no>-<energy><x|e>-<Beam|"
      "Geometry>' (e.g. NDS-WKS-SN4321-2015-12-03-15-45-31-0001-10x-Beam)");
}

}  // namespace

Result<RunFolder> ParseRunFolder(std::string_view folder_name) {
  // The prefix may itself contain "-SN" (and dashes), so try every candidate,
  // last first, as QCPump's greedy ".*-SN" does. A name may also start with "SN".
  RunFolder f;
  Failure best;
  bool any = false;
  size_t end = folder_name.size();
  while (true) {
    size_t dash = end == 0 ? std::string_view::npos : folder_name.rfind("-SN", end - 1);
    size_t sn_pos;
    if (dash != std::string_view::npos) {
      sn_pos = dash + 1;
    } else if (folder_name.substr(0, 2) == "SN" && end > 0) {
      sn_pos = 0;
    } else {
      break;
    }
    any = true;
    f = RunFolder();
    Failure why;
    if (ParseAt(folder_name, sn_pos, &f, &why)) {
      f.name.assign(folder_name);
      f.check_type = ClassifyCheckType(folder_name);
      return f;
    }
    if (why.stage > best.stage) best = std::move(why);
    if (sn_pos == 0) break;
    end = dash;  // next candidate starts before this one
  }
  if (!any) return NotRecognised(folder_name, "no '-SN<serial>' part");
  return NotRecognised(folder_name, best.reason);
}

}  // namespace qcflow::mpc
