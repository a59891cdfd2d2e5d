#include "tests/e2e/http/http_test_util.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "tests/support/subprocess.h"
#include "tests/support/temp_dir.h"

namespace logroute::testing {
namespace {

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Run() takes a path: find curl on $PATH.
std::string FindCurl() {
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path != nullptr ? path : "/usr/bin:/bin");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    const std::string candidate = dir + "/curl";
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return "curl";
}

}  // namespace

RecvServer::RecvServer(const std::string& spool, const std::vector<std::string>& extra_args,
                       const std::string& listen) {
  // Not beside the spool: that may be a full disk under test.
  char err_path[] = "/tmp/logroute-recv-err.XXXXXX";
  const int err_fd = ::mkstemp(err_path);
  if (err_fd >= 0) ::close(err_fd);
  err_path_ = err_path;
  std::vector<std::string> argv = {LOGROUTE_RECV_BIN, "--spool", spool, "--listen", listen};
  argv.insert(argv.end(), extra_args.begin(), extra_args.end());
  pid_ = Spawn(argv, "/dev/null", err_path_);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    const std::string err = ReadAll(err_path_);
    const size_t at = err.find("Listening on ");
    if (at != std::string::npos) {
      const size_t end = err.find(' ', at + 13);
      const std::string address = err.substr(at + 13, end - at - 13);
      const size_t colon = address.rfind(':');
      host_ = address.substr(0, colon);
      port_ = std::stoi(address.substr(colon + 1));
      return;
    }
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {  // it exited: a startup error
      pid_ = -1;
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

RecvServer::~RecvServer() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    Wait(pid_);
  }
  std::error_code ec;
  std::filesystem::remove(err_path_, ec);
}

std::string RecvServer::url(const std::string& path) const {
  return "http://" + host_ + ":" + std::to_string(port_) + path;
}

std::string RecvServer::log() const { return ReadAll(err_path_); }

int RecvServer::Signal(int signal) {
  if (pid_ <= 0) return -1;
  ::kill(pid_, signal);
  const int status = Wait(pid_);
  pid_ = -1;
  return status;
}

Client::Client(int port, bool ipv6) {
  fd_ = ::socket(ipv6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) return;
  int rc;
  if (ipv6) {
    sockaddr_in6 addr{};
    addr.sin6_family = AF_INET6;
    addr.sin6_port = htons(static_cast<uint16_t>(port));
    addr.sin6_addr = in6addr_loopback;
    rc = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  } else {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    rc = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  }
  if (rc != 0) {
    ::close(fd_);
    fd_ = -1;
    return;
  }
  const int one = 1;
  ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

Client::~Client() {
  if (fd_ >= 0) ::close(fd_);
}

bool Client::Send(const std::string& bytes) {
  size_t sent = 0;
  while (sent < bytes.size()) {
    const ssize_t n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return false;
    sent += static_cast<size_t>(n);
  }
  return true;
}

void Client::ShutdownWrite() { ::shutdown(fd_, SHUT_WR); }

bool Client::Fill(std::chrono::steady_clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - std::chrono::steady_clock::now());
  if (left.count() <= 0) return false;
  pollfd p{fd_, POLLIN, 0};
  if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
  char chunk[65536];
  const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
  if (n <= 0) return false;
  buffer_.append(chunk, static_cast<size_t>(n));
  return true;
}

int Client::ReadResponse(std::string* raw, std::chrono::milliseconds timeout) {
  return Read(raw, timeout, true);
}

int Client::ReadHeadResponse(std::string* raw) {
  return Read(raw, std::chrono::seconds(10), false);
}

int Client::Read(std::string* raw, std::chrono::milliseconds timeout, bool with_body) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const size_t end = buffer_.find("\r\n\r\n");
    if (end != std::string::npos) {
      const std::string head = buffer_.substr(0, end + 4);
      size_t length = 0;
      std::string lower = head;
      std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
      const size_t cl = lower.find("\r\ncontent-length:");
      if (cl != std::string::npos && with_body) length = std::stoul(lower.substr(cl + 17));
      while (buffer_.size() < end + 4 + length) {
        if (!Fill(deadline)) return 0;
      }
      if (raw != nullptr) *raw = buffer_.substr(0, end + 4 + length);
      buffer_.erase(0, end + 4 + length);
      if (head.compare(0, 5, "HTTP/") != 0 || head.size() < 12) return 0;
      return std::stoi(head.substr(9, 3));
    }
    if (!Fill(deadline)) return 0;
  }
}

bool Client::WaitClosed(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
    char chunk[4096];
    const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n <= 0) return true;
  }
}

int OneShot(int port, const std::string& request) {
  Client client(port);
  if (!client.connected()) return -1;
  client.Send(request);
  client.ShutdownWrite();
  return client.ReadResponse();
}

CurlResult Curl(const std::vector<std::string>& args) {
  TempDir dir;
  static const std::string curl = FindCurl();
  std::vector<std::string> argv = {
      curl,           "-sS",        "-o", dir.Path("body"), "-D", dir.Path("head"), "-w",
      "%{http_code}", "--max-time", "30"};
  argv.insert(argv.end(), args.begin(), args.end());
  const RunResult run = Run(argv);
  CurlResult result;
  result.exit_code = run.exit_code;
  result.status = run.out.empty() ? 0 : std::atoi(run.out.c_str());
  result.body = ReadAll(dir.Path("body"));
  result.headers = ReadAll(dir.Path("head"));
  return result;
}

size_t CountSpoolRecords(const std::string& spool) {
  size_t records = 0;
  std::error_code ec;
  for (const auto& shard : std::filesystem::directory_iterator(spool, ec)) {
    if (shard.path().filename().string().rfind("shard-", 0) != 0) continue;
    for (const auto& file : std::filesystem::directory_iterator(shard.path(), ec)) {
      const std::string name = file.path().filename().string();
      if (name != "active" && name.rfind("seg-", 0) != 0) continue;
      const std::string content = ReadAll(file.path().string());
      records += static_cast<size_t>(std::count(content.begin(), content.end(), '\n'));
    }
  }
  return records;
}

std::string EventJson(long user_id, const std::string& name) {
  return R"({"unix_ts":1684129671,"user_id":)" + std::to_string(user_id) + R"(,"event_name":")" +
         name + R"("})";
}

}  // namespace logroute::testing
