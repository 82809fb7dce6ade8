// libFuzzer target for the recorded-series readers (providers/recorded/series.hpp): any bytes as
// a recorded file named .csv, .json, .prom or .txt (the first byte picks) — each gives series or
// located errors (a message, a line ≥ 0), never both, never a crash or an exception; series come
// out in strictly increasing time; the same bytes read the same twice; and every series read is
// answered by the replay as a body the live reader reads.
//   scripts/fuzz recorded 60     (see tests/fuzz/README.md)
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include <floodgate/providers/recorded/replay_source.hpp>
#include <floodgate/providers/recorded/series.hpp>

namespace {

namespace recorded = floodgate::providers::recorded;
namespace core = floodgate::core;

[[noreturn]] void violated(const char* what, std::string_view text) {
  std::fprintf(stderr, "recorded_fuzz: %s\ntext: %.*s\n", what, static_cast<int>(text.size()),
               text.data());
  std::abort();
}

std::string summary(const recorded::store& st, const std::vector<recorded::read_error>& errors) {
  std::string out;
  for (const auto& e : errors) out += e.format() + "\n";
  for (const auto& m : st.metrics())
    for (const auto* s : st.find(m)) {
      out += m + recorded::format_labels(s->labels) + ":";
      for (const auto& x : s->samples)
        out += " " + std::to_string(x.at_ms) + (x.stale ? "=stale" : "=" + std::to_string(x.value));
      out += "\n";
    }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  static const char* names[] = {"rec.csv", "rec.json", "rec.prom", "rec.txt"};
  const std::string name = names[data[0] % 4];
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  recorded::store st;
  const auto errors = st.add_file(name, text);
  for (const auto& e : errors) {
    if (e.message.empty()) violated("an error without a message", text);
    if (e.line < 0) violated("a negative line", text);
    if (e.file != name) violated("an error naming another file", text);
  }
  if (!errors.empty() && st.series_count() != 0) violated("errors and series both", text);
  recorded::store again;
  if (summary(st, errors) != summary(again, again.add_file(name, text)))
    violated("the same bytes read differently", text);
  recorded::replay_source src(st, {});
  for (const auto& m : st.metrics()) {
    const auto series = st.find(m);
    for (const auto* s : series) {
      for (std::size_t i = 1; i < s->samples.size(); ++i)
        if (s->samples[i].at_ms <= s->samples[i - 1].at_ms) violated("samples out of order", text);
      if (s->samples.empty()) violated("a series without samples", text);
      const auto at = core::instant(core::millis(s->samples.back().at_ms));
      floodgate::providers::ports::metric_query q;
      q.provider = "prometheus";
      q.query = m;
      if (src.answer(m, q, at).failed()) violated("a recorded series not answered", text);
    }
  }
  return 0;
}
