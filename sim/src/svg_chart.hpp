#pragma once
// A small SVG chart for the HTML reports: lines (straight or stepped), dots, bars, vertical
// markers and horizontal thresholds on linear or log10 axes with rounded ticks. Every colour
// and width is an attribute of the element, so one chart's <svg> stands alone when copied out
// of the page. Each drawn datum carries data-mark="<series>" (the report test counts them) and
// a <title> a browser shows on hover.

#include <string>
#include <utility>
#include <vector>

namespace floodgate::sim::svg {

/// Colours of the reports (ColorBrewer-like, legible on white and in grey print).
namespace colour {
inline constexpr const char* canary = "#d95f02";
inline constexpr const char* baseline = "#1b9e77";
inline constexpr const char* weight = "#7570b3";
inline constexpr const char* threshold = "#e7298a";
inline constexpr const char* abort = "#d7191c";
inline constexpr const char* promote = "#1a9641";
inline constexpr const char* neutral = "#636363";
inline constexpr const char* error = "#fdae61";
}  // namespace colour

struct line {
  std::string name;  ///< the legend's and data-mark's name
  std::string colour;
  std::vector<std::pair<double, double>> points;  ///< non-finite points break the line
  bool step = false;                              ///< hold each y until the next x
  bool dashed = false;
};

struct dot {
  double x = 0;
  double y = 0;
  std::string series;  ///< data-mark
  std::string colour;
  std::string title;  ///< shown on hover
  std::string label;  ///< written beside the dot, when not empty
  double radius = 3.5;
};

struct bar {
  double x0 = 0;
  double x1 = 0;
  double y0 = 0;  ///< stacked bars start above zero
  double y1 = 0;
  std::string series;
  std::string colour;
  std::string title;
};

/// A vertical line at x with a label at its top (decisions, the regression's onset).
struct marker {
  double x = 0;
  std::string label;
  std::string colour;
};

/// A horizontal line at y (a test's threshold).
struct threshold {
  double y = 0;
  std::string label;
  std::string colour = colour::threshold;
};

/// "90s" → "1m30s", "3600" → "1h": an axis of seconds.
std::string seconds_label(double s);
/// 1, 2 or 5 × 10^k: the smallest such step that cuts `span` into at most `most` pieces.
double nice_step(double span, int most);
/// Plain up to 6 significant digits; 1e+06 and 1e-04 beyond.
std::string number_label(double v);

struct chart {
  std::string title;
  std::string x_label;
  std::string y_label;
  bool log_y = false;
  bool y_from_zero = true;  ///< linear axes: include 0
  bool x_seconds = false;   ///< ticks at round durations (10 s, 1 min, 5 min, 1 h…), else numbers
  bool y_seconds = false;
  std::vector<double> x_include;  ///< x values the axis spans even without data there
  std::vector<line> lines;
  std::vector<dot> dots;
  std::vector<bar> bars;
  std::vector<marker> markers;
  std::vector<threshold> thresholds;
  /// Legend entries beyond the lines' (name, colour): dots and bars.
  std::vector<std::pair<std::string, std::string>> legend;

  /// The <svg> element, `width` × `height` px, or a note when there is nothing to draw.
  std::string render(int width = 760, int height = 250) const;
};

/// Text and attribute values escaped for XML.
std::string escape(const std::string& text);

}  // namespace floodgate::sim::svg
