#pragma once
// The oracle functions of shared/oracles/stats_cases.json, each answered by floodgate's own
// analysis code. A handler takes a case's "inputs" and returns a JSON object whose keys are
// compared with the case's "expected"; a failed computation returns {"error": why}.

#include <functional>
#include <map>
#include <string>

#include "case_values.hpp"

namespace floodgate::cases {

using handler = std::function<json(const json& inputs)>;
const std::map<std::string, handler>& stats_handlers();

}  // namespace floodgate::cases
