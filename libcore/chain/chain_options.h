// The handler chain's options on a tool's command line, and so in its
// LOGROUTE_* environment, its config file and --check-config
// (config/options.h): each option of each kind of a ChainConfig, as the
// kind declares it (registry.h).
#pragma once

#include <CLI/CLI.hpp>

#include "libcore/chain/chain_config.h"

namespace logroute::chain {

// Declares on `app`, in registry order, every option of the kinds of
// `config`, bound to `config` (which must outlive the parse). After the
// parse, Chain::Create(config, command_line) makes the chain they describe.
void DeclareChainOptions(CLI::App& app, ChainConfig& config);

}  // namespace logroute::chain
