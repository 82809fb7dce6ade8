#pragma once
// Drives a controller (canary or blue-green) with scripted observations and a fake clock, and
// compares whole decision traces with golden files in tests/core/golden/
// (FLOODGATE_UPDATE_GOLDEN=1 rewrites them after a deliberate change — review the diff).

#include <catch2/catch.hpp>
#include <cstdlib>
#include <floodgate/core/blue_green.hpp>
#include <floodgate/core/canary_controller.hpp>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <sstream>
#include <type_traits>

#include "../support/files.hpp"

namespace floodgate::core::testing {

inline advance_result abort_by(const canary_plan&, rollout_state& s, instant now,
                               const std::string& who) {
  return abort_rollout(s, now, who);
}
inline advance_result abort_by(const blue_green_plan& p, blue_green_state& s, instant now,
                               const std::string& who) {
  return abort_rollout(p, s, now, who);
}

using reply = std::variant<value, std::string, comparison_data>;
using answer_fn = std::function<reply(const metric_request&, instant)>;

inline value rate(double v) { return value::array({value::floating(v)}); }

template <class State>
struct basic_log {
  std::vector<std::string> lines;
  State state;
};
using run_log = basic_log<rollout_state>;

const instant epoch{millis(0)};

using decision_fn = std::function<void(const decision&)>;

// Drives `log.state` from the epoch until the controller has nothing left to wait for; a command
// ("approve", or anything else = abort by that name) is given once, at its second, if nothing was
// decided then. The answers may watch `log.state`.
template <class Plan, class State>
void drive(basic_log<State>& log, const Plan& plan, const answer_fn& answer,
           const std::map<std::int64_t, std::string>& commands = {},
           const decision_fn& on_decision = {}) {
  instant now = epoch;
  int same_instant = 0;
  std::set<std::int64_t> fired;  // each command is given once
  for (int guard = 0; guard < 10000; ++guard) {
    std::vector<observation> obs;
    for (const auto& r : due_measurements(plan, log.state, now)) {
      auto a = answer(r, now);
      const std::string text =
          std::holds_alternative<value>(a) ? to_json_text(std::get<value>(a)) : "";
      obs.push_back({r, std::move(a), text});
    }
    auto res = advance(plan, log.state, now, obs);
    const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(now - epoch).count();
    if (const auto c = commands.find(seconds);
        c != commands.end() && res.decisions.empty() && fired.insert(seconds).second) {
      res = c->second == "approve" ? approve(plan, log.state, now)
                                   : abort_by(plan, log.state, now, c->second);
    }
    for (const auto& d : res.decisions) {
      if (on_decision) on_decision(d);
      log.lines.push_back(format_decision(d, epoch));
    }
    std::optional<instant> next = res.next_wake_up;
    for (const auto& [at, what] : commands) {
      const instant t = epoch + std::chrono::seconds(at);
      if (t > now && (!next || t < *next)) next = t;
    }
    if (!next) break;
    REQUIRE(*next >= now);
    same_instant = *next == now ? same_instant + 1 : 0;
    REQUIRE(same_instant <
            3);  // the controller must not ask to be woken at the same instant forever
    now = *next;
  }
  log.lines.push_back("final " + std::string(rollout_status_name(log.state.status)) + " weight " +
                      std::to_string(log.state.weight));
}

template <class Plan>
auto drive(const Plan& plan, const answer_fn& answer,
           const std::map<std::int64_t, std::string>& commands = {}) {
  basic_log<std::conditional_t<std::is_same_v<Plan, canary_plan>, rollout_state, blue_green_state>>
      log;
  drive(log, plan, answer, commands);
  return log;
}

inline void check_golden(const std::string& name, const std::vector<std::string>& lines) {
  std::string actual;
  for (const auto& l : lines) actual += l + "\n";
  floodgate::testing::check_golden(std::string(FLOODGATE_SOURCE_DIR) + "/tests/core/golden/" + name,
                                   actual);
}

}  // namespace floodgate::core::testing
