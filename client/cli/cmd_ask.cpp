// freerouter-cli ask: one question, the answer on stdout (--json: the whole result).
#include <iostream>

#include "commands.hpp"
#include "outcome.hpp"

namespace freerouter::cli {

int run_ask(client& c, const options& o) {
  chat_params params;
  params.model = o.model;
  auto answer = c.chat({message{"user", o.text}}, params);
  if (!answer) {
    return report(answer.error());
  }
  if (o.json) {
    std::cout << to_json(*answer) << '\n';
  } else {
    std::cout << answer->content << '\n';
  }
  return ok;
}

} // namespace freerouter::cli
