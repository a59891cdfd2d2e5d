// logroute-flush when MariaDB fails it: unreachable (exit 75), authentication
// refused (exit 77), where the password may come from, and the server killed
// in the middle of a segment's transaction (rollback, then exactly once).
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/e2e/flush/flush_test_util.h"
#include "tests/support/temp_dir.h"

namespace logroute::testing::flush {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// A port on 127.0.0.1 that nothing listens on.
int ClosedPort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address = {};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    ADD_FAILURE() << "cannot bind a port";
  }
  ::close(fd);  // bound, never listened: connecting is refused
  return ntohs(address.sin_port);
}

class FlushDbFailure : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = TestServer();
    db_ = std::make_unique<TestDatabase>(server_);
    spool_ = dir_.Path("spool");
    // Sealed segments and active files both.
    events_ = MakeEvents(4000, 10);
    ASSERT_EQ(Recv(spool_, events_, {"--segment-bytes", "16384"}), events_.size());
    before_ = StatTotals(spool_);
    ASSERT_EQ(before_.events, events_.size());
    ASSERT_GT(before_.segments, 0u);
    // No stray option file of the machine's user: HOME is an empty directory.
    home_ = dir_.Path("home");
    std::filesystem::create_directory(home_);
  }

  // Options with no MYSQL_PWD and an empty HOME, plus `env`.
  RunOptions CleanEnv(const std::vector<std::string>& env = {}) const {
    RunOptions options;
    options.unset_env = {"MYSQL_PWD", "MYSQL_HOME"};
    options.env = {"HOME=" + home_};
    options.env.insert(options.env.end(), env.begin(), env.end());
    return options;
  }

  uint64_t Rows() const { return std::stoull(db_->Scalar("SELECT COUNT(*) FROM logs")); }

  TempDir dir_;
  MariaDbServer server_;
  std::unique_ptr<TestDatabase> db_;
  std::string spool_;
  std::string home_;
  std::vector<Ev> events_;
  SpoolTotals before_;
};

