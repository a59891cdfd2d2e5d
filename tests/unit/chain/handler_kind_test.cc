// A handler kind is one file and one registry row: this file is that file for
// a kind only the test has, `prefix` (--route-prefix PREFIX=TABLE), and its
// kinds list the row. Its option then reaches the chain from the config file,
// the environment and the command line through what recv's main uses
// (config::CommandLine, DeclareChainOptions, Chain::Create), with the same
// errors (what, where, why) and the same --help and --check-config lines.
#include <gtest/gtest.h>

#include <cstdlib>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "libcore/chain/chain.h"
#include "libcore/chain/chain_options.h"
#include "libcore/chain/registry.h"
#include "libcore/chain/table_name.h"
#include "libcore/config/options.h"
#include "tests/support/temp_dir.h"

namespace logroute::chain {
namespace {

// --- the kind's file -------------------------------------------------------

struct Prefix {
  std::string prefix;
  std::string table;
};
using PrefixConfig = std::vector<Prefix>;

constexpr HandlerOption kPrefixOptions[] = {
    {"route-prefix",
     HandlerOption::Form::kList,
     "Route events whose name starts with PREFIX to TABLE (repeatable)",
     {},
     "PREFIX=TABLE"},
};

class PrefixHandler final : public Handler {
 public:
  explicit PrefixHandler(Prefix prefix) : prefix_(std::move(prefix)) {}
  Decision Handle(const event::Event& event) const override {
    if (!event.event_name.starts_with(prefix_.prefix)) return PassOn(event);
    return {Decision::Action::kRoute, prefix_.table, {}};
  }
  std::string Describe() const override {
    return "prefix " + prefix_.prefix + " -> " + prefix_.table;
  }

 private:
  Prefix prefix_;
};

Result<PrefixConfig> ParsePrefixConfig(const ChainConfig& config) {
  PrefixConfig prefixes;
  for (const std::string& text : config.List("route-prefix")) {
    const size_t equals = text.find('=');
    Status valid = equals == std::string::npos ? Status::Usage("missing '='")
                                               : ValidateTableName(text.substr(equals + 1));
    if (!valid.ok()) {
      return config.Blame("route-prefix",
                          valid.Wrap("--route-prefix '" + text + "' (PREFIX=TABLE)"));
    }
    prefixes.push_back({text.substr(0, equals), text.substr(equals + 1)});
  }
  return prefixes;
}

Result<Handlers> CreatePrefixHandlers(const PrefixConfig& prefixes) {
  Handlers handlers;
  for (const Prefix& prefix : prefixes) handlers.push_back(std::make_unique<PrefixHandler>(prefix));
  return handlers;
}

constinit const HandlerKind kPrefixKind{
    "prefix", kPrefixOptions,
    &HandlerKind::ParseThenCreate<&ParsePrefixConfig, &CreatePrefixHandlers>};

// A careless kind: its handler rejects every event with no error.
constexpr HandlerOption kRefuseOptions[] = {
    {"refuse-all", HandlerOption::Form::kFlag, "Reject every event, without a reason"},
};

class RefuseHandler final : public Handler {
 public:
  Decision Handle(const event::Event&) const override {
    return {Decision::Action::kReject, {}, {}};
  }
  std::string Describe() const override { return "refuse all"; }
};

Result<Handlers> CreateRefuseHandlers(const ChainConfig& config) {
  Handlers handlers;
  if (config.Flag("refuse-all")) handlers.push_back(std::make_unique<RefuseHandler>());
  return handlers;
}

constinit const HandlerKind kRefuseKind{"refuse", kRefuseOptions, &CreateRefuseHandlers};

// --- the registry row --------------------------------------------------------

constexpr const HandlerKind* kKinds[] = {&kRefuseKind, &kRouteKind, &kPrefixKind, &kUnroutedKind};

// --- the tests ---------------------------------------------------------------

event::Event Named(std::string name) { return {1684129671, 123456, std::move(name)}; }

// recv's own wiring of the chain, over kKinds instead of HandlerKinds().
class HandlerKindTest : public ::testing::Test {
 protected:
  HandlerKindTest() { DeclareChainOptions(app_, config_); }
  ~HandlerKindTest() override { ::unsetenv("LOGROUTE_ROUTE_PREFIX"); }

  // Parses `args` as recv's main does; always with a config file, so that
  // the machine's /etc/logroute/logroute.conf stays out of the test.
  std::optional<int> Parse(std::vector<std::string> args, const std::string& file_text = "") {
    testing::WriteFileOrDie(ConfigPath(), file_text);
    args.insert(args.begin(), {"logroute-recv", "--config", ConfigPath()});
    std::vector<char*> argv;
    for (std::string& arg : args) argv.push_back(arg.data());
    return cli_.Parse(static_cast<int>(argv.size()), argv.data());
  }
  Result<Chain> Build() const { return Chain::Create(config_, cli_); }
  std::string ConfigPath() const { return dir_.Path("logroute.conf"); }

