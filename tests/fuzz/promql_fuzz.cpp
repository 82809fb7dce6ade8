// libFuzzer target for the PromQL evaluator (providers/recorded/promql.hpp): any bytes as a
// query. It parses, or it is refused with "at character N: …" where N lies within the text (or
// just past it); a parsed query evaluates over a small fixed set of series — counters with a
// reset, a histogram, a gauge with a staleness marker — at several instants to a result or an
// error message, never a crash, an exception or a hang, and the same twice.
//   scripts/fuzz promql 60     (see tests/fuzz/README.md)
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include <floodgate/providers/recorded/promql.hpp>

namespace {

namespace rec = floodgate::providers::recorded;
namespace promql = floodgate::providers::recorded::promql;

[[noreturn]] void violated(const char* what, std::string_view text) {
  std::fprintf(stderr, "promql_fuzz: %s\nquery: %.*s\n", what, static_cast<int>(text.size()),
               text.data());
  std::abort();
}

const rec::store& series() {
  static const rec::store st = [] {
    rec::store s;
    for (int k = 0; k < 12; ++k) {
      const std::int64_t t = k * 15000;
      s.add("req_total", {{"code", "200"}, {"track", "canary"}},
            {t, k == 6 ? 2.0 : 10.0 * k, false}, "f", k);
      s.add("req_total", {{"code", "500"}, {"track", "canary"}}, {t, 1.0 * k, false}, "f", k);
      for (const char* le : {"0.1", "0.5", "+Inf"})
        s.add("lat_bucket", {{"le", le}},
              {t,
               3.0 * k *
                   (le[0] == '+'   ? 3
                    : le[2] == '5' ? 2
                                   : 1),
               false},
              "f", k);
      s.add("g", {}, {t, k == 9 ? 0.0 : 0.5 * k, k == 9}, "f", k);
    }
    s.finish();
    return s;
  }();
  return st;
}

std::string render(const std::variant<promql::result, std::string>& r) {
  if (const auto* e = std::get_if<std::string>(&r)) return "error " + *e;
  const auto& v = std::get<promql::result>(r);
  if (v.is_scalar) return "scalar " + std::to_string(v.scalar);
  std::string out;
  for (const auto& x : v.vector)
    out += rec::format_labels(x.labels) + "=" + std::to_string(x.value) + ";";
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto parsed = promql::expression::parse(text);
  if (const auto* e = std::get_if<std::string>(&parsed)) {
    if (e->rfind("at character ", 0) != 0) violated("a parse error without its position", text);
    const auto n = std::strtoull(e->c_str() + 13, nullptr, 10);
    if (n < 1 || n > size + 1) violated("a parse error outside the text", text);
    return 0;
  }
  const auto& q = std::get<promql::expression>(parsed);
  static const rec::promql::store_view view(series());
  promql::evaluator a(view);
  promql::evaluator b(view);
  for (const std::int64_t at : {0, 50000, 100000, 400000}) {
    const auto first = render(a.evaluate(q, at));
    if (first != render(b.evaluate(q, at))) violated("the same query evaluated differently", text);
    if (first.rfind("error ", 0) == 0 && first.size() == 6) violated("an empty error", text);
  }
  return 0;
}
