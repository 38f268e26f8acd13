// The central queries (qcflow query ... --db postgres) against a real
// PostgreSQL 15 that two sites mirrored into: order, the site filter, limits
// (including none), and a schema that was never created.
#include "export/postgres/pg_query.h"

#include <cstdint>

#include "export/postgres/postgres_test_fixture.h"

namespace qcflow::postgres {
namespace {

using qcflow::testing::NumberedUserKey;

constexpr char kPrefix[] = "QCPump/MPC/1234";

class PgQueryTest : public PostgresSinkTest {
 protected:
  // Site a mirrors sessions 0-2, site b sessions 0-1, of the same machine.
  void MirrorTwoSites() {
    for (const auto& [site, n] : {std::pair<std::string, int>{"site-a", 3}, {"site-b", 2}}) {
      stores_.push_back(OpenStore(site));
      auto sink = Sink(stores_.back().get(), Config(site));
      ASSERT_TRUE(stores_.back() && sink);
      Queue(*stores_.back(), 0, n, kPrefix);
      EXPECT_EQ(DeliverAll(*sink).inserted, size_t(n));
    }
  }
  PgSource Source(const std::string& schema = "qcflow") const {
    return PgSource{{pg_->Conninfo(kDb), pg_->password(), 3, ""}, schema};
  }
  static std::vector<std::string> SiteAndKey(const std::vector<SiteSession>& rows) {
    std::vector<std::string> out;
    for (const SiteSession& r : rows) out.push_back(r.site + " " + r.session.user_key);
    return out;
  }
  std::vector<std::unique_ptr<Store>> stores_;
};

TEST_F(PgQueryTest, SessionsOfEverySiteInTimeOrderWithoutALimit) {
  MirrorTwoSites();
  PgSessionQuery q;
  q.limit = SIZE_MAX;  // --limit 0
  auto rows = QuerySessions(Source(), q);
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  const std::string k0 = NumberedUserKey(kPrefix, 0), k1 = NumberedUserKey(kPrefix, 1),
                    k2 = NumberedUserKey(kPrefix, 2);
  EXPECT_EQ(SiteAndKey(*rows), (std::vector<std::string>{"site-a " + k0, "site-b " + k0, "site-a " + k1,
                                                          "site-b " + k1, "site-a " + k2}));
  for (const SiteSession& r : *rows) {
    EXPECT_EQ(r.session.machine.serial, "1234");
    EXPECT_FALSE(r.session.tests.empty()) << "the mirrored revision decodes with its values";
  }
}

TEST_F(PgQueryTest, SiteSerialAndLimitNarrow) {
  MirrorTwoSites();
  PgSessionQuery q;
  q.site = "site-b";
  auto b = QuerySessions(Source(), q);
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  EXPECT_EQ(SiteAndKey(*b), (std::vector<std::string>{"site-b " + NumberedUserKey(kPrefix, 0),
                                                       "site-b " + NumberedUserKey(kPrefix, 1)}));
  q = PgSessionQuery{};
  q.limit = 3;
  auto first = QuerySessions(Source(), q);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->size(), 3u);
  q = PgSessionQuery{};
  q.serial = "no-such-serial";
  auto none = QuerySessions(Source(), q);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
}

TEST_F(PgQueryTest, DeliveriesWithoutALimitAndASchemaNeverCreated) {
  MirrorTwoSites();
  PgDeliveryQuery d;
  d.limit = SIZE_MAX;
  auto deliveries = QueryDeliveries(Source(), d);
  ASSERT_TRUE(deliveries.ok()) << deliveries.status().ToString();
  EXPECT_TRUE(deliveries->empty()) << "MPC sessions make no delivery rows";
  auto missing = QuerySessions(Source("never_made"), PgSessionQuery{});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), Status::Code::kIncompatible) << missing.status().ToString();
}

}  // namespace
}  // namespace qcflow::postgres
