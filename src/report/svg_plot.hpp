// Plots as self-contained SVG: line charts (with a band per series, linear or log y axis) and
// dot charts (one column of points per category, with the mean and its interval). Written
// directly rather than through a plotting program so that reports need nothing installed.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace nnfit::plot {

// Colour-blind-safe palette (Okabe and Ito), by series index.
std::string color(std::size_t index);

struct Series {
  std::string name;
  std::string color;
  std::vector<double> x, y;
  std::vector<double> low, high;  // optional band, same length as x
  bool dashed = false;
  bool legend = true;
};

struct LineChart {
  std::string title, x_label, y_label;
  bool log_y = false;  // non-positive values are left out
  std::vector<Series> series;
  std::string svg() const;
};

struct Category {
  std::string name;
  std::string color;
  std::vector<double> values;
  std::vector<bool> hollow;  // drawn as open circles (e.g. never reached the target)
  double mean = 0, low = 0, high = 0;
};

struct DotChart {
  std::string title, y_label;
  std::vector<Category> categories;
  std::optional<double> reference;  // a dashed horizontal line (e.g. the epoch budget)
  std::string reference_label;
  std::string svg() const;
};

// True when positive values span more than `decades` powers of ten: use a log axis.
bool spans_decades(const std::vector<double>& values, double decades = 1.5);

}  // namespace nnfit::plot
