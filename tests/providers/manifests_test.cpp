// Router manifests for Kubernetes-only routers, checked against golden files
// (tests/providers/golden/*.json; FLOODGATE_UPDATE_GOLDEN=1 rewrites them — review the diff).

#include <catch2/catch.hpp>
#include <floodgate/providers/manifests.hpp>

#include "../support/files.hpp"

using namespace floodgate::providers;

namespace {

void matches_golden(const std::string& name, const nlohmann::ordered_json& doc) {
  floodgate::testing::check_golden(
      std::string(FLOODGATE_SOURCE_DIR) + "/tests/providers/golden/" + name, doc.dump(2) + "\n");
}

}  // namespace

TEST_CASE("manifests for a 30 % canary match their golden files", "[providers][manifests]") {
  const split_target t{"podinfo", "test", 9898};
  matches_golden("istio-virtualservice-30.json", istio_virtual_service(t, 30));
  matches_golden("istio-virtualservice-mirror-10.json", istio_virtual_service(t, 0, true, 10));
  matches_golden("ingress-nginx-canary-30.json", ingress_nginx_canary(t, 30));
  matches_golden("gateway-httproute-30.json", gateway_http_route(t, 30));
  matches_golden("smi-trafficsplit-30.json", smi_traffic_split(t, 30));
}

TEST_CASE("a weight outside 0..100 is refused", "[providers][manifests]") {
  CHECK_THROWS_AS(gateway_http_route({"a"}, 101), std::invalid_argument);
  CHECK_THROWS_AS(istio_virtual_service({"a"}, -1), std::invalid_argument);
}
