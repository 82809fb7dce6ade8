// `floodgate simulate --output html`, rendered by a real browser: each report is opened in
// headless Chromium (Debian's `chromium`) with a script appended that, for every chart, measures
// the laid-out <svg>, the bounding box of every drawn datum (data-mark) and, rasterised onto a
// canvas, how many pixels are in colour (the series; axes, grid and text are grey). The page's
// verdict is read back from the DOM Chromium dumps.
#include <catch2/catch.hpp>

#include <unistd.h>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "run_cli.hpp"

namespace {

namespace fs = std::filesystem;
using floodgate::test::run_command;
using json = nlohmann::json;

constexpr const char* measure_script = R"js(<script>
(async () => {
  const charts = [];
  for (const svg of document.querySelectorAll('svg.chart')) {
    const box = svg.getBoundingClientRect();
    const marks = {};
    let drawn = 0;
    for (const el of svg.querySelectorAll('[data-mark]')) {
      const name = el.getAttribute('data-mark');
      marks[name] = (marks[name] || 0) + 1;
      const b = el.getBBox();
      if (b.width > 0 || b.height > 0) drawn++;
    }
    const img = new Image();
    await new Promise((ok, bad) => {
      img.onload = ok;
      img.onerror = () => bad(new Error('the chart does not load as an image'));
      img.src = 'data:image/svg+xml;charset=utf-8,' +
                encodeURIComponent(new XMLSerializer().serializeToString(svg));
    });
    const canvas = document.createElement('canvas');
    canvas.width = img.width;
    canvas.height = img.height;
    const g = canvas.getContext('2d');
    g.drawImage(img, 0, 0);
    const px = g.getImageData(0, 0, canvas.width, canvas.height).data;
    let coloured = 0;
    for (let i = 0; i < px.length; i += 4) {
      const hi = Math.max(px[i], px[i + 1], px[i + 2]);
      const lo = Math.min(px[i], px[i + 1], px[i + 2]);
      if (px[i + 3] > 0 && hi - lo > 60) coloured++;
    }
    charts.push({title: svg.querySelector('title').textContent, width: box.width,
                 height: box.height, marks, drawn, coloured});
  }
  return {charts};
})().catch(e => ({error: String(e)})).then(result => {
  const pre = document.createElement('pre');
  pre.id = 'floodgate-render';
  pre.textContent = JSON.stringify(result);
  document.body.appendChild(pre);
});
</script>)js";

struct chart {
  double width = 0;
  double height = 0;
  std::map<std::string, int> marks;
  int drawn = 0;
  int coloured = 0;
};

std::string unescape(std::string s) {
  for (const auto& [from, to] : std::map<std::string, std::string>{
           {"&lt;", "<"}, {"&gt;", ">"}, {"&quot;", "\""}, {"&#39;", "'"}, {"&amp;", "&"}}) {
    for (auto at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size()))
      s.replace(at, from.size(), to);
  }
  return s;
}

