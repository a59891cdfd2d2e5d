// The three bulk paths MariaDB Connector/C offers, measured on the same rows
// against the same server: multi-row INSERT, LOAD DATA LOCAL INFILE fed from
// memory (mysql_set_local_infile_handler), and array binding of a prepared
// INSERT (STMT_ATTR_ARRAY_SIZE). The sink uses the fastest that keeps
// exactly-once (a transaction per segment): see libcore/sink/mysql_sink.cc.
//
// Needs a server: LOGROUTE_BENCH_MYSQL_SOCKET (and MYSQL_PWD, user logroute),
// as bench/flush_bench.sh sets up. Rows per transaction: LOGROUTE_BENCH_ROWS.
#include <benchmark/benchmark.h>
#include <mysql.h>

#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

constexpr size_t kChunkRows = 20000;  // what flush sends per statement

struct Rows {
  std::vector<int64_t> unix_ts, user_id;
  std::vector<std::string> names;
};

const Rows& BenchRows() {
  static const Rows rows = [] {
    const char* env = std::getenv("LOGROUTE_BENCH_ROWS");
    const size_t count = env != nullptr ? std::strtoul(env, nullptr, 10) : 200000;
    Rows r;
    for (size_t i = 0; i < count; ++i) {
      r.unix_ts.push_back(1684129671 + static_cast<int64_t>(i));
      r.user_id.push_back(static_cast<int64_t>(i * 7919 % 1000003));
      r.names.push_back(i % 2 ? "login" : "logout");
    }
    return r;
  }();
  return rows;
}

MYSQL* Connect(benchmark::State& state) {
  const char* socket = std::getenv("LOGROUTE_BENCH_MYSQL_SOCKET");
  if (socket == nullptr) {
    state.SkipWithError("LOGROUTE_BENCH_MYSQL_SOCKET is not set (run bench/flush_bench.sh)");
    return nullptr;
  }
  MYSQL* mysql = mysql_init(nullptr);
  const unsigned local_infile = 1;
  mysql_options(mysql, MYSQL_OPT_LOCAL_INFILE, &local_infile);
  mysql_options(mysql, MYSQL_SET_CHARSET_NAME, "utf8mb4");
  if (mysql_real_connect(mysql, "localhost", "logroute", nullptr, nullptr, 0, socket, 0) ==
      nullptr) {
    state.SkipWithError(mysql_error(mysql));
    return nullptr;
  }
  mysql_query(mysql, "CREATE DATABASE IF NOT EXISTS bench");
  mysql_select_db(mysql, "bench");
  mysql_query(mysql, "DROP TABLE IF EXISTS logs");
  mysql_query(
      mysql,
      "CREATE TABLE logs (id BIGINT AUTO_INCREMENT PRIMARY KEY, unix_ts BIGINT NOT NULL,"
      " user_id BIGINT NOT NULL, event_name VARCHAR(255) NOT NULL) DEFAULT CHARSET=utf8mb4");
  return mysql;
}

void Check(benchmark::State& state, MYSQL* mysql, int rc) {
  if (rc != 0) state.SkipWithError(mysql_error(mysql));
}

void Finish(benchmark::State& state, MYSQL* mysql) {
  state.counters["rows_per_second"] = benchmark::Counter(
      static_cast<double>(BenchRows().names.size()), benchmark::Counter::kIsIterationInvariantRate);
  mysql_close(mysql);
}

void BM_MultiRowInsert(benchmark::State& state) {
  MYSQL* mysql = Connect(state);
  if (mysql == nullptr) return;
  const Rows& rows = BenchRows();
  std::string sql;
  for (auto _ : state) {
    Check(state, mysql, mysql_query(mysql, "START TRANSACTION"));
    for (size_t begin = 0; begin < rows.names.size(); begin += kChunkRows) {
      sql = "INSERT INTO logs (unix_ts, user_id, event_name) VALUES ";
      const size_t end = std::min(rows.names.size(), begin + kChunkRows);
      for (size_t i = begin; i < end; ++i) {
        if (i > begin) sql += ',';
        sql += '(' + std::to_string(rows.unix_ts[i]) + ',' + std::to_string(rows.user_id[i]) + ",'";
        char escaped[600];
        mysql_real_escape_string(mysql, escaped, rows.names[i].data(), rows.names[i].size());
        sql += escaped;
        sql += "')";
      }
      Check(state, mysql, mysql_real_query(mysql, sql.data(), sql.size()));
    }
    Check(state, mysql, mysql_query(mysql, "COMMIT"));
  }
  Finish(state, mysql);
}

