#include <floodgate/sim/sweep.hpp>

#include <array>
#include <cmath>
#include <limits>

namespace floodgate::sim {

std::string settings_text(const sweep_point& p) {
  std::string s;
  for (const auto& [k, v] : p.settings) s += (s.empty() ? "" : " ") + k + "=" + v;
  return s;
}
namespace {

// The objectives a point is judged by, all to be minimised.
std::vector<double> objectives(const sweep_point& p) {
  if (!p.detect_s) return {p.false_abort.rate, p.decision_s.mean};
  const double detect =
      p.detect_s->n > 0 ? p.detect_s->mean : std::numeric_limits<double>::infinity();
  return {p.false_abort.rate, detect, p.bad_requests->mean};
}

void mark_pareto(std::vector<sweep_point>& points) {
  std::vector<std::vector<double>> obj;
  for (const auto& p : points) obj.push_back(objectives(p));
  for (std::size_t i = 0; i < points.size(); ++i) {
    bool dominated = false;
    for (std::size_t j = 0; j < points.size() && !dominated; ++j) {
      if (i == j) continue;
      bool no_worse = true;
      bool better = false;
      for (std::size_t k = 0; k < obj[i].size(); ++k) {
        no_worse = no_worse && obj[j][k] <= obj[i][k];
        better = better || obj[j][k] < obj[i][k];
      }
      dominated = no_worse && better;
    }
    points[i].pareto = !dominated;
  }
}

// One point's figures, pooled over the scenarios' runs.
sweep_point pool(std::vector<std::pair<std::string, std::string>> settings,
                 const std::vector<monte_carlo_result>& results) {
  sweep_point p;
  p.settings = std::move(settings);
  std::size_t false_aborts = 0, runs = 0, detected = 0, reached = 0;
  std::vector<double> detect, bad, decision;
  bool regression = false;
  // False aborts over the healthy scenarios when there are any (a canary bad from the start
  // cannot be aborted falsely, and would dilute the rate), else over every scenario.
  bool healthy = false;
  for (const auto& r : results) healthy = healthy || !r.regression_at;
  for (const auto& r : results) {
    if (!healthy || !r.regression_at) {
      false_aborts += r.false_abort.count;
      runs += r.false_abort.of;
    }
    for (const auto& o : r.outcomes) {
      if (o.promoted || o.aborted) decision.push_back(o.decided_s);
    }
    if (!r.regression_at) continue;
    regression = true;
    detected += r.detection.count;
    reached += r.detection.of;
    for (const auto& o : r.outcomes) {
      if (o.detected) detect.push_back(o.detect_s);
      bad.push_back(o.bad_requests);
    }
  }
  p.false_abort = estimate_rate(false_aborts, runs);
  p.decision_s = estimate_mean(std::move(decision));
  if (regression) {
    p.detection = estimate_rate(detected, reached);
    p.detect_s = estimate_mean(std::move(detect));
    p.bad_requests = estimate_mean(std::move(bad));
  }
  return p;
}

}  // namespace

std::variant<sweep_result, std::string> sweep(const engine::rollout_spec& spec,
                                              const std::vector<config::setting>& grid,
                                              const std::vector<config::scenario>& scenarios,
                                              core::instant start,
                                              const monte_carlo_options& options) {
  sweep_result out;
  out.runs = options.runs;
  std::size_t combinations = 1;
  for (const auto& s : grid) {
    if (s.values.empty()) return "--sweep " + s.key + ": no values";
    combinations *= s.values.size();
  }
  const std::size_t total = combinations * scenarios.size() * options.runs;
  std::size_t done_before = 0;
  for (std::size_t c = 0; c < combinations; ++c) {
    // Mixed-radix digits of c, the last setting varying fastest.
    std::vector<std::pair<std::string, std::string>> settings(grid.size());
    std::size_t rest = c;
    for (std::size_t k = grid.size(); k-- > 0;) {
      settings[k] = {grid[k].key, grid[k].values[rest % grid[k].values.size()]};
      rest /= grid[k].values.size();
    }
    engine::rollout_spec point = spec;
    for (const auto& [key, value] : settings) {
      auto applied = config::apply_setting(point.files, key, value);
      if (auto* e = std::get_if<std::string>(&applied)) return "--sweep " + key + ": " + *e;
      point.files = std::get<std::vector<config::source_file>>(std::move(applied));
    }
    std::vector<monte_carlo_result> results;
    for (const auto& s : scenarios) {
      monte_carlo_options mo = options;
      if (options.progress) {
        mo.progress = [&, done_before](std::size_t d, std::size_t) {
          options.progress(done_before + d, total);
        };
      }
      auto r = monte_carlo(point, s, start, mo);
      if (auto* e = std::get_if<std::string>(&r)) {
        std::string where;
        for (const auto& [key, value] : settings)
          where += (where.empty() ? "" : ", ") + key + "=" + value;
        return "at " + where + ": " + *e;
      }
      done_before += options.runs;
      auto& result = std::get<monte_carlo_result>(r);
      if (out.plan.empty()) out.plan = result.plan;
      results.push_back(std::move(result));
    }
    out.points.push_back(pool(std::move(settings), results));
  }
  mark_pareto(out.points);
  return out;
}

}  // namespace floodgate::sim
