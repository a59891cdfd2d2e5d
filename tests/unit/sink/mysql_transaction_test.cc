// The MySQL sink when the server ends its transaction under it, as a deadlock
// or a Galera brute-force abort does: whatever it is asked next about that
// transaction, the answer is TempFail (retry the segment on a new connection),
// never an error flush would blame on rows.
#include <gtest/gtest.h>
#include <mysql.h>
#include <stdlib.h>

#include <future>
#include <memory>
#include <string>
#include <vector>

#include "libcore/sink/sink.h"
#include "tests/support/mariadb.h"

namespace logroute::sink {
namespace {

using testing::MariaDbServer;
using testing::TestDatabase;

// A second client of the test database, holding its own transaction.
class Client {
 public:
  Client(const MariaDbServer& server, const std::string& database) : mysql_(mysql_init(nullptr)) {
    if (mysql_real_connect(mysql_, nullptr, server.user.c_str(), server.password.c_str(),
                           database.c_str(), 0, server.socket.c_str(), 0) == nullptr) {
      ADD_FAILURE() << "cannot connect: " << mysql_error(mysql_);
    }
  }
  ~Client() { mysql_close(mysql_); }
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Runs `sql`, dropping any result; the error number (0 on success).
  unsigned Run(const std::string& sql) {
    if (mysql_real_query(mysql_, sql.data(), sql.size()) != 0) return mysql_errno(mysql_);
    if (MYSQL_RES* result = mysql_store_result(mysql_)) mysql_free_result(result);
    return 0;
  }

 private:
  MYSQL* mysql_;
};

TEST(MysqlTransactionTest, ASavepointOfATransactionTheServerEndedIsATemporaryFailure) {
  const MariaDbServer server = testing::TestServer();
  TestDatabase db(server);
  ::setenv("MYSQL_PWD", server.password.c_str(), 1);
  ASSERT_EQ(db.TryExec("CREATE TABLE lock_me (k INT PRIMARY KEY) ENGINE=InnoDB"), "");
  ASSERT_EQ(db.TryExec("INSERT INTO lock_me VALUES (1)"), "");
  ASSERT_EQ(db.TryExec("CREATE TABLE ballast (k INT PRIMARY KEY) ENGINE=InnoDB"), "");
  ASSERT_EQ(db.TryExec("CREATE TABLE logs (id BIGINT AUTO_INCREMENT PRIMARY KEY,"
                       " unix_ts BIGINT NOT NULL, user_id BIGINT NOT NULL,"
                       " event_name VARCHAR(255) NOT NULL)"),
            "");
  // Every insert into logs first waits for lock_me's row.
  ASSERT_EQ(db.TryExec("CREATE TRIGGER wait_for_lock BEFORE INSERT ON logs FOR EACH ROW"
                       " SET @k = (SELECT k FROM lock_me WHERE k = 1 FOR UPDATE)"),
            "");

  Result<std::unique_ptr<Sink>> made = CreateSink(db.SocketDsn(), {});
  ASSERT_TRUE(made.ok()) << made.status().message();
  std::unique_ptr<Sink> sink = std::move(made).value();
  ASSERT_TRUE(sink->Open().ok());
  ASSERT_TRUE(sink->EnsureTable("logs").ok());
  const SegmentKey key{"0123456789abcdef0123456789abcdef", 0, 1};
  Result<LedgerClaim> begun = sink->Begin(key);  // holds the ledger row's lock
  ASSERT_TRUE(begun.ok() && begun->ours()) << begun.status().message();
  ASSERT_TRUE(sink->Savepoint().ok());

  // A deadlock, whichever of the two lock requests comes second: the other
  // transaction holds lock_me and wants the ledger row; the sink holds the
  // ledger row and, through the trigger, wants lock_me. The other is the
  // heavier, so InnoDB makes the sink's transaction the victim.
  Client other(server, db.name());
  ASSERT_EQ(other.Run("START TRANSACTION"), 0u);
  ASSERT_EQ(other.Run("INSERT INTO ballast SELECT seq FROM seq_1_to_5000"), 0u);
  ASSERT_EQ(other.Run("SELECT k FROM lock_me WHERE k = 1 FOR UPDATE"), 0u);
  std::future<unsigned> others_lock = std::async(
      std::launch::async, [&] { return other.Run("SELECT seq FROM logroute_ledger FOR UPDATE"); });
  const std::vector<Row> rows = {{1684129671, 7, "login", ""}};
  const Status insert = sink->Insert("logs", rows);
  EXPECT_EQ(insert.code(), Code::kBusy) << insert.message();  // a lock another client holds
  EXPECT_NE(insert.message().find("(error 1213)"), std::string::npos) << insert.message();
  EXPECT_EQ(others_lock.get(), 0u);

  const Status rolled_back = sink->RollbackToSavepoint();
  EXPECT_EQ(rolled_back.code(), Code::kTempFail) << rolled_back.message();
  EXPECT_EQ(other.Run("COMMIT"), 0u);
  sink->Rollback();
  EXPECT_EQ(db.Scalar("SELECT COUNT(*) FROM logs"), "0");
  EXPECT_EQ(db.Scalar("SELECT COUNT(*) FROM logroute_ledger"), "0");
}

}  // namespace
}  // namespace logroute::sink
