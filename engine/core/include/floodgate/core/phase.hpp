#pragma once
// Argo Rollouts' analysis phases (pkg/apis/rollouts/v1alpha1/analysis_types.go AnalysisPhase)
// and their order from best to worst (utils/analysis/helpers.go analysisStatusOrder).

#include <optional>
#include <string_view>

namespace floodgate::core {

enum class phase { pending, running, successful, inconclusive, error, failed };

/// "Pending", "Running", "Successful", "Inconclusive", "Error", "Failed".
std::string_view phase_name(phase p);
/// The phase named exactly as phase_name writes it, or nothing.
std::optional<phase> parse_phase(std::string_view name);
/// Successful, Inconclusive, Error and Failed are completed.
constexpr bool completed(phase p) {
  return p == phase::successful || p == phase::inconclusive || p == phase::error ||
         p == phase::failed;
}
/// Whether `candidate` is worse than `current` in Argo's order
/// Successful < Running < Pending < Inconclusive < Error < Failed.
bool is_worse(phase current, phase candidate);

}  // namespace floodgate::core
