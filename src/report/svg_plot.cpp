// SVG line and dot charts (src/report/svg_plot.hpp).
#include "svg_plot.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

#include "document.hpp"

namespace nnfit::plot {

namespace {

constexpr double kWidth = 720, kHeight = 420;
constexpr double kLeft = 72, kRight = 190, kTop = 40, kBottom = 56;
constexpr double kPlotW = kWidth - kLeft - kRight, kPlotH = kHeight - kTop - kBottom;

std::string num(double v) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f", v);
  return text;
}

std::string label(double v) {
  char text[32];
  if (v != 0 && (std::fabs(v) < 1e-3 || std::fabs(v) >= 1e5))
    std::snprintf(text, sizeof text, "%.0e", v);
  else
    std::snprintf(text, sizeof text, "%g", v);
  return text;
}

struct Axis {
  double low = 0, high = 1;
  bool log = false;
  bool integer = false;                        // ticks at whole numbers only
  double map(double v, double pixels) const {  // 0..pixels
    const double a = log ? std::log10(low) : low, b = log ? std::log10(high) : high;
    const double t = ((log ? std::log10(v) : v) - a) / (b - a);
    return t * pixels;
  }
  std::vector<double> ticks() const {
    std::vector<double> out;
    if (log) {
      const int a = static_cast<int>(std::floor(std::log10(low))),
                b = static_cast<int>(std::ceil(std::log10(high)));
      const bool few = b - a <= 2;
      for (int e = a; e <= b; ++e)
        for (double m : few ? std::vector<double>{1, 2, 5} : std::vector<double>{1}) {
          const double v = m * std::pow(10.0, e);
          if (v >= low * (1 - 1e-9) && v <= high * (1 + 1e-9)) out.push_back(v);
        }
      return out;
    }
    const double raw = (high - low) / 5;
    const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
    double step = magnitude;
    for (double m : {1.0, 2.0, 2.5, 5.0, 10.0})
      if (m * magnitude >= raw) {
        step = m * magnitude;
        break;
      }
    if (integer) step = std::max(1.0, std::round(step));
    for (double v = std::ceil(low / step) * step; v <= high + step * 1e-9; v += step)
      out.push_back(std::fabs(v) < step * 1e-9 ? 0.0 : v);
    return out;
  }
};

Axis make_axis(double low, double high, bool log, bool pad) {
  Axis a;
  a.log = log;
  if (!(low <= high)) low = 0, high = 1;
  if (log) {
    if (high <= low) high = low * 10;
    a.low = std::pow(10.0, std::floor(std::log10(low) * 4) / 4);
    a.high = std::pow(10.0, std::ceil(std::log10(high) * 4) / 4);
    return a;
  }
  if (high - low < 1e-12) {
    const double d = std::max(std::fabs(high) * 0.1, 1e-3);
    low -= d, high += d;
  }
  const double margin = pad ? 0.05 * (high - low) : 0;
  a.low = low - margin;
  a.high = high + margin;
  return a;
}

std::string frame(const std::string& title, const std::string& x_label, const std::string& y_label,
                  const Axis& x, const Axis& y, bool x_ticks) {
  std::string s;
  s += "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + num(kWidth) + "\" height=\"" +
       num(kHeight) + "\" viewBox=\"0 0 " + num(kWidth) + " " + num(kHeight) +
       "\" font-family=\"Helvetica, Arial, sans-serif\" font-size=\"12\">\n";
  s += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  s += "<text x=\"" + num(kLeft + kPlotW / 2) +
       "\" y=\"22\" text-anchor=\"middle\" font-size=\"14\" font-weight=\"bold\">" +
       report::escape_xml(title) + "</text>\n";
  // Grid and y ticks.
  for (double t : y.ticks()) {
    const double py = kTop + kPlotH - y.map(t, kPlotH);
    s += "<line x1=\"" + num(kLeft) + "\" x2=\"" + num(kLeft + kPlotW) + "\" y1=\"" + num(py) +
         "\" y2=\"" + num(py) + "\" stroke=\"#e5e5e5\"/>\n";
    s += "<text x=\"" + num(kLeft - 6) + "\" y=\"" + num(py + 4) + "\" text-anchor=\"end\">" +
         label(t) + "</text>\n";
  }
  if (x_ticks)
    for (double t : x.ticks()) {
      const double px = kLeft + x.map(t, kPlotW);
      s += "<line x1=\"" + num(px) + "\" x2=\"" + num(px) + "\" y1=\"" + num(kTop) + "\" y2=\"" +
           num(kTop + kPlotH) + "\" stroke=\"#f0f0f0\"/>\n";
      s += "<text x=\"" + num(px) + "\" y=\"" + num(kTop + kPlotH + 16) +
           "\" text-anchor=\"middle\">" + label(t) + "</text>\n";
    }
  s += "<rect x=\"" + num(kLeft) + "\" y=\"" + num(kTop) + "\" width=\"" + num(kPlotW) +
       "\" height=\"" + num(kPlotH) + "\" fill=\"none\" stroke=\"#333\"/>\n";
  s += "<text x=\"" + num(kLeft + kPlotW / 2) + "\" y=\"" + num(kHeight - 14) +
       "\" text-anchor=\"middle\">" + report::escape_xml(x_label) + "</text>\n";
  s += "<text transform=\"translate(18 " + num(kTop + kPlotH / 2) +
       ") rotate(-90)\" text-anchor=\"middle\">" +
       report::escape_xml(y_label + (y.log ? " (log scale)" : "")) + "</text>\n";
  return s;
}

std::string marker(std::size_t series, double x, double y, const std::string& color,
                   const std::string& tooltip);

std::string legend_entry(std::size_t row, const std::string& name, const std::string& color,
                         bool dashed, std::size_t series) {
  const double y = kTop + 10 + 18 * static_cast<double>(row);
  const double x = kLeft + kPlotW + 14;
  return "<line x1=\"" + num(x) + "\" x2=\"" + num(x + 22) + "\" y1=\"" + num(y) + "\" y2=\"" +
         num(y) + "\" stroke=\"" + color + "\" stroke-width=\"2.5\"" +
         (dashed ? " stroke-dasharray=\"6 3\"" : "") + "/>\n" +
         marker(series, x + 11, y, color, name) + "<text x=\"" + num(x + 28) + "\" y=\"" +
         num(y + 4) + "\">" + report::escape_xml(name) + "</text>\n";
}

// A point's marker: circle, square, triangle or diamond by series, its value as a tooltip.
std::string marker(std::size_t series, double x, double y, const std::string& color,
                   const std::string& tooltip) {
  const std::string title = "<title>" + report::escape_xml(tooltip) + "</title>";
  const std::string fill = "\" fill=\"" + color + "\">" + title;
  switch (series % 4) {
    case 1:
      return "<rect x=\"" + num(x - 2.5) + "\" y=\"" + num(y - 2.5) + "\" width=\"5\" height=\"5" +
             fill + "</rect>\n";
    case 2:
      return "<polygon points=\"" + num(x) + "," + num(y - 3.5) + " " + num(x + 3.2) + "," +
             num(y + 2.5) + " " + num(x - 3.2) + "," + num(y + 2.5) + fill + "</polygon>\n";
    case 3:
      return "<polygon points=\"" + num(x) + "," + num(y - 3.5) + " " + num(x + 3.5) + "," +
             num(y) + " " + num(x) + "," + num(y + 3.5) + " " + num(x - 3.5) + "," + num(y) + fill +
             "</polygon>\n";
    default:
      return "<circle cx=\"" + num(x) + "\" cy=\"" + num(y) + "\" r=\"2.5" + fill + "</circle>\n";
  }
}

}  // namespace