TEST_F(FlushDbFailure, UnreachableDatabaseExits75AndKeepsEverySegment) {
  const std::string dsn =
      "mysql://logroute@127.0.0.1:" + std::to_string(ClosedPort()) + "/" + db_->name();
  RunResult r = testing::Run(FlushArgv(spool_, dsn), CleanEnv({db_->PasswordEnv()}));
  EXPECT_EQ(r.exit_code, 75) << r.err;
  EXPECT_THAT(r.err, HasSubstr("cannot connect"));
  EXPECT_THAT(r.err, HasSubstr("nothing is lost"));
  EXPECT_EQ(StatTotals(spool_), before_);

  // The same spool, once the database answers.
  r = testing::Run(FlushArgv(spool_, db_->TcpDsn()), CleanEnv({db_->PasswordEnv()}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Rows(), events_.size());
}

TEST_F(FlushDbFailure, LoopKeepsRetryingAnUnreachableDatabaseUntilSigterm) {
  const std::string dsn =
      "mysql://logroute@127.0.0.1:" + std::to_string(ClosedPort()) + "/" + db_->name();
  const pid_t pid = Spawn(FlushArgv(spool_, dsn, {"--loop", "--interval", "0.1"}), dir_.Path("out"),
                          dir_.Path("err"), CleanEnv({db_->PasswordEnv()}));
  // Until a few passes have failed.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    const std::string log = ReadFileOrDie(dir_.Path("err"));
    size_t failures = 0;
    for (size_t at = log.find("cannot connect"); at != std::string::npos;
         at = log.find("cannot connect", at + 1)) {
      ++failures;
    }
    if (failures >= 3) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_EQ(::kill(pid, SIGTERM), 0);
  EXPECT_EQ(Wait(pid), 0) << ReadFileOrDie(dir_.Path("err"));
  EXPECT_THAT(ReadFileOrDie(dir_.Path("err")), HasSubstr("Stopped by signal"));
  EXPECT_EQ(StatTotals(spool_), before_);
}

// A mistyped host never answers: a configuration error a timer must report,
// not 75, which the packaged units count as success.
TEST_F(FlushDbFailure, AnUnknownHostIsExit68NotATemporaryFailure) {
  const std::string dsn = "mysql://logroute@no-such-host.invalid:3306/" + db_->name();
  RunResult r = testing::Run(FlushArgv(spool_, dsn), CleanEnv({db_->PasswordEnv()}));
  EXPECT_EQ(r.exit_code, 68) << r.err;
  EXPECT_THAT(r.err, HasSubstr("no-such-host.invalid"));
  EXPECT_THAT(r.err, Not(HasSubstr("nothing is lost; the next run retries")));
  EXPECT_EQ(StatTotals(spool_), before_);
}

// Waits until `path` holds `needle` at least `times` times (60 s at most).
bool WaitForLog(const std::string& path, const std::string& needle, size_t times) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    const std::string log = ReadFileOrDie(path);
    size_t found = 0;
    for (size_t at = log.find(needle); at != std::string::npos; at = log.find(needle, at + 1)) {
      ++found;
    }
    if (found >= times) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

// In a container, flush --loop often starts before its database or its spool
// exists. It keeps going until they do, then flushes.
TEST_F(FlushDbFailure, LoopWaitsForASpoolAndADatabaseThatDoNotExistYet) {
  const std::string later_spool = dir_.Path("later-spool");
  const std::string database = db_->name() + "_later";
  const std::string dsn =
      "mysql://logroute@127.0.0.1:" + std::to_string(server_.port) + "/" + database;
  const pid_t pid = Spawn(FlushArgv(later_spool, dsn, {"--loop", "--interval", "0.1"}),
                          dir_.Path("out"), dir_.Path("err"), CleanEnv({db_->PasswordEnv()}));
  EXPECT_TRUE(WaitForLog(dir_.Path("err"), "no spool at", 2)) << ReadFileOrDie(dir_.Path("err"));
  ASSERT_EQ(Recv(later_spool, events_), events_.size());
  EXPECT_TRUE(WaitForLog(dir_.Path("err"), "Unknown database", 2))
      << ReadFileOrDie(dir_.Path("err"));
  ASSERT_EQ(db_->TryExec("CREATE DATABASE `" + database + "`"), "");
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (StatTotals(later_spool).events > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_EQ(::kill(pid, SIGTERM), 0);
  EXPECT_EQ(Wait(pid), 0) << ReadFileOrDie(dir_.Path("err"));
  EXPECT_EQ(StatTotals(later_spool).events, 0u);
  EXPECT_EQ(db_->Scalar("SELECT COUNT(*) FROM `" + database + "`.logs"),
            std::to_string(events_.size()));
  db_->TryExec("DROP DATABASE `" + database + "`");
}

// Only what no later pass can fix ends --loop: a usage error.
TEST_F(FlushDbFailure, LoopStopsOnAUsageError) {
  RunResult r = testing::Run(
      FlushArgv(spool_, db_->TcpDsn() + "?bulk=sideways", {"--loop", "--interval", "0.1"}),
      CleanEnv({db_->PasswordEnv()}));
  EXPECT_EQ(r.exit_code, 64) << r.err;
  EXPECT_THAT(r.err, HasSubstr("bulk"));
  EXPECT_EQ(StatTotals(spool_), before_);
}

TEST_F(FlushDbFailure, RefusedPasswordExits77AndIsNeverShown) {
  const std::string wrong = "Wrong-Secret-4242";
  for (const std::string& dsn : {db_->TcpDsn(), db_->SocketDsn()}) {
    RunResult r = testing::Run(FlushArgv(spool_, dsn), CleanEnv({"MYSQL_PWD=" + wrong}));
    EXPECT_EQ(r.exit_code, 77) << r.err;
    EXPECT_THAT(r.err, HasSubstr("Access denied"));
    EXPECT_THAT(r.err + r.out, Not(HasSubstr(wrong)));
    EXPECT_EQ(StatTotals(spool_).events, before_.events);
  }
  // No password at all is refused the same way.
  RunResult r = testing::Run(FlushArgv(spool_, db_->TcpDsn()), CleanEnv());
  EXPECT_EQ(r.exit_code, 77) << r.err;

  WriteFileOrDie(dir_.Path("wrong-pw"), wrong + "\n");
  r = testing::Run(FlushArgv(spool_, db_->TcpDsn(), {"--password-file", dir_.Path("wrong-pw")}),
                   CleanEnv());
  EXPECT_EQ(r.exit_code, 77) << r.err;
  EXPECT_THAT(r.err + r.out, Not(HasSubstr(wrong)));
  EXPECT_EQ(StatTotals(spool_).events, before_.events);
  EXPECT_EQ(db_->Scalar("SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = '" +
                        db_->name() + "'"),
            "0");
}

TEST_F(FlushDbFailure, PasswordFileWorks) {
  WriteFileOrDie(dir_.Path("pw"), server_.password + "\n");
  RunResult r = testing::Run(FlushArgv(spool_, db_->TcpDsn(), {"--password-file", dir_.Path("pw")}),
                             CleanEnv());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.err + r.out, Not(HasSubstr(server_.password)));
  EXPECT_EQ(Rows(), events_.size());
}

// Connector/C reads ~/.my.cnf and $MYSQL_HOME/my.cnf; the sink asks for the
// [logroute] group besides [client].
TEST_F(FlushDbFailure, OptionFilesClientAndLogrouteGroupsWork) {
  WriteFileOrDie(home_ + "/.my.cnf", "[client]\npassword=" + server_.password + "\n");
  RunResult r = testing::Run(FlushArgv(spool_, db_->TcpDsn()), CleanEnv());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Rows(), events_.size());

  const std::vector<Ev> more = MakeEvents(500, 100000);
  ASSERT_EQ(Recv(spool_, more), more.size());
  WriteFileOrDie(home_ + "/.my.cnf", "[client]\npassword=not-this-one\n[logroute]\npassword=" +
                                         server_.password + "\n");
  r = testing::Run(FlushArgv(spool_, db_->SocketDsn()), CleanEnv());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Rows(), events_.size() + more.size());

  const std::vector<Ev> last = MakeEvents(300, 200000);
  ASSERT_EQ(Recv(spool_, last), last.size());
  // ~/.my.cnf is read after $MYSQL_HOME/my.cnf and would win: none this time.
  std::filesystem::remove(home_ + "/.my.cnf");
  std::filesystem::create_directory(dir_.Path("mysql-home"));
  WriteFileOrDie(dir_.Path("mysql-home/my.cnf"), "[logroute]\npassword=" + server_.password + "\n");
  r = testing::Run(FlushArgv(spool_, db_->TcpDsn()),
                   CleanEnv({"MYSQL_HOME=" + dir_.Path("mysql-home")}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(Rows(), events_.size() + more.size() + last.size());
  EXPECT_EQ(StatTotals(spool_), SpoolTotals{});
}

// A second private server, for this test alone: it gets killed.
class OwnServer {
 public:
  explicit OwnServer(const std::string& env_file) : env_file_(env_file) {
    RunResult r = testing::Run({"/bin/bash", LOGROUTE_MARIADB_SCRIPT, "start", env_file_});
    EXPECT_EQ(r.exit_code, 0) << r.err;
  }
  ~OwnServer() { testing::Run({"/bin/bash", LOGROUTE_MARIADB_SCRIPT, "stop", env_file_}); }
  OwnServer(const OwnServer&) = delete;
  OwnServer& operator=(const OwnServer&) = delete;

  MariaDbServer server() const { return TestServer(env_file_); }
  void Restart() {
    RunResult r = testing::Run({"/bin/bash", LOGROUTE_MARIADB_SCRIPT, "restart", env_file_});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }

 private:
  std::string env_file_;
};

TEST(FlushServerKilled, MidTransactionRollsBackAndTheNextPassInsertsOnce) {
  TempDir dir;
  OwnServer own(dir.Path("mariadb.env"));
  const MariaDbServer server = own.server();
  ASSERT_NE(server.pid, 0);
  TestDatabase db(server);
  const std::string spool = dir.Path("spool");
  // Big segments, so that the kill lands inside a segment's transaction.
  const std::vector<Ev> events = MakeEvents(800000, 1, {"login", "logout", "signup"});
  WriteBacklog(spool, events, "logs", 8 << 20, 2);
  const size_t segments = Segments(spool).size() + 2;
  ASSERT_GE(segments, 4u);

  const pid_t flush = Spawn(FlushArgv(spool, db.SocketDsn()), dir.Path("out"), dir.Path("err"),
                            WithEnv({db.PasswordEnv()}));
  // Wait until a segment's transaction has written rows, uncommitted (rows
  // beyond what the ledger accounts for, read uncommitted), then kill the server.
  const std::unique_ptr<TargetDb> view = ViewOf(db);
  bool in_transaction = false;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (!in_transaction && std::chrono::steady_clock::now() < deadline) {
    in_transaction =
        view->HasTable("logs") && view->HasTable("logroute_ledger") &&
        ScalarReadUncommitted(server, db.name(),
                              "SELECT (SELECT COUNT(*) FROM logs) > (SELECT"
                              " COALESCE(SUM(row_count), 0) FROM logroute_ledger)") == "1";
    if (!in_transaction) std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  ASSERT_TRUE(in_transaction) << ReadFileOrDie(dir.Path("err"));
  ASSERT_EQ(::kill(server.pid, SIGKILL), 0);
  EXPECT_EQ(Wait(flush), 75) << ReadFileOrDie(dir.Path("err"));
  EXPECT_THAT(ReadFileOrDie(dir.Path("err")), HasSubstr("nothing is lost"));

  own.Restart();
  // Only whole segments are in the table: the interrupted one was rolled back.
  const uint64_t committed_rows = std::stoull(db.Scalar("SELECT COUNT(*) FROM logs"));
  EXPECT_EQ(committed_rows,
            std::stoull(db.Scalar("SELECT COALESCE(SUM(row_count), 0) FROM logroute_ledger")));
  EXPECT_LT(std::stoull(db.Scalar("SELECT COUNT(*) FROM logroute_ledger")), segments);
  EXPECT_EQ(StatTotals(spool).events, events.size() - committed_rows);

  RunResult r = Flush(spool, db.SocketDsn(), {}, {db.PasswordEnv()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  Contents expected;
  expected.Add(events);
  EXPECT_EQ(ViewOf(db)->Read({"logs"}), expected);
  EXPECT_EQ(StatTotals(spool), SpoolTotals{});
  EXPECT_EQ(std::stoull(db.Scalar("SELECT COUNT(*) FROM logroute_ledger")), segments);
}

}  // namespace
}  // namespace logroute::testing::flush
