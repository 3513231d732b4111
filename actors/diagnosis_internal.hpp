// The diagnosis actor's parts (internal to actors/diagnosis*.cpp): one provider's diagnosis,
// the supervisor's questions, and the run that ties them together.
#pragma once

#include "actors/diagnosis.hpp"

#include <functional>

namespace gw::actors::detail {

/// Diagnoses provider `index` of the run going on: availability, listing, supervisor
/// verdicts, plan, probes. Ends by calling provider_finished exactly once.
void diagnose_provider(diagnosis_ptr self, size_t index);

/// Records provider `index`'s result; the last one completes the run.
void provider_finished(diagnosis_ptr self, const std::string& run_id, size_t index,
                       catalog::provider_diagnosis diagnosis,
                       std::vector<catalog::suggestion> suggestions);

/// Asks the supervisor about one listed model through the waterfall (or answers from the
/// cache, or negatively when the supervisor is off); `answer` runs in the actor.
void ask_supervisor(diagnosis_ptr self, const std::string& provider_name,
                    const catalog::listed_model& item,
                    std::function<void(catalog::supervisor_verdict)> answer);

/// "provider::model", lowercase: the key of the verdict cache.
std::string verdict_key(std::string_view provider_name, std::string_view model_id);

} // namespace gw::actors::detail