std::string color(std::size_t index) {
  static const char* palette[] = {"#0072B2", "#D55E00", "#009E73", "#CC79A7",
                                  "#E69F00", "#56B4E9", "#000000", "#999999"};
  return palette[index % 8];
}

bool spans_decades(const std::vector<double>& values, double decades) {
  double low = std::numeric_limits<double>::infinity(), high = 0;
  for (double v : values)
    if (v > 0 && std::isfinite(v)) low = std::min(low, v), high = std::max(high, v);
  return high > 0 && std::log10(high / low) > decades;
}

std::string LineChart::svg() const {
  double x0 = std::numeric_limits<double>::infinity(), x1 = -x0, y0 = x0, y1 = -x0;
  auto usable = [&](double v) { return std::isfinite(v) && (!log_y || v > 0); };
  for (const auto& s : series)
    for (std::size_t i = 0; i < s.x.size(); ++i) {
      x0 = std::min(x0, s.x[i]), x1 = std::max(x1, s.x[i]);
      for (double v :
           {s.y[i], s.low.empty() ? s.y[i] : s.low[i], s.high.empty() ? s.y[i] : s.high[i]})
        if (usable(v)) y0 = std::min(y0, v), y1 = std::max(y1, v);
    }
  if (!std::isfinite(x0)) x0 = 0, x1 = 1;
  if (!std::isfinite(y0)) y0 = log_y ? 0.1 : 0, y1 = 1;
  Axis x = make_axis(x0, x1, false, false);
  x.integer = true;  // epochs and layer numbers
  const Axis y = make_axis(y0, y1, log_y, true);
  std::string s = frame(title, x_label, y_label, x, y, true);
  auto point = [&](double px, double py) {
    return num(kLeft + x.map(px, kPlotW)) + "," + num(kTop + kPlotH - y.map(py, kPlotH));
  };
  s += "<g clip-path=\"none\">\n";
  std::size_t series_index = 0;
  for (const auto& line : series) {
    if (!line.low.empty()) {
      std::string path;
      for (std::size_t i = 0; i < line.x.size(); ++i)
        if (usable(line.high[i]))
          path.append(path.empty() ? "M" : " L").append(point(line.x[i], line.high[i]));
      for (std::size_t i = line.x.size(); i-- > 0;)
        if (usable(line.low[i])) path += " L" + point(line.x[i], line.low[i]);
      if (!path.empty())
        s += "<path d=\"" + path + " Z\" fill=\"" + line.color +
             "\" fill-opacity=\"0.15\" stroke=\"none\"/>\n";
    }
    std::string points;
    for (std::size_t i = 0; i < line.x.size(); ++i)
      if (usable(line.y[i]))
        points.append(points.empty() ? "" : " ").append(point(line.x[i], line.y[i]));
    s += "<polyline points=\"" + points + "\" fill=\"none\" stroke=\"" + line.color +
         "\" stroke-width=\"2\"" + (line.dashed ? " stroke-dasharray=\"6 3\"" : "") + "><title>" +
         report::escape_xml(line.name) + "</title></polyline>\n";
    // Markers, at most about 25 per line, shaped by the series (a second cue beside colour),
    // each with its exact value as a tooltip.
    const std::size_t every = std::max<std::size_t>(1, (line.x.size() + 24) / 25);
    for (std::size_t i = 0; i < line.x.size(); i += every)
      if (usable(line.y[i])) {
        const std::string p = point(line.x[i], line.y[i]);
        const auto comma = p.find(',');
        s += marker(series_index, std::stod(p.substr(0, comma)), std::stod(p.substr(comma + 1)),
                    line.color,
                    line.name + ": " + report::cell_number(line.x[i], "%.6g") + ", " +
                        report::cell_number(line.y[i], "%.6g"));
      }
    ++series_index;
  }
  s += "</g>\n";
  std::size_t row = 0;
  for (std::size_t i = 0; i < series.size(); ++i)
    if (series[i].legend)
      s += legend_entry(row++, series[i].name, series[i].color, series[i].dashed, i);
  return s + "</svg>\n";
}

