// Placeholder rendering and Flagger's builtin queries.

#include <catch2/catch.hpp>
#include <floodgate/config/placeholders.hpp>

using namespace floodgate::config;

TEST_CASE("args placeholders render, unknown ones are errors or kept", "[config]") {
  const placeholder_lookup lookup = [](std::string_view key) -> std::optional<std::string> {
    if (key == "args.service") return std::string("checkout");
    return std::nullopt;
  };
  auto r = render_placeholders("up{svc=\"{{args.service}}\",x=\"{{ args.service }}\"}", lookup);
  CHECK(std::get<std::string>(r) == "up{svc=\"checkout\",x=\"checkout\"}");
  r = render_placeholders("{{args.hash}}", lookup);
  CHECK(std::get<render_error>(r).key == "args.hash");
  r = render_placeholders("{{args.hash}}/x", lookup, [](std::string_view) { return true; });
  CHECK(std::get<std::string>(r) == "{{args.hash}}/x");
  r = render_placeholders("a {{ b", lookup);
  CHECK(std::get<render_error>(r).key.empty());
  CHECK(collapse_whitespace("  sum(\n   rate(x[1m])\n)  ") == " sum( rate(x[1m]) ) ");
}

TEST_CASE("Flagger's builtin queries per provider", "[config]") {
  flagger_model m;
  m.namespace_ = "default";
  m.target = "podinfo";
  m.ingress = "podinfo";
  m.service = "podinfo";
  m.route = "podinfo";
  const auto istio = flagger_builtin_query("istio", "request-success-rate", m);
  REQUIRE(istio);
  CHECK(istio->query.starts_with(" sum( rate( istio_requests_total{ reporter=\"destination\""));
  // An unknown provider falls back to Istio's observer, as Flagger's factory does.
  CHECK(flagger_builtin_query("unheard-of", "request-success-rate", m)->query == istio->query);
  const auto gw = flagger_builtin_query("gatewayapi:v1beta1", "request-duration", m);
  REQUIRE(gw);
  CHECK(gw->to_milliseconds == 1000.0);
  CHECK_FALSE(flagger_builtin_query("istio", "error-rate", m));
}
