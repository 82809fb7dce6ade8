#include "svg_chart.hpp"

#include <fmt/format.h>
#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

namespace floodgate::sim::svg {

namespace {

constexpr double left = 70;
constexpr double right = 20;
constexpr double top = 46;
constexpr double bottom = 42;
constexpr double char_width = 6.4;  // 11 px sans-serif, on average

struct range {
  double lo = std::numeric_limits<double>::infinity();
  double hi = -std::numeric_limits<double>::infinity();
  void add(double v) {
    if (!std::isfinite(v)) return;
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  bool empty() const { return !(lo <= hi); }
};

// Round durations for an axis of seconds.
double duration_step(double span, int most) {
  static constexpr std::array<double, 20> steps = {1,     2,     5,     10,    15,     30,    60,
                                                   120,   300,   600,   900,   1800,   3600,  7200,
                                                   10800, 21600, 43200, 86400, 172800, 604800};
  for (double s : steps)
    if (span / s <= most) return s;
  return nice_step(span, most);
}

std::vector<double> linear_ticks(double lo, double hi, double step) {
  std::vector<double> t;
  for (double v = std::ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-9; v += step)
    t.push_back(std::abs(v) < step * 1e-9 ? 0.0 : v);
  return t;
}

std::string px(double v) { return fmt::format("{:.1f}", v); }

struct frame {
  double x0, x1, y0, y1;  // the domain (log10 of y on a log axis)
  bool log_y;
  double w, h;
  double x(double v) const { return left + (v - x0) / (x1 - x0) * (w - left - right); }
  double y(double v) const {
    const double t = log_y ? std::log10(v) : v;
    return top + (h - top - bottom) * (1.0 - (t - y0) / (y1 - y0));
  }
  bool drawable(double vx, double vy) const {
    return std::isfinite(vx) && std::isfinite(vy) && (!log_y || vy > 0);
  }
};

}  // namespace

std::string escape(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string seconds_label(double s) {
  if (!std::isfinite(s)) return "-";
  const bool negative = s < 0;
  auto rest = static_cast<long long>(std::llround(std::abs(s)));
  if (rest == 0) return "0";
  std::string out = negative ? "-" : "";
  const std::array<std::pair<long long, const char*>, 4> units = {
      {{86400, "d"}, {3600, "h"}, {60, "m"}, {1, "s"}}};
  for (const auto& [size, unit] : units) {
    if (rest >= size) {
      out += fmt::format("{}{}", rest / size, unit);
      rest %= size;
    }
  }
  return out;
}

double nice_step(double span, int most) {
  const double raw = span / most;
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0})
    if (m * mag >= raw) return m * mag;
  return 10.0 * mag;
}

std::string number_label(double v) {
  if (!std::isfinite(v)) return "-";
  if (v != 0 && (std::abs(v) >= 1e6 || std::abs(v) < 1e-3)) return fmt::format("{:.0e}", v);
  return fmt::format("{:.6g}", v);
}

std::string chart::render(int width, int height) const {
  range xr, yr;
  const auto add_y = [&](double v) {
    if (!log_y || v > 0) yr.add(v);
  };
  for (const auto& l : lines)
    for (const auto& [x, y] : l.points)
      if (std::isfinite(x) && std::isfinite(y)) {
        xr.add(x);
        add_y(y);
      }
  for (const auto& d : dots)
    if (std::isfinite(d.x) && std::isfinite(d.y)) {
      xr.add(d.x);
      add_y(d.y);
    }
  for (const auto& b : bars) {
    xr.add(b.x0);
    xr.add(b.x1);
    add_y(b.y0);
    add_y(b.y1);
  }
  // Something to draw: data, or markers (a look with no value, a decision) on a time axis.
  if ((xr.empty() || yr.empty()) && markers.empty())
    return fmt::format("<p class=\"empty\">{}: nothing to draw.</p>\n", escape(title));
  for (const auto& m : markers) xr.add(m.x);
  for (double x : x_include) xr.add(x);
  for (const auto& t : thresholds) add_y(t.y);
  if (!log_y && y_from_zero) yr.add(0.0);
  if (yr.empty()) {  // markers only
    yr.add(log_y ? 1.0 : 0.0);
    yr.add(log_y ? 10.0 : 1.0);
  }

  frame f{xr.lo, xr.hi, 0, 0, log_y, static_cast<double>(width), static_cast<double>(height)};
  if (f.x1 - f.x0 <= 0) f.x1 = f.x0 + 1;  // one instant: the axis starts there
  std::vector<double> y_ticks;
  if (log_y) {
    f.y0 = std::floor(std::log10(yr.lo));
    f.y1 = std::ceil(std::log10(yr.hi));
    if (f.y1 <= f.y0) f.y1 = f.y0 + 1;
    const double every = std::ceil((f.y1 - f.y0) / 8.0);
    for (double e = f.y0; e <= f.y1 + 1e-9; e += every) y_ticks.push_back(std::pow(10.0, e));
  } else {
    double lo = yr.lo;
    double hi = yr.hi;
    if (hi - lo <= 0) {
      if (lo == 0) {
        hi = 1.0;  // all zero: an axis from 0 up, never below
      } else {
        const double pad = std::abs(lo) * 0.1;
        lo -= pad;
        hi += pad;
      }
    }
    const double step = y_seconds ? duration_step(hi - lo, 5) : nice_step(hi - lo, 5);
    f.y0 = std::floor(lo / step) * step;
    f.y1 = std::ceil(hi / step) * step;
    y_ticks = linear_ticks(f.y0, f.y1, step);
  }
  const double x_step = x_seconds ? duration_step(f.x1 - f.x0, 8) : nice_step(f.x1 - f.x0, 8);
  const auto x_ticks_at = linear_ticks(f.x0, f.x1, x_step);
  const auto tick_text = [](bool secs, double v) {
    return secs ? seconds_label(v) : number_label(v);
  };

  std::string s = fmt::format(
      "<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" "
      "viewBox=\"0 0 {w} {h}\" font-family=\"sans-serif\" font-size=\"11\" role=\"img\" "
      "aria-label=\"{t}\">\n<title>{t}</title>\n"
      "<rect x=\"0\" y=\"0\" width=\"{w}\" height=\"{h}\" fill=\"#ffffff\"/>\n"
      "<text x=\"{l}\" y=\"18\" font-size=\"13\" font-weight=\"bold\" fill=\"#222\">{t}</text>\n",
      fmt::arg("w", width), fmt::arg("h", height), fmt::arg("t", escape(title)),
      fmt::arg("l", px(left)));
  const double plot_top = top;
  const double plot_bottom = height - bottom;
  const double plot_right = width - right;
  // Grid and axes.
  for (double t : y_ticks) {
    const double y = f.y(t);
    s += fmt::format(
        "<line x1=\"{l}\" x2=\"{r}\" y1=\"{y}\" y2=\"{y}\" stroke=\"#e5e5e5\"/>"
        "<text x=\"{lt}\" y=\"{yt}\" text-anchor=\"end\" fill=\"#444\">{v}</text>\n",
        fmt::arg("l", px(left)), fmt::arg("r", px(plot_right)), fmt::arg("y", px(y)),
        fmt::arg("lt", px(left - 6)), fmt::arg("yt", px(y + 4)),
        fmt::arg("v", escape(tick_text(y_seconds, t))));
  }
  for (double t : x_ticks_at) {
    const double x = f.x(t);
    s += fmt::format(
        "<line x1=\"{x}\" x2=\"{x}\" y1=\"{b}\" y2=\"{b5}\" stroke=\"#444\"/>"
        "<text x=\"{x}\" y=\"{bt}\" text-anchor=\"middle\" fill=\"#444\">{v}</text>\n",
        fmt::arg("x", px(x)), fmt::arg("b", px(plot_bottom)), fmt::arg("b5", px(plot_bottom + 5)),
        fmt::arg("bt", px(plot_bottom + 17)), fmt::arg("v", escape(tick_text(x_seconds, t))));
  }
  s += fmt::format(
      "<line x1=\"{l}\" x2=\"{r}\" y1=\"{b}\" y2=\"{b}\" stroke=\"#444\"/>"
      "<line x1=\"{l}\" x2=\"{l}\" y1=\"{t}\" y2=\"{b}\" stroke=\"#444\"/>\n"
      "<text x=\"{cx}\" y=\"{h3}\" text-anchor=\"middle\" fill=\"#222\">{xl}</text>\n"
      "<text transform=\"translate(14,{cy}) rotate(-90)\" text-anchor=\"middle\" "
      "fill=\"#222\">{yl}</text>\n",
      fmt::arg("l", px(left)), fmt::arg("r", px(plot_right)), fmt::arg("b", px(plot_bottom)),
      fmt::arg("t", px(plot_top)), fmt::arg("cx", px((left + plot_right) / 2)),
      fmt::arg("h3", px(height - 6.0)), fmt::arg("xl", escape(x_label)),
      fmt::arg("cy", px((plot_top + plot_bottom) / 2)), fmt::arg("yl", escape(y_label)));

  for (const auto& b : bars) {
    if (!f.drawable(b.x0, b.y1)) continue;
    const double base = log_y ? std::max(b.y0, std::pow(10.0, f.y0)) : b.y0;
    const double x0 = f.x(b.x0);
    const double x1 = f.x(b.x1);
    const double y0 = f.y(base);
    const double y1 = f.y(b.y1);
    s += fmt::format(
        "<rect data-mark=\"{m}\" x=\"{x}\" y=\"{y}\" width=\"{w}\" height=\"{h}\" fill=\"{c}\" "
        "fill-opacity=\"0.75\" stroke=\"#ffffff\" stroke-width=\"0.5\"><title>{t}</title></rect>\n",
        fmt::arg("m", escape(b.series)), fmt::arg("x", px(x0)), fmt::arg("y", px(std::min(y0, y1))),
        fmt::arg("w", px(std::max(x1 - x0, 1.0))), fmt::arg("h", px(std::abs(y0 - y1))),
        fmt::arg("c", b.colour), fmt::arg("t", escape(b.title)));
  }
  for (const auto& t : thresholds) {
    if (!f.drawable(f.x0, t.y)) continue;
    const double y = f.y(t.y);
    s += fmt::format(
        "<line data-mark=\"threshold\" x1=\"{l}\" x2=\"{r}\" y1=\"{y}\" y2=\"{y}\" stroke=\"{c}\" "
        "stroke-width=\"1.5\" stroke-dasharray=\"6 3\"><title>{t}</title></line>"
        "<text x=\"{r4}\" y=\"{y4}\" text-anchor=\"end\" fill=\"{c}\">{t}</text>\n",
        fmt::arg("l", px(left)), fmt::arg("r", px(plot_right)), fmt::arg("y", px(y)),
        fmt::arg("c", t.colour), fmt::arg("t", escape(t.label)), fmt::arg("r4", px(plot_right - 4)),
        fmt::arg("y4", px(y - 4)));
  }
  // A marker's label runs down beside its line; labels of lines closer than a label's height
  // move right, one beside the other.
  double last_label = -1e9;
  double label_x = 0.0;
  for (const auto& m : markers) {
    if (!std::isfinite(m.x)) continue;
    const double x = f.x(m.x);
    label_x = x - last_label < 11.0 ? label_x + 11.0 : x + 3.0;
    last_label = x;
    s += fmt::format(
        "<line data-mark=\"marker\" x1=\"{x}\" x2=\"{x}\" y1=\"{t}\" y2=\"{b}\" stroke=\"{c}\" "
        "stroke-width=\"1.2\" stroke-dasharray=\"3 3\"><title>{l}</title></line>"
        "<text transform=\"translate({xt},{tt}) rotate(90)\" fill=\"{c}\" "
        "font-size=\"10\">{l}</text>\n",
        fmt::arg("x", px(x)), fmt::arg("t", px(plot_top)), fmt::arg("b", px(plot_bottom)),
        fmt::arg("c", m.colour), fmt::arg("l", escape(m.label)), fmt::arg("xt", px(label_x)),
        fmt::arg("tt", px(plot_top + 2)));
  }
  for (const auto& l : lines) {
    std::string d;
    bool open = false;
    for (const auto& [vx, vy] : l.points) {
      if (!f.drawable(vx, vy)) {
        open = false;
        continue;
      }
      const double x = f.x(vx);
      const double y = f.y(vy);
      if (!open) {
        d += fmt::format("M{} {}", px(x), px(y));
      } else if (l.step) {
        d += fmt::format("H{}V{}", px(x), px(y));
      } else {
        d += fmt::format("L{} {}", px(x), px(y));
      }
      open = true;
    }
    if (d.empty()) continue;
    s += fmt::format(
        "<path data-mark=\"{m}\" d=\"{d}\" fill=\"none\" stroke=\"{c}\" stroke-width=\"2\" "
        "stroke-linejoin=\"round\"{dash}><title>{m}</title></path>\n",
        fmt::arg("m", escape(l.name)), fmt::arg("d", d), fmt::arg("c", l.colour),
        fmt::arg("dash", l.dashed ? " stroke-dasharray=\"6 4\"" : ""));
  }
  // Dot labels already placed (x0, x1, baseline y): a label that would overlap one moves down a
  // line, and is left to the dot's hover title after three tries.
  std::vector<std::array<double, 3>> placed;
  const auto overlaps = [&](double x0, double x1, double y) {
    return std::any_of(placed.begin(), placed.end(), [&](const auto& p) {
      return x0 < p[1] && p[0] < x1 && std::abs(p[2] - y) < 12;
    });
  };
  for (const auto& d : dots) {
    if (!f.drawable(d.x, d.y)) continue;
    const double x = f.x(d.x);
    const double y = f.y(d.y);
    s += fmt::format(
        "<circle data-mark=\"{m}\" cx=\"{x}\" cy=\"{y}\" r=\"{r}\" fill=\"{c}\" stroke=\"#ffffff\" "
        "stroke-width=\"0.8\"><title>{t}</title></circle>\n",
        fmt::arg("m", escape(d.series)), fmt::arg("x", px(x)), fmt::arg("y", px(y)),
        fmt::arg("r", px(d.radius)), fmt::arg("c", d.colour), fmt::arg("t", escape(d.title)));
    if (!d.label.empty()) {
      const double len = static_cast<double>(d.label.size()) * char_width;
      const bool flip = x + 6 + len > plot_right;
      const double x0 = flip ? x - 6 - len : x + 6;
      double ly = y - 5;
      for (int tries = 0; tries < 3 && overlaps(x0, x0 + len, ly); ++tries) ly += 12;
      if (overlaps(x0, x0 + len, ly)) continue;
      placed.push_back({x0, x0 + len, ly});
      s +=
          fmt::format("<text x=\"{x}\" y=\"{y}\" fill=\"#222\">{l}</text>\n", fmt::arg("x", px(x0)),
                      fmt::arg("y", px(ly)), fmt::arg("l", escape(d.label)));
    }
  }
  // The legend, in one row under the title.
  std::vector<std::pair<std::string, std::string>> entries;
  for (const auto& l : lines) entries.emplace_back(l.name, l.colour);
  entries.insert(entries.end(), legend.begin(), legend.end());
  double lx = left;
  for (const auto& [name, c] : entries) {
    s += fmt::format(
        "<rect x=\"{x}\" y=\"28\" width=\"14\" height=\"4\" fill=\"{c}\"/>"
        "<text x=\"{xt}\" y=\"34\" fill=\"#222\">{n}</text>\n",
        fmt::arg("x", px(lx)), fmt::arg("c", c), fmt::arg("xt", px(lx + 18)),
        fmt::arg("n", escape(name)));
    lx += 30 + static_cast<double>(name.size()) * char_width;
  }
  s += "</svg>\n";
  return s;
}

}  // namespace floodgate::sim::svg
