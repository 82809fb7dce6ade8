#pragma once
// The blue-green strategy as Argo Rollouts runs it (rollout/bluegreen.go, rollout/analysis.go
// setPauseOrAbortForBlueGreen; shared/reference/argo-rollouts.md §5.4): the new version waits
// as the preview; pre-promotion analysis runs on it; the active service switches to it when the
// analysis is Successful and promotion is automatic (optionally after autoPromotionSeconds) or a
// human promotes; post-promotion analysis then runs on the live traffic; the previous version is
// scaled down scaleDownDelaySeconds after the switch. Pure, driven like the canary controller.
//
// The decisions' weight is the share of active traffic on the new version: 0 before the switch,
// 100 after it, 0 again when a post-promotion abort switches back.

#include <optional>
#include <string>
#include <vector>

#include <floodgate/core/canary_controller.hpp>

namespace floodgate::core {

struct blue_green_plan {
  std::vector<threshold_metric> pre_promotion;   ///< empty = none
  std::vector<threshold_metric> post_promotion;  ///< empty = none
  bool auto_promotion = true;                    ///< autoPromotionEnabled
  std::optional<millis> auto_promotion_after;    ///< autoPromotionSeconds
  millis scale_down_delay{30000};                ///< scaleDownDelaySeconds (default 30)
};

enum class blue_green_stage { pre_promotion, switched, post_promotion, done };

struct blue_green_state {
  blue_green_stage stage = blue_green_stage::pre_promotion;
  rollout_status status = rollout_status::progressing;
  int weight = 0;
  std::optional<instant> preview_ready_at;  ///< when the preview was first seen (the start)
  std::optional<run_state> run;             ///< the pre- or post-promotion run
  bool pre_passed = false;
  bool post_passed = false;  ///< a human promoted past an inconclusive post-promotion run
  bool approved = false;     ///< a human's promote (needed without autoPromotion)
  bool pause_announced = false;
  std::optional<instant> switched_at;
  std::optional<instant> scale_down_at;  ///< when the previous version may be scaled down
};

std::vector<metric_request> due_measurements(const blue_green_plan& plan,
                                             const blue_green_state& state, instant now);
advance_result advance(const blue_green_plan& plan, blue_green_state& state, instant now,
                       const std::vector<observation>& observations,
                       std::vector<metric_look>* looks = nullptr);
/// A human's promote: ends the BlueGreenPause, or passes an inconclusive analysis.
advance_result approve(const blue_green_plan& plan, blue_green_state& state, instant now);
/// A human's abort: active traffic back on (or kept on) the previous version.
advance_result abort_rollout(const blue_green_plan& plan, blue_green_state& state, instant now,
                             const std::string& who);

}  // namespace floodgate::core
