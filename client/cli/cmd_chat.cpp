// freerouter-cli chat: an interactive conversation. Each line is a user message; the answer is
// streamed as it comes, with the routing (tried, skipped, failed, chosen) dimmed on a terminal
// and on stderr otherwise, so that piped stdout holds only the answers.
#include <iostream>
#include <string>

#include "commands.hpp"
#include "outcome.hpp"
#include <unistd.h>

namespace freerouter::cli {

namespace {

std::string route_name(const stream_event& e) {
  return e.provider + "/" + e.model_id + " (" + e.route_id + ")";
}

/// One routing line, or "" for events that are not routing.
std::string routing_line(const stream_event& e) {
  switch (e.kind) {
  case event_kind::route_skip:
    return "skip  " + route_name(e) + ": " + e.reason;
  case event_kind::route_trying:
    return "try   " + route_name(e);
  case event_kind::route_fail:
    return "fail  " + route_name(e) + ": " + e.reason;
  case event_kind::route_flagged:
    return "flag  " + route_name(e) + ": " + e.reason;
  case event_kind::route_selected:
    return "using " + route_name(e);
  case event_kind::usage:
    return "usage " + std::to_string(e.prompt_tokens) + " prompt + "
           + std::to_string(e.completion_tokens) + " completion tokens";
  default:
    return {};
  }
}

} // namespace

int run_chat(client& c, const options& o, const terminal& term) {
  chat_params params;
  params.model = o.model;
  std::vector<message> history;
  bool interactive = ::isatty(STDIN_FILENO) == 1;
  int code = ok;
  std::string line;
  for (;;) {
    if (interactive) {
      std::cout << term.bold("> ") << std::flush;
    }
    if (!std::getline(std::cin, line) || line == "/exit" || line == "/quit") {
      break;
    }
    if (line.empty()) {
      continue;
    }
    if (line == "/reset") {
      history.clear();
      continue;
    }
    history.push_back(message{"user", line});
    bool text_started = false;
    auto on_event = [&](const stream_event& e) {
      if (e.kind == event_kind::content) {
        std::cout << e.text << std::flush;
        text_started = true;
        return;
      }
      auto routing = routing_line(e);
      if (routing.empty()) {
        return;
      }
      if (term.fancy) {
        std::cout << (text_started ? "\n" : "") << term.dim("  " + routing) << '\n' << std::flush;
        text_started = false;
      } else {
        std::cerr << "  " << routing << '\n';
      }
    };
    auto answer = c.chat_stream(history, params, on_event);
    if (text_started) {
      std::cout << '\n' << std::flush;
    }
    if (!answer) {
      history.pop_back();
      code = report(answer.error());
      if (code == cannot_connect) {
        return code;
      }
      continue;
    }
    history.push_back(message{"assistant", answer->content});
  }
  return code;
}

} // namespace freerouter::cli
