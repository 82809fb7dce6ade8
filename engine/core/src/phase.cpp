#include <floodgate/core/phase.hpp>

#include <array>
#include <utility>

namespace floodgate::core {

namespace {
constexpr std::array<std::pair<phase, std::string_view>, 6> names = {{
    {phase::pending, "Pending"},
    {phase::running, "Running"},
    {phase::successful, "Successful"},
    {phase::inconclusive, "Inconclusive"},
    {phase::error, "Error"},
    {phase::failed, "Failed"},
}};

int rank(phase p) {
  switch (p) {
    case phase::successful:
      return 0;
    case phase::running:
      return 1;
    case phase::pending:
      return 2;
    case phase::inconclusive:
      return 3;
    case phase::error:
      return 4;
    case phase::failed:
      return 5;
  }
  return 0;
}
}  // namespace

std::string_view phase_name(phase p) {
  for (const auto& [value, name] : names) {
    if (value == p) return name;
  }
  return "?";
}

std::optional<phase> parse_phase(std::string_view name) {
  for (const auto& [value, text] : names) {
    if (text == name) return value;
  }
  return std::nullopt;
}

bool is_worse(phase current, phase candidate) { return rank(candidate) > rank(current); }

}  // namespace floodgate::core
