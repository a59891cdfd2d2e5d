// Helpers of the HTTP end-to-end tests: a logroute-recv --listen process on a
// free port, a raw socket client (for requests curl will not send), curl, and
// the number of records in a spool.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

namespace logroute::testing {

// A logroute-recv --listen 127.0.0.1:0 on `spool`; the port is read back from
// its "Listening on HOST:PORT" log line. Killed (SIGKILL) if still running
// when destroyed.
class RecvServer {
 public:
  RecvServer(const std::string& spool, const std::vector<std::string>& extra_args,
             const std::string& listen = "127.0.0.1:0");
  ~RecvServer();
  RecvServer(const RecvServer&) = delete;
  RecvServer& operator=(const RecvServer&) = delete;

  bool started() const { return port_ != 0; }
  int port() const { return port_; }
  pid_t pid() const { return pid_; }
  std::string url(const std::string& path) const;
  std::string log() const;  // its stderr so far
  // Sends `signal` and waits: the exit status (128 + signal when killed by one).
  int Signal(int signal);

 private:
  pid_t pid_ = -1;
  int port_ = 0;
  std::string host_;
  std::string err_path_;
};

// A connected TCP socket to 127.0.0.1:port (or ::1), closed on destruction.
class Client {
 public:
  explicit Client(int port, bool ipv6 = false);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  bool connected() const { return fd_ >= 0; }
  bool Send(const std::string& bytes);
  void ShutdownWrite();
  // Reads one response (status line, fields, Content-Length body). Returns its
  // status code, or 0 when the connection closed or nothing came before the
  // timeout. *raw, if given, receives the response's bytes.
  int ReadResponse(std::string* raw = nullptr,
                   std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // The same for the answer to a HEAD request, which has no body whatever
  // its Content-Length says.
  int ReadHeadResponse(std::string* raw = nullptr);
  // True when the server closes the connection before `timeout`.
  bool WaitClosed(std::chrono::milliseconds timeout);

 private:
  bool Fill(std::chrono::steady_clock::time_point deadline);
  int Read(std::string* raw, std::chrono::milliseconds timeout, bool with_body);
  int fd_ = -1;
  std::string buffer_;
};

// Sends `request` on a new connection, half-closes it, and returns the
// status of the first response (0: closed without one).
int OneShot(int port, const std::string& request);

struct CurlResult {
  int status = 0;  // HTTP status, 0 when curl got none
  std::string body;
  std::string headers;
  int exit_code = -1;
};
// Runs curl with `args` (the URL among them).
CurlResult Curl(const std::vector<std::string>& args);

// Records (lines) in the spool's active files and sealed segments.
size_t CountSpoolRecords(const std::string& spool);

// One event as JSON.
std::string EventJson(long user_id, const std::string& name = "login");

}  // namespace logroute::testing
