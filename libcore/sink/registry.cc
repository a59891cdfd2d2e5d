// The sink registry: a new sink is one file plus one row in kSinks.
#include <array>

#include "libcore/sink/sink.h"

namespace logroute::sink {

Result<std::unique_ptr<Sink>> NewSqliteSink(std::string_view dsn, const SinkOptions& options);
Result<std::unique_ptr<Sink>> NewMysqlSink(std::string_view dsn, const SinkOptions& options);

namespace {

struct SinkKind {
  std::string_view scheme;  // the DSN starts with it
  Result<std::unique_ptr<Sink>> (*make)(std::string_view dsn, const SinkOptions& options);
};

constexpr std::array kSinks = {
    SinkKind{"sqlite:", &NewSqliteSink},
    SinkKind{"mysql://", &NewMysqlSink},
};

}  // namespace

Result<std::unique_ptr<Sink>> MakeSink(std::string_view dsn, const SinkOptions& options) {
  for (const SinkKind& kind : kSinks) {
    if (dsn.starts_with(kind.scheme)) return kind.make(dsn, options);
  }
  return Status::Usage("--db '" + std::string(dsn) +
                       "': expected sqlite:PATH, mysql://USER@HOST:PORT/DB or "
                       "mysql://USER@localhost/DB?socket=PATH");
}

}  // namespace logroute::sink
