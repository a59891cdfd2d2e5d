// Hostile clients cannot exhaust logroute-recv's memory, nor lock out a good
// client: 200 connections stream endless input at full speed and 200 more
// drip it slowly, each into a part of the request recv must hold whole (the
// header, a chunk-size line, the trailers) or into its body, for 10 s; a
// fallen attacker reconnects at once. Meanwhile a good client posts an event
// on a new connection every 100 ms. recv's peak resident set (VmHWM) must
// stay under 64 MiB and every good request be answered within 1 s. (Under
// ASan: 32 and 32 connections, and the bound is on what the attack adds.)
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "tests/e2e/http/http_test_util.h"
#include "tests/support/temp_dir.h"

namespace logroute::testing {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr auto kAttackTime = std::chrono::seconds(10);
constexpr size_t kDripBytes = 100;  // a slow connection sends this every kDripPeriod
constexpr milliseconds kDripPeriod{50};
constexpr auto kMaxGoodLatency = milliseconds(1000);
constexpr long kMaxRssKib = 64 << 10;
#if defined(__SANITIZE_ADDRESS__)
// ASan's runtime alone takes about 64 MiB, and its shadow memory and
// redzones inflate what recv allocates: the bound is on what the attack
// adds. And the unoptimised, instrumented recv serves several times fewer
// requests per second: fewer attackers, every attack still at full speed.
constexpr bool kBoundGrowth = true;
constexpr int kFastConnections = 32;
constexpr int kSlowConnections = 32;
#else
constexpr bool kBoundGrowth = false;
constexpr int kFastConnections = 200;
constexpr int kSlowConnections = 200;
#endif

// One way to attack: `prefix` once, then `filler` over and over.
struct Attack {
  const char* name;
  std::string prefix;
  std::string filler;
  int status;            // what recv answers once a cap is reached
  bool read_all = true;  // false: read the first answer only
};

std::string Head(const std::string& fields) {
  return "POST /api/log HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" + fields +
         "\r\n";
}

std::vector<Attack> Attacks() {
  const std::string chunked = Head("Transfer-Encoding: chunked\r\n");
  return {
      {"endless header field", "POST /api/log HTTP/1.1\r\nHost: x\r\nX-Endless: ", "a", 431},
      {"endless header lines", "POST /api/log HTTP/1.1\r\nHost: x\r\n", "a:\r\n", 431},
      {"endless chunk extension", chunked + "1;", "a", 413},
      {"endless chunk-size digits", chunked, "0", 400},
      {"endless chunk-size whitespace", chunked + "1", " \t", 400},
      {"huge declared chunk", chunked + "7fffffffffffffff\r\n", "a", 413},
      {"endless trailers", chunked + "1\r\n{\r\n0\r\n", "X-Trailer: aaaaaaaaaaaaaaaa\r\n", 431},
      // Requests sent without ever reading the answers: they pile up in the
      // socket, not in recv.
      {"endless pipelined requests", "", Head("Content-Length: 2\r\n") + "{}", 400, false},
  };
}

// A non-blocking connection of the attack, and where it is in its stream.
struct Attacker {
  int fd = -1;
  size_t attack = 0;
  bool slow = false;
  size_t sent = 0;  // bytes of prefix + filler stream sent
  bool answered = false;
  Clock::time_point next_drip;
};

class AttackRun {
 public:
  AttackRun(int port, std::vector<Attack> attacks) : port_(port), attacks_(std::move(attacks)) {
    // Fillers long enough for one send, in whole repeats so the stream stays aligned.
    for (Attack& a : attacks_) {
      const std::string unit = a.filler;
      while (a.filler.size() < (64 << 10)) a.filler += unit;
    }
    statuses_.resize(attacks_.size());
  }

  ~AttackRun() { Stop(); }

  void Stop() {
    for (Attacker& a : attackers_) ::close(a.fd);
    attackers_.clear();
  }

  // Runs every attack on `fast` + `slow` connections (spread evenly) until `deadline`.
  void Run(int fast, int slow, Clock::time_point deadline) {
    for (int i = 0; i < fast + slow; ++i) {
      Attacker a;
      a.attack = static_cast<size_t>(i) % attacks_.size();
      a.slow = i >= fast;
      Connect(a);
      attackers_.push_back(a);
    }
    std::vector<pollfd> polls(attackers_.size());
    while (Clock::now() < deadline) {
      const Clock::time_point now = Clock::now();
      for (size_t i = 0; i < attackers_.size(); ++i) {
        const Attacker& a = attackers_[i];
        const bool may_send = !a.slow || now >= a.next_drip;
        const bool may_read = !a.answered || attacks_[a.attack].read_all;
        polls[i] = {a.fd, static_cast<short>((may_read ? POLLIN : 0) | (may_send ? POLLOUT : 0)),
                    0};
      }
      ::poll(polls.data(), polls.size(), 10);
      for (size_t i = 0; i < attackers_.size(); ++i) {
        Attacker& a = attackers_[i];
        bool alive = true;
        if (polls[i].revents & (POLLIN | POLLHUP | POLLERR)) alive = Receive(a);
        if (alive && (polls[i].revents & POLLOUT)) alive = Send(a);
        if (!alive) Connect(a);
      }
    }
  }

