#include "process/icom/delivery_builder.h"

#include <algorithm>
#include <utility>

#include "ingest/icom/decoder.h"

namespace qcflow::icom {
namespace {

void AddDistinct(std::vector<std::string>* list, const std::string& value) {
  if (std::find(list->begin(), list->end(), value) == list->end()) list->push_back(value);
}

void Widen(std::optional<double>* lo, std::optional<double>* hi, const std::optional<double>& v) {
  if (!v) return;
  if (!*lo || *v < **lo) *lo = *v;
  if (!*hi || *v > **hi) *hi = *v;
}

void SetIfPresent(std::string* field, const std::optional<std::string>& v) {
  if (v && !v->empty()) *field = *v;
}

bool HasPatient(const IcomMessage& m) { return m.patient_id && !m.patient_id->empty(); }

}  // namespace

DeliveryBuilder::DeliveryBuilder(std::string linac, DeliveryOptions options)
    : linac_(std::move(linac)), options_(options) {}

void DeliveryBuilder::Restore(std::optional<Delivery> open, std::optional<Delivery> parked) {
  open_ = std::move(open);
  parked_ = std::move(parked);
  if (open_) open_->open = true;
  if (parked_) parked_->open = true;
  open_changed_ = false;
  pending_continuation_ = false;
  closed_.clear();
}

const char* DeliveryBuilder::SplitReason(MicrosUtc time, const IcomMessage& m) const {
  const Delivery& d = *open_;
  if (*m.patient_id != d.patient_id) return kClosePatient;
  // A message missing the element (e.g. cut short) says nothing about the field.
  if (m.field_id && *m.field_id != d.field_id) return kCloseField;
  const MicrosUtc max_gap = options_.max_gap_seconds * kMicrosPerSecond;
  if (time - d.end > max_gap || d.end - time > max_gap) return kCloseTimeGap;
  if (d.mu <= 0) return nullptr;  // setup: energy and MU may still change
  if (m.energy && !m.energy->empty() && !d.energies.empty() && *m.energy != d.energies.back()) {
    return kCloseEnergy;
  }
  if (m.delivery_mu && d.last_delivery_mu &&
      *m.delivery_mu < *d.last_delivery_mu - options_.mu_epsilon) {
    const bool next_segment = m.segment && d.last_segment && *m.segment > *d.last_segment;
    if (!next_segment) return kCloseMuReset;
  }
  return nullptr;
}

bool DeliveryBuilder::Near(const Delivery& d, MicrosUtc time) const {
  const MicrosUtc max_gap = options_.max_gap_seconds * kMicrosPerSecond;
  return time >= d.end - max_gap && time <= d.end + max_gap;
}

void DeliveryBuilder::FlushOpen() {
  if (open_ && open_changed_ && Reportable(*open_)) closed_.push_back(*open_);
  open_changed_ = false;
}

void DeliveryBuilder::SwitchTimeline(MicrosUtc time) {
  const MicrosUtc max_gap = options_.max_gap_seconds * kMicrosPerSecond;
  if (parked_ && time > parked_->end + max_gap) {
    // The live stream never came back within the gap: its delivery is over.
    FlushOpen();
    std::swap(open_, parked_);
    Close(kCloseTimeGap);
    std::swap(open_, parked_);
  }
  if (parked_ && Near(*parked_, time) && !(open_ && Near(*open_, time))) {
    // Back on the parked (live) timeline: the history in between is done.
    if (open_) Close(kCloseTimeGap);
    open_ = std::move(parked_);
    parked_.reset();
  } else if (!parked_ && open_ && time < open_->end - max_gap) {
    // Older messages appended after live ones (a backfill): park the live
    // delivery instead of closing it, so it continues when the live stream does.
    FlushOpen();
    parked_ = std::move(open_);
    open_.reset();
  }
}

void DeliveryBuilder::Close(const char* reason) {
  Delivery d = std::move(*open_);
  open_.reset();
  open_changed_ = false;
  d.open = false;
  d.close_reason = reason;
  if (Reportable(d)) closed_.push_back(std::move(d));
}

void DeliveryBuilder::Start(uint64_t seq, MicrosUtc time, const IcomMessage& m,
                            std::optional<double> baseline_mu) {
  Delivery& d = open_.emplace();
  d.linac = linac_;
  d.first_seq = seq;
  d.patient_id = *m.patient_id;
  d.patient_name = m.patient_name.value_or("");
  d.field_id = m.field_id.value_or("");
  d.start = time;
  d.start_text = m.timestamp;
  d.first_counter = m.counter;
  d.last_delivery_mu = baseline_mu;  // nullopt: the first value counts from 0
  pending_continuation_ = false;
}

void DeliveryBuilder::Add(uint64_t seq, MicrosUtc time, const IcomMessage& m) {
  SwitchTimeline(time);
  if (!HasPatient(m)) {
    // A damaged message may have lost its Patient ID element: it is not
    // evidence of idle, so it neither closes nor joins a delivery.
    if (!m.issues.empty()) return;
    if (open_) Close(kCloseIdle);
    pending_continuation_ = false;
    return;
  }
  if (!open_) {
    Start(seq, time, m, std::nullopt);
  } else if (const char* reason = SplitReason(time, m)) {
    std::optional<double> baseline;
    if (reason != kCloseMuReset && m.delivery_mu && open_->last_delivery_mu &&
        *m.delivery_mu >= *open_->last_delivery_mu - options_.mu_epsilon) {
      baseline = open_->last_delivery_mu;  // the counter did not reset
    }
    Close(reason);
    Start(seq, time, m, baseline);
  } else {
    Delivery& d = *open_;
    const int gap = CounterGap(d.last_counter, m.counter);
    // 255 "missing" reads as a repeat of the last counter (a resend).
    if (gap != 0 && gap != 255) d.counter_gaps += static_cast<uint64_t>(gap);
    if (gap != 0 || pending_continuation_) ++d.continuations;
    pending_continuation_ = false;
  }
  Update(seq, time, m);
}

void DeliveryBuilder::Update(uint64_t seq, MicrosUtc time, const IcomMessage& m) {
  Delivery& d = *open_;
  open_changed_ = true;
  ++d.messages;
  d.last_seq = seq;
  d.end = std::max(d.end, time);
  if (d.end == time) d.end_text = m.timestamp;
  d.last_counter = m.counter;
  if (!m.issues.empty()) ++d.malformed;
  if (d.patient_name.empty()) SetIfPresent(&d.patient_name, m.patient_name);
  SetIfPresent(&d.rx_site, m.rx_site);
  SetIfPresent(&d.machine_id, m.machine_id);
  SetIfPresent(&d.radiation_type, m.radiation_type);
  SetIfPresent(&d.beam_description, m.beam_description);
  if (m.energy && !m.energy->empty()) AddDistinct(&d.energies, *m.energy);
  if (m.total_mu) d.prescribed_mu = m.total_mu;
  if (m.segment) {
    d.segments = std::max(d.segments, static_cast<int>(*m.segment));
    d.last_segment = m.segment;
  }
  for (const std::string& i : m.interlocks) AddDistinct(&d.interlocks, i);

  double increment = 0;
  if (m.delivery_mu) {
    const double v = *m.delivery_mu;
    const double last = d.last_delivery_mu.value_or(0);
    if (v > last) {
      increment = v - last;
      d.last_delivery_mu = v;
    } else if (v < last - options_.mu_epsilon || !d.last_delivery_mu) {
      increment = std::max(v, 0.0);  // a reset: counting starts again from 0
      d.last_delivery_mu = v;
    }
  }
  if (increment > 0) {
    d.mu += increment;
    Widen(&d.gantry_min, &d.gantry_max, m.gantry_deg);
    Widen(&d.collimator_min, &d.collimator_max, m.collimator_deg);
  }
}

void DeliveryBuilder::AddCaptureLoss() {
  if (!open_) return;
  ++open_->capture_losses;
  pending_continuation_ = true;
  open_changed_ = true;
}

std::vector<Delivery> DeliveryBuilder::TakeUpdates() {
  FlushOpen();
  std::vector<Delivery> all = std::move(closed_);
  closed_.clear();
  // A delivery parked and resumed within one batch was queued twice: keep
  // its latest snapshot, at its latest place.
  std::vector<Delivery> out;
  out.reserve(all.size());
  for (size_t i = 0; i < all.size(); ++i) {
    bool later = false;
    for (size_t k = i + 1; k < all.size() && !later; ++k) later = all[k].first_seq == all[i].first_seq;
    if (!later) out.push_back(std::move(all[i]));
  }
  return out;
}

}  // namespace qcflow::icom
