#include "options.hpp"

#include <cstdlib>
#include <set>

namespace freerouter::cli {

namespace {

bool parse_seconds(const std::string& text, double& out) {
  char* end = nullptr;
  double value = std::strtod(text.c_str(), &end);
  if (text.empty() || end == nullptr || *end != '\0' || !(value > 0) || value > 86400) {
    return false;
  }
  out = value;
  return true;
}

} // namespace

std::string usage_text() {
  return R"(usage: freerouter-cli [--url URL | --data-dir DIR [--env-file F]] [--timeout S] [--no-color]
                      COMMAND [ARGS]

Commands:
  ask [--json] [--model M] TEXT...  ask one question and print the answer
                                    (--json: the full result: provider, route, attempts, body)
  chat [--model M]                  interactive chat, answers streamed; routing shown dimmed
                                    (on stderr when stdout is not a terminal); /reset, /exit
  models [--all]                    the catalog in rank order (--all: disabled routes too)
  status                            quotas per provider, with bars and time until reset
  diagnose [--wait S]               run endpoint diagnosis (remote only) and list suggestions

Modes:
  remote (default)    HTTP to a running gateway: --url, else FREEROUTER_URL, else
                      http://127.0.0.1:8000; the API key comes from FREEROUTER_API_KEY and the
                      admin key (diagnose) from FREEROUTER_ADMIN_KEY (default: the API key)
  embedded            --data-dir DIR: the gateway runs inside this command on DIR (provider keys
                      from the environment or --env-file); refused while a server holds DIR

Exit codes: 0 ok; 1 the gateway answered with an error (e.g. waterfall_exhausted);
            2 usage error; 3 cannot reach the gateway (or its data dir is held by another one)
)";
}

parsed parse_options(const std::vector<std::string>& args, const std::string& env_url) {
  static const std::set<std::string> commands = {"ask", "chat", "models", "status", "diagnose"};
  parsed out;
  options o;
  o.url = env_url.empty() ? "http://127.0.0.1:8000" : env_url;
  std::vector<std::string> words;
  auto fail = [&out](std::string message) {
    out.error = std::move(message);
    return out;
  };
  for (size_t i = 0; i < args.size(); ++i) {
    const auto& a = args[i];
    auto value = [&](std::string& slot) {
      if (i + 1 >= args.size()) {
        return false;
      }
      slot = args[++i];
      return true;
    };
    std::string text;
    if (a == "-h" || a == "--help") {
      out.help = true;
      return out;
    }
    if (!words.empty() && a == "--") {
      words.insert(words.end(), args.begin() + static_cast<long>(i) + 1, args.end());
      break;
    }
    if (a == "--url" || a == "--data-dir" || a == "--env-file" || a == "--model") {
      if (!value(text)) {
        return fail(a + " needs a value");
      }
      (a == "--url"        ? o.url
       : a == "--data-dir" ? o.data_dir
       : a == "--env-file" ? o.env_file
                           : o.model) = text;
    } else if (a == "--timeout" || a == "--wait") {
      if (!value(text)
          || !parse_seconds(text, a == "--timeout" ? o.timeout_seconds : o.wait_seconds)) {
        return fail(a + " needs a number of seconds (0 < S <= 86400)");
      }
    } else if (a == "--json") {
      o.json = true;
    } else if (a == "--all") {
      o.all = true;
    } else if (a == "--no-color") {
      o.color = false;
    } else if (a.size() > 1 && a[0] == '-') {
      return fail("unknown option " + a);
    } else {
      words.push_back(a);
    }
  }
  if (words.empty()) {
    return fail("no command given");
  }
  o.command = words.front();
  if (commands.count(o.command) == 0) {
    return fail("unknown command '" + o.command + "'");
  }
  for (size_t i = 1; i < words.size(); ++i) {
    o.text += (i > 1 ? " " : "") + words[i];
  }
  if (o.command == "ask" && o.text.empty()) {
    return fail("ask needs the question, e.g. freerouter-cli ask \"What is 2+2?\"");
  }
  if (o.command != "ask" && !o.text.empty()) {
    return fail(o.command + " takes no arguments (got '" + o.text + "')");
  }
  if (o.command == "diagnose" && !o.data_dir.empty()) {
    return fail("diagnose needs a running gateway (--url), not --data-dir");
  }
  out.opts = std::move(o);
  return out;
}

} // namespace freerouter::cli
