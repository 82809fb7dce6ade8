#include <floodgate/config/placeholders.hpp>

#include <array>
#include <cctype>

namespace floodgate::config {

namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

}  // namespace

std::variant<std::string, render_error> render_placeholders(
    std::string_view text, const placeholder_lookup& lookup,
    const std::function<bool(std::string_view key)>& keep_unknown) {
  std::string out;
  out.reserve(text.size());
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::size_t open = text.find("{{", pos);
    if (open == std::string_view::npos) {
      out.append(text.substr(pos));
      break;
    }
    out.append(text.substr(pos, open - pos));
    const std::size_t close = text.find("}}", open + 2);
    if (close == std::string_view::npos) {
      return render_error{"", "unterminated \"{{\" at offset " + std::to_string(open)};
    }
    const std::string_view key = trim(text.substr(open + 2, close - open - 2));
    if (auto v = lookup(key)) {
      out += *v;
    } else if (keep_unknown && keep_unknown(key)) {
      out.append(text.substr(open, close + 2 - open));
    } else {
      return render_error{std::string(key), "no value for {{ " + std::string(key) + " }}"};
    }
    pos = close + 2;
  }
  return out;
}

std::string collapse_whitespace(std::string_view query) {
  std::string out;
  bool in_space = false;
  for (const char c : query) {
    if (std::isspace(static_cast<unsigned char>(c))) {
      in_space = true;
      continue;
    }
    if (in_space) out += ' ';
    in_space = false;
    out += c;
  }
  if (in_space) out += ' ';
  return out;
}

std::variant<std::string, render_error> render_flagger(std::string_view text,
                                                       const flagger_model& model) {
  return render_placeholders(text, [&](std::string_view key) -> std::optional<std::string> {
    if (key == "name") return model.name;
    if (key == "namespace") return model.namespace_;
    if (key == "target") return model.target;
    if (key == "service") return model.service;
    if (key == "ingress") return model.ingress;
    if (key == "route") return model.route;
    if (key == "interval") return model.interval;
    if (key.starts_with("variables.")) {
      const auto it = model.variables.find(std::string(key.substr(10)));
      if (it != model.variables.end()) return it->second;
    }
    return std::nullopt;
  });
}

