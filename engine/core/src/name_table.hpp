#pragma once
// An enum's spellings as one table, read both ways: value → name and name → value. Internal to
// engine/core.

#include <array>
#include <cstddef>
#include <optional>
#include <string_view>
#include <utility>

namespace floodgate::core::detail {

template <class E, std::size_t N>
using name_table = std::array<std::pair<E, std::string_view>, N>;

template <class E, std::size_t N>
constexpr std::string_view name_in(const name_table<E, N>& table, E value) {
  for (const auto& [v, name] : table) {
    if (v == value) return name;
  }
  return "?";
}

template <class E, std::size_t N>
constexpr std::optional<E> value_in(const name_table<E, N>& table, std::string_view name) {
  for (const auto& [v, text] : table) {
    if (text == name) return v;
  }
  return std::nullopt;
}

}  // namespace floodgate::core::detail
