#include <floodgate/core/progressive.hpp>

#include <algorithm>
#include <cmath>

namespace floodgate::core {

namespace {
constexpr int total_weight = 100;

bool in(canary_phase p, std::initializer_list<canary_phase> set) {
  return std::find(set.begin(), set.end(), p) != set.end();
}

class tick_runner {
 public:
  tick_runner(const progressive_analysis& spec, progressive_status& st, progressive_world& world)
      : spec_(spec), st_(st), world_(world) {}

  progressive_tick run(bool new_revision);

 private:
  // setStatusPhase (pkg/canary/status.go).
  void set_phase(canary_phase p) {
    st_.phase = p;
    if (!in(p, {canary_phase::progressing, canary_phase::waiting, canary_phase::promoting})) {
      st_.canary_weight = 0;
      st_.iterations = 0;
    }
    if (p == canary_phase::waiting_promotion) st_.iterations = spec_.iterations - 1;
  }
  void reset(canary_phase p) {
    st_.phase = p;
    st_.canary_weight = 0;
    st_.failed_checks = 0;
    st_.iterations = 0;
  }
  void rollback(const std::string& why) {
    st_.routes = {total_weight, 0, false};
    st_.canary_replicas = 0;
    reset(canary_phase::failed);
    tick_.event = "Rolling back: " + why;
  }
  // handleFailedPromotion: the primary broke while taking the canary's spec, so the canary,
  // the only healthy copy, keeps all traffic.
  void failed_promotion() {
    st_.routes = {0, total_weight, false};
    st_.phase = canary_phase::failed;
    st_.canary_weight = total_weight;
    tick_.event = "Promotion failed: primary not ready; all traffic stays on the canary";
  }
  void promote() {
    st_.primary_promoted = true;
    set_phase(canary_phase::promoting);
    tick_.event = "Copying the canary spec to the primary";
  }
  bool confirm_promotion() {
    if (world_.gate(hook::confirm_promotion)) return true;
    if (st_.phase != canary_phase::waiting_promotion) {
      set_phase(canary_phase::waiting_promotion);
    } else {
      st_.iterations = spec_.iterations - 1;
    }
    tick_.event = "Waiting for approval: confirm-promotion";
    return false;
  }
  bool run_analysis() {
    tick_.metrics_evaluated = true;
    if (!world_.gate(hook::rollout)) {
      tick_.event = "Halt advancement: a rollout webhook failed";
      return false;
    }
    for (std::size_t i = 0; i < spec_.metrics.size(); ++i) {
      const auto v = world_.query(i);
      if (!v) {
        tick_.event = "Halt advancement: no values found for metric " + spec_.metrics[i].name;
        return false;
      }
      if (!spec_.metrics[i].passes(*v)) {
        tick_.event = "Halt advancement: " + spec_.metrics[i].name + " " + std::to_string(*v) +
                      " is outside its threshold range";
        return false;
      }
    }
    return true;
  }
  void promotion_traffic_shift();
  void run_canary(bool mirrored);
  void run_blue_green(const progressive_analysis& eff, bool mirrored);
  void run_ab(const progressive_analysis& eff);

