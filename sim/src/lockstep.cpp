#include <algorithm>
#include <floodgate/sim/lockstep.hpp>
#include <map>
#include <stdexcept>

namespace floodgate::sim {

namespace promql = providers::recorded::promql;
using lane_mask = std::array<bool, promql::lane_width>;

/// The lanes' traffic as one lane view: the labels of the first lane's traffic (every lane's
/// are the same), the scrape instants they share, and each scrape's value per lane, written by
/// each lane's traffic as it scrapes (synthetic_traffic::hand_scrapes_to). A lane whose run
/// has ended reads 0 from then on.
class lockstep_simulator::lanes_view final : public promql::lane_view {
 public:
  explicit lanes_view(const synthetic_traffic& first) : first_(first), values_(first.size()) {}

  std::size_t size() const override { return first_.size(); }
  const providers::recorded::label_set& labels(std::size_t i) const override {
    return first_.labels(i);
  }
  std::span<const std::int64_t> times(std::size_t) const override { return times_; }
  std::span<const promql::lanes> values(std::size_t i) const override { return values_[i]; }
  std::size_t rows() const { return times_.size(); }
  /// Changes with every clear(): what a lane's samples were copied from.
  std::uint64_t generation() const { return generation_; }

  void clear() {
    times_.clear();
    for (auto& v : values_) v.clear();
    rows_.fill(0);
    ++generation_;
  }

  /// Lane `lane`'s next scrape: a new row for the first lane to make it.
  void take(std::size_t lane, std::int64_t at_ms, std::span<const double> row) {
    const std::size_t j = rows_[lane]++;
    if (j == times_.size()) {
      times_.push_back(at_ms);
      for (auto& v : values_) v.emplace_back().fill(0);
    } else if (j > times_.size() || times_[j] != at_ms) {
      throw std::logic_error("lockstep lanes scraped at different instants");
    }
    for (std::size_t i = 0; i < row.size(); ++i) values_[i][j][lane] = row[i];
  }

 private:
  const synthetic_traffic& first_;
  std::vector<std::int64_t> times_;
  std::vector<std::vector<promql::lanes>> values_;
  std::array<std::size_t, promql::lane_width> rows_{};
  std::uint64_t generation_ = 0;
};

/// One lane of the table as a series view, for the queries that do not evaluate lane by lane:
/// its samples copied out when the table has grown since they were.
class lockstep_simulator::lane_series final : public promql::series_view {
 public:
  lane_series(const lanes_view& table, std::size_t lane)
      : table_(table), lane_(lane), samples_(table.size()) {}

  std::size_t size() const override { return table_.size(); }
  const providers::recorded::label_set& labels(std::size_t i) const override {
    return table_.labels(i);
  }
  std::span<const providers::recorded::sample> samples(std::size_t i) const override {
    if (generation_ != table_.generation()) {
      for (auto& s : samples_) s.clear();
      generation_ = table_.generation();
    }
    if (samples_[i].size() != table_.rows()) {
      for (std::size_t k = 0; k < samples_.size(); ++k) {
        auto& s = samples_[k];
        const auto t = table_.times(k);
        const auto v = table_.values(k);
        for (std::size_t j = s.size(); j < t.size(); ++j) s.push_back({t[j], v[j][lane_], false});
      }
    }
    return samples_[i];
  }

