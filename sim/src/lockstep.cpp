#include <algorithm>
#include <floodgate/sim/lockstep.hpp>
#include <map>
#include <stdexcept>

namespace floodgate::sim {

namespace promql = providers::recorded::promql;
using lane_mask = std::array<bool, promql::lane_width>;

/// The lanes' traffic as one lane view: the labels every lane's traffic has, the scrape
/// instants they share, and each scrape's value per lane, written by each lane's traffic as it
/// scrapes (synthetic_traffic::hand_scrapes_to). A lane whose run has ended reads 0 from then
/// on.
class lockstep_simulator::lanes_view final : public promql::lane_view {
 public:
  /// With the labels of `like`'s series.
  explicit lanes_view(const synthetic_traffic& like)
      : values_(like.size()), monotone_(like.size()) {
    for (std::size_t i = 0; i < like.size(); ++i) labels_.push_back(like.labels(i));
  }

  std::size_t size() const override { return labels_.size(); }
  const providers::recorded::label_set& labels(std::size_t i) const override { return labels_[i]; }
  std::span<const std::int64_t> times(std::size_t) const override { return times_; }
  std::span<const promql::lanes> values(std::size_t i) const override { return values_[i]; }
  /// Worked out over the rows added since the last call. A row is final once there: the run
  /// asks only after every lane still running has scraped up to the instant asked about, and
  /// a lane that has ended keeps its zeros (a decrease, which is found like any other).
  std::size_t monotone_from(std::size_t i) const override {
    auto& m = monotone_[i];
    const auto& v = values_[i];
    for (std::size_t j = std::max<std::size_t>(m.checked, 1); j < v.size(); ++j)
      for (std::size_t l = 0; l < promql::lane_width; ++l)
        if (v[j][l] < v[j - 1][l]) {
          m.from = j;
          break;
        }
    m.checked = v.size();
    return m.from;
  }

  void clear() {
    times_.clear();
    for (auto& v : values_) v.clear();
    rows_.fill(0);
    std::fill(monotone_.begin(), monotone_.end(), monotone{});
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
  std::vector<providers::recorded::label_set> labels_;
  std::vector<std::int64_t> times_;
  std::vector<std::vector<promql::lanes>> values_;
  std::array<std::size_t, promql::lane_width> rows_{};  ///< the scrapes each lane has made
  struct monotone {
    std::size_t from = 0;     ///< no decrease after this row among the rows checked
    std::size_t checked = 0;  ///< rows checked
  };
  mutable std::vector<monotone> monotone_;  ///< per series
};

namespace {

/// One lane of a lane view as a series view, for the queries that do not evaluate lane by lane:
/// its samples copied out as the table grows.
class lane_series final : public promql::series_view {
 public:
  lane_series(const promql::lane_view& table, std::size_t lane)
      : table_(table), lane_(lane), samples_(table.size()) {}

  /// For a new run: the table has been cleared.
  void clear() {
    for (auto& s : samples_) s.clear();
  }

  std::size_t size() const override { return table_.size(); }
  const providers::recorded::label_set& labels(std::size_t i) const override {
    return table_.labels(i);
  }
  std::span<const providers::recorded::sample> samples(std::size_t i) const override {
    if (samples_[i].size() == table_.times(i).size()) return samples_[i];
    for (std::size_t k = 0; k < samples_.size(); ++k) {
      auto& s = samples_[k];
      const auto t = table_.times(k);
      const auto v = table_.values(k);
      for (std::size_t j = s.size(); j < t.size(); ++j) s.push_back({t[j], v[j][lane_], false});
    }
    return samples_[i];
  }

 private:
  const promql::lane_view& table_;
  std::size_t lane_;
  mutable std::vector<std::vector<providers::recorded::sample>> samples_;
};

}  // namespace

/// A lane: its run's traffic, scraped into the table, and that lane of the table with its own
/// evaluator for the queries that do not evaluate lane by lane.
struct lockstep_simulator::lane_state {
  lane_state(const config::scenario& s, core::instant start, lanes_view& table, std::size_t index,
             core::millis lookback)
      : traffic(s, start), samples(table, index), source(samples, lookback) {
    traffic.hand_scrapes_to([&table, index](std::int64_t at_ms, std::span<const double> row) {
      table.take(index, at_ms, row);
    });
  }
  synthetic_traffic traffic;
  lane_series samples;
  providers::recorded::promql_source source;
};

lockstep_simulator::lockstep_simulator(engine::rollout_spec spec, const config::scenario& s,
                                       core::instant start, core::millis lookback)
    : spec_(std::move(spec)), view_(std::make_unique<lanes_view>(synthetic_traffic(s, start))) {
  for (std::size_t l = 0; l < promql::lane_width; ++l)
    lanes_.push_back(std::make_unique<lane_state>(s, start, *view_, l, lookback));
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
    auto& lane = *lanes_[l];
    lane.samples.clear();
    lane.traffic.reset(seeds[l]);
    auto r =
        replay_run::start(spec_, run_options(lane.traffic, keep_first_ticks && l == 0), &cache_);
    if (auto* e = std::get_if<std::string>(&r)) return std::move(*e);
    runs.push_back(std::move(std::get<replay_run>(r)));
  }

