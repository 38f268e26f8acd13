// Tests only: the bytes a QuAAC attachment holds, decoded as its reader would
// (base64, then gunzip when `compression` is "gzip"), so tests compare them
// with the file they came from.
#ifndef QCFLOW_EXPORT_QUAAC_ATTACHMENT_TESTING_H_
#define QCFLOW_EXPORT_QUAAC_ATTACHMENT_TESTING_H_

#include <string>

#include "export/quaac/quaac_document.h"

namespace qcflow::testing {

// Standard base64 (padding and line breaks skipped).
std::string Unbase64(const std::string& in);
// gzip-wrapped deflate data inflated; "<inflate failed>" when it is not.
std::string Gunzip(const std::string& gz);
// `a`'s content decoded.
std::string AttachmentBytes(const quaac::Attachment& a);

}  // namespace qcflow::testing

#endif  // QCFLOW_EXPORT_QUAAC_ATTACHMENT_TESTING_H_
