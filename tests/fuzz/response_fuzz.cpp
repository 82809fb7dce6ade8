// libFuzzer target for the readers of provider answers (providers/metric_readings.hpp): any bytes
// as a Prometheus /api/v1/query(_range) body (Argo's conversion and Flagger's single number), as
// a Kayenta execution and as a web metric's body with a few JSONPaths — each gives a reading or
// an error text, never a crash or an exception, and the same bytes read the same way twice.
//   scripts/fuzz response 60     (see tests/fuzz/README.md)
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <variant>

#include <floodgate/core/value.hpp>
#include <floodgate/providers/metric_readings.hpp>

namespace {

namespace providers = floodgate::providers;

[[noreturn]] void violated(const char* what, std::string_view body) {
  std::fprintf(stderr, "response_fuzz: %s\nbody: %.*s\n", what, static_cast<int>(body.size()),
               body.data());
  std::abort();
}

std::string text_of(const std::variant<providers::reading, std::string>& r) {
  if (const auto* e = std::get_if<std::string>(&r)) {
    if (e->empty()) return "!";  // an error must say something
    return "error: " + *e;
  }
  const auto& got = std::get<providers::reading>(r);
  return floodgate::core::to_json_text(got.result) + " | " + got.value_text.str();
}

std::string text_of(const std::variant<double, std::string>& r) {
  if (const auto* e = std::get_if<std::string>(&r)) return e->empty() ? "!" : "error: " + *e;
  return floodgate::core::format_float_plain(std::get<double>(r));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  const auto argo = text_of(providers::read_prometheus(body));
  if (argo == "!") violated("a Prometheus body gave an empty error", body);
  if (argo != text_of(providers::read_prometheus(body)))
    violated("the same Prometheus body read two ways", body);
  const auto flagger = text_of(providers::read_prometheus_single(body));
  if (flagger == "!") violated("Flagger's reading gave an empty error", body);
  const auto kayenta = providers::read_kayenta(body, 90, 75);
  if (const auto* e = std::get_if<std::string>(&kayenta); e && e->empty())
    violated("a Kayenta body gave an empty error", body);
  for (const char* path : {"{$}", "{$.verdict}", "{$.data[0].value}", "{.items[*].n}"}) {
    for (const int status : {200, 500}) {
      const auto web = text_of(providers::read_web(status, body, path));
      if (web == "!") violated("a web body gave an empty error", body);
      if (web != text_of(providers::read_web(status, body, path)))
        violated("the same web body read two ways", body);
    }
  }
  return 0;
}
