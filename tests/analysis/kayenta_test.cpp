#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <vector>

#include <floodgate/analysis/kayenta.hpp>

namespace fa = floodgate::analysis;

TEST_CASE("Kayenta classifier: missing data paths", "[analysis]") {
  const std::vector<double> none;
  const std::vector<double> some{1.0, 2.0, 3.0};
  fa::kayenta_metric_config c;
  CHECK(fa::kayenta_classify(none, some, c).label == fa::kayenta_label::nodata);
  c.must_have_data = true;
  CHECK(fa::kayenta_classify(none, some, c).label == fa::kayenta_label::nodata_fail);
  c.critical = true;  // a critical metric with no data is Nodata, flagged critical
  const auto r = fa::kayenta_classify(none, some, c);
  CHECK(r.label == fa::kayenta_label::nodata);
  CHECK(r.critical);
  // Only NaN: removed to nothing, or replaced by zeros.
  const std::vector<double> nans{std::numeric_limits<double>::quiet_NaN()};
  fa::kayenta_metric_config d;
  CHECK(fa::kayenta_classify(nans, some, d).label == fa::kayenta_label::nodata);
}

TEST_CASE("Kayenta classifier: identical, constant and shifted data", "[analysis]") {
  fa::kayenta_metric_config c;
  const std::vector<double> a{3.0, 1.0, 2.0};
  const std::vector<double> b{1.0, 2.0, 3.0};
  CHECK(fa::kayenta_classify(a, b, c).reason == "data are identical");
  const std::vector<double> hi(20, 10.0);
  const std::vector<double> lo(20, 1.0);
  CHECK(fa::kayenta_classify(hi, lo, c).label == fa::kayenta_label::high);
  CHECK(fa::kayenta_classify(lo, hi, c).label == fa::kayenta_label::low);
  c.direction = fa::kayenta_direction::decrease;
  CHECK(fa::kayenta_classify(hi, lo, c).label == fa::kayenta_label::pass);
}

TEST_CASE("Kayenta scorer: muted metrics, weights, rounding and overrides", "[analysis]") {
  using fa::kayenta_label;
  std::vector<fa::kayenta_scored_metric> m{{kayenta_label::pass, {"a"}, false, false},
                                           {kayenta_label::pass, {"a"}, false, false},
                                           {kayenta_label::high, {"a"}, false, false},
                                           {kayenta_label::high, {"a"}, false, true}};
  // 2 of 3 unmuted pass: 66.666… rounds half-up to 66.67.
  CHECK(fa::kayenta_weighted_sum(m, {}).score == 66.67);
  m.push_back({kayenta_label::pass, {"b"}, false, false});
  // Group b unweighted shares 100 − 40 = 60.
  // 40 · 2/3 + 60 = 86.666… → 86.67.
  CHECK(fa::kayenta_weighted_sum(m, {{"a", 40.0}}).score == 86.67);
  m.push_back({kayenta_label::low, {"b"}, true, false});
  const auto s = fa::kayenta_weighted_sum(m, {});
  CHECK(s.score == 0.0);
  CHECK(s.reason == "a critical metric did not pass");
  CHECK(fa::kayenta_classify_score(50.0, 75.0, 50.0) == fa::kayenta_verdict::marginal);
  CHECK(fa::to_string(fa::kayenta_verdict::fail) == "Fail");
}
