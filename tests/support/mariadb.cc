#include "tests/support/mariadb.h"

#include <gtest/gtest.h>
#include <mysql.h>

#include <atomic>
#include <fstream>
#include <random>

namespace logroute::testing {
namespace {

MYSQL* Connect(const MariaDbServer& server, const std::string& database) {
  MYSQL* mysql = mysql_init(nullptr);
  mysql_options(mysql, MYSQL_SET_CHARSET_NAME, "utf8mb4");
  if (mysql_real_connect(mysql, "localhost", server.user.c_str(), server.password.c_str(),
                         database.empty() ? nullptr : database.c_str(), 0, server.socket.c_str(),
                         0) == nullptr) {
    ADD_FAILURE() << "cannot connect to the test MariaDB at " << server.socket << ": "
                  << mysql_error(mysql);
    mysql_close(mysql);
    return nullptr;
  }
  return mysql;
}

}  // namespace

MariaDbServer TestServer(const std::string& env_file) {
  const std::string path = env_file.empty() ? LOGROUTE_MARIADB_ENV : env_file;
  std::ifstream in(path);
  MariaDbServer server;
  std::string line;
  while (std::getline(in, line)) {
    const size_t eq = line.find('=');
    if (eq == std::string::npos) continue;
    const std::string key = line.substr(0, eq), value = line.substr(eq + 1);
    if (key == "MARIADB_SOCKET") server.socket = value;
    if (key == "MARIADB_PORT") server.port = std::stoi(value);
    if (key == "MARIADB_USER") server.user = value;
    if (key == "MARIADB_PASSWORD") server.password = value;
    if (key == "MARIADB_DIR") server.dir = value;
    if (key == "MARIADB_PID") server.pid = std::stoi(value);
  }
  if (server.port == 0) {
    ADD_FAILURE() << "no test MariaDB: " << path
                  << " is missing (run the tests through ctest, whose fixture starts it)";
  }
  return server;
}

TestDatabase::TestDatabase(const MariaDbServer& server) : server_(server) {
  static std::atomic<int> counter{0};
  name_ = 't' + std::to_string(std::random_device{}() % 1000000) + "_" + std::to_string(counter++);
  TryExec("CREATE DATABASE `" + name_ + "` CHARACTER SET utf8mb4");
}

TestDatabase::~TestDatabase() { TryExec("DROP DATABASE IF EXISTS `" + name_ + "`"); }

std::string TestDatabase::SocketDsn() const {
  return "mysql://" + server_.user + "@localhost/" + name_ + "?socket=" + server_.socket;
}

std::string TestDatabase::TcpDsn() const {
  return "mysql://" + server_.user + "@127.0.0.1:" + std::to_string(server_.port) + "/" + name_;
}

std::string TestDatabase::TryExec(const std::string& sql) const {
  MYSQL* mysql = Connect(server_, "");
  if (mysql == nullptr) return "cannot connect";
  std::string error;
  if (mysql_select_db(mysql, name_.c_str()) != 0 && sql.rfind("CREATE DATABASE", 0) != 0) {
    error = mysql_error(mysql);
  } else if (mysql_real_query(mysql, sql.data(), sql.size()) != 0) {
    error = mysql_error(mysql);
  } else if (MYSQL_RES* result = mysql_store_result(mysql)) {
    mysql_free_result(result);
  }
  mysql_close(mysql);
  return error;
}

std::vector<std::vector<std::string>> TestDatabase::Query(const std::string& sql) const {
  std::vector<std::vector<std::string>> rows;
  MYSQL* mysql = Connect(server_, name_);
  if (mysql == nullptr) return rows;
  if (mysql_real_query(mysql, sql.data(), sql.size()) != 0) {
    ADD_FAILURE() << "query failed: " << sql << ": " << mysql_error(mysql);
  } else if (MYSQL_RES* result = mysql_store_result(mysql)) {
    const unsigned fields = mysql_num_fields(result);
    while (MYSQL_ROW row = mysql_fetch_row(result)) {
      unsigned long* lengths = mysql_fetch_lengths(result);
      std::vector<std::string> values;
      for (unsigned i = 0; i < fields; ++i) {
        values.push_back(row[i] == nullptr ? "NULL" : std::string(row[i], lengths[i]));
      }
      rows.push_back(std::move(values));
    }
    mysql_free_result(result);
  }
  mysql_close(mysql);
  return rows;
}

std::string TestDatabase::Scalar(const std::string& sql) const {
  auto rows = Query(sql);
  return rows.empty() || rows[0].empty() ? "" : rows[0][0];
}

}  // namespace logroute::testing
