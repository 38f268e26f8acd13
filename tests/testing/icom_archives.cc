#include "tests/testing/icom_archives.h"

#include <lzma.h>

#include <cstdio>
#include <cstdlib>

#include "tests/testing/temp_dir.h"

namespace qcflow::testing {

std::vector<std::string> GenerateIcomMessages(const icom::LinacGeneratorConfig& config) {
  return icom::LinacGenerator::GenerateAll(config);
}

std::string XzCompress(const std::string& bytes) {
  std::string out(lzma_stream_buffer_bound(bytes.size()), '\0');
  size_t pos = 0;
  const lzma_ret r = lzma_easy_buffer_encode(
      6, LZMA_CHECK_CRC64, nullptr, reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(),
      reinterpret_cast<uint8_t*>(out.data()), &pos, out.size());
  if (r != LZMA_OK) {
    std::fprintf(stderr, "XzCompress: liblzma error %d\n", int(r));
    std::abort();
  }
  out.resize(pos);
  return out;
}

void WriteXzArchive(const std::string& path, const std::vector<std::string>& messages, size_t from,
                    size_t to) {
  std::string raw;
  for (size_t i = from; i < to && i < messages.size(); ++i) raw += messages[i];
  WriteFile(path, XzCompress(raw));
}

void WriteLiveRing(const std::string& dir, const std::string& ip,
                   const std::vector<std::string>& messages, size_t from, size_t to,
                   size_t first_slot) {
  for (size_t i = from; i < to && i < messages.size(); ++i) {
    char name[16];
    std::snprintf(name, sizeof name, "%03zu.txt", (first_slot + i - from) % 256);
    WriteFile(dir + "/live/" + ip + "/" + name, messages[i]);
  }
}

}  // namespace qcflow::testing