  testing::TempDir dir_;
  CLI::App app_{"recv"};
  config::CommandLine cli_{app_, "logroute-recv"};
  ChainConfig config_{kKinds};
};

TEST_F(HandlerKindTest, ItsOptionWorksFromTheConfigFile) {
  ASSERT_EQ(Parse({}, "unrouted = drop\nroute_prefix = [\"page_=pages\", \"api.=api_calls\"]\n"),
            std::nullopt);
  Result<Chain> chain = Build();
  ASSERT_TRUE(chain.ok()) << chain.status().message();
  EXPECT_EQ(chain->Describe(),
            (std::vector<std::string>{"route login -> logs", "route logout -> logs",
                                      "prefix page_ -> pages", "prefix api. -> api_calls",
                                      "unrouted drop"}));
  EXPECT_EQ(chain->Handle(Named("page_view")).table, "pages");
  EXPECT_EQ(chain->Handle(Named("api.get")).table, "api_calls");
  EXPECT_EQ(chain->Handle(Named("login")).table, "logs");
  EXPECT_EQ(chain->Handle(Named("pages")).action, Decision::Action::kDrop);

  bool listed = false;
  for (const config::CommandLine::Setting& setting : cli_.Settings()) {
    if (setting.name != "route-prefix") continue;
    listed = true;
    EXPECT_EQ(setting.text, R"(route_prefix = ["page_=pages", "api.=api_calls"])");
    EXPECT_EQ(setting.source, ConfigPath() + ":2");
  }
  EXPECT_TRUE(listed) << "--check-config leaves --route-prefix out";
}

TEST_F(HandlerKindTest, ItsOptionWorksFromTheEnvironmentAndTheCommandLine) {
  ASSERT_EQ(::setenv("LOGROUTE_ROUTE_PREFIX", "a=t1\nb=t2", 1), 0);
  ASSERT_EQ(Parse({}), std::nullopt);
  Result<Chain> chain = Build();
  ASSERT_TRUE(chain.ok()) << chain.status().message();
  EXPECT_EQ(chain->Handle(Named("bx")).table, "t2");

  // A new parse, as a reload does: the command line wins over the environment.
  CLI::App app{"recv"};
  config::CommandLine cli(app, "logroute-recv");
  ChainConfig config(kKinds);
  DeclareChainOptions(app, config);
  ASSERT_TRUE(cli.Reparse({"--config", ConfigPath(), "--route-prefix", "c=t3"}).ok());
  chain = Chain::Create(config, cli);
  ASSERT_TRUE(chain.ok()) << chain.status().message();
  EXPECT_EQ(chain->Describe()[2], "prefix c -> t3");
  EXPECT_EQ(chain->Handle(Named("bx")).action, Decision::Action::kReject);
}

TEST_F(HandlerKindTest, ABadValueSaysWhatWhereAndWhy) {
  ASSERT_EQ(Parse({}, "# prefixes\nroute_prefix = [\"page_=bad-table\"]\n"), std::nullopt);
  Result<Chain> chain = Build();
  ASSERT_FALSE(chain.ok());
  EXPECT_EQ(chain.status().code(), Code::kUsage);
  EXPECT_EQ(chain.status().message(),
            "--route-prefix 'page_=bad-table' (PREFIX=TABLE): table name 'bad-table' may only "
            "hold letters, digits and '_', and not start with a digit (--route-prefix from " +
                ConfigPath() + ":2)");
}

TEST_F(HandlerKindTest, ABadValueOnTheCommandLineSaysSo) {
  ASSERT_EQ(Parse({"--route-prefix", "nothing"}), std::nullopt);
  Result<Chain> chain = Build();
  ASSERT_FALSE(chain.ok());
  EXPECT_EQ(chain.status().message(),
            "--route-prefix 'nothing' (PREFIX=TABLE): missing '=' (--route-prefix from the "
            "command line)");
}

// The client is told which event was refused, whatever the handler forgot.
TEST_F(HandlerKindTest, ARejectWithoutAReasonStillNamesTheEvent) {
  ASSERT_EQ(Parse({"--refuse-all"}), std::nullopt);
  Result<Chain> chain = Build();
  ASSERT_TRUE(chain.ok()) << chain.status().message();
  const Decision d = chain->Handle(Named("login"));
  EXPECT_EQ(d.action, Decision::Action::kReject);
  ASSERT_TRUE(d.error.has_value());
  EXPECT_EQ(event::FormatErrors({*d.error}), "event_name: the handler chain refused \"login\"");
}

TEST_F(HandlerKindTest, HelpListsItsOptionAmongTheChains) {
  const std::string help = app_.help();
  const size_t route = help.find("--route NAME=TABLE");
  const size_t prefix = help.find("--route-prefix PREFIX=TABLE");
  const size_t unrouted = help.find("--unrouted ");
  ASSERT_NE(prefix, std::string::npos) << help;
  EXPECT_LT(route, prefix) << help;
  EXPECT_LT(prefix, unrouted) << help;
  EXPECT_NE(help.find("Route events whose name starts with PREFIX to TABLE"), std::string::npos);
}

}  // namespace
}  // namespace logroute::chain
