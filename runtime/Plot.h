// Figures for the textbook examples: a grid of panels, each holding line or
// scatter series, an optional histogram and optional contour lines of a
// function, written as a PNG through PLplot's cairo device. HistoryPlot.h
// draws the fixed training-curve figure; this is the general one.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace nabla {

/// One curve or point set; NaN points are skipped (a gap, not a zero).
struct PlotSeries {
  std::vector<double> x, y;
  std::string label; // empty: not in the legend
  bool line = true;
  bool points = false;
};

/// Counts of `values` in `bins` equal bins over [lo, hi] (values outside are
/// dropped, as the book's plt.hist(range=...) does).
struct PlotHistogram {
  std::vector<double> values;
  int bins = 30;
  double lo = 0, hi = 1;
};

/// Contour lines of f over the panel's x/y range (the optimizer landscapes).
struct PlotContour {
  std::function<double(double, double)> f;
  std::vector<double> levels;
};

struct PlotPanel {
  std::string title, xLabel, yLabel;
  std::vector<PlotSeries> series;
  std::optional<PlotHistogram> histogram;
  std::optional<PlotContour> contour;
  /// Axis limits; unset ones come from the data with a small margin.
  std::optional<double> xMin, xMax, yMin, yMax;
};

struct FigureOptions {
  int columns = 1;           // panels fill rows of this many
  int panelWidth = 480, panelHeight = 360; // pixels
};

/// Writes `panels` as one PNG at `path` (through a temporary file and a
/// rename). Throws nabla::Error when there is nothing to draw or PLplot
/// cannot write the file. The image is columns*panelWidth wide and
/// ceil(panels/columns)*panelHeight high.
void plotFigure(const std::string &path, const std::vector<PlotPanel> &panels,
                const FigureOptions &options = {});

/// The bin counts plotFigure draws for `h` (exposed for tests and printing).
std::vector<double> histogramCounts(const PlotHistogram &h);

} // namespace nabla
