// Loading plan files: floodgate's own schema, Argo and Flagger imports, and the errors — each
// with file, line, column and JSON pointer, all of them reported, nothing half-loaded.

#include <catch2/catch.hpp>
#include <floodgate/config/describe.hpp>
#include <floodgate/config/load.hpp>

using namespace floodgate::config;
using namespace floodgate;

namespace {

load_result load_one(const std::string& text) { return load({{"plan.yaml", text}}); }

std::vector<std::string> errors_of(const load_result& r) {
  std::vector<std::string> out;
  for (const auto& e : r.errors) out.push_back(e.format());
  return out;
}

const char* const template_and_rollout = R"(apiVersion: argoproj.io/v1alpha1
kind: AnalysisTemplate
metadata:
  name: success-rate
spec:
  args:
  - name: service-name
  - name: threshold
    value: "0.95"
  - name: hash
    valueFrom:
      podTemplateHashValue: Latest
  metrics:
  - name: success-rate
    interval: 5m
    count: 3
    failureLimit: 1
    successCondition: result[0] >= {{args.threshold}}
    provider:
      prometheus:
        address: http://prometheus:9090
        query: sum(rate(ok{service="{{args.service-name}}",hash="{{args.hash}}"}[5m]))
---
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata:
  name: guestbook
spec:
  replicas: 5
  strategy:
    canary:
      canaryService: canary
      steps:
      - setWeight: 20
      - pause: {duration: 10}
      - analysis:
          templates:
          - templateName: success-rate
          args:
          - name: service-name
            value: guestbook-svc
      - setWeight: 60
      - pause: {}
---
apiVersion: v1
kind: Service
metadata:
  name: guestbook-svc
)";

}  // namespace

TEST_CASE("an Argo Rollout loads with its AnalysisTemplate and args", "[config]") {
  const auto r = load_one(template_and_rollout);
  INFO(summarize(r));
  REQUIRE(r.ok());
  REQUIRE(r.plans.size() == 1);
  const plan& p = r.plans[0];
  CHECK(p.origin == "Argo Rollout");
  const auto& c = std::get<canary_strategy>(p.strategy);
  REQUIRE(c.plan.steps.size() == 5);
  CHECK(c.plan.steps[1].duration == core::millis(10000));  // an integer pause is seconds
  CHECK_FALSE(c.plan.steps[4].duration);                   // {} = until approved
  const auto& m = c.step_analyses[2].metrics.at(0);
  CHECK(m.metric.count == 3);
  CHECK(m.metric.success_condition->text == "result[0] >= 0.95");
  CHECK(m.source.query == "sum(rate(ok{service=\"guestbook-svc\",hash=\"{{args.hash}}\"}[5m]))");
  CHECK(p.runtime_args == std::vector<std::string>{"hash"});
  REQUIRE(r.skipped.size() == 1);
  CHECK(r.skipped[0].kind == "Service");
}

TEST_CASE("every error is reported with file, line, column and pointer", "[config]") {
  std::string text = template_and_rollout;
  text.replace(text.find("count: 3"), 8, "cuont: 3");
  text.replace(text.find("pause: {duration: 10}"), 21, "pause: {duration: 5x}");
  text.replace(text.find("templateName: success-rate"), 26, "templateName: sucess-rate");
  const auto r = load_one(text);
  CHECK_FALSE(r.ok());
  CHECK(r.plans.empty());  // nothing is half-loaded
  const auto errors = errors_of(r);
  CHECK(errors == std::vector<std::string>{
                      "plan.yaml:16:5: /spec/metrics/0/cuont: unknown field \"cuont\"; did you "
                      "mean \"count\"?",
                      "plan.yaml:35:27: /spec/strategy/canary/steps/1/pause/duration: found "
                      "\"5x\", expected a duration such as 30s, 5m or 1h (or whole seconds)",
                      "plan.yaml:38:27: /spec/strategy/canary/steps/2/analysis/templates/0/"
                      "templateName: AnalysisTemplate \"sucess-rate\" is not in the files given; "
                      "did you mean \"success-rate\"?"});
}

