#pragma once
// A metrics source for tests and fuzzers that measure nothing: every measurement is an error.

#include <floodgate/providers/ports/metrics_source.hpp>
#include <functional>
#include <string>
#include <utility>

namespace floodgate::testing {

class no_metrics final : public providers::ports::metrics_source {
 public:
  void measure(const providers::ports::metric_query&,
               std::function<void(providers::ports::metric_answer)> done) override {
    providers::ports::metric_answer a;
    a.result = std::string("this test has no metrics source");
    done(std::move(a));
  }
};

}  // namespace floodgate::testing
