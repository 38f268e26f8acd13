// A closed delivery with every field a delivery session maps, for the tests of
// the sinks that write delivery sessions (archives, PostgreSQL).
#ifndef QCFLOW_PROCESS_ICOM_DELIVERY_SESSION_TESTING_H_
#define QCFLOW_PROCESS_ICOM_DELIVERY_SESSION_TESTING_H_

#include "process/icom/delivery.h"

namespace qcflow::testing {

inline icom::Delivery SampleClosedDelivery() {
  icom::Delivery d;
  d.linac = "LA1";
  d.first_seq = 41, d.last_seq = 97;
  d.open = false;
  d.close_reason = "beam_complete";
  d.patient_id = "PAT-0001", d.patient_name = "DOE^JANE";  // must not reach a sink
  d.field_id = "3", d.machine_id = "2345";
  d.radiation_type = "PHOTON", d.beam_description = "RAO 30";
  d.energies = {"6 MV"};
  d.start = 1767600000LL * 1000000, d.end = d.start + 42 * 1000000;
  d.mu = 101.5, d.prescribed_mu = 101.6;
  d.gantry_min = 178.0, d.gantry_max = 182.5, d.collimator_min = d.collimator_max = 90.0;
  d.interlocks = {"DOSE1"};
  d.segments = 5;
  return d;
}

}  // namespace qcflow::testing

#endif  // QCFLOW_PROCESS_ICOM_DELIVERY_SESSION_TESTING_H_
