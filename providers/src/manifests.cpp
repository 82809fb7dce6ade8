#include <floodgate/providers/manifests.hpp>

#include <stdexcept>

namespace floodgate::providers {

namespace {

using oj = nlohmann::ordered_json;

oj metadata(const std::string& name, const split_target& t) {
  return oj{{"name", name}, {"namespace", t.name_space}};
}

// The controller only produces weights in 0..100; anything else is a bug, not a manifest.
int checked_weight(int w) {
  if (w < 0 || w > 100) {
    throw std::invalid_argument("weight " + std::to_string(w) + " is outside 0..100");
  }
  return w;
}

}  // namespace

oj istio_virtual_service(const split_target& t, int canary_weight, bool mirrored,
                         int mirror_weight) {
  const int w = checked_weight(canary_weight);
  oj route = oj::array({
      oj{{"destination", oj{{"host", t.name + "-primary"}}}, {"weight", 100 - w}},
      oj{{"destination", oj{{"host", t.name + "-canary"}}}, {"weight", w}},
  });
  oj http{{"route", route}};
  if (mirrored) {
    http["mirror"] = oj{{"host", t.name + "-canary"}};
    if (mirror_weight > 0) http["mirrorPercentage"] = oj{{"value", checked_weight(mirror_weight)}};
  }
  return oj{{"apiVersion", "networking.istio.io/v1beta1"},
            {"kind", "VirtualService"},
            {"metadata", metadata(t.name, t)},
            {"spec", oj{{"hosts", oj::array({t.name})}, {"http", oj::array({http})}}}};
}

oj ingress_nginx_canary(const split_target& t, int canary_weight,
                        const std::string& annotations_prefix) {
  oj annotations{
      {annotations_prefix + "/canary", "true"},
      {annotations_prefix + "/canary-weight", std::to_string(checked_weight(canary_weight))}};
  oj m = metadata(t.name + "-canary", t);
  m["annotations"] = annotations;
  return oj{{"apiVersion", "networking.k8s.io/v1"}, {"kind", "Ingress"}, {"metadata", m}};
}

oj gateway_http_route(const split_target& t, int canary_weight) {
  const int w = checked_weight(canary_weight);
  oj refs = oj::array({
      oj{{"name", t.name + "-primary"}, {"port", t.port}, {"weight", 100 - w}},
      oj{{"name", t.name + "-canary"}, {"port", t.port}, {"weight", w}},
  });
  return oj{{"apiVersion", "gateway.networking.k8s.io/v1"},
            {"kind", "HTTPRoute"},
            {"metadata", metadata(t.name, t)},
            {"spec", oj{{"rules", oj::array({oj{{"backendRefs", refs}}})}}}};
}

oj smi_traffic_split(const split_target& t, int canary_weight) {
  const int w = checked_weight(canary_weight);
  oj backends = oj::array({oj{{"service", t.name + "-primary"}, {"weight", 100 - w}},
                           oj{{"service", t.name + "-canary"}, {"weight", w}}});
  return oj{{"apiVersion", "split.smi-spec.io/v1alpha2"},
            {"kind", "TrafficSplit"},
            {"metadata", metadata(t.name, t)},
            {"spec", oj{{"service", t.name}, {"backends", backends}}}};
}

}  // namespace floodgate::providers
