#include <floodgate/core/threshold_metric.hpp>

#include <set>

namespace floodgate::core {

condition condition::parse(std::string text) {
  auto parsed = expression::parse(text);
  return condition{std::move(text), std::move(parsed)};
}

namespace {

std::int64_t or_default(const std::optional<std::int64_t>& v, std::int64_t d) { return v ? *v : d; }

bool nil_or_empty(const value& v) {
  return v.is_nil() || (v.kind() == value_kind::array && v.items().empty());
}

// EvalCondition plus Argo's formatEvalError (PR #4680).
std::variant<bool, std::string> evaluate(const condition& c, const char* which,
                                         const value& result) {
  std::string why;
  if (const auto* e = std::get_if<expression>(&c.parsed)) {
    auto r = evaluate_condition(*e, result);
    if (const bool* b = std::get_if<bool>(&r)) return *b;
    why = std::get<std::string>(r);
  } else {
    const auto& s = std::get<syntax_error>(c.parsed);
    why = "column " + std::to_string(s.column) + ": " + s.message;
  }
  std::string message = std::string("could not evaluate ") + which + " \"" + c.text + "\": ";
  if (nil_or_empty(result)) {
    message +=
        "metric result is nil or empty: no data returned from the metric provider (" + why + ")";
  } else {
    message += why;
  }
  return message;
}

}  // namespace

verdict evaluate_measurement(const threshold_metric& m, const value& result) {
  bool success = false;
  bool failure = false;
  if (m.success_condition) {
    auto r = evaluate(*m.success_condition, "successCondition", result);
    if (auto* err = std::get_if<std::string>(&r)) return {phase::error, std::move(*err)};
    success = std::get<bool>(r);
  }
  if (m.failure_condition) {
    auto r = evaluate(*m.failure_condition, "failureCondition", result);
    if (auto* err = std::get_if<std::string>(&r)) return {phase::error, std::move(*err)};
    failure = std::get<bool>(r);
  }
  if (!m.success_condition && !m.failure_condition) return {phase::successful, ""};
  if (m.success_condition && !m.failure_condition) failure = !success;
  if (!m.success_condition && m.failure_condition) success = !failure;
  if (failure) return {phase::failed, ""};
  if (!success) return {phase::inconclusive, ""};
  return {phase::successful, ""};
}

void record(metric_counters& c, phase measured) {
  switch (measured) {
    case phase::successful:
      ++c.successful;
      break;
    case phase::failed:
      ++c.failed;
      break;
    case phase::inconclusive:
      ++c.inconclusive;
      break;
    case phase::error:
      // Errors are retried without consuming count.
      ++c.error;
      ++c.consecutive_error;
      c.consecutive_success = 0;
      return;
    default:
      return;  // Running / Pending: no counter changes
  }
  ++c.count;
  c.consecutive_error = 0;
  c.consecutive_success = measured == phase::successful ? c.consecutive_success + 1 : 0;
}

std::optional<std::int64_t> effective_count(const threshold_metric& m) {
  if (!m.count || *m.count == 0) {
    if (!m.interval || m.compare) return 1;
    return std::nullopt;
  }
  return *m.count;
}

std::optional<verdict> limit_exceeded(const threshold_metric& m, const metric_counters& c) {
  std::optional<verdict> v;
  const std::int64_t fl = or_default(m.failure_limit, 0);
  if (fl >= 0 && c.failed > fl) {
    v = verdict{phase::failed, "failed (" + std::to_string(c.failed) + ") > failureLimit (" +
                                   std::to_string(fl) + ")"};
  }
  const std::int64_t il = or_default(m.inconclusive_limit, 0);
  if (c.inconclusive > il) {
    v = verdict{phase::inconclusive, "inconclusive (" + std::to_string(c.inconclusive) +
                                         ") > inconclusiveLimit (" + std::to_string(il) + ")"};
  }
  const std::int64_t el = or_default(m.consecutive_error_limit, default_consecutive_error_limit);
  if (c.consecutive_error > el) {
    v = verdict{phase::error, "consecutiveErrors (" + std::to_string(c.consecutive_error) +
                                  ") > consecutiveErrorLimit (" + std::to_string(el) + ")"};
  }
  return v;
}

phase assess_metric(const threshold_metric& m, const metric_counters& c, std::size_t measurements,
                    bool last_completed, bool terminating) {
  if (measurements == 0) return terminating ? phase::successful : phase::pending;
  if (!last_completed) return phase::running;
  if (const auto v = limit_exceeded(m, c)) return v->phase;
  const std::int64_t csl = or_default(m.consecutive_success_limit, 0);
  if (csl > 0 && c.consecutive_success >= csl) return phase::successful;
  if (const auto n = effective_count(m); n && c.count >= *n) {
    const bool failure_applicable = or_default(m.failure_limit, 0) >= 0;
    const bool success_applicable = csl > 0;
    if (failure_applicable && success_applicable) return phase::inconclusive;
    if (success_applicable) return phase::failed;
    return phase::successful;
  }
  return terminating ? phase::successful : phase::running;
}

namespace {

std::optional<std::string> validate_metric(const threshold_metric& m) {
  const std::int64_t csl = or_default(m.consecutive_success_limit, 0);
  const std::int64_t fl = or_default(m.failure_limit, 0);
  const std::int64_t il = or_default(m.inconclusive_limit, 0);
  const std::int64_t el = or_default(m.consecutive_error_limit, default_consecutive_error_limit);
  const std::int64_t count = or_default(m.count, 0);
  if (csl < 0) return "consecutiveSuccessLimit must be >= 0";
  if (fl < -1) return "failureLimit must be >= 0, or -1 to be disabled";
  if (csl == 0 && fl == -1)
    return "failureLimit and consecutiveSuccessLimit cannot both be disabled";
  if (il < 0) return "inconclusiveLimit must be >= 0";
  if (el < 0) return "consecutiveErrorLimit must be >= 0";
  if (count > 0) {
    if (fl >= 0 && count < fl + csl) {
      return "count (" + std::to_string(count) +
             ") must be >= failureLimit + consecutiveSuccessLimit (" + std::to_string(fl) + " + " +
             std::to_string(csl) + ") if both >= 0";
    }
    if (fl == -1 && count < csl) {
      return "count (" + std::to_string(count) + ") must be >= consecutiveSuccessLimit (" +
             std::to_string(csl) + ")";
    }
    if (count < il) {
      return "count (" + std::to_string(count) + ") must be >= inconclusiveLimit (" +
             std::to_string(il) + ")";
    }
  }
  if (count > 1 && !m.interval) return "interval must be specified when count > 1";
  if (m.providers == 0) return "no provider specified";
  if (m.providers > 1) return "multiple providers specified";
  if (m.compare) {
    if (m.success_condition || m.failure_condition) {
      return "a comparison metric decides by its test: successCondition and failureCondition "
             "are not allowed with compare";
    }
    if (auto err = validate_comparison(*m.compare, "compare")) return err;
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> validate_metrics(const std::vector<threshold_metric>& metrics) {
  if (metrics.empty()) return "no metrics specified";
  std::set<std::string> names;
  for (std::size_t i = 0; i < metrics.size(); ++i) {
    const std::string prefix = "metrics[" + std::to_string(i) + "]: ";
    if (!names.insert(metrics[i].name).second) {
      return prefix + "duplicate name '" + metrics[i].name + "'";
    }
    if (auto err = validate_metric(metrics[i])) return prefix + *err;
  }
  return std::nullopt;
}

}  // namespace floodgate::core