TEST_CASE("text that is not printable UTF-8 is rejected where it is", "[config]") {
  // Found by tests/fuzz/plan_fuzz: a stray byte used to reach a name and break JSON output.
  // Columns count bytes, as yaml-cpp's marks do (U+03DD before the bad byte is two).
  std::string text = template_and_rollout;
  text.replace(text.find("name: success-rate"), 18, "name: success-r\xCF\x9D\x9A");
  const auto r = load_one(text);
  CHECK(r.plans.empty());
  CHECK(
      errors_of(r) ==
      std::vector<std::string>{
          "plan.yaml:4:20: /: found the byte 0x9A, expected printable UTF-8 text (YAML 1.2 §5.1)"});
  // Well-formed multi-byte text (a name in Greek, an em dash in a comment) loads.
  text = template_and_rollout;
  text.replace(text.find("name: success-rate"), 18, "name: success-rate # ρυθμός — ok");
  CHECK(load_one(text).ok());
  // Overlong encodings and UTF-16 surrogates are not UTF-8.
  for (const char* bad : {"\xC0\xAF", "\xED\xA0\x80", "\xF4\x90\x80\x80", "\xE2\x82"}) {
    CHECK_FALSE(load_one(std::string("apiVersion: v1 # ") + bad + "\n").ok());
  }
  // A NUL or other control character is not YAML text (yaml-cpp would guess UTF-32 from one).
  CHECK(errors_of(load_one(std::string("kind: Plan\n\x08\0\0\0apiVersion: v1\n", 28))) ==
        std::vector<std::string>{"plan.yaml:2:1: /: found the control character U+0008, expected "
                                 "printable UTF-8 text (YAML 1.2 §5.1)"});
}

TEST_CASE("an unquoted # in a condition gets a hint about YAML comments", "[config]") {
  std::string text = template_and_rollout;
  const std::string cond = "successCondition: result[0] >= {{args.threshold}}";
  text.replace(text.find(cond), cond.size(), "successCondition: all(result, # >= 0.9)");
  CHECK(errors_of(load_one(text)) ==
        std::vector<std::string>{
            "plan.yaml:18:23: /spec/metrics/0/successCondition: column 12: expected a value, found "
            "end of expression in \"all(result,\" (in plain YAML a ' #' starts a comment: quote a "
            "condition that uses #)"});
  text.replace(text.find("all(result, # >= 0.9)"), 21, "'all(result, # >= 0.9)'");
  CHECK(load_one(text).ok());
}

TEST_CASE("a file without documents is an error, and a stray comma does not hang", "[config]") {
  // yaml-cpp 0.7's LoadAll loops forever on " ," (jbeder/yaml-cpp#1040; found by plan_fuzz).
  const std::string none =
      "plan.yaml:1:1: /: no documents; expected a Plan, Rollout, AnalysisTemplate, Canary or "
      "MetricTemplate";
  for (const char* text : {"", "# only a comment\n", " ,\n", "---\n...\n"}) {
    CHECK(errors_of(load_one(text)) == std::vector<std::string>{none});
  }
  // Documents split at "---" and after "...", with the file's line numbers.
  const auto r = load_one("# plans\n%YAML 1.2\n---\nkind: A\n...\nkind: B\n--- {kind: C}\n");
  REQUIRE(r.ok());
  REQUIRE(r.skipped.size() == 3);
  CHECK(r.skipped[0].line == 4);
  CHECK(r.skipped[1].line == 6);
  CHECK(r.skipped[2].line == 7);
  CHECK(r.skipped[2].kind == "C");
}

TEST_CASE("a Rollout that leaves a template argument unset is rejected", "[config]") {
  std::string text = template_and_rollout;
  const std::string args =
      "          args:\n          - name: service-name\n            value: guestbook-svc\n";
  text.erase(text.find(args), args.size());
  const auto r = load_one(text);
  INFO(summarize(r));
  REQUIRE(r.errors.size() == 1);
  CHECK(r.errors[0].pointer == "/spec/args/0");
  CHECK(r.errors[0].message ==
        "argument \"service-name\" has no value: the Rollout must pass it in its analysis args");
}

TEST_CASE("conditions are parsed at load time", "[config]") {
  std::string text = template_and_rollout;
  text.replace(text.find("result[0] >= {{args.threshold}}"), 31, "resutl[0] >= (0.9");
  const auto errors = errors_of(load_one(text));
  REQUIRE(errors.size() == 1);
  CHECK_THAT(errors[0],
             Catch::StartsWith("plan.yaml:18:23: /spec/metrics/0/successCondition: column"));
}

TEST_CASE("floodgate's own plan with comparison metrics (examples/)", "[config]") {
  const auto r = load_paths({std::string(FLOODGATE_SOURCE_DIR) + "/examples/checkout-canary.yaml"});
  INFO(summarize(r));
  REQUIRE(r.ok());
  const auto& c = std::get<canary_strategy>(r.plans.at(0).strategy);
  const auto& m = c.step_analyses[1].metrics.at(0);
  REQUIRE(m.metric.compare);
  CHECK(m.metric.compare->test == core::comparison_test::sequential_counts);
  CHECK(m.metric.compare->on_insufficient == core::insufficient_resolution::inconclusive);
  CHECK(m.metric.compare->max_time == core::millis(30 * 60000));
  CHECK(m.source.arms.at("canary.events").find("service=\"checkout\"") != std::string::npos);
  CHECK(m.source.arms.at("canary.events").find("{{elapsed}}") != std::string::npos);
  CHECK(c.plan.background.size() == 1);
  CHECK(c.plan.background_from_step == 1);
  // The normalised plan fills the defaults.
  const auto j = to_json(r.plans[0]);
  CHECK(j["strategy"]["canary"]["steps"][1]["analysis"]["metrics"][0]["consecutiveErrorLimit"] ==
        4);
}