struct work_dir {
  fs::path path;
  work_dir() : path(fs::temp_directory_path() / ("floodgate-html-" + std::to_string(::getpid()))) {
    fs::create_directories(path);
  }
  ~work_dir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

// The page `html`, rendered and measured: chart title → measurements.
std::map<std::string, chart> render(const std::string& html, const work_dir& dir) {
  const std::string chromium = FLOODGATE_CHROMIUM;
  INFO("Chromium is needed to render the reports: scripts/install-deps installs Debian's chromium");
  REQUIRE(!chromium.empty());
  const auto body = html.rfind("</body>");
  REQUIRE(body != std::string::npos);
  const fs::path page = dir.path / "measured.html";
  std::ofstream(page) << html.substr(0, body) << measure_script << html.substr(body);
  const auto r = run_command(
      chromium +
      " --headless --no-sandbox --disable-gpu --user-data-dir=" + (dir.path / "profile").string() +
      " --virtual-time-budget=20000 --dump-dom file://" + page.string() + " 2>/dev/null");
  REQUIRE(r.code == 0);
  const std::string open = "<pre id=\"floodgate-render\">";
  const auto from = r.output.find(open);
  INFO(r.output.substr(0, 2000));
  REQUIRE(from != std::string::npos);
  const auto to = r.output.find("</pre>", from);
  const auto result =
      json::parse(unescape(r.output.substr(from + open.size(), to - from - open.size())));
  INFO(result.dump());
  REQUIRE(!result.contains("error"));
  std::map<std::string, chart> charts;
  for (const auto& c : result.at("charts")) {
    chart x;
    x.width = c.at("width").get<double>();
    x.height = c.at("height").get<double>();
    for (const auto& [k, v] : c.at("marks").items()) x.marks[k] = v.get<int>();
    x.drawn = c.at("drawn").get<int>();
    x.coloured = c.at("coloured").get<int>();
    charts[c.at("title").get<std::string>()] = x;
  }
  return charts;
}

// A chart is drawn: laid out at its size, every datum with an extent, and in colour on screen.
void check_drawn(const std::map<std::string, chart>& charts, const std::string& title) {
  INFO(title);
  REQUIRE(charts.count(title) == 1);
  const auto& c = charts.at(title);
  CHECK(c.width >= 700);
  CHECK(c.height >= 180);
  int marks = 0;
  for (const auto& [k, n] : c.marks) marks += n;
  CHECK(marks > 0);
  CHECK(c.drawn == marks);
  CHECK(c.coloured > 150);
}

// One file, nothing fetched: no script, no link, no outside reference.
void check_self_contained(const std::string& html) {
  CHECK(html.rfind("<!DOCTYPE html>", 0) == 0);
  for (const char* outside : {"<script", "<link", "src=", "href=", "url(", "@import"}) {
    INFO(outside);
    CHECK(html.find(outside) == std::string::npos);
  }
  // The only address is SVG's namespace name, which is never fetched.
  std::string rest = html;
  for (auto at = rest.find("http://www.w3.org/2000/svg"); at != std::string::npos;
       at = rest.find("http://www.w3.org/2000/svg"))
    rest.erase(at, 26);
  CHECK(rest.find("http") == std::string::npos);
}

std::string example(const std::string& relative) {
  return std::string(FLOODGATE_SOURCE_DIR) + "/examples/" + relative;
}

std::string simulate_html(const std::string& args) {
  const auto r = floodgate::test::run_command(std::string(FLOODGATE_BIN) + " simulate " + args +
                                              " --output html 2>/dev/null");
  REQUIRE(r.code == 0);
  return r.output;
}

}  // namespace

TEST_CASE("the render check itself sees a chart that draws nothing", "[html]") {
  work_dir dir;
  const auto charts = render(
      "<!DOCTYPE html><html><body><svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" "
      "width=\"760\" height=\"250\"><title>blank</title><path data-mark=\"x\" d=\"M0 0L700 200\" "
      "fill=\"none\" stroke=\"none\"/></svg></body></html>",
      dir);
  REQUIRE(charts.count("blank") == 1);
  CHECK(charts.at("blank").coloured == 0);
  CHECK(charts.at("blank").drawn == 1);
}

TEST_CASE("a replay's html report draws the weight and every metric", "[html]") {
  work_dir dir;
  const auto html = simulate_html(example("success-rate-canary.yaml") + " --metrics " +
                                  example("recorded/checkout-incident.json") + " --map " +
                                  example("recorded/checkout-incident.map.yaml"));
  check_self_contained(html);
  const auto charts = render(html, dir);
  CHECK(charts.size() == 2);
  check_drawn(charts, "Canary weight");
  check_drawn(charts, "success-rate: value");
  CHECK(charts.at("Canary weight").marks.at("weight") == 1);
  // The promotion is marked where it happened.
  CHECK(charts.at("Canary weight").marks.at("marker") >= 1);
  CHECK(html.find("promoted at +24m") != std::string::npos);
}

