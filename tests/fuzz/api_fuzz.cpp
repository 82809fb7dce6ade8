// libFuzzer target for the sidecar's request parsing (engine/runtime/api.hpp): any bytes as a
// request — the first line its method, the second its target, the rest its body — handled by
// the API over an engine whose journal is a scratch file. Every answer has a status the API
// documents (never 500: no exception escapes a handler) and, when it says JSON, is JSON; an
// error answer names what was wrong.
//   scripts/fuzz api 60     (see tests/fuzz/README.md)
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <floodgate/engine/api.hpp>
#include <floodgate/engine/engine.hpp>
#include <floodgate/engine/telemetry.hpp>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "../support/no_metrics.hpp"

namespace {

namespace engine = floodgate::engine;

[[noreturn]] void violated(const char* what, const engine::api_request& r,
                           const engine::api_response& a) {
  std::fprintf(stderr, "api_fuzz: %s\n%s %s\n%s\n-> %d %s\n", what, r.method.c_str(),
               r.target.c_str(), r.body.c_str(), a.status, a.body.c_str());
  std::abort();
}

const char* plan = R"(apiVersion: floodgate.dev/v1
kind: Plan
metadata: {name: shop}
spec:
  args: [{name: app}]
  strategy:
    canary:
      steps:
      - setWeight: 20
      - analysis:
          metrics:
          - name: sr
            interval: 1m
            successCondition: result[0] >= 0.99
            provider: {prometheus: {address: "http://127.0.0.1:9", query: "sr{app='{{args.app}}'}"}}
)";

struct world {
  std::string journal = (std::filesystem::temp_directory_path() /
                         ("floodgate-api-fuzz-" + std::to_string(getpid()) + ".jsonl"))
                            .string();
  boost::asio::io_context io;  // never run: nothing the API starts gets to measure
  floodgate::testing::no_metrics metrics;
  engine::telemetry tel;
  std::unique_ptr<engine::engine> eng;
  std::unique_ptr<engine::api> api;
  world() {
    std::filesystem::remove(journal);
    engine::engine_options eo;
    eo.journal_path = journal;
    eng = std::make_unique<engine::engine>(io, metrics, nullptr, eo, engine::engine_events{});
    eng->recover();
    engine::api_options o;
    o.plans = {{"shop.yaml", plan}};
    o.token = "tok";
    o.unauthenticated = {"flagger"};
    nlohmann::json k = {{"name", "c"},
                        {"metrics", {{{"name", "m"}, {"query", "m{s=\"${scope}\"}"}}}}};
    o.kayenta = {std::get<engine::kayenta_canary_config>(engine::kayenta_config_from_json(k, "k"))};
    api = std::make_unique<engine::api>(*eng, tel, metrics, o);
    api->set_ready(true);
  }
  ~world() { std::filesystem::remove(journal); }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static world w;
  const std::string in(reinterpret_cast<const char*>(data), size);
  engine::api_request r;
  const auto nl1 = in.find('\n');
  r.method = in.substr(0, nl1);
  if (nl1 != std::string::npos) {
    const auto nl2 = in.find('\n', nl1 + 1);
    r.target = in.substr(nl1 + 1, nl2 == std::string::npos ? std::string::npos : nl2 - nl1 - 1);
    if (nl2 != std::string::npos) r.body = in.substr(nl2 + 1);
  }
  if (r.target.rfind("/api/", 0) == 0) r.headers.emplace_back("authorization", "Bearer tok");
  const auto a = w.api->handle(r);
  static const std::set<int> documented{200, 201, 202, 400, 401, 403, 404, 405, 409, 503};
  if (!documented.count(a.status)) violated("an undocumented status", r, a);
  if (a.content_type == "application/json") {
    const auto j = nlohmann::json::parse(a.body, nullptr, false);
    if (j.is_discarded()) violated("a JSON answer that is not JSON", r, a);
    if (a.status >= 400 &&
        (!j.contains("error") || !j["error"].is_string() || j["error"].get<std::string>().empty()))
      violated("an error answer without an error text", r, a);
  }
  return 0;
}
