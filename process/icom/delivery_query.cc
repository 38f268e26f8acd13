#include "process/icom/delivery_query.h"

#include <optional>

#include "process/icom/icom_transform.h"
#include "store/derived.h"

namespace qcflow::icom {

Result<std::vector<Delivery>> ReadDeliveries(Derived& derived, const DeliveryQuery& q) {
  const char* index = kDeliveryByTime;
  std::optional<std::string> value;
  if (!q.patient.empty()) {
    index = kDeliveryByPatient;
    value = q.patient;
  } else if (!q.field.empty()) {
    index = kDeliveryByField;
    value = q.field;
  }
  std::vector<Delivery> out;
  if (q.limit == 0) return out;
  const IndexRange r = DeliveryIndexRange(q.linac, value, q.since, q.until);
  Status bad;
  QCFLOW_RETURN_IF_ERROR(derived.ScanIndexed(index, r.from, r.until, [&](std::string_view v) {
    auto d = DecodeDelivery(v);
    if (!d.ok()) {
      bad = d.status();
      return false;
    }
    if (!q.field.empty() && d->field_id != q.field) return true;
    out.push_back(std::move(*d));
    return out.size() < q.limit;
  }));
  if (!bad.ok()) return bad;
  return out;
}

}  // namespace qcflow::icom
