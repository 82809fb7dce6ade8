// floodgate check over the YAML Argo Rollouts' and Flagger's users really write
// (../shared/compat, see its README): each file's outcome — the plans loaded, or every precise
// rejection, and the non-plan objects skipped — is compared with tests/config/golden/<dir>.txt
// (FLOODGATE_UPDATE_GOLDEN=1 rewrites them; review the diff).

#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <floodgate/config/describe.hpp>
#include <map>

#include "../support/files.hpp"

namespace fs = std::filesystem;
using namespace floodgate::config;

namespace {

using floodgate::testing::read_file;

// Whether a file names only providers floodgate reads (and at least one of them).
bool uses_only_supported_providers(const std::string& text) {
  const bool supported = text.find("prometheus:") != std::string::npos ||
                         text.find("web:") != std::string::npos ||
                         text.find("kayenta:") != std::string::npos;
  for (const char* foreign : {"job:", "datadog:", "newRelic:", "cloudWatch:", "wavefront:",
                              "graphite:", "influxdb:", "skywalking:", "plugin:"}) {
    if (text.find(foreign) != std::string::npos) return false;
  }
  return supported;
}

// Files that use only supported providers and are still rejected, each for a reason the golden
// file shows in full.
const std::map<std::string, std::string> rejected_on_purpose = {
    // The Kayenta block carries interval, count and "thresholds", which Argo's KayentaMetric does
    // not have: Kubernetes would prune them silently and leave threshold {pass: 0, marginal: 0},
    // so every canary would pass. floodgate names each field (did you mean "threshold"?).
    {"argo-rollouts/docs_analysis_kayenta_03.yaml", "fields Argo does not have"},
    // A fragment: no metadata.name, and the web provider has no url.
    {"argo-rollouts/docs_features_analysis_24.yaml", "documentation fragment"},
};

void check_dir(const std::string& dir) {
  const fs::path root = fs::path(FLOODGATE_SHARED_DIR) / "compat";
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(root / dir)) files.push_back(e.path());
  std::sort(files.begin(), files.end());
  REQUIRE(files.size() > 50);
  std::string actual;
  std::size_t loaded = 0;
  for (const auto& f : files) {
    const std::string name = dir + "/" + f.filename().string();
    const std::string text = read_file(f);
    const load_result r = load({{name, text}});
    actual += "== " + name + (r.ok() ? " loads" : " rejected") + "\n" + summarize(r);
    if (r.ok() && !r.plans.empty()) ++loaded;
    // Every plan whose metrics use Prometheus, web or Kayenta loads, unless the file is a
    // documentation fragment or needs something from another file (the golden shows which).
    if (r.ok()) {
      for (const auto& p : r.plans) CHECK_FALSE(p.name.empty());
    }
    INFO(name);
    if (uses_only_supported_providers(text) && text.find("\n...") == std::string::npos &&
        text.find("templateName") == std::string::npos &&
        text.find("templateRef") == std::string::npos && !rejected_on_purpose.count(name)) {
      CHECK(r.ok());
    }
  }
  CHECK(loaded > 10);
  floodgate::testing::check_golden(
      fs::path(FLOODGATE_SOURCE_DIR) / "tests/config/golden" / (dir + ".txt"), actual);
}

}  // namespace

TEST_CASE("compat: Argo Rollouts' examples and documentation", "[config][compat]") {
  check_dir("argo-rollouts");
}

TEST_CASE("compat: Flagger's examples and documentation", "[config][compat]") {
  check_dir("flagger");
}
