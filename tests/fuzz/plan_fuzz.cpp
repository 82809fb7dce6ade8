// libFuzzer target for the plan loader (engine/config): any bytes, read as a YAML or JSON plan
// file, must give either plans or located diagnostics — never a crash, a hang, an exception or a
// half-loaded result — and loading the same bytes twice must give the same outcome.
//   scripts/fuzz plan 60     (see tests/fuzz/README.md)
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include <floodgate/config/describe.hpp>
#include <floodgate/config/load.hpp>

namespace {

[[noreturn]] void violated(const char* what, const std::string& detail) {
  std::fprintf(stderr, "plan_fuzz: %s\n%s\n", what, detail.c_str());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace config = floodgate::config;
  const std::string text(reinterpret_cast<const char*>(data), size);
  const auto first = config::load({{"fuzz.yaml", text}});
  if (!first.ok() && !first.plans.empty()) violated("errors with plans", config::summarize(first));
  for (const auto& d : first.errors) {
    if (d.message.empty() || d.line < 0 || d.column < 0 || d.file != "fuzz.yaml") {
      violated("diagnostic without place or message", d.format());
    }
  }
  const std::string summary = config::summarize(first);
  const std::string json = config::to_json(first).dump();
  const auto second = config::load({{"fuzz.yaml", text}});
  if (config::summarize(second) != summary || config::to_json(second).dump() != json) {
    violated("the same bytes loaded twice differ",
             summary + "\n--- then ---\n" + config::summarize(second));
  }
  for (const auto& p : first.plans) (void)config::to_yaml_text(config::to_json(p));
  return 0;
}
