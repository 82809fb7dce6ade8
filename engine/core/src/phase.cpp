#include <floodgate/core/phase.hpp>

#include "name_table.hpp"

namespace floodgate::core {

namespace {
constexpr detail::name_table<phase, 6> names = {{
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

std::string_view phase_name(phase p) { return detail::name_in(names, p); }

std::optional<phase> parse_phase(std::string_view name) { return detail::value_in(names, name); }

bool is_worse(phase current, phase candidate) { return rank(candidate) > rank(current); }

}  // namespace floodgate::core
