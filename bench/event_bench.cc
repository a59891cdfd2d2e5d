// The per-event path of recv: parse + validate, route through the chain, and
// encode the spool record, as recv's stdin loop does it (one parser, one
// buffer, reused). Also each step alone, to see where the time goes.
//
//   build/<dir>/bench/event_bench [--benchmark_filter=...]
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "libcore/chain/chain.h"
#include "libcore/event/event.h"
#include "libcore/spool/record.h"

namespace logroute {
namespace {

const char kTypical[] = R"({"unix_ts":1684129671,"user_id":123456,"event_name":"login"})";
const char kExtraScalars[] =
    R"({"unix_ts":1684129671,"user_id":123456,"event_name":"login","source":"web",)"
    R"("retries":0,"beta":false})";
const char kUnknownFields[] =
    R"({"unix_ts":1684129671,"user_id":123456,"event_name":"logout","client":{"app":"web",)"
    R"("version":"2.14.1","tags":["a","b","c"],"retries":0,"latency_ms":12.5,"ok":true},)"
    R"("session":"9f86d081884c7d659a2feaa0c55ad015","ip":"203.0.113.7","ua":null})";

chain::Chain DefaultChain() {
  Result<chain::Chain> chain = chain::Chain::Create(chain::ChainConfig{});
  if (!chain.ok()) std::abort();
  return std::move(chain).value();
}

void RunPipeline(benchmark::State& state, const std::string& line) {
  const chain::Chain chain = DefaultChain();
  event::EventParser parser;
  event::Event event;
  std::string batch;
  batch.reserve(1 << 20);
  for (auto _ : state) {
    if (!parser.Parse(line, &event)) state.SkipWithError("parse failed");
    const chain::Decision decision = chain.Handle(event);
    if (decision.action != chain::Decision::Action::kRoute) state.SkipWithError("not routed");
    spool::AppendRecord(event, decision.table, 1700000000, &batch);
    if (batch.size() > (1 << 20) - 256) batch.clear();  // recv appends about 1 MiB at a time
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(line.size() + 1));
}

void BM_PipelineTypical(benchmark::State& state) { RunPipeline(state, kTypical); }
void BM_PipelineExtraScalars(benchmark::State& state) { RunPipeline(state, kExtraScalars); }
void BM_PipelineUnknownFields(benchmark::State& state) { RunPipeline(state, kUnknownFields); }

void BM_ParseTypical(benchmark::State& state) {
  event::EventParser parser;
  event::Event event;
  const std::string line = kTypical;
  for (auto _ : state) benchmark::DoNotOptimize(parser.Parse(line, &event));
  state.SetItemsProcessed(state.iterations());
}

void BM_Route(benchmark::State& state) {
  const chain::Chain chain = DefaultChain();
  const event::Event event{1684129671, 123456, "logout"};
  for (auto _ : state) benchmark::DoNotOptimize(chain.Handle(event));
  state.SetItemsProcessed(state.iterations());
}

void BM_EncodeRecord(benchmark::State& state) {
  const event::Event event{1684129671, 123456, "login"};
  std::string batch;
  batch.reserve(1 << 20);
  for (auto _ : state) {
    spool::AppendRecord(event, "logs", 1700000000, &batch);
    if (batch.size() > (1 << 20) - 256) batch.clear();
  }
  state.SetItemsProcessed(state.iterations());
}

BENCHMARK(BM_PipelineTypical);
BENCHMARK(BM_PipelineExtraScalars);
BENCHMARK(BM_PipelineUnknownFields);
BENCHMARK(BM_ParseTypical);
BENCHMARK(BM_Route);
BENCHMARK(BM_EncodeRecord);

}  // namespace
}  // namespace logroute

BENCHMARK_MAIN();