  const progressive_analysis& spec_;
  progressive_status& st_;
  progressive_world& world_;
  progressive_tick tick_;
};

void tick_runner::promotion_traffic_shift() {
  if (spec_.l4_only) {
    set_phase(canary_phase::finalising);
    return;
  }
  if (spec_.step_weight_promotion <= 0) {
    st_.routes = {total_weight, 0, false};
    set_phase(canary_phase::finalising);
    tick_.event = "Routing all traffic to primary";
    return;
  }
  int cw = st_.routes.canary;
  if (cw <= 0) return;
  const int pw = std::min(total_weight, st_.routes.primary + spec_.step_weight_promotion);
  cw = std::max(0, cw - spec_.step_weight_promotion);
  st_.routes = {pw, cw, false};
  st_.canary_weight = cw;
  set_phase(pw == total_weight ? canary_phase::finalising : canary_phase::promoting);
  tick_.event = "Advance primary weight " + std::to_string(pw);
}

void tick_runner::run_canary(bool mirrored) {
  const int cw = st_.routes.canary;
  const int step = next_step_weight(spec_, cw);
  if (step <= 0) return;  // neither stepWeight nor stepWeights: the canary never advances
  if (!mirrored && st_.phase == canary_phase::progressing &&
      !world_.gate(hook::confirm_traffic_increase)) {
    tick_.event = "Waiting for approval: confirm-traffic-increase";
    return;
  }
  if (cw < max_weight(spec_)) {
    if (spec_.mirror && cw == 0) {
      st_.routes =
          mirrored ? routes{total_weight - step, step, false} : routes{total_weight, 0, true};
    } else {
      st_.routes = {std::max(0, st_.routes.primary - step), std::min(total_weight, cw + step),
                    false};
    }
    st_.canary_weight = st_.routes.canary;
    tick_.event = st_.routes.mirrored
                      ? "Running mirror step"
                      : "Advance canary weight " + std::to_string(st_.canary_weight);
    return;
  }
  if (confirm_promotion()) promote();
}

void tick_runner::run_blue_green(const progressive_analysis& eff, bool mirrored) {
  if (eff.iterations > st_.iterations) {
    if (!spec_.l4_only && spec_.mirror && !mirrored) st_.routes = {total_weight, 0, true};
    ++st_.iterations;
    tick_.event = "Advance canary iteration " + std::to_string(st_.iterations) + "/" +
                  std::to_string(eff.iterations);
    return;
  }
  if (!confirm_promotion()) return;
  if (eff.iterations == st_.iterations) {
    if (!spec_.l4_only) st_.routes = {0, total_weight, false};
    ++st_.iterations;
    tick_.event = "Routing all traffic to canary";
    return;
  }
  if (eff.iterations < st_.iterations) promote();
}

void tick_runner::run_ab(const progressive_analysis& eff) {
  if (eff.iterations > st_.iterations) {
    st_.routes = {0, total_weight, false};
    ++st_.iterations;
    tick_.event = "Advance canary iteration " + std::to_string(st_.iterations) + "/" +
                  std::to_string(eff.iterations);
    return;
  }
  if (!confirm_promotion()) return;
  if (eff.iterations == st_.iterations) promote();
}

progressive_tick tick_runner::run(bool new_revision) {
  using cp = canary_phase;
  if (st_.phase == cp::initializing) st_.phase = cp::initialized;
  const bool should_advance =
      new_revision || in(st_.phase, {cp::progressing, cp::waiting, cp::waiting_promotion,
                                     cp::promoting, cp::finalising});
  if (!should_advance) return tick_;
  if (!spec_.skip_analysis) {
    const readiness r = world_.primary_ready();
    if (!r.ready) {
      if (r.retriable) {
        tick_.event = "Halt advancement: primary not ready";
      } else if (in(st_.phase, {cp::promoting, cp::finalising})) {
        failed_promotion();
      } else {
        rollback("primary progress deadline exceeded");
      }
      return tick_;
    }
  }
  const bool mirrored = st_.routes.mirrored;
  if (!in(st_.phase, {cp::progressing, cp::waiting_promotion, cp::promoting, cp::finalising})) {
    if (!world_.gate(hook::confirm_rollout)) {
      set_phase(cp::waiting);
      tick_.event = "Waiting for approval: confirm-rollout";
      return tick_;
    }
    st_.canary_replicas = 1;
    st_.primary_promoted = false;
    reset(cp::progressing);
    tick_.event = "New revision detected! Scaling up the canary";
    return tick_;
  }
  if (new_revision && in(st_.phase, {cp::progressing, cp::waiting_promotion})) {
    st_.routes = {total_weight, 0, false};
    reset(cp::progressing);
    tick_.event = "New revision detected! Restarting analysis";
    return tick_;
  }
  if (const readiness r = world_.canary_ready(); !r.ready) {
    if (r.retriable) {
      tick_.event = "Halt advancement: canary not ready";
    } else {
      rollback("canary progress deadline exceeded");
    }
    return tick_;
  }
  if (spec_.skip_analysis) {
    st_.routes = {total_weight, 0, false};
    st_.primary_promoted = true;
    st_.canary_replicas = 0;
    set_phase(cp::succeeded);
    tick_.event = "Promotion completed! Canary analysis was skipped";
    return tick_;
  }
  if (in(st_.phase, {cp::progressing, cp::waiting, cp::waiting_promotion}) &&
      world_.gate(hook::rollback)) {
    rollback("manual webhook invoked");
    return tick_;
  }
  if (st_.phase == cp::promoting) {
    promotion_traffic_shift();
    return tick_;
  }
  if (st_.phase == cp::finalising) {
    st_.canary_replicas = 0;
    set_phase(cp::succeeded);
    tick_.event = "Promotion completed! Scaling down the canary";
    return tick_;
  }
  const int threshold = spec_.threshold > 0 ? spec_.threshold : 1;
  if (st_.failed_checks >= threshold) {
    rollback("failed checks threshold reached " + std::to_string(st_.failed_checks));
    return tick_;
  }
  if (st_.routes.canary == 0 && st_.iterations == 0 && !(spec_.mirror && mirrored)) {
    tick_.pre_rollout_hooks_called = true;
    if (!world_.gate(hook::pre_rollout)) {
      ++st_.failed_checks;
      tick_.event = "Halt advancement: a pre-rollout webhook failed";
      return tick_;
    }
  } else if (!run_analysis()) {
    ++st_.failed_checks;
    return tick_;
  }
  const progressive_analysis eff = effective_analysis(spec_);
  switch (strategy_of(eff)) {
    case progressive_strategy::ab_testing:
      run_ab(eff);
      break;
    case progressive_strategy::blue_green:
      run_blue_green(eff, mirrored);
      break;
    case progressive_strategy::canary:
      run_canary(mirrored);
      break;
  }
  return tick_;
}

}  // namespace

std::string_view canary_phase_name(canary_phase p) {
  switch (p) {
    case canary_phase::initializing:
      return "Initializing";
    case canary_phase::initialized:
      return "Initialized";
    case canary_phase::waiting:
      return "Waiting";
    case canary_phase::progressing:
      return "Progressing";
    case canary_phase::waiting_promotion:
      return "WaitingPromotion";
    case canary_phase::promoting:
      return "Promoting";
    case canary_phase::finalising:
      return "Finalising";
    case canary_phase::succeeded:
      return "Succeeded";
    case canary_phase::failed:
      return "Failed";
  }
  return "?";
}

bool range_check::passes(double v) const {
  if (std::isnan(v)) return false;
  if (min && v < *min) return false;
  if (max && v > *max) return false;
  return true;
}

progressive_strategy strategy_of(const progressive_analysis& a) {
  if (a.iterations > 0 && a.match) return progressive_strategy::ab_testing;
  if (a.iterations > 0) return progressive_strategy::blue_green;
  return progressive_strategy::canary;
}

std::string_view strategy_name(progressive_strategy s) {
  switch (s) {
    case progressive_strategy::canary:
      return "canary";
    case progressive_strategy::blue_green:
      return "blue-green";
    case progressive_strategy::ab_testing:
      return "ab-testing";
  }
  return "?";
}

progressive_analysis effective_analysis(const progressive_analysis& a) {
  if (!a.l4_only) return a;
  progressive_analysis out = a;
  out.match = false;
  if (out.iterations < 1) out.iterations = 10;
  return out;
}

int max_weight(const progressive_analysis& a) {
  int w = a.max_weight > 0 ? a.max_weight : total_weight;
  if (!a.step_weights.empty()) w = std::min(a.step_weights.back(), total_weight);
  return w;
}

int next_step_weight(const progressive_analysis& a, int canary_weight) {
  if (a.step_weight > 0 || a.step_weights.empty()) return a.step_weight;
  const int max_step = total_weight - canary_weight;
  if (max_step == 0) return 1;
  if (canary_weight == 0) return std::min(a.step_weights.front(), max_step);
  for (std::size_t i = 0; i + 1 < a.step_weights.size(); ++i) {
    if (a.step_weights[i] == canary_weight) {
      return std::min(a.step_weights[i + 1] - canary_weight, max_step);
    }
  }
  return max_step;
}

progressive_tick advance(const progressive_analysis& spec, progressive_status& status,
                         bool new_revision, progressive_world& world) {
  return tick_runner(spec, status, world).run(new_revision);
}

}  // namespace floodgate::core
