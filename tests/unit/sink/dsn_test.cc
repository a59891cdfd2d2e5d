#include "libcore/sink/dsn.h"

#include <gtest/gtest.h>

namespace logroute::sink {
namespace {

TEST(MysqlDsnTest, HostPortDatabase) {
  Result<MysqlDsn> dsn = ParseMysqlDsn("mysql://app@db.example:3307/events");
  ASSERT_TRUE(dsn.ok()) << dsn.status().message();
  EXPECT_EQ(dsn->user, "app");
  EXPECT_EQ(dsn->host, "db.example");
  EXPECT_EQ(dsn->port, 3307u);
  EXPECT_EQ(dsn->database, "events");
}

TEST(MysqlDsnTest, SocketAndTlsParameters) {
  Result<MysqlDsn> dsn = ParseMysqlDsn(
      "mysql://app@localhost/events?socket=/run/mysqld/mysqld.sock&ssl-mode=REQUIRED");
  ASSERT_TRUE(dsn.ok()) << dsn.status().message();
  EXPECT_EQ(dsn->host, "localhost");
  EXPECT_EQ(dsn->port, 0u);
  EXPECT_EQ(dsn->Param("socket"), "/run/mysqld/mysqld.sock");
  EXPECT_EQ(dsn->Param("ssl-mode"), "REQUIRED");
}

TEST(MysqlDsnTest, Ipv6HostAndPercentEncoding) {
  Result<MysqlDsn> dsn = ParseMysqlDsn("mysql://us%40er@[::1]:3306/my%2Ddb");
  ASSERT_TRUE(dsn.ok()) << dsn.status().message();
  EXPECT_EQ(dsn->user, "us@er");
  EXPECT_EQ(dsn->host, "::1");
  EXPECT_EQ(dsn->port, 3306u);
  EXPECT_EQ(dsn->database, "my-db");
}

TEST(MysqlDsnTest, UserIsOptional) {
  Result<MysqlDsn> dsn = ParseMysqlDsn("mysql://127.0.0.1/events");
  ASSERT_TRUE(dsn.ok());
  EXPECT_EQ(dsn->user, "");
}

TEST(MysqlDsnTest, RefusesAPassword) {
  Result<MysqlDsn> dsn = ParseMysqlDsn("mysql://app:secret@localhost/events");
  ASSERT_FALSE(dsn.ok());
  EXPECT_EQ(dsn.status().code(), Code::kUsage);
  EXPECT_NE(dsn.status().message().find("MYSQL_PWD"), std::string::npos);
  EXPECT_EQ(dsn.status().message().find("secret"), std::string::npos);
}

TEST(MysqlDsnTest, RefusesMalformedDsns) {
  for (const char* bad :
       {"mysql://localhost", "mysql://localhost/", "mysql://h:0/db", "mysql://h:70000/db",
        "mysql://h:12x/db", "mysql://[::1/db", "mysql://h/db?nonsense=1", "mysql://h/db?socket"}) {
    Result<MysqlDsn> dsn = ParseMysqlDsn(bad);
    EXPECT_FALSE(dsn.ok()) << bad;
    if (!dsn.ok()) {
      EXPECT_EQ(dsn.status().code(), Code::kUsage) << bad;
    }
  }
}

// Found by tests/fuzz/dsn_fuzzer: "%dy" decoded as "\r", the 'y' lost
// (regressions/dsn/percent_one_hex_digit).
TEST(MysqlDsnTest, APercentWithoutTwoHexDigitsStandsForItself) {
  Result<MysqlDsn> dsn = ParseMysqlDsn("mysql://a%4gb@h/my%dy%41%zz%4");
  ASSERT_TRUE(dsn.ok()) << dsn.status().message();
  EXPECT_EQ(dsn->user, "a%4gb");
  EXPECT_EQ(dsn->database, "my%dyA%zz%4");
}

// Found by tests/fuzz/dsn_fuzzer: an error found before the password check
// showed the whole DSN, password included (regressions/dsn/password_no_database).
TEST(MysqlDsnTest, NoErrorShowsAPassword) {
  for (const char* bad : {"mysql://app:secret@localhost", "mysql://app:secret@localhost/",
                          "mysql://app:secret@h:x/db", "mysql://app:secret@[::1/db",
                          "mysql://app:secret@h?nonsense=1"}) {
    Result<MysqlDsn> dsn = ParseMysqlDsn(bad);
    ASSERT_FALSE(dsn.ok()) << bad;
    EXPECT_EQ(dsn.status().message().find("secret"), std::string::npos) << dsn.status().message();
  }
}

// Found by tests/fuzz/dsn_fuzzer: a DSN shorter than the scheme threw
// std::out_of_range (regressions/dsn/empty).
TEST(MysqlDsnTest, RefusesWhatIsNotAMysqlDsn) {
  for (const char* bad : {"", "mysql:/", "sqlite:x.db", "MYSQL://h/db", "xmysql://h/db"}) {
    Result<MysqlDsn> dsn = ParseMysqlDsn(bad);
    ASSERT_FALSE(dsn.ok()) << bad;
    EXPECT_EQ(dsn.status().code(), Code::kUsage) << bad;
    EXPECT_NE(dsn.status().message().find("does not start with mysql://"), std::string::npos)
        << dsn.status().message();
  }
}

}  // namespace
}  // namespace logroute::sink
