// PlainPoster: the baseline of the upload benchmarks — one kept-alive libcurl
// handle POSTing prebuilt JSON bodies with the QATrack+ sink's headers and
// options, nothing else (no outbox, no retries): what the server itself takes.
#ifndef QCFLOW_BENCH_PLAIN_POST_H_
#define QCFLOW_BENCH_PLAIN_POST_H_

#include <string>

namespace qcflow::bench {

class PlainPoster {
 public:
  // `url`: the endpoint; `auth_header`: "Authorization: Token ...".
  PlainPoster(const std::string& url, const std::string& auth_header);
  ~PlainPoster();
  PlainPoster(const PlainPoster&) = delete;
  PlainPoster& operator=(const PlainPoster&) = delete;

  // The HTTP status, or 0 when no answer came.
  long Post(const std::string& body);
  // The latest answer's body.
  const std::string& reply() const { return reply_; }

 private:
  void* curl_ = nullptr;     // CURL*
  void* headers_ = nullptr;  // curl_slist*
  std::string url_, reply_;
};

}  // namespace qcflow::bench

#endif  // QCFLOW_BENCH_PLAIN_POST_H_
