// libFuzzer target for the plan loader (engine/config): any bytes, read as a YAML or JSON plan
// file, must give either plans or located diagnostics — never a crash, a hang, an exception or a
// half-loaded result — and loading the same bytes twice must give the same outcome. A sweep's
// edit of the file (config::apply_setting, `floodgate simulate --sweep`) must give either an
// error or files that load the same way, and the same result twice: the first line, when it
// parses as KEY=V1,V2…, is that setting, and a few fixed settings are tried on every input that
// loads.
//   scripts/fuzz plan 60     (see tests/fuzz/README.md)
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <variant>
#include <vector>

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

  // The fixed settings on inputs that load (the edits a sweep makes), the input's own on all.
  std::vector<config::setting> settings;
  if (first.ok())
    settings = {{"alpha", {"0.01"}},
                {"weight.1", {"30"}},
                {"successCondition", {"result[0] > 1"}},
                {"arg.x", {"y"}},
                {"/spec/strategy", {"1"}}};
  const auto eol = text.find('\n');
  const auto parsed = config::parse_setting(text.substr(0, eol));
  if (const auto* own = std::get_if<config::setting>(&parsed)) settings.push_back(*own);
  for (const auto& s : settings) {
    for (const auto& v : s.values) {
      const auto edited = config::apply_setting({{"fuzz.yaml", text}}, s.key, v);
      const auto again = config::apply_setting({{"fuzz.yaml", text}}, s.key, v);
      if (edited.index() != again.index()) violated("the same edit twice differs", s.key);
      if (const auto* e = std::get_if<std::string>(&edited)) {
        if (e->empty()) violated("an edit refused without a reason", s.key + "=" + v);
        continue;
      }
      const auto& files = std::get<std::vector<config::source_file>>(edited);
      const auto& files2 = std::get<std::vector<config::source_file>>(again);
      if (files.size() != 1 || files2.size() != 1 || files[0].text != files2[0].text)
        violated("the same edit twice differs", s.key + "=" + v);
      const auto loaded = config::load(files);
      if (!loaded.ok() && !loaded.plans.empty())
        violated("an edited file loads with errors and plans", config::summarize(loaded));
    }
  }
  return 0;
}