  std::vector<std::vector<replay_run::due_query>> asked(n);
  std::vector<providers::ports::metric_answer> answers;  // one lane's, its room kept
  // The lanes' runs share one spec and one plan cache: each distinct query is rendered once
  // per instant (replay_run::query_memo), and each distinct text evaluated once for the lanes
  // that ask it.
  replay_run::query_memo memo;
  // Per query text asked at an instant: the lanes that ask it and its evaluation for all of
  // them (each lane's reading is made from it when the lane's answer is), or, for a query that
  // does not evaluate lane by lane, each lane's own reading.
  struct asking {
    lane_mask lanes{};
    std::optional<std::variant<promql::lane_result, std::string>> together;
    std::vector<std::variant<providers::reading, std::string>> apart;
  };
  std::map<std::string, asking, std::less<>> queries;
  // Per rendered query asked at the instant: each text it reads (the rendering's own strings,
  // which answer_query hands back) with its entry.
  struct rendered {
    const replay_run::rendered_query* query;
    std::vector<std::pair<const std::string*, asking*>> texts;
    /// The entry of one of the rendering's own strings.
    const asking* find(const std::string& text) const {
      for (const auto& [t, entry] : texts)
        if (t == &text) return entry;
      return nullptr;
    }
  };
  std::vector<rendered> distinct;
  // Per lane, per request asked: its entry in `distinct`, or none (a query not rendered, or one
  // answer_query answers without reading: another provider, a range).
  constexpr std::size_t none = static_cast<std::size_t>(-1);
  std::vector<std::vector<std::size_t>> reads(n);
  auto rendered_of = [&](const replay_run::due_query& d) -> std::size_t {
    const auto* m = std::get_if<providers::ports::metric_query>(d.query.get());
    if (m == nullptr || m->provider != "prometheus" || m->range) return none;
    for (std::size_t i = 0; i < distinct.size(); ++i)
      if (distinct[i].query == d.query.get()) return i;
    auto& r = distinct.emplace_back(rendered{d.query.get(), {}});
    if (m->arms.empty()) r.texts.emplace_back(&m->query, &queries[m->query]);
    for (const auto& [arm, text] : m->arms) r.texts.emplace_back(&text, &queries[text]);
    return distinct.size() - 1;
  };
  for (;;) {
    std::optional<core::instant> now;
    for (const auto& r : runs)
      if (r.next() && (!now || *r.next() < *now)) now = r.next();
    if (!now) break;
    lane_mask ticking{};
    for (std::size_t l = 0; l < n; ++l) {
      if (!runs[l].next()) continue;
      lanes_[l]->traffic.advance_to(*now);
      ticking[l] = *runs[l].next() == *now;
    }

    queries.clear();
    distinct.clear();
    for (std::size_t l = 0; l < n; ++l) {
      if (!ticking[l]) continue;
      runs[l].due(asked[l], &memo);
      reads[l].clear();
      for (const auto& d : asked[l]) {
        reads[l].push_back(rendered_of(d));
        if (reads[l].back() == none) continue;
        for (auto& [text, entry] : distinct[reads[l].back()].texts) entry->lanes[l] = true;
      }
    }
    for (auto& [text, q] : queries) {
      q.together = source_->evaluate(text, *now);
      if (q.together) continue;
      q.apart.resize(n);
      for (std::size_t l = 0; l < n; ++l)
        if (q.lanes[l])
          q.apart[l] = read_traffic(lanes_[l]->source, lanes_[l]->traffic, text, *now);
    }
    for (std::size_t l = 0; l < n; ++l) {
      if (!ticking[l]) continue;
      answers.clear();
      for (std::size_t i = 0; i < asked[l].size(); ++i) {
        const auto* q = std::get_if<providers::ports::metric_query>(asked[l][i].query.get());
        if (q == nullptr) {
          answers.emplace_back();
          continue;
        }
        // What the answer reads: this query's texts (the rendering's own strings, which
        // answer_query hands back) and their entries, behind one pointer so that the
        // std::function holding it needs no allocation. Nothing is read for a request without
        // an entry: answer_query answers it with its error.
        struct reader {
          const rendered* r;
          std::size_t lane;
          std::variant<providers::reading, std::string> operator()(const std::string& arm,
                                                                   const std::string& text) const {
            const asking* found = r == nullptr ? nullptr : r->find(text);
            if (found == nullptr)
              throw std::logic_error("lockstep: a text its rendering does not hold was read");
            if (!found->together) return found->apart[lane];
            if (const auto* e = std::get_if<std::string>(&*found->together)) return *e;
            // A comparison's arm needs no value text: its answer words its own.
            return providers::recorded::lane_source::reading_of(
                std::get<promql::lane_result>(*found->together), lane, arm.empty());
          }
        };
        const reader read{reads[l][i] == none ? nullptr : &distinct[reads[l][i]], l};
        answers.push_back(providers::recorded::answer_query(
            *q, "synthetic traffic",
            [&read](const std::string& arm, const std::string& text) { return read(arm, text); }));
      }
      runs[l].tick(asked[l], answers);
    }
  }
  std::vector<replay_result> out;
  out.reserve(n);
  for (auto& r : runs) out.push_back(std::move(r).take());
  return out;
}

run_outcome lockstep_simulator::outcome(std::size_t lane, const replay_result& r) const {
  return outcome_of(lanes_[lane]->traffic, r);
}

}  // namespace floodgate::sim
