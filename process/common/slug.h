// QATrack+ macro names ("slugs") computed exactly as QCPump computes them.
//
// Existing QATrack+ test lists were built for QCPump, so their test macros are
// QCPump's slugs; qcflow must produce the same text byte for byte or the upload
// silently loses those tests (QATrack+ ignores unknown macros). The rules are
// shared/spec/mpc.md "Macro names", applied in order:
//   1. replace "Â"->"", "/"->"_", " "->"_", "."->"_", "-"->"_", "[mm]"->"mm",
//      "[°]"->"deg", "[%]"->"per"
//   2. (Django's slugify) Unicode NFKD -> ASCII, lowercase, drop everything but
//      [A-Za-z0-9_], whitespace and "-", collapse runs of "-"/whitespace to one
//      "-", strip leading/trailing "-" and "_"
//   3. collapse runs of "_" to one "_", prefix "_" when the result starts with a
//      digit, lowercase
#ifndef QCFLOW_PROCESS_COMMON_SLUG_H_
#define QCFLOW_PROCESS_COMMON_SLUG_H_

#include <string>
#include <string_view>

namespace qcflow {

// Applies the three steps above to arbitrary text, e.g. a DQA3 column name plus
// beam name: Slugify("dose_6 MV EDW60") == "dose_6_mv_edw60".
//
// `text` is read as UTF-8; a byte that is not part of a valid UTF-8 sequence is
// read as Latin-1 (files written by Windows workstations), so a lone 0xB0 is "°".
// NFKD->ASCII is exact for U+0000..U+017F (ASCII, Latin-1 Supplement, Latin
// Extended-A: "é"->"e", "²"->"2", "¼"->"14", "ß"/"°"/"µ"->dropped, as Python's
// unicodedata gives); every other code point is dropped.
// Returns "" when nothing survives (QCPump would crash there instead).
std::string Slugify(std::string_view text);

// The macro name of one Results.csv row for one beam: Slugify(name + "_" + beam_label).
// MacroSlug("IsoCenterGroup/IsoCenterSize [mm]", "6X") == "isocentergroup_isocentersize_mm_6x"
// MacroSlug("BeamGroup/BeamOutputChange [%]", "2.5X") == "beamgroup_beamoutputchange_per_2_5x"
std::string MacroSlug(std::string_view name, std::string_view beam_label);

}  // namespace qcflow

#endif  // QCFLOW_PROCESS_COMMON_SLUG_H_
