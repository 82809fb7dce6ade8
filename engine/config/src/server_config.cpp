#include <filesystem>
#include <floodgate/config/server_config.hpp>
#include <tuple>

#include <yaml-cpp/exceptions.h>

#include "yaml_reader.hpp"

namespace floodgate::config {

namespace {

using detail::at;

std::vector<std::string> string_list(detail::reader& r, const detail::yaml_node& parent,
                                     const std::string& pointer, std::string_view key) {
  std::vector<std::string> out;
  const auto n = at(parent, key);
  if (!n.defined()) return out;
  const auto p = detail::child(pointer, key);
  if (!r.sequence(n, p)) return out;
  for (std::size_t i = 0; i < n.size(); ++i) {
    if (!n[i].is_scalar()) {
      r.error(n[i], detail::child(p, i), "expected a string");
      continue;
    }
    out.push_back(n[i].scalar());
  }
  return out;
}

}  // namespace

std::optional<std::pair<std::string, unsigned short>> parse_listen(std::string_view text) {
  const std::string v(text);
  const auto colon = v.rfind(':');
  int port = -1;
  try {
    if (colon != std::string::npos) port = std::stoi(v.substr(colon + 1));
  } catch (const std::exception&) {
  }
  if (colon == std::string::npos || colon == 0 || port < 0 || port > 65535) return std::nullopt;
  std::string address = v.substr(0, colon);
  if (address.size() > 2 && address.front() == '[') address = address.substr(1, address.size() - 2);
  return std::pair{std::move(address), static_cast<unsigned short>(port)};
}

server_config_result load_server_config(const source_file& file) {
  server_config_result res;
  detail::reader r(file.name, res.errors);
  std::shared_ptr<const detail::yaml_tree> tree;
  try {
    tree = detail::yaml_tree::parse(file.text);
  } catch (const YAML::Exception& e) {
    res.errors.push_back(detail::syntax_error(file.name, e, "not valid YAML"));
    return res;
  }
  const detail::yaml_node doc = tree->root();
  auto& c = res.config;
  if (!r.map(doc, "",
             {"listen", "journal", "plans", "prometheus", "prometheus_token_file", "api_token_file",
              "unauthenticated", "body_limit", "tick_deadline", "log_format", "kayenta"}))
    return res;
  if (const auto v = r.string(doc, "", "listen")) {
    if (const auto l = parse_listen(*v))
      std::tie(c.listen_address, c.listen_port) = *l;
    else
      r.error(at(doc, "listen"), "/listen",
              "found \"" + *v + "\", expected address:port such as 127.0.0.1:8080");
  }
  if (const auto v = r.string(doc, "", "journal")) c.journal = *v;
  const auto dir = std::filesystem::path(file.name).parent_path();
  const auto relative = [&](const std::string& p) {
    return std::filesystem::path(p).is_absolute() || dir.empty() ? p : (dir / p).string();
  };
  for (const auto& p : string_list(r, doc, "", "plans")) c.plans.push_back(relative(p));
  if (const auto v = r.string(doc, "", "prometheus")) c.prometheus = *v;
  if (const auto v = r.string(doc, "", "prometheus_token_file"))
    c.prometheus_token_file = relative(*v);
  if (const auto v = r.string(doc, "", "api_token_file")) c.api_token_file = relative(*v);
  c.unauthenticated = string_list(r, doc, "", "unauthenticated");
  for (std::size_t i = 0; i < c.unauthenticated.size(); ++i)
    if (c.unauthenticated[i] != "flagger" && c.unauthenticated[i] != "kayenta")
      r.error(at(doc, "unauthenticated")[i], "/unauthenticated/" + std::to_string(i),
              "found \"" + c.unauthenticated[i] + "\", expected flagger or kayenta");
  if (const auto v = r.integer(doc, "", "body_limit")) {
    if (*v < 1024)
      r.error(at(doc, "body_limit"), "/body_limit", "expected at least 1024 bytes");
    else
      c.body_limit = static_cast<std::size_t>(*v);
  }
  if (const auto v = r.duration(doc, "", "tick_deadline")) c.tick_deadline = *v;
  if (const auto v = r.string(doc, "", "log_format")) {
    if (*v != "text" && *v != "json")
      r.error(at(doc, "log_format"), "/log_format", "found \"" + *v + "\", expected text or json");
    else
      c.log_format = *v;
  }
  if (const auto k = at(doc, "kayenta"); k.defined() && r.sequence(k, "/kayenta"))
    c.kayenta = detail::yaml_to_json(k);
  return res;
}

}  // namespace floodgate::config
