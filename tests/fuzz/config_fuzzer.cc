// libFuzzer target: qcflow.toml text through the config parser `run`,
// `validate` and `replay` share (cli/runtime/config.h ParseConfig).
//
// Checked beyond "no crash": a rejected config always says why, naming the
// file ("fuzz.toml:LINE: ..." or "fuzz.toml: ..."), so a user is sent to the
// line to fix. The parser only reads: it may stat and read a token_file the
// text names, and never writes.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "cli/runtime/config.h"
#include "tests/fuzz/fuzz_check.h"

using qcflow::fuzz::Check;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto config = qcflow::config::ParseConfig(text, "fuzz.toml");
  if (!config.ok()) {
    const std::string why = config.status().message();
    Check(!why.empty(), "a rejected config without a reason");
    Check(why.find("fuzz.toml") != std::string::npos, "an error that does not name the file");
  }
  return 0;
}