TEST_CASE("comparison specs are checked where they are written", "[config]") {
  const auto r = load_one(R"(apiVersion: floodgate.dev/v1
kind: Plan
metadata: {name: x}
spec:
  strategy:
    canary:
      steps:
      - analysis:
          metrics:
          - name: errors
            successCondition: result[0] < 1
            compare: {test: two_proportoin, minEffect: 2, alpha: 0.9}
            provider:
              prometheus:
                query: up
)");
  const auto errors = errors_of(r);
  INFO(summarize(r));
  CHECK(std::find_if(errors.begin(), errors.end(), [](const std::string& e) {
          return e.find("did you mean \"two_proportion\"") != std::string::npos;
        }) != errors.end());
  CHECK(std::find_if(errors.begin(), errors.end(), [](const std::string& e) {
          return e.find("alpha: must be in (0, 0.5)") != std::string::npos;
        }) != errors.end());
  CHECK(std::find_if(errors.begin(), errors.end(), [](const std::string& e) {
          return e.find("needs a query per arm") != std::string::npos;
        }) != errors.end());
  CHECK(std::find_if(errors.begin(), errors.end(), [](const std::string& e) {
          return e.find("successCondition and failureCondition are not allowed") !=
                 std::string::npos;
        }) != errors.end());
}

TEST_CASE("a Flagger Canary loads with a MetricTemplate", "[config]") {
  const auto r = load_one(R"(apiVersion: flagger.app/v1beta1
kind: MetricTemplate
metadata:
  name: not-found
  namespace: test
spec:
  provider:
    type: prometheus
    address: http://prometheus:9090
  query: |
    sum(rate(http{ns="{{ namespace }}", app="{{ target }}", code="404"}[{{ interval }}]))
    / sum(rate(http{app="{{ target }}", team="{{ variables.team }}"}[{{ interval }}]))
---
apiVersion: flagger.app/v1beta1
kind: Canary
metadata:
  name: podinfo
  namespace: test
spec:
  provider: nginx
  targetRef: {apiVersion: apps/v1, kind: Deployment, name: podinfo}
  analysis:
    interval: 30s
    threshold: 5
    stepWeights: [5, 10, 50]
    metrics:
    - name: request-success-rate
      threshold: 99
    - name: not-found
      interval: 2m
      thresholdRange: {max: 5}
      templateRef: {name: not-found}
      templateVariables: {team: web}
    webhooks:
    - name: gate
      type: confirm-rollout
      url: http://gate/
)");
  INFO(summarize(r));
  REQUIRE(r.ok());
  const auto& g = std::get<progressive_strategy>(r.plans.at(0).strategy);
  CHECK(core::max_weight(g.analysis) == 50);
  REQUIRE(g.metrics.size() == 2);
  CHECK(g.metrics[0].check.min == 99.0);  // legacy threshold: a minimum for success rate
  CHECK(g.metrics[1].query ==
        "sum(rate(http{ns=\"test\", app=\"podinfo\", code=\"404\"}[2m])) / "
        "sum(rate(http{app=\"podinfo\", team=\"web\"}[2m])) ");
  CHECK(g.webhooks.at(0).type == "confirm-rollout");
}

TEST_CASE("files that are not YAML and documents that are not objects", "[config]") {
  auto r = load_one("kind: [unclosed\n");
  REQUIRE(r.errors.size() == 1);
  CHECK_THAT(r.errors[0].message, Catch::StartsWith("not valid YAML or JSON"));
  r = load_one("- 1\n- 2\n");
  CHECK_THAT(errors_of(r).at(0), Catch::Contains("expected a Kubernetes-style object"));
  // JSON is YAML too.
  r = load_one(R"({"apiVersion": "floodgate.dev/v1", "kind": "Plan", "metadata": {"name": "j"},
    "spec": {"strategy": {"canary": {"steps": [{"setWeight": 10}, {"pause": {}}]}}}})");
  INFO(summarize(r));
  CHECK(r.ok());
  r = load_paths({"/nonexistent/plan.yaml"});
  CHECK(errors_of(r) ==
        std::vector<std::string>{"/nonexistent/plan.yaml: /: cannot read the file"});
}