 private:
  const lanes_view& table_;
  std::size_t lane_;
  mutable std::vector<std::vector<providers::recorded::sample>> samples_;
  mutable std::uint64_t generation_ = static_cast<std::uint64_t>(-1);
};

lockstep_simulator::lockstep_simulator(engine::rollout_spec spec, const config::scenario& s,
                                       core::instant start, core::millis lookback)
    : spec_(std::move(spec)) {
  traffic_.reserve(promql::lane_width);
  for (std::size_t l = 0; l < promql::lane_width; ++l) traffic_.emplace_back(s, start);
  view_ = std::make_unique<lanes_view>(traffic_.front());
  for (std::size_t l = 0; l < promql::lane_width; ++l) {
    traffic_[l].hand_scrapes_to(
        [this, l](std::int64_t at_ms, std::span<const double> row) { view_->take(l, at_ms, row); });
    lane_views_.push_back(std::make_unique<lane_series>(*view_, l));
    lane_sources_.push_back(
        std::make_unique<providers::recorded::promql_source>(*lane_views_.back(), lookback));
  }
  source_ = std::make_unique<providers::recorded::lane_source>(*view_, lookback);
}

lockstep_simulator::~lockstep_simulator() = default;

std::variant<std::vector<replay_result>, std::string> lockstep_simulator::run(
    std::span<const std::uint64_t> seeds, bool keep_first_ticks) {
  const std::size_t n = std::min(seeds.size(), promql::lane_width);
  std::vector<replay_run> runs;
  runs.reserve(n);
  view_->clear();
  for (std::size_t l = 0; l < n; ++l) {
    traffic_[l].reset(seeds[l]);
    replay_options o;
    o.start = traffic_[l].start();
    o.until = traffic_[l].end();
    o.decisions_only = !(keep_first_ticks && l == 0);
    o.on_weight = [this, l](core::instant at, int w) { traffic_[l].set_weight(at, w); };
    auto r = replay_run::start(spec_, o, &cache_);
    if (auto* e = std::get_if<std::string>(&r)) return std::move(*e);
    runs.push_back(std::move(std::get<replay_run>(r)));
  }
  lane_mask live{};

  std::vector<std::vector<replay_run::due_query>> asked(n);
  // Per query text: the lanes that ask it, then each one's reading.
  std::map<std::string, lane_mask, std::less<>> wanted;
  std::map<std::string, std::vector<std::variant<providers::reading, std::string>>, std::less<>>
      read;
  for (;;) {
    std::optional<core::instant> now;
    for (std::size_t l = 0; l < n; ++l) {
      live[l] = runs[l].next().has_value();
      if (live[l] && (!now || *runs[l].next() < *now)) now = runs[l].next();
    }
    if (!now) break;
    for (std::size_t l = 0; l < n; ++l)
      if (live[l]) traffic_[l].advance_to(*now);

    wanted.clear();
    read.clear();
    lane_mask ticking{};
    for (std::size_t l = 0; l < n; ++l) {
      ticking[l] = live[l] && *runs[l].next() == *now;
      if (!ticking[l]) continue;
      asked[l] = runs[l].due();
      for (const auto& d : asked[l]) {
        const auto* q = std::get_if<providers::ports::metric_query>(&d.query);
        if (q == nullptr || q->provider != "prometheus" || q->range) continue;
        if (q->arms.empty()) wanted[q->query][l] = true;
        for (const auto& [arm, text] : q->arms) wanted[text][l] = true;
      }
    }
    for (const auto& [text, lanes] : wanted) {
      auto& out = read[text];
      out.resize(n);
      auto together = source_->read(text, *now, lanes);
      for (std::size_t l = 0; l < n; ++l) {
        if (!lanes[l]) continue;
        if (!together) {
          out[l] = read_traffic(*lane_sources_[l], traffic_[l], text, *now);
        } else if (const auto* e = std::get_if<std::string>(&*together)) {
          out[l] = *e;
        } else {
          out[l] = std::move(std::get<std::vector<providers::reading>>(*together)[l]);
        }
      }
    }
    for (std::size_t l = 0; l < n; ++l) {
      if (!ticking[l]) continue;
      std::vector<providers::ports::metric_answer> answers;
      answers.reserve(asked[l].size());
      for (const auto& d : asked[l]) {
        const auto* q = std::get_if<providers::ports::metric_query>(&d.query);
        if (q == nullptr) {
          answers.emplace_back();
          continue;
        }
        answers.push_back(providers::recorded::answer_query(
            *q, "synthetic traffic",
            [&](const std::string&, const std::string& text) { return read[text][l]; }));
      }
      runs[l].tick(asked[l], std::move(answers));
    }
  }
  std::vector<replay_result> out;
  out.reserve(n);
  for (auto& r : runs) out.push_back(std::move(r).take());
  return out;
}

run_outcome lockstep_simulator::outcome(std::size_t lane, const replay_result& r) const {
  return outcome_of(traffic_[lane], r);
}

}  // namespace floodgate::sim
