// The public client: validates and encodes requests once, then forwards to its mode's backend.
#include "freerouter/client.hpp"

#include "client/src/backend.hpp"
#include "client/src/embedded_backend.hpp"
#include "client/src/remote_backend.hpp"
#include "client/src/request_json.hpp"

namespace freerouter {

client::client(std::unique_ptr<detail::backend> impl) : impl_(std::move(impl)) {}
client::client(client&&) noexcept = default;
client& client::operator=(client&&) noexcept = default;
client::~client() = default;

result<client> client::remote(const remote_options& options) {
  auto impl = detail::remote_backend::start(options);
  if (!impl) {
    return impl.error();
  }
  return client(std::move(*impl));
}

result<client> client::embedded(const embedded_options& options) {
  auto impl = detail::embedded_backend::start(options);
  if (!impl) {
    return impl.error();
  }
  return client(std::move(*impl));
}

std::string_view client::mode() const {
  return impl_->mode();
}

result<chat_result> client::chat(const std::vector<message>& messages, const chat_params& params) {
  auto body = detail::chat_request_json(messages, params, false);
  if (!body) {
    return body.error();
  }
  return impl_->chat(*body);
}

result<chat_result> client::chat_stream(const std::vector<message>& messages,
                                        const chat_params& params,
                                        const stream_callback& on_event) {
  auto body = detail::chat_request_json(messages, params, true);
  if (!body) {
    return body.error();
  }
  return impl_->chat_stream(*body, on_event);
}

result<std::string> client::ask(std::string_view text, const chat_params& params) {
  auto answer = chat({message{"user", std::string(text)}}, params);
  if (!answer) {
    return answer.error();
  }
  return std::move(answer->content);
}

result<std::vector<model_info>> client::models() {
  return impl_->models();
}

result<std::vector<provider_status>> client::status() {
  return impl_->status();
}

result<std::string> client::start_diagnosis() {
  return impl_->start_diagnosis();
}

result<diagnosis_state> client::diagnosis() {
  return impl_->diagnosis();
}

} // namespace freerouter
