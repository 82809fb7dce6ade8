#pragma once
/// \file
/// Anytime-valid sequential tests (shared/reference/statistics.md §2): e-values whose type-I
/// error holds under continuous monitoring and optional stopping (Ville's inequality: reject
/// when E ≥ 1/α), confidence sequences and time-uniform boundaries, with the expected-sample-size
/// and time-to-detection estimates the planner uses. Pure, thread-safe; never throws on data.

#include <cstdint>
#include <span>

#include <floodgate/analysis/common.hpp>
#include <floodgate/analysis/status.hpp>

namespace floodgate::analysis {

/// An e-value on the log scale.
struct e_value_result {
  analysis::status status = status::ok;
  double log_e = 0.0;
  /// Reject H0 at level α iff log_e ≥ log(1/α).
  bool rejects(double alpha) const noexcept;
};

/// Dirichlet–multinomial e-value for event counts split across arms (Lindon & Malek, NeurIPS
/// 2022, arXiv 2011.03567; savvi `Multinomial`): log E = log B(kρ + x) − log B(kρ) − Σ xᵢ log ρᵢ,
/// x the cumulative events per arm, ρ the arms' traffic shares (normalised here), k the prior
/// concentration (savvi's default 100). Evaluated through Stirling's series so that large counts
/// (10⁵ events) keep ~1e-12 absolute accuracy. Counts may be non-integer (planning). Two arms run
/// the code of `count_log_e_value_batch` (the same bits), which takes prior masses kρᵢ ≥ 1e-150.
e_value_result multinomial_log_e_value(std::span<const double> counts, std::span<const double> rho,
                                       double k = 100.0) noexcept;

/// One-sided version for "canary worse": the Beta prior on the canary's event share θ is
/// truncated to θ ≥ ρ (statistics.md §2.2): adds log(1 − I_ρ(a0 + x_c, b0 + x_b)) −
/// log(1 − I_ρ(a0, b0)) to the two-arm e-value, a0 = kρ, b0 = k(1 − ρ). Cannot fire on a canary
/// that is better.
e_value_result count_log_e_value_one_sided(double baseline_events, double canary_events,
                                           double canary_share, double k = 100.0) noexcept;

/// One batch of events observed while the canary's share was `canary_share`.
struct count_batch {
  double baseline_events = 0.0;
  double canary_events = 0.0;
  double canary_share = 0.0;
};
/// The prior on the log rate ratio δ for the δ-mixture.
struct delta_prior {
  enum class kind { normal, half_normal } shape = kind::normal;
  double mean = 0.0;  ///< normal only
  double sd = 1.0;
};
/// δ-mixture e-value for plans whose canary share changes step to step (statistics.md §2.2):
/// E = ∫ Πₖ (θₖ(δ)/ρₖ)^{x_c,k} ((1 − θₖ(δ))/(1 − ρₖ))^{x_b,k} π(δ) dδ, θₖ(δ) = ρₖe^δ/(ρₖe^δ + 1 −
/// ρₖ). Integrated around the (concave) log-integrand's mode with composite 16-point
/// Gauss–Legendre; matches SciPy `quad` to ~1e-10 relative. A half-normal prior gives the one-sided
/// test.
e_value_result count_log_e_value_delta_mixture(std::span<const count_batch> batches,
                                               delta_prior prior) noexcept;

/// Running always-valid p-value p_n = min(1, min_{m≤n} 1/E_m); call `update` at every look.
class always_valid_p {
 public:
  /// Folds in the e-value of the latest look and returns the updated p-value.
  double update(double log_e) noexcept;
  double value() const noexcept { return p_; }

