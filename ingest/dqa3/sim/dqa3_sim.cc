#include "ingest/dqa3/sim/dqa3_sim.h"

#include <cmath>
#include <ctime>
#include <random>

#include <soci/soci.h>

#include "ingest/dqa3/dqa3_columns.h"
#include "ingest/dqa3/row_json.h"
#include "ingest/dqa3/session.h"
#include "ingest/dqa3/sim/sim_columns.h"

namespace qcflow::dqa3::sim {
namespace {

struct Beam {
  const char* name;
  const char* type;  // DQA3's BEAMTYPE: Photon | FFF | Electron
  double energy;
  const char* wedge_type;  // nullptr: no wedge
  int wedge_angle;
  const char* wedge_orient;
};

// Ordered so that any 4+ first beams mix photon, FFF, electron and wedge beams.
const Beam kBeams[] = {
    {"6 MV", "Photon", 6, nullptr, 0, nullptr},
    {"6 FFF", "FFF", 6, nullptr, 0, nullptr},
    {"9 MeV", "Electron", 9, nullptr, 0, nullptr},
    {"6MV EDW60", "Photon", 6, "EDW", 60, "Y1-IN"},
    {"10 MV", "Photon", 10, nullptr, 0, nullptr},
    {"12 MeV", "Electron", 12, nullptr, 0, nullptr},
    {"10 FFF", "FFF", 10, nullptr, 0, nullptr},
    {"15 MV", "Photon", 15, nullptr, 0, nullptr},
    {"6 MeV", "Electron", 6, nullptr, 0, nullptr},
    {"16 MeV", "Electron", 16, nullptr, 0, nullptr},
    {"20 MeV", "Electron", 20, nullptr, 0, nullptr},
    {"15MV W45", "Photon", 15, "Static", 45, "OUT"},
};
constexpr int kBeamCount = sizeof(kBeams) / sizeof(kBeams[0]);

// Wall-clock arithmetic without a zone: the database stores local time as is.
CivilTime AddSeconds(const CivilTime& c, int64_t seconds) {
  MicrosUtc t = CivilToUtc(c, "UTC").value() + seconds * kMicrosPerSecond;
  return UtcToCivil(t, "UTC").value();
}

double Round3(double v) { return std::round(v * 1000.0) / 1000.0; }

class Rng {
 public:
  explicit Rng(uint64_t seed) : gen_(seed) {}
  double Uniform(double lo, double hi) {
    return lo + (hi - lo) * (static_cast<double>(gen_() >> 11) / 9007199254740992.0);
  }
  int Below(int n) { return static_cast<int>(gen_() % static_cast<uint64_t>(n)); }

 private:
  std::mt19937_64 gen_;
};

// A plausible reading for a result column: values near their nominal size,
// differences and baselines scaled to match.
double ResultValue(const std::string& column, Rng* rng) {
  bool diff = column.find("DIFF") != std::string::npos ||
              (column.find("AB") != 0 && column.find("RESULTS") != 0 &&
               column.find("BASELINE") == std::string::npos);
  if (diff) return Round3(rng->Uniform(-1.5, 1.5));
  double nominal = 1.0;
  if (column.find("OSE") != std::string::npos) nominal = 100.0;
  if (column.find("SIZE") != std::string::npos || column.find("size") != std::string::npos) {
    nominal = 20.0;
  }
  if (column.find("BSC") != std::string::npos) nominal = 50.0;
  return Round3(nominal + rng->Uniform(-0.8, 0.8));
}

struct Names {
  std::vector<std::string> rooms, machines, signatures;
};

Names MakeNames(const Dqa3SimOptions& o) {
  Names n;
  for (int i = 0; i < o.machines; ++i) {
    std::string num = std::to_string(i + 1);
    std::string room = std::to_string(i / 2 + 1);
    n.machines.push_back(o.cyrillic ? "Ускоритель " + num : "TrueBeam " + num);
    n.rooms.push_back(o.cyrillic ? "Каньон " + room : "Bunker " + room);
  }
  n.signatures = o.cyrillic ? std::vector<std::string>{"Иванова А.", "Петров Б."}
                            : std::vector<std::string>{"A. Physicist", "B. Therapist"};
  return n;
}

// One measurement row, before it is split over the vendor's tables.
struct Row {
  int data_key = 0, set_key = 0, data_set_key = 0, device = 1;
  std::tm when{};
  std::string comment, signature;
  soci::indicator comment_ind = soci::i_ok;
  double temperature = 0, pressure = 0;
};

// Column vectors for one bulk INSERT.
struct Batch {
  std::vector<int> data_key, set_key, data_set_key, device, trend_data_key;
  std::vector<std::tm> when;
  std::vector<std::string> comment, signature;
  std::vector<soci::indicator> comment_ind;
  std::vector<double> temperature, pressure;
  std::vector<std::vector<double>> results;

