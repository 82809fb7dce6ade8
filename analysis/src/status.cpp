#include <floodgate/analysis/status.hpp>

namespace floodgate::analysis {

std::string_view describe(status s) noexcept {
  switch (s) {
    case status::ok:
      return "ok";
    case status::empty_sample:
      return "an arm has no observations";
    case status::too_few_samples:
      return "too few observations for this method";
    case status::non_finite_input:
      return "input contains NaN or an infinity";
    case status::invalid_argument:
      return "argument outside its domain";
    case status::constant_data:
      return "data are essentially constant (zero variance)";
    case status::all_tied:
      return "all observations are tied";
    case status::no_convergence:
      return "the solver did not converge";
    case status::not_reached:
      return "not reached within the horizon";
  }
  return "unknown status";
}

}  // namespace floodgate::analysis