TEST_CASE("anchors and aliases are read as YAML defines them, and a cycle is refused", "[config]") {
  // One metric's provider written once and reused by alias, with the file's line numbers.
  auto r = load_one(R"yaml(apiVersion: argoproj.io/v1alpha1
kind: AnalysisRun
metadata: {name: two}
spec:
  metrics:
  - name: a
    successCondition: result[0] >= 0.99
    provider: &prom
      prometheus: {address: "http://p:9090", query: "vector(1)"}
  - name: b
    successCondition: result[0] >= 0.9
    provider: *prom
)yaml");
  INFO(summarize(r));
  REQUIRE(r.ok());
  REQUIRE(r.plans.size() == 1);
  const auto& metrics = std::get<analysis_strategy>(r.plans[0].strategy).analysis.metrics;
  REQUIRE(metrics.size() == 2);
  CHECK(metrics[1].source.query == "vector(1)");
  CHECK(metrics[1].source.address == "http://p:9090");
  CHECK(metrics[1].metric.success_condition->text == "result[0] >= 0.9");
  // An alias inside the node it names would be an endless document.
  r = load_one("kind: &k [a, *k]\n");
  REQUIRE(r.errors.size() == 1);
  CHECK(errors_of(r)[0] ==
        "plan.yaml:1:14: /: not valid YAML or JSON: an alias refers to the node that contains it");
  r = load_one("kind: *nothing\n");
  REQUIRE(r.errors.size() == 1);
  CHECK_THAT(r.errors[0].message, Catch::StartsWith("not valid YAML or JSON"));
}

TEST_CASE("a web metric's jsonBody is sent as JSON, and one body only, never with GET",
          "[config]") {
  const std::string head = R"(apiVersion: argoproj.io/v1alpha1
kind: AnalysisRun
metadata: {name: r}
spec:
  metrics:
  - name: judge
    successCondition: result == "pass"
    provider:
      web:
        url: http://judge/verdict
)";
  auto r = load_one(head + R"(        method: POST
        jsonBody: {id: "x-{{args.hash}}", n: 3, ok: true, tags: [a, "1"]}
)");
  REQUIRE(r.ok());
  const auto& a = std::get<analysis_strategy>(r.plans.at(0).strategy).analysis;
  CHECK(a.metrics.at(0).source.body ==
        R"({"id":"x-{{args.hash}}","n":3,"ok":true,"tags":["a","1"]})");
  r = load_one(head + "        method: POST\n        body: x\n        jsonBody: {a: 1}\n");
  REQUIRE(r.errors.size() == 1);
  CHECK(r.errors[0].message == "use either body or jsonBody, not both");
  r = load_one(head + "        jsonBody: {a: 1}\n");
  REQUIRE(r.errors.size() == 1);
  CHECK(r.errors[0].message == "a body needs method POST or PUT (Argo refuses a body with GET)");
}

TEST_CASE("an AnalysisTemplate runs as the AnalysisRun Argo would create from it", "[config]") {
  const source_file f{"t.yaml", R"(apiVersion: argoproj.io/v1alpha1
kind: AnalysisTemplate
metadata: {name: judge}
spec:
  args:
  - name: url
  - name: token
    valueFrom: {secretKeyRef: {name: s, key: k}}
  metrics:
  - name: m
    successCondition: result == "pass"
    provider:
      web: {url: "{{args.url}}/v", method: POST, jsonBody: {t: "{{args.token}}"}}
)"};
  // Without the plain argument's value, the run cannot load (as Argo refuses it).
  auto run = run_of_template({f}, "", {});
  REQUIRE(std::holds_alternative<source_file>(run));
  CHECK_FALSE(load({std::get<source_file>(run)}).ok());
  run = run_of_template({f}, "", {{"url", "http://judge"}, {"token", "t0k"}});
  REQUIRE(std::holds_alternative<source_file>(run));
  const auto& file = std::get<source_file>(run);
  CHECK(file.name == "t.yaml (AnalysisRun of judge)");
  const auto r = load({file});
  INFO(summarize(r));
  REQUIRE(r.ok());
  CHECK(r.plans.at(0).name == "judge");
  CHECK(r.plans.at(0).runtime_args == std::vector<std::string>{"token"});  // still valueFrom
  CHECK(std::get<std::string>(run_of_template({f}, "", {{"colour", "x"}})) ==
        "AnalysisTemplate \"judge\" has no argument \"colour\"");
  CHECK(std::get<std::string>(run_of_template({f}, "other", {})) ==
        "no AnalysisTemplate \"other\" (the files hold judge)");
}