std::string DotChart::svg() const {
  double y0 = std::numeric_limits<double>::infinity(), y1 = -y0;
  for (const auto& c : categories) {
    for (double v : c.values)
      if (std::isfinite(v)) y0 = std::min(y0, v), y1 = std::max(y1, v);
    for (double v : {c.low, c.high})
      if (std::isfinite(v)) y0 = std::min(y0, v), y1 = std::max(y1, v);
  }
  if (reference) y0 = std::min(y0, *reference), y1 = std::max(y1, *reference);
  if (!std::isfinite(y0)) y0 = 0, y1 = 1;
  const Axis y = make_axis(std::min(y0, 0.0), y1, false, true);
  Axis x;
  x.low = 0;
  x.high = static_cast<double>(categories.size());
  std::string s = frame(title, "", y_label, x, y, false);
  auto py = [&](double v) { return kTop + kPlotH - y.map(v, kPlotH); };
  if (reference) {
    s += "<line x1=\"" + num(kLeft) + "\" x2=\"" + num(kLeft + kPlotW) + "\" y1=\"" +
         num(py(*reference)) + "\" y2=\"" + num(py(*reference)) +
         "\" stroke=\"#888\" stroke-dasharray=\"4 3\"/>\n";
    s += "<text x=\"" + num(kLeft + kPlotW - 6) + "\" y=\"" + num(py(*reference) - 5) +
         "\" text-anchor=\"end\" fill=\"#555\">" + report::escape_xml(reference_label) +
         "</text>\n";
  }
  const double column = kPlotW / std::max<double>(1, static_cast<double>(categories.size()));
  for (std::size_t c = 0; c < categories.size(); ++c) {
    const auto& cat = categories[c];
    const double cx = kLeft + column * (static_cast<double>(c) + 0.5);
    s += "<text x=\"" + num(cx) + "\" y=\"" + num(kTop + kPlotH + 16) +
         "\" text-anchor=\"middle\">" + report::escape_xml(cat.name) + "</text>\n";
    const std::size_t n = cat.values.size();
    for (std::size_t i = 0; i < n; ++i) {
      // Spread the points sideways so that equal values stay visible.
      const double dx =
          n > 1 ? (static_cast<double>(i) / static_cast<double>(n - 1) - 0.5) * column * 0.35 : 0;
      const bool hollow = i < cat.hollow.size() && cat.hollow[i];
      s += "<circle cx=\"" + num(cx - column * 0.12 + dx) + "\" cy=\"" + num(py(cat.values[i])) +
           "\" r=\"4\" fill=\"" + (hollow ? std::string("white") : cat.color) + "\" stroke=\"" +
           cat.color + "\" stroke-width=\"1.5\"/>\n";
    }
    if (n > 0) {
      const double mx = cx + column * 0.25;
      s += "<line x1=\"" + num(mx) + "\" x2=\"" + num(mx) + "\" y1=\"" + num(py(cat.low)) +
           "\" y2=\"" + num(py(cat.high)) + "\" stroke=\"#333\" stroke-width=\"1.5\"/>\n";
      s += "<rect x=\"" + num(mx - 5) + "\" y=\"" + num(py(cat.mean) - 5) +
           "\" width=\"10\" height=\"10\" fill=\"#333\"/>\n";
    }
  }
  s += "<text x=\"" + num(kLeft + kPlotW + 14) + "\" y=\"" + num(kTop + 14) +
       "\">circles: runs (one per seed)</text>\n";
  s += "<text x=\"" + num(kLeft + kPlotW + 14) + "\" y=\"" + num(kTop + 32) +
       "\">open: target not reached</text>\n";
  s += "<text x=\"" + num(kLeft + kPlotW + 14) + "\" y=\"" + num(kTop + 50) +
       "\">square, bar: mean, 95% CI</text>\n";
  return s + "</svg>\n";
}

}  // namespace nnfit::plot