TEST_CASE("a Monte Carlo's html report draws the distributions and the first run", "[html]") {
  work_dir dir;
  const auto html = simulate_html(example("compare/sequential.yaml") + " --scenario " +
                                  example("scenarios/checkout-bad.yaml") + " --runs 300");
  check_self_contained(html);
  const auto charts = render(html, dir);
  for (const char* title :
       {"Time to decision", "Time to detect", "Bad requests served", "Canary weight",
        "error-rate: canary against baseline", "error-rate: e-value (anytime-valid)",
        "error-rate: canary sample against the n its test needs"})
    check_drawn(charts, title);
  // 300 runs in the bars; the e-value against its line 1/α; canary against baseline.
  CHECK(charts.at("Time to decision").marks.at("aborted") > 0);
  CHECK(charts.at("error-rate: e-value (anytime-valid)").marks.at("threshold") == 1);
  CHECK(charts.at("error-rate: e-value (anytime-valid)").marks.at("e-value") == 1);
  CHECK(charts.at("error-rate: canary against baseline").marks.at("canary") == 1);
  CHECK(charts.at("error-rate: canary against baseline").marks.at("baseline") == 1);
  CHECK(charts.at("error-rate: canary against baseline").marks.at("failed look") == 1);
}

TEST_CASE("a sweep's html report draws its Pareto front, the points json marks", "[html]") {
  work_dir dir;
  const std::string args = example("compare/fixed-threshold.yaml") + " --scenario " +
                           example("scenarios/checkout-healthy.yaml") + " --scenario " +
                           example("scenarios/checkout-bad.yaml") +
                           " --runs 200 --sweep failureLimit=0,1,3 --sweep "
                           "\"successCondition=result[0] >= 0.99,result[0] >= 0.98\"";
  const auto html = simulate_html(args);
  check_self_contained(html);
  const auto as_json = floodgate::test::run_command(std::string(FLOODGATE_BIN) + " simulate " +
                                                    args + " --output json 2>/dev/null");
  REQUIRE(as_json.code == 0);
  int front = 0;
  int others = 0;
  const auto points = json::parse(as_json.output).at("points");
  for (const auto& p : points) (p.at("pareto").get<bool>() ? front : others) += 1;
  REQUIRE(front + others == 6);
  const auto charts = render(html, dir);
  for (const char* title :
       {"False aborts against time to detect", "False aborts against bad requests served"}) {
    check_drawn(charts, title);
    const auto& marks = charts.at(title).marks;
    CHECK(marks.at("front point") == front);
    CHECK((others == 0 ? 0 : marks.at("dominated point")) == others);
  }
}

TEST_CASE("an html report is not poured onto a terminal", "[html]") {
  // `script` (util-linux, essential in Debian) gives the command a terminal for its stdout.
  const auto r = floodgate::test::run_command(
      "script -qec \"" + std::string(FLOODGATE_BIN) + " simulate " +
      example("compare/sequential.yaml") + " --scenario " + example("scenarios/checkout-bad.yaml") +
      " --output html\" /dev/null 2>&1");
  CHECK(r.code == 2);
  CHECK(r.output.find("--output html writes a page: redirect it to a file") != std::string::npos);
  CHECK(r.output.find("<!DOCTYPE") == std::string::npos);
}

TEST_CASE("a capacity plan's html report draws the steps, each test's n and the start times",
          "[html]") {
  work_dir dir;
  const auto r = floodgate::test::run_command(
      std::string(FLOODGATE_BIN) + " plan " + example("compare/sequential.yaml") + " --scenario " +
      example("scenarios/checkout-diurnal.yaml") + " --output html 2>/dev/null");
  REQUIRE(r.code == 0);
  check_self_contained(r.output);
  const auto charts = render(r.output, dir);
  for (const char* title :
       {"Canary weight over the plan", "error-rate: canary requests against the n the test needs",
        "error-rate: the plan's duration by start time", "Traffic over its period"})
    check_drawn(charts, title);
  // Two steps: each accrues from zero against its own n; the open-ended analysis reaches it.
  const auto& n = charts.at("error-rate: canary requests against the n the test needs").marks;
  CHECK(n.at("accrued") == 1);
  CHECK(n.at("required n") == 1);
  CHECK(n.at("n reached") == 2);
  // 24 start times, each as written and cut to the tests' n.
  const auto& by_start = charts.at("error-rate: the plan's duration by start time").marks;
  CHECK(by_start.at("as written") == 24);
  CHECK(by_start.at("every step exactly its test's n") == 24);
}
