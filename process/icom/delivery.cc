#include "process/icom/delivery.h"

#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>

#include "store/coding.h"

namespace qcflow::icom {
namespace {

constexpr int kVersion = 1;

// Index text with '\0' replaced, so a separator is never ambiguous.
void PutText(std::string* dst, std::string_view text) {
  for (char c : text) dst->push_back(c == '\0' ? ' ' : c);
  dst->push_back('\0');
}

std::string IndexKey(const Delivery& d, const std::string* value) {
  std::string k;
  PutText(&k, d.linac);
  if (value) PutText(&k, *value);
  coding::PutBigEndian64(&k, coding::OrderedFromSigned(d.start));
  k.push_back('\0');
  coding::PutBigEndian64(&k, d.first_seq);
  return k;
}

void PutOptional(nlohmann::json& j, const char* name, const std::optional<double>& v) {
  if (v) j[name] = *v;
}

std::optional<double> GetOptional(const nlohmann::json& j, const char* name) {
  auto it = j.find(name);
  if (it == j.end() || it->is_null()) return std::nullopt;
  return it->get<double>();
}

}  // namespace

Status ValidateDeliveryOptions(const DeliveryOptions& o) {
  if (o.max_gap_seconds <= 0) {
    return Status::InvalidArgument("iCom grouping max_gap_seconds must be positive (seconds "
                                   "between messages a delivery may continue across)");
  }
  if (!(o.mu_epsilon >= 0) || !std::isfinite(o.mu_epsilon)) {
    return Status::InvalidArgument("iCom grouping mu_epsilon must be a number >= 0");
  }
  return Status::OK();
}

std::string Delivery::Id() const { return linac + "/" + std::to_string(first_seq); }

std::string EncodeDelivery(const Delivery& d) {
  nlohmann::json j;
  j["v"] = kVersion;
  j["linac"] = d.linac;
  j["id"] = d.Id();
  j["first_seq"] = d.first_seq;
  j["last_seq"] = d.last_seq;
  j["open"] = d.open;
  j["close_reason"] = d.close_reason;
  j["patient_id"] = d.patient_id;
  j["patient_name"] = d.patient_name;
  j["rx_site"] = d.rx_site;
  j["field_id"] = d.field_id;
  j["machine_id"] = d.machine_id;
  j["radiation_type"] = d.radiation_type;
  j["beam_description"] = d.beam_description;
  j["energies"] = d.energies;
  j["start"] = d.start;
  j["end"] = d.end;
  j["start_text"] = d.start_text;
  j["end_text"] = d.end_text;
  j["mu"] = d.mu;
  PutOptional(j, "prescribed_mu", d.prescribed_mu);
  PutOptional(j, "gantry_min", d.gantry_min);
  PutOptional(j, "gantry_max", d.gantry_max);
  PutOptional(j, "collimator_min", d.collimator_min);
  PutOptional(j, "collimator_max", d.collimator_max);
  j["interlocks"] = d.interlocks;
  j["segments"] = d.segments;
  j["messages"] = d.messages;
  j["first_counter"] = d.first_counter;
  j["last_counter"] = d.last_counter;
  j["counter_gaps"] = d.counter_gaps;
  j["continuations"] = d.continuations;
  j["capture_losses"] = d.capture_losses;
  j["malformed"] = d.malformed;
  PutOptional(j, "last_delivery_mu", d.last_delivery_mu);
  PutOptional(j, "last_segment", d.last_segment);
  // Text from the linac may be invalid UTF-8: replace rather than throw.
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Result<Delivery> DecodeDelivery(std::string_view json) {
  nlohmann::json j = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return Status::Corruption("stored iCom delivery is not a JSON object");
  }
  auto v = j.find("v");
  if (v == j.end() || !v->is_number_integer()) {
    return Status::Corruption("stored iCom delivery has no version");
  }
  if (v->get<int>() != kVersion) {
    return Status::Incompatible("stored iCom delivery has version " +
                                std::to_string(v->get<int>()) + "; this qcflow reads version " +
                                std::to_string(kVersion) + " (upgrade qcflow)");
  }
  Delivery d;
  try {
    d.linac = j.at("linac").get<std::string>();
    d.first_seq = j.at("first_seq").get<uint64_t>();
    d.last_seq = j.at("last_seq").get<uint64_t>();
    d.open = j.at("open").get<bool>();
    d.close_reason = j.at("close_reason").get<std::string>();
    d.patient_id = j.at("patient_id").get<std::string>();
    d.patient_name = j.at("patient_name").get<std::string>();
    d.rx_site = j.at("rx_site").get<std::string>();
    d.field_id = j.at("field_id").get<std::string>();
    d.machine_id = j.at("machine_id").get<std::string>();
    d.radiation_type = j.at("radiation_type").get<std::string>();
    d.beam_description = j.at("beam_description").get<std::string>();
    d.energies = j.at("energies").get<std::vector<std::string>>();
    d.start = j.at("start").get<MicrosUtc>();
    d.end = j.at("end").get<MicrosUtc>();
    d.start_text = j.at("start_text").get<std::string>();
    d.end_text = j.at("end_text").get<std::string>();
    d.mu = j.at("mu").get<double>();
    d.prescribed_mu = GetOptional(j, "prescribed_mu");
    d.gantry_min = GetOptional(j, "gantry_min");
    d.gantry_max = GetOptional(j, "gantry_max");
    d.collimator_min = GetOptional(j, "collimator_min");
    d.collimator_max = GetOptional(j, "collimator_max");
    d.interlocks = j.at("interlocks").get<std::vector<std::string>>();
    d.segments = j.at("segments").get<int>();
    d.messages = j.at("messages").get<uint64_t>();
    d.first_counter = j.at("first_counter").get<uint8_t>();
    d.last_counter = j.at("last_counter").get<uint8_t>();
    d.counter_gaps = j.at("counter_gaps").get<uint64_t>();
    d.continuations = j.at("continuations").get<uint64_t>();
    d.capture_losses = j.at("capture_losses").get<uint64_t>();
    d.malformed = j.at("malformed").get<uint64_t>();
    d.last_delivery_mu = GetOptional(j, "last_delivery_mu");
    d.last_segment = GetOptional(j, "last_segment");
  } catch (const nlohmann::json::exception& e) {
    return Status::Corruption(std::string("stored iCom delivery is missing a field: ") + e.what());
  }
  return d;
}

std::string DeliveryKey(std::string_view linac, uint64_t first_seq) {
  std::string k;
  PutText(&k, linac);
  coding::PutBigEndian64(&k, first_seq);
  return k;
}

std::string DeliveryTimeIndexKey(const Delivery& d) { return IndexKey(d, nullptr); }
std::string DeliveryPatientIndexKey(const Delivery& d) { return IndexKey(d, &d.patient_id); }
std::string DeliveryFieldIndexKey(const Delivery& d) { return IndexKey(d, &d.field_id); }

IndexRange DeliveryIndexRange(std::string_view linac, const std::optional<std::string>& value,
                              MicrosUtc since, MicrosUtc until) {
  std::string prefix;
  PutText(&prefix, linac);
  if (value) PutText(&prefix, *value);
  IndexRange r{prefix, prefix};
  coding::PutBigEndian64(&r.from, coding::OrderedFromSigned(since));
  if (until == std::numeric_limits<MicrosUtc>::max()) {
    // Up to the end of the prefix: every start time, including the largest.
    r.until.back() = '\1';
  } else {
    coding::PutBigEndian64(&r.until, coding::OrderedFromSigned(until));
  }
  return r;
}

}  // namespace qcflow::icom
