// freerouter-cli's command line: global flags, the command and its own flags.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace freerouter::cli {

struct options {
  /// Remote mode (the default): the gateway's URL.
  std::string url;
  /// Embedded mode when set: run the gateway in this process on this data dir.
  std::string data_dir;
  std::string env_file;
  double timeout_seconds = 180;
  bool color = true;

  std::string command;
  /// ask: the question (the words joined by spaces).
  std::string text;
  bool json = false;
  std::string model = "auto";
  /// models: disabled routes too.
  bool all = false;
  /// diagnose: how long to wait for the run.
  double wait_seconds = 600;
};

/// The parsed command line, or the usage error to print (exit code 2).
struct parsed {
  std::optional<options> opts;
  std::string error;
  bool help = false;
};

/// `env_url` is FREEROUTER_URL (may be empty).
parsed parse_options(const std::vector<std::string>& args, const std::string& env_url);

std::string usage_text();

} // namespace freerouter::cli