  // attack -> status -> connections that got it as their first answer.
  const std::vector<std::map<int, int>>& statuses() const { return statuses_; }
  const std::vector<Attack>& attacks() const { return attacks_; }

 private:
  void Connect(Attacker& a) {
    if (a.fd >= 0) ::close(a.fd);
    a.fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port_));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::connect(a.fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);  // completes in poll
    a.sent = 0;
    a.answered = false;
    a.next_drip = Clock::now();
  }

  // Reads what recv sent; false when the connection is over.
  bool Receive(Attacker& a) {
    char buffer[4096];
    const ssize_t n = ::recv(a.fd, buffer, sizeof buffer, 0);
    if (n <= 0) return n < 0 && errno == EAGAIN;
    if (!a.answered && n >= 12 && std::string(buffer, 5) == "HTTP/") {
      a.answered = true;
      ++statuses_[a.attack][std::atoi(buffer + 9)];
    }
    return true;
  }

  bool Send(Attacker& a) {
    const Attack& attack = attacks_[a.attack];
    const char* data;
    size_t size;
    if (a.sent < attack.prefix.size()) {
      data = attack.prefix.data() + a.sent;
      size = attack.prefix.size() - a.sent;
    } else {
      const size_t unit = attack.filler.size();
      const size_t at = (a.sent - attack.prefix.size()) % unit;
      data = attack.filler.data() + at;
      size = unit - at;
    }
    if (a.slow) {
      size = std::min(size, kDripBytes);
      a.next_drip = Clock::now() + kDripPeriod;
    }
    const ssize_t n = ::send(a.fd, data, size, MSG_NOSIGNAL);
    if (n < 0) return errno == EAGAIN || errno == EINPROGRESS;
    a.sent += static_cast<size_t>(n);
    return true;
  }

  int port_;
  std::vector<Attack> attacks_;
  std::vector<Attacker> attackers_;
  std::vector<std::map<int, int>> statuses_;
};

// `field` ("VmHWM", "VmRSS") of /proc/PID/status, in KiB.
long StatusKib(pid_t pid, const std::string& field) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind(field + ":", 0) == 0) return std::stol(line.substr(field.size() + 1));
  }
  return -1;
}

// Room for hundreds of sockets in this process, and under ASan a small
// quarantine for recv (it inherits it), so that freed memory is reused.
void PrepareForManyConnections() {
  struct rlimit limit;
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &limit), 0);
  limit.rlim_cur = std::max<rlim_t>(limit.rlim_cur, std::min<rlim_t>(limit.rlim_max, 4096));
  ::setrlimit(RLIMIT_NOFILE, &limit);
#if defined(__SANITIZE_ADDRESS__)
  const char* asan = std::getenv("ASAN_OPTIONS");
  ::setenv("ASAN_OPTIONS",
           ((asan != nullptr ? std::string(asan) + ":" : "") + "quarantine_size_mb=4").c_str(), 1);
#endif
}

std::string GoodRequest(int i) {
  const std::string body = EventJson(i);
  return Head("Content-Length: " + std::to_string(body.size()) + "\r\n") + body;
}

