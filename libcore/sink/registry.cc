// The sink registry: a new sink is one file (its factory) plus one row in kSinks.
#include <array>

#include "libcore/sink/sink.h"

namespace logroute::sink {

Result<std::unique_ptr<Sink>> CreateSqliteSink(std::string_view dsn, const SinkOptions& options);
Result<std::unique_ptr<Sink>> CreateMysqlSink(std::string_view dsn, const SinkOptions& options);

namespace {

struct SinkKind {
  std::string_view scheme;  // the DSN starts with it
  std::string_view forms;   // its DSN forms, for --help and errors
  Result<std::unique_ptr<Sink>> (*create)(std::string_view dsn, const SinkOptions& options);
};

constexpr std::array kSinks = {
    SinkKind{"sqlite:", "sqlite:PATH", &CreateSqliteSink},
    SinkKind{"mysql://", "mysql://USER@HOST:PORT/DB or mysql://USER@localhost/DB?socket=PATH",
             &CreateMysqlSink},
};

}  // namespace

std::string DsnForms() {
  std::string forms;
  for (size_t i = 0; i < kSinks.size(); ++i) {
    if (i > 0) forms += ", ";
    forms += kSinks[i].forms;
  }
  return forms;
}

Result<std::unique_ptr<Sink>> CreateSink(std::string_view dsn, const SinkOptions& options) {
  for (const SinkKind& kind : kSinks) {
    if (dsn.starts_with(kind.scheme)) return kind.create(dsn, options);
  }
  return Status::Usage("--db '" + std::string(dsn) + "': expected " + DsnForms());
}

}  // namespace logroute::sink
