#pragma once
// What the tests of runs on synthetic traffic share: their start, a scenario from the lines of
// its spec, a rollout of one plan file.

#include <catch2/catch.hpp>
#include <floodgate/config/scenario.hpp>
#include <floodgate/engine/session.hpp>
#include <string>

namespace floodgate::test {

inline const core::instant scenario_start{core::millis(1767607200000)};  // 2026-01-05T10:00:00Z

inline config::scenario scenario_of(const std::string& spec) {
  auto r = config::read_scenario(
      {"s.yaml",
       "apiVersion: floodgate.dev/v1\nkind: Scenario\nmetadata: {name: t}\nspec:\n" + spec});
  if (auto* e = std::get_if<std::vector<config::diagnostic>>(&r)) FAIL(e->front().format());
  return std::get<config::scenario>(r);
}

inline engine::rollout_spec spec_of(const std::string& text) {
  engine::rollout_spec s;
  s.files = {{"plan.yaml", text}};
  return s;
}

}  // namespace floodgate::test