 private:
  double p_ = 1.0;
};

/// mSPRT with a normal mixture N(θ0, τ²) (Johari et al., "Always valid inference", Oper. Res.
/// 2022): log Λ = ½ log(V/(V + τ²)) + τ²(θ̂ − θ0)²/(2V(V + τ²)), V the variance of θ̂.
e_value_result msprt_log_lambda(double theta_hat, double variance, double tau2,
                                double theta0 = 0.0) noexcept;

/// The normal-mixture uniform boundary (Howard, Ramdas, McAuliffe & Sekhon, Ann. Stat. 2021;
/// confseq `TwoSidedNormalMixture` / `OneSidedNormalMixture`): with ρ = v_opt/(2 log(1/α′) +
/// log(1 + 2 log(1/α′))), α′ = α (two-sided) or 2α (one-sided), |S_t| ≤ √((V+ρ)(log(1+V/ρ) +
/// 2 log(1/α))) two-sided; the one-sided boundary solves log 2 + ½ log(ρ/(V+ρ)) + s²/(2(V+ρ)) +
/// log Φ(s/√(V+ρ)) = log(1/α).
struct boundary_result {
  analysis::status status = status::ok;
  double rho = 0.0;
  double boundary = 0.0;
};
boundary_result normal_mixture_boundary(double v, double alpha, double v_opt,
                                        bool one_sided) noexcept;

/// Time-uniform DKW band (Howard & Ramdas, Bernoulli 2022, Thm 2; confseq
/// `EmpiricalProcessLILBound`): sup_x |F̂_t − F| ≤ A√((log(1 + log(t/m)) + C)/t) for all t ≥ m
/// with probability ≥ 1 − α. C is the optimal constant (root of min_η 4e^{−γ²C}(1 +
/// 1/((γ² − 1) log η)) = α); `closed_form` uses C = 0.8 log(1612/α) (slightly conservative).
struct lil_bound_result {
  analysis::status status = status::ok;
  double bound = 0.0;
  double c = 0.0;
};
lil_bound_result empirical_process_lil_bound(double t, double alpha, double t_min, double a = 0.85,
                                             bool closed_form = false) noexcept;

/// Anytime-valid stochastic-order test "canary slower" (statistics.md §2.3 item 1): each arm's
/// empirical CDF gets a DKW band at α/2; rejects when F̂_base(x) − ε_base > F̂_canary(x) + ε_canary
/// for some x. Returns the largest such gap (≤ 0 when not rejected) in `statistic`.
struct stochastic_order_result {
  analysis::status status = status::ok;
  bool reject = false;
  double statistic = 0.0;
  double at = 0.0;  ///< the latency value where the gap is largest
};
stochastic_order_result dkw_stochastic_order_test(std::span<const double> baseline,
                                                  std::span<const double> canary, double alpha,
                                                  double t_min = 100.0);

/// Sequential test of equal p-quantiles (Howard & Ramdas 2022; confseq `QuantileABTest`):
/// two-sided always-valid p-value from the beta-binomial mixture on each arm's count below a
/// candidate common quantile, minimised over all candidates (the pooled order statistics).
/// O(n log n) for the sorts, then one logarithm per observation: each arm's log-mixture is
/// updated incrementally as its count grows (log-gamma differences). A NaN in either arm:
/// status::non_finite_input.
struct quantile_ab_result {
  analysis::status status = status::ok;
  double p_value = 1.0;
};
quantile_ab_result quantile_ab_p_value(std::span<const double> a, std::span<const double> b,
                                       double p, double t_opt, double alpha_opt = 0.05);

/// Anytime-valid confidence sequence for a Bernoulli rate (confseq
/// `bernoulli_confidence_interval`, beta-binomial mixture tuned at t_opt).
interval bernoulli_confidence_sequence(std::int64_t successes, std::int64_t trials, double alpha,
                                       double t_opt, double alpha_opt = 0.05) noexcept;

/// Wald's approximations to the average sample number of the Bernoulli SPRT of p0 against p1
/// (Wald 1947): E1[N] = ((1−β) log((1−β)/α) + β log(β/(1−α)))/KL(p1‖p0), and E0[N] likewise.
struct sprt_asn_result {
  analysis::status status = status::ok;
  double log_a = 0.0;
  double log_b = 0.0;
  double kl_p1_p0 = 0.0;
  double asn_h1 = 0.0;
  double asn_h0 = 0.0;
};
sprt_asn_result sprt_expected_n_bernoulli(double p0, double p1, double alpha, double beta) noexcept;

/// Plug-in time to detection of the mSPRT: the n per arm at which log Λ at θ̂ = θ,
/// V = (σ²_A + σ²_B)/n, reaches log(1/α) (median-like; ignores the noise in θ̂).
double msprt_detection_n(double theta, double var_a, double var_b, double tau2,
                         double alpha) noexcept;

/// Plug-in time to detection of the count e-value: total error events N at which the expected
/// counts (N(1−θ₁), Nθ₁), θ₁ = ρr/(ρr + 1 − ρ), reach log E = log(1/α).
struct count_detection_result {
  analysis::status status = status::ok;
  double theta1 = 0.0;
  double total_events = 0.0;
};
count_detection_result count_detection_events(double canary_share, double rate_ratio, double alpha,
                                              double k = 100.0) noexcept;

}  // namespace floodgate::analysis
