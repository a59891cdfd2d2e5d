// The private MariaDB server of a test run (tests/support/mariadb.sh, started
// as the CTest fixture `mariadb`), and throwaway databases on it.
#pragma once

#include <string>
#include <vector>

namespace logroute::testing {

struct MariaDbServer {
  std::string socket;
  int port = 0;
  std::string user;
  std::string password;
  std::string dir;
  int pid = 0;
};

// Reads the coordinates the fixture wrote (or those of `env_file`). Fails the
// current test, and returns port 0, when the server is not there.
MariaDbServer TestServer(const std::string& env_file = "");

// A database with a unique name, created on construction and dropped on
// destruction. Queries run as the server's test user.
class TestDatabase {
 public:
  explicit TestDatabase(const MariaDbServer& server);
  ~TestDatabase();
  TestDatabase(const TestDatabase&) = delete;
  TestDatabase& operator=(const TestDatabase&) = delete;

  const std::string& name() const { return name_; }
  // DSNs for logroute-flush (the password comes from MYSQL_PWD: PasswordEnv()).
  std::string SocketDsn() const;
  std::string TcpDsn() const;
  std::string PasswordEnv() const { return "MYSQL_PWD=" + server_.password; }

  // Runs `sql`; returns the rows (NULL as "NULL"). Fails the test on error.
  std::vector<std::vector<std::string>> Query(const std::string& sql) const;
  // The first column of the first row, or "" when there is none.
  std::string Scalar(const std::string& sql) const;
  // Runs `sql`; returns the server's error message, or "" on success.
  std::string TryExec(const std::string& sql) const;

 private:
  MariaDbServer server_;
  std::string name_;
};

}  // namespace logroute::testing