struct Source {
  std::string data;
  size_t offset = 0;
};

void BM_LoadDataLocalFromMemory(benchmark::State& state) {
  MYSQL* mysql = Connect(state);
  if (mysql == nullptr) return;
  const Rows& rows = BenchRows();
  Source source;
  mysql_set_local_infile_handler(
      mysql,
      [](void** ptr, const char*, void* userdata) {
        static_cast<Source*>(userdata)->offset = 0;
        *ptr = userdata;
        return 0;
      },
      [](void* ptr, char* buf, unsigned int len) {
        auto* s = static_cast<Source*>(ptr);
        const size_t n = std::min<size_t>(len, s->data.size() - s->offset);
        std::memcpy(buf, s->data.data() + s->offset, n);
        s->offset += n;
        return static_cast<int>(n);
      },
      [](void*) {}, [](void*, char*, unsigned int) { return 0; }, &source);
  for (auto _ : state) {
    Check(state, mysql, mysql_query(mysql, "START TRANSACTION"));
    for (size_t begin = 0; begin < rows.names.size(); begin += kChunkRows) {
      source.data.clear();
      const size_t end = std::min(rows.names.size(), begin + kChunkRows);
      for (size_t i = begin; i < end; ++i) {
        source.data += std::to_string(rows.unix_ts[i]) + '\t' + std::to_string(rows.user_id[i]) +
                       '\t' + rows.names[i] + '\n';
      }
      Check(state, mysql,
            mysql_query(mysql,
                        "LOAD DATA LOCAL INFILE 'mem' INTO TABLE logs CHARACTER SET utf8mb4 "
                        "(unix_ts, user_id, event_name)"));
    }
    Check(state, mysql, mysql_query(mysql, "COMMIT"));
  }
  Finish(state, mysql);
}

void BM_ArrayBinding(benchmark::State& state) {
  MYSQL* mysql = Connect(state);
  if (mysql == nullptr) return;
  const Rows& rows = BenchRows();
  MYSQL_STMT* stmt = mysql_stmt_init(mysql);
  const char* sql = "INSERT INTO logs (unix_ts, user_id, event_name) VALUES (?,?,?)";
  Check(state, mysql, mysql_stmt_prepare(stmt, sql, std::strlen(sql)));
  std::vector<char*> name_ptrs;
  std::vector<unsigned long> name_lengths;
  for (const std::string& name : rows.names) {
    name_ptrs.push_back(const_cast<char*>(name.data()));
    name_lengths.push_back(name.size());
  }
  for (auto _ : state) {
    Check(state, mysql, mysql_query(mysql, "START TRANSACTION"));
    for (size_t begin = 0; begin < rows.names.size(); begin += kChunkRows) {
      unsigned int count =
          static_cast<unsigned int>(std::min(kChunkRows, rows.names.size() - begin));
      MYSQL_BIND bind[3];
      std::memset(bind, 0, sizeof bind);
      bind[0].buffer_type = MYSQL_TYPE_LONGLONG;
      bind[0].buffer = const_cast<int64_t*>(rows.unix_ts.data() + begin);
      bind[1].buffer_type = MYSQL_TYPE_LONGLONG;
      bind[1].buffer = const_cast<int64_t*>(rows.user_id.data() + begin);
      bind[2].buffer_type = MYSQL_TYPE_STRING;
      bind[2].buffer = name_ptrs.data() + begin;  // column-wise: an array of pointers
      bind[2].length = name_lengths.data() + begin;
      mysql_stmt_attr_set(stmt, STMT_ATTR_ARRAY_SIZE, &count);
      Check(state, mysql, mysql_stmt_bind_param(stmt, bind));
      if (mysql_stmt_execute(stmt) != 0) state.SkipWithError(mysql_stmt_error(stmt));
    }
    Check(state, mysql, mysql_query(mysql, "COMMIT"));
  }
  mysql_stmt_close(stmt);
  Finish(state, mysql);
}

BENCHMARK(BM_MultiRowInsert)->Unit(benchmark::kMillisecond)->Iterations(3)->UseRealTime();
BENCHMARK(BM_LoadDataLocalFromMemory)->Unit(benchmark::kMillisecond)->Iterations(3)->UseRealTime();
BENCHMARK(BM_ArrayBinding)->Unit(benchmark::kMillisecond)->Iterations(3)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
