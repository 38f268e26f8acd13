// QuAAC as YAML (issue 17, "YAML output as an option"): the same document as
// WriteQuaacJson, every object with the same hash, written as block YAML that
// the reference implementation's YAML reader loads: every string quoted (a
// serial "1234" or the version "1.0" stays a string), every float with a '.'
// (its writer turns `1e-9` into a string, so qcflow writes `1.0e-09`).
#ifndef QCFLOW_EXPORT_QUAAC_QUAAC_YAML_H_
#define QCFLOW_EXPORT_QUAAC_QUAAC_YAML_H_

#include <string>
#include <string_view>

#include "export/quaac/quaac_document.h"
#include "store/status.h"

namespace qcflow::quaac {

inline constexpr const char* kQuaacYamlExtension = ".quaac.yaml";

// InvalidArgument as WriteQuaacJson.
Result<std::string> WriteQuaacYaml(const Document& doc);

// The JSON text of a YAML document (YAML 1.2 core types: quoted scalars are
// strings; plain ones null, true/false, integers, floats, else strings).
// InvalidArgument, with the line, when `yaml` does not parse.
Result<std::string> QuaacYamlToJson(std::string_view yaml);

// The document a YAML file holds, checked as ReadQuaacJson checks JSON
// (hashes included: qcflow's YAML carries the JSON's hashes).
Result<Document> ReadQuaacYaml(std::string_view yaml);

}  // namespace qcflow::quaac

#endif  // QCFLOW_EXPORT_QUAAC_QUAAC_YAML_H_
