#pragma once
// Traffic-split manifests for routers floodgate cannot run here (they live in Kubernetes): the
// objects a `kubectl apply -f -` or a GitOps commit would carry, as Flagger's routers write them
// (shared/reference/flagger-and-routers.md §6.1). JSON documents; `floodgate` writes them to a
// directory or pipes them to a command. Weights are percent of 100; the primary gets 100 − W; a
// weight outside 0..100 throws std::invalid_argument (a caller's bug).

#include <nlohmann/json.hpp>
#include <string>

namespace floodgate::providers {

/// Who gets the traffic: a service (or Ingress) name and namespace; the primary and canary
/// backends are `<name>-primary` and `<name>-canary`, as Flagger names them.
struct split_target {
  std::string name;
  std::string name_space = "default";
  int port = 80;
};

/// Istio `VirtualService` (networking.istio.io/v1beta1): spec.http[0].route to the primary and
/// canary hosts with the weights; when `mirrored`, the canary host as `mirror`, and
/// `mirrorPercentage` only for a mirror weight above 0 (FLG-RT-001).
nlohmann::ordered_json istio_virtual_service(const split_target& t, int canary_weight,
                                             bool mirrored = false, int mirror_weight = 0);

/// The ingress-nginx canary Ingress `<name>-canary`: only `<prefix>/canary: "true"` and
/// `<prefix>/canary-weight: "W"` annotations change (FLG-RT-002); `prefix` defaults to
/// nginx.ingress.kubernetes.io.
nlohmann::ordered_json ingress_nginx_canary(
    const split_target& t, int canary_weight,
    const std::string& annotations_prefix = "nginx.ingress.kubernetes.io");

/// Gateway API `HTTPRoute` (gateway.networking.k8s.io/v1): one rule whose backendRefs carry
/// the weights.
nlohmann::ordered_json gateway_http_route(const split_target& t, int canary_weight);

/// SMI `TrafficSplit` (split.smi-spec.io/v1alpha2): the root service and two weighted backends.
nlohmann::ordered_json smi_traffic_split(const split_target& t, int canary_weight);

}  // namespace floodgate::providers