namespace {

// The three shapes of Flagger's builtin queries (pkg/metrics/observers/*.go), written with the
// token spacing Flagger's templates collapse to (checked by FLG-OBS-001/003/004/006).
// `tail` is a matcher both sides carry after the filter (le="+Inf" for bucket-counted totals).
std::string ratio(std::string_view metric, std::string_view selector, std::string_view good,
                  std::string_view tail = "") {
  const std::string sel(selector);
  const std::string m(metric);
  const std::string t = tail.empty() ? "" : ", " + std::string(tail);
  return " sum( rate( " + m + "{ " + sel + ", " + std::string(good) + t +
         " }[{{ interval }}] ) ) / sum( rate( " + m + "{ " + sel + t +
         " }[{{ interval }}] ) ) * 100";
}

std::string p99(std::string_view bucket, std::string_view selector) {
  return " histogram_quantile( 0.99, sum( rate( " + std::string(bucket) + "{ " +
         std::string(selector) + " }[{{ interval }}] ) ) by (le) )";
}

std::string mean_ms(std::string_view sum, std::string_view count, std::string_view selector) {
  const std::string sel(selector);
  return " sum( rate( " + std::string(sum) + "{ " + sel + " }[{{ interval }}] ) ) / sum( rate( " +
         std::string(count) + "{ " + sel + " }[{{ interval }}] ) ) * 1000";
}

struct observer {
  std::string_view provider;
  std::string success;
  std::string duration;
  double to_ms = 1.0;
};

const std::vector<observer>& observers() {
  static const std::vector<observer> all = [] {
    const std::string istio_sel =
        "reporter=\"destination\", destination_workload_namespace=\"{{ namespace }}\", "
        "destination_workload=~\"{{ target }}\"";
    const std::string pod_sel =
        "kubernetes_namespace=\"{{ namespace }}\", "
        "kubernetes_pod_name=~\"{{ target }}-[0-9a-zA-Z]+(-[0-9a-zA-Z]+)\"";
    const std::string linkerd_ns = "namespace=\"{{ namespace }}\", deployment=~\"{{ target }}\"";
    const std::string linkerd_sel = linkerd_ns + ", direction=\"inbound\"";
    const std::string nginx_sel =
        "namespace=\"{{ namespace }}\", ingress=\"{{ ingress }}\", canary!=\"\"";
    const std::string contour_sel =
        "envoy_cluster_name=~\"{{ namespace }}_{{ service }}-canary_[0-9a-zA-Z-]+\"";
    const std::string gloo_sel =
        "envoy_cluster_name=~\"{{ namespace }}-{{ target }}-canaryupstream-[0-9a-zA-Z-]+_[0-9a-zA-"
        "Z-]+\"";
    const std::string traefik_sel =
        "service=~\"{{ namespace }}-{{ target }}-canary-[0-9a-zA-Z-]+@kubernetescrd\"";
    const std::string osm_sel =
        "destination_namespace=\"{{ namespace }}\", destination_kind=\"Deployment\", "
        "destination_name=\"{{ target }}\"";
    const std::string kuma_sel =
        "service=~\"{{ target }}-canary_{{ namespace }}_svc_[0-9a-zA-Z-]+\"";
    const std::string apisix_sel = "route=~\"{{ namespace }}_{{ route }}-{{ target }}-canary_.+\"";
    const std::string skipper_sel =
        "route=~\"kube(ew)?_{{ namespace }}__{{ ingress }}_canary__.*__{{ service "
        "}}_canary(_[0-9]+)?"
        "\"";
    const std::string knative_sel = "envoy_cluster_name=~\"{{ namespace }}/{{ route }}\"";
    const std::string envoy_bucket = "envoy_cluster_upstream_rq_time_bucket";
    const std::string envoy_rq = "envoy_cluster_upstream_rq";
    const std::string envoy_good = "envoy_response_code!~\"5.*\"";
    std::vector<observer> v;
    v.push_back({"istio", ratio("istio_requests_total", istio_sel, "response_code!~\"5.*\""),
                 p99("istio_request_duration_milliseconds_bucket", istio_sel)});
    v.push_back({"linkerd",
                 ratio("response_total", linkerd_ns, "classification!=\"failure\"",
                       "direction=\"inbound\""),
                 p99("response_latency_ms_bucket", linkerd_sel)});
    v.push_back({"nginx", ratio("nginx_ingress_controller_requests", nginx_sel, "status!~\"5.*\""),
                 mean_ms("nginx_ingress_controller_response_duration_seconds_sum",
                         "nginx_ingress_controller_response_duration_seconds_count", nginx_sel)});
    v.push_back(
        {"contour", ratio(envoy_rq, contour_sel, envoy_good), p99(envoy_bucket, contour_sel)});
    v.push_back({"gloo", ratio(envoy_rq, gloo_sel, envoy_good), p99(envoy_bucket, gloo_sel)});
    for (const std::string_view http : {"kubernetes", "gatewayapi"}) {
      v.push_back({http, ratio("http_request_duration_seconds_count", pod_sel, "status!~\"5.*\""),
                   p99("http_request_duration_seconds_bucket", pod_sel), 1000.0});
    }
    v.push_back({"appmesh", ratio(envoy_rq, pod_sel, envoy_good), p99(envoy_bucket, pod_sel)});
    v.push_back({"traefik",
                 ratio("traefik_service_request_duration_seconds_bucket", traefik_sel,
                       "code!~\"5..\"", "le=\"+Inf\""),
                 p99("traefik_service_request_duration_seconds_bucket", traefik_sel) + " * 1000"});
    v.push_back({"osm", ratio("osm_request_total", osm_sel, "response_code!~\"5.*\""),
                 p99("osm_request_duration_ms_bucket", osm_sel)});
    v.push_back({"kuma", ratio(envoy_rq, kuma_sel, envoy_good), p99(envoy_bucket, kuma_sel)});
    v.push_back({"apisix", ratio("apisix_http_status", apisix_sel, "code!~\"5..\""),
                 p99("apisix_http_latency_bucket", "type=~\"request\", " + apisix_sel)});
    v.push_back({"skipper",
                 ratio("skipper_response_duration_seconds_bucket", skipper_sel, "code!~\"5..\"",
                       "le=\"+Inf\""),
                 mean_ms("skipper_serve_route_duration_seconds_sum",
                         "skipper_serve_route_duration_seconds_count", skipper_sel)});
    v.push_back(
        {"knative", ratio(envoy_rq, knative_sel, envoy_good), p99(envoy_bucket, knative_sel)});
    return v;
  }();
  return all;
}

}  // namespace

std::optional<builtin_query> flagger_builtin_query(std::string_view provider,
                                                   std::string_view metric,
                                                   const flagger_model& model) {
  if (metric != "request-success-rate" && metric != "request-duration") return std::nullopt;
  // "gatewayapi:v1beta1", "kubernetes:service": the observer is named before the colon.
  std::string_view name = provider.substr(0, provider.find(':'));
  const observer* chosen = &observers().front();  // Flagger's factory falls back to Istio
  for (const auto& o : observers()) {
    if (o.provider == name) chosen = &o;
  }
  const bool success = metric == "request-success-rate";
  auto rendered = render_flagger(success ? chosen->success : chosen->duration, model);
  if (std::holds_alternative<render_error>(rendered)) return std::nullopt;
  // The whitespace is already collapsed: the templates are written in the collapsed form.
  return builtin_query{std::get<std::string>(rendered), success ? 1.0 : chosen->to_ms};
}

}  // namespace floodgate::config