TEST(HttpMemoryAttackTest, PeakRssStaysBoundedAndGoodClientsAreServed) {
  PrepareForManyConnections();
  TempDir dir;
  const std::string spool = dir.Path("spool");
  RecvServer server(spool, {"--shards", "2"});
  ASSERT_TRUE(server.started()) << server.log();
  const long rss_before = StatusKib(server.pid(), "VmHWM");

  const Clock::time_point deadline = Clock::now() + kAttackTime;
  std::atomic<int> good_sent{0}, good_ok{0};
  std::atomic<long> worst_ms{0};
  std::thread good([&] {
    while (Clock::now() < deadline) {
      const Clock::time_point start = Clock::now();
      Client client(server.port());
      client.Send(GoodRequest(good_sent));
      const int status = client.ReadResponse(nullptr, std::chrono::seconds(10));
      const long ms = std::chrono::duration_cast<milliseconds>(Clock::now() - start).count();
      worst_ms = std::max(worst_ms.load(), ms);
      ++good_sent;
      if (status == 201 && ms < kMaxGoodLatency.count()) ++good_ok;
      std::this_thread::sleep_until(start + milliseconds(100));
    }
  });
  AttackRun attack(server.port(), Attacks());
  attack.Run(kFastConnections, kSlowConnections, deadline);
  attack.Stop();
  good.join();

  const long rss_peak = StatusKib(server.pid(), "VmHWM");
  const long rss_bound = kBoundGrowth ? rss_before + kMaxRssKib : kMaxRssKib;
  std::printf("recv VmHWM: %ld KiB before, %ld KiB after %lld s of attack (bound %ld KiB)\n",
              rss_before, rss_peak, static_cast<long long>(kAttackTime.count()), rss_bound);
  std::printf("good requests: %d of %d answered 201 within %lld ms; slowest %ld ms\n",
              good_ok.load(), good_sent.load(), static_cast<long long>(kMaxGoodLatency.count()),
              worst_ms.load());
  for (size_t i = 0; i < attack.attacks().size(); ++i) {
    std::string seen;
    for (const auto& [status, count] : attack.statuses()[i]) {
      seen += " " + std::to_string(status) + "x" + std::to_string(count);
    }
    std::printf("  %-30s first answers:%s\n", attack.attacks()[i].name, seen.c_str());
    // Each fast attacker reaches its cap at once, gets its status, and starts over.
    EXPECT_GT(attack.statuses()[i].count(attack.attacks()[i].status), 0u)
        << attack.attacks()[i].name;
  }
  EXPECT_GT(rss_peak, 0);
  EXPECT_LT(rss_peak, rss_bound);
  EXPECT_GE(good_sent.load(), 20);  // the good client ran throughout
  EXPECT_EQ(good_ok.load(), good_sent.load()) << "slowest " << worst_ms.load() << " ms";
  EXPECT_EQ(CountSpoolRecords(spool), static_cast<size_t>(good_sent.load()));
  EXPECT_EQ(server.Signal(SIGTERM), 0);
}

// The worst case doc/http-api.md states for one connection, measured:
// connections that each hold a whole header and an almost whole body (by
// Content-Length, or chunked) take at most --max-body + 2 x --max-header-bytes
// + 64 KiB each.
TEST(HttpMemoryAttackTest, ConnectionsHoldingWholeRequestsStayWithinTheDocumentedBound) {
  constexpr int kConnections = 100;
  constexpr long kMaxBody = 1 << 20, kMaxHeader = 16 << 10;  // the defaults
  constexpr long kPerConnectionKib = (kMaxBody + 2 * kMaxHeader) / 1024 + 64;
  PrepareForManyConnections();
  TempDir dir;
  RecvServer server(dir.Path("spool"), {});
  ASSERT_TRUE(server.started()) << server.log();
  const long rss_before = StatusKib(server.pid(), "VmRSS");
  // 90 fields of 170 bytes: a header just under the limit.
  std::string fields;
  for (int i = 0; i < 90; ++i) {
    char name[16];
    std::snprintf(name, sizeof name, "X-Field-%02d: ", i);
    fields += name + std::string(170 - 14, 'v') + "\r\n";
  }
  // The bodies grow side by side, as they would from many clients at once.
  std::vector<std::unique_ptr<Client>> clients;
  for (int i = 0; i < kConnections; ++i) {
    clients.push_back(std::make_unique<Client>(server.port()));
    ASSERT_TRUE(clients.back()->connected()) << i;
    const std::string framing = i % 10 == 0 ? "Content-Length: " + std::to_string(kMaxBody)
                                            : std::string("Transfer-Encoding: chunked");
    ASSERT_TRUE(clients.back()->Send(Head(fields + framing + "\r\n")));
  }
  const std::string data(4096, ' ');
  const std::string chunk = "1000\r\n" + data + "\r\n";
  for (long sent = 0; sent + 4096 < kMaxBody; sent += 4096) {
    for (int i = 0; i < kConnections; ++i) ASSERT_TRUE(clients[i]->Send(i % 10 ? chunk : data));
  }
  // Until recv has read everything: its resident set stops growing.
  long rss = StatusKib(server.pid(), "VmRSS");
  for (int i = 0; i < 100; ++i) {
    std::this_thread::sleep_for(milliseconds(100));
    const long now = StatusKib(server.pid(), "VmRSS");
    if (now == rss && i >= 5) break;
    rss = now;
  }
  // The resident set, not its peak: while a chunked body grows, its buffer is
  // briefly there twice (the documented bound counts that per I/O thread).
  const long held = rss - rss_before;
  std::printf("%d connections with whole headers and bodies: %ld KiB, %ld KiB each (bound %ld)\n",
              kConnections, held, held / kConnections, kPerConnectionKib);
  EXPECT_GT(held, kConnections * (kMaxBody / 1024) * 9 / 10);  // the bodies are all there
  if (kBoundGrowth) {
    // ASan's shadow memory (one byte in eight) and redzones come on top.
    EXPECT_LT(held, kConnections * kPerConnectionKib * 5 / 4);
  } else {
    EXPECT_LT(held, kConnections * kPerConnectionKib);
  }
  clients.clear();
  EXPECT_EQ(server.Signal(SIGTERM), 0);
}

}  // namespace
}  // namespace logroute::testing