  explicit Batch(size_t result_columns) : results(result_columns) {}
  size_t size() const { return data_key.size(); }
  void Add(const Row& r, int trend_data_key_value, const std::vector<double>& values) {
    data_key.push_back(r.data_key);
    trend_data_key.push_back(trend_data_key_value);
    set_key.push_back(r.set_key);
    data_set_key.push_back(r.data_set_key);
    device.push_back(r.device);
    when.push_back(r.when);
    comment.push_back(r.comment);
    comment_ind.push_back(r.comment_ind);
    signature.push_back(r.signature);
    temperature.push_back(r.temperature);
    pressure.push_back(r.pressure);
    for (size_t i = 0; i < results.size(); ++i) results[i].push_back(values[i]);
  }
  void Clear() { *this = Batch(results.size()); }
};

std::string Placeholders(const std::vector<std::string>& names) {
  std::string s;
  for (size_t i = 0; i < names.size(); ++i) s += (i ? ", :" : ":") + names[i];
  return s;
}

std::string Joined(const std::vector<std::string>& names) {
  std::string s;
  for (size_t i = 0; i < names.size(); ++i) s += (i ? ", " : "") + names[i];
  return s;
}

void InsertResults(soci::session& sql, const std::string& table,
                   std::vector<std::string> columns, Batch* b,
                   const std::vector<std::string>& result_columns,
                   const std::function<void(soci::details::prepare_temp_type&)>& bind_front) {
  for (const std::string& r : result_columns) columns.push_back(r);
  std::vector<std::string> params;
  for (size_t i = 0; i < columns.size(); ++i) params.push_back("p" + std::to_string(i));
  soci::details::prepare_temp_type pt =
      (sql.prepare << "INSERT INTO " + table + " (" + Joined(columns) + ") VALUES (" +
                          Placeholders(params) + ")");
  bind_front(pt);
  for (auto& v : b->results) pt, soci::use(v);
  soci::statement st(pt);
  st.execute(true);
}

void FlushTrend(soci::session& sql, Batch* b, const std::vector<std::string>& result_columns) {
  if (b->size() == 0) return;
  // The CAST lets Firebird take a text parameter for a BLOB column (01.03), which
  // SOCI cannot bind directly.
  sql << "INSERT INTO DQA3_DATA (DATA_KEY, SET_KEY, DEVICE_KEY, COMMENTS, SIGNATURE, "
         "TEMPERATURE, PRESSURE) VALUES (:k, :s, :d, CAST(:c AS VARCHAR(512)), :g, :t, :p)",
      soci::use(b->data_key), soci::use(b->data_set_key), soci::use(b->device),
      soci::use(b->comment, b->comment_ind), soci::use(b->signature),
      soci::use(b->temperature), soci::use(b->pressure);
  InsertResults(sql, "DQA3_TREND", {"DATA_KEY", "SET_KEY", "MEASURED_DATETIME"}, b,
                result_columns, [&](soci::details::prepare_temp_type& pt) {
                  pt, soci::use(b->trend_data_key), soci::use(b->set_key), soci::use(b->when);
                });
  b->Clear();
}

void FlushAtlas(soci::session& sql, Batch* b, const std::vector<std::string>& result_columns) {
  if (b->size() == 0) return;
  InsertResults(sql, "Dqa3Data",
                {"Dqa3DataId", "MachineTemplateId", "DeviceId", "Created", "AdditionalNotes",
                 "CollectedBy", "Temperature", "Pressure"},
                b, result_columns, [&](soci::details::prepare_temp_type& pt) {
                  pt, soci::use(b->data_key), soci::use(b->set_key), soci::use(b->device),
                      soci::use(b->when), soci::use(b->comment, b->comment_ind),
                      soci::use(b->signature), soci::use(b->temperature),
                      soci::use(b->pressure);
                });
  b->Clear();
}

void WriteCatalogue(soci::session& sql, const Dqa3SimOptions& o, const Names& n,
                    Dqa3SimSummary* summary) {
  bool atlas = IsAtlasSchema(o.version);
  std::tm installed = ToTm(AddSeconds(o.first_day, -86400));
  std::string full_version =
      o.version_row.empty() ? o.version + (atlas ? ".0.12" : ".00.00") : o.version_row;
  if (atlas) {
    sql << "INSERT INTO AtlasMaster (DatabaseVersion, Modified) VALUES (:v, :m)",
        soci::use(full_version), soci::use(installed);
  } else {
    // An older row first: detection must take the newest.
    std::string old = "01.02.00.00";
    std::tm older = ToTm(AddSeconds(o.first_day, -400 * 86400));
    sql << "INSERT INTO ATLAS_MASTER (DB_VERSION, DATETIME) VALUES (:v, :m)", soci::use(old),
        soci::use(older);
    sql << "INSERT INTO ATLAS_MASTER (DB_VERSION, DATETIME) VALUES (:v, :m)",
        soci::use(full_version), soci::use(installed);
  }
  for (int d = 1; d <= 2; ++d) {
    std::string serial = "DQA3-" + std::to_string(4100 + d);
    sql << (atlas ? "INSERT INTO Device (DeviceId, SerialNumber) VALUES (:k, :s)"
                  : "INSERT INTO DEVICE (DEVICE_KEY, SERIAL) VALUES (:k, :s)"),
        soci::use(d), soci::use(serial);
  }
  for (int b = 0; b < kBeamCount && atlas; ++b) {
    bool fff = std::string(kBeams[b].type) == "FFF";
    std::string type = fff ? "Photon" : kBeams[b].type;
    int flag = fff ? 1 : 0, id = b + 1;
    double energy = kBeams[b].energy;
    sql << "INSERT INTO Energy (EnergyId, EnergyValue, BeamType, BeamTypeFlag) "
           "VALUES (:i, :e, :t, :f)",
        soci::use(id), soci::use(energy), soci::use(type), soci::use(flag);
  }
  int last_room = 0;
  for (int m = 0; m < o.machines; ++m) {
    int mach = m + 1, room_key = m / 2 + 1;
    if (atlas) {
      sql << "INSERT INTO Machine (MachineId, MachineName, RoomNumber) VALUES (:i, :n, :r)",
          soci::use(mach), soci::use(n.machines[m]), soci::use(n.rooms[m]);
    } else {
      if (room_key != last_room) {
        sql << "INSERT INTO ROOM (ROOM_KEY, TREE_NAME) VALUES (:k, :n)", soci::use(room_key),
            soci::use(n.rooms[m]);
        last_room = room_key;
      }
      sql << "INSERT INTO DQA3_MACHINE (MACH_KEY, TREE_NAME, ROOM_KEY) VALUES (:k, :n, :r)",
          soci::use(mach), soci::use(n.machines[m]), soci::use(room_key);
    }
    for (int b = 0; b < o.beams_per_machine; ++b) {
      const Beam& beam = kBeams[b % kBeamCount];
      int set_key = mach * 100 + b + 1, energy_id = b % kBeamCount + 1;
      std::string name = beam.name, type = beam.type;
      std::string wtype = beam.wedge_type ? beam.wedge_type : "";
      std::string worient = beam.wedge_orient ? beam.wedge_orient : "";
      soci::indicator wind = beam.wedge_type ? soci::i_ok : soci::i_null;
      int angle = beam.wedge_angle;
      double energy = beam.energy;
      if (atlas) {
        std::string test_name = name + " DQA3 Daily";  // must outlive the statement
        sql << "INSERT INTO MachineTemplate (MachineTemplateId, MachineId, EnergyId, "
               "MachineTestName, WedgeType, WedgeAngle, WedgeOrient) "
               "VALUES (:k, :m, :e, :n, :wt, :wa, :wo)",
            soci::use(set_key), soci::use(mach), soci::use(energy_id),
            soci::use(test_name), soci::use(wtype, wind), soci::use(angle),
            soci::use(worient, wind);
      } else {
        sql << "INSERT INTO DQA3_TEMPLATE (SET_KEY, MACH_KEY, TREE_NAME, BEAMTYPE, BEAMENERGY, "
               "WEDGETYPE, WEDGEANGLE, WEDGEORIENT) VALUES (:k, :m, :n, :t, :e, :wt, :wa, :wo)",
            soci::use(set_key), soci::use(mach), soci::use(name), soci::use(type),
            soci::use(energy), soci::use(wtype, wind), soci::use(angle),
            soci::use(worient, wind);
      }
    }
  }
  (void)summary;
}

}  // namespace

Result<Dqa3SimSummary> WriteDqa3Rows(const Dqa3Connection& c, const Dqa3SimOptions& o) {
  if (!IsSupportedSchema(o.version)) {
    return Status::InvalidArgument("no DQA3 schema version \"" + o.version + "\" to simulate");
  }
  bool atlas = IsAtlasSchema(o.version);
  bool race = o.race && !atlas && o.machines >= 2 && o.days >= 1 && o.beams_per_machine >= 1;
  // The simulator writes UTF-8 text; Firebird transliterates it into the
  // database's charset (WIN1251 included).
  Dqa3Connection writer = c;
  writer.firebird.charset = "UTF8";
  Names names = MakeNames(o);
  Dqa3SimSummary summary;
  for (int m = 0; m < o.machines; ++m) {
    // Atlas's RoomNumber plays the room's part: display names are <room>/<machine> too.
    summary.machines.push_back(
        {m + 1, names.machines[m], names.rooms[m], names.rooms[m] + "/" + names.machines[m]});
  }
  const std::vector<std::string> result_columns = ResultColumns(o.version);
  soci::session sql;
  QCFLOW_RETURN_IF_ERROR(OpenSession(writer, OpenMode::kCreate, &sql));
  Status s = Guard(writer, "writing simulated DQA3 rows", [&] {
    Rng rng(o.seed);
    soci::transaction tx(sql);
    if (o.write_catalogue) WriteCatalogue(sql, o, names, &summary);
    Batch batch(result_columns.size());
    std::vector<double> values(result_columns.size());
    int next_key = static_cast<int>(o.key_base);
    int race_data_key = -1;
    for (int d = 0; d < o.days; ++d) {
      CivilTime day = AddSeconds(o.first_day, int64_t{d} * 86400);
      bool race_day = race && d == o.days - 1;
      for (int m = 0; m < o.machines; ++m) {
        for (int b = 0; b < o.beams_per_machine; ++b) {
          Row r;
          r.data_key = ++next_key;
          r.set_key = r.data_set_key = (m + 1) * 100 + b + 1;
          r.device = 1 + (m % 2);
          int64_t offset = 7 * 3600 + m * 420 + b * 90 + rng.Below(30);
          if (race_day && b == 0 && m <= 1) offset = 7 * 3600;  // same instant
          CivilTime when = AddSeconds(day, offset);
          r.when = ToTm(when);
          if (d == o.days - 1) summary.last_measurement = when;
          r.signature = names.signatures[rng.Below(2)];
          if (r.data_key % 7 == 0) {
            r.comment_ind = soci::i_null;
          } else {
            r.comment = (r.data_key % 5 == 0) ? "Output re-checked; within tolerance" : "";
          }
          r.temperature = Round3(rng.Uniform(19.5, 23.5));
          r.pressure = Round3(rng.Uniform(99.0, 103.0));
          for (size_t i = 0; i < values.size(); ++i) values[i] = ResultValue(result_columns[i], &rng);
          int trend_key = r.data_key;
          if (race_day && b == 0 && m == 0) race_data_key = r.data_key;
          if (race_day && b == 0 && m == 1) {
            // The vendor race: the trend row takes the other machine's DATA_KEY.
            trend_key = race_data_key;
            summary.raced_set_key = r.set_key;
            summary.raced_data_key = race_data_key;
          }
          batch.Add(r, trend_key, values);
          ++summary.trend_rows;
          if (batch.size() >= o.batch_rows) {
            atlas ? FlushAtlas(sql, &batch, result_columns)
                  : FlushTrend(sql, &batch, result_columns);
          }
        }
      }
    }
    atlas ? FlushAtlas(sql, &batch, result_columns) : FlushTrend(sql, &batch, result_columns);
    tx.commit();
  });
  if (!s.ok()) return s;
  return summary;
}

}  // namespace qcflow::dqa3::sim
