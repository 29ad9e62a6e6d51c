#include "runtime/Plot.h"

#include "runtime/Error.h"

#include <plplot.h>

#include <algorithm>
#include <cmath>
#include <filesystem>

namespace nabla {

namespace {

// cmap0 slots: 0 background, 15 axes/text, 14 contour grey, 13 histogram fill,
// 1..8 series colours (cycled) chosen to stay distinguishable on white.
constexpr int kSeriesColors = 8;
void setPalette() {
  plscolbg(255, 255, 255);
  plscol0(15, 0, 0, 0);
  plscol0(14, 190, 190, 190);
  plscol0(13, 120, 160, 220);
  const int rgb[kSeriesColors][3] = {{31, 119, 180}, {214, 39, 40},  {44, 160, 44},
                                     {255, 127, 14}, {148, 103, 189}, {140, 86, 75},
                                     {227, 119, 194}, {23, 190, 207}};
  for (int i = 0; i < kSeriesColors; ++i) plscol0(i + 1, rgb[i][0], rgb[i][1], rgb[i][2]);
}
PLINT seriesColor(size_t i) { return PLINT(1 + i % kSeriesColors); }

struct Range {
  double lo = INFINITY, hi = -INFINITY;
  void add(double v) {
    if (std::isfinite(v)) lo = std::min(lo, v), hi = std::max(hi, v);
  }
  /// Unset or degenerate ranges still give a drawable window.
  void finish(std::optional<double> fixedLo, std::optional<double> fixedHi) {
    if (lo > hi) lo = 0, hi = 1;
    if (lo == hi) lo -= 1, hi += 1;
    double margin = 0.05 * (hi - lo);
    lo = fixedLo.value_or(lo - margin);
    hi = fixedHi.value_or(hi + margin);
  }
};

void drawContour(const PlotContour &c, const Range &x, const Range &y) {
  constexpr int n = 120;
  std::vector<PLFLT> xs(n), ys(n);
  std::vector<std::vector<PLFLT>> z(n, std::vector<PLFLT>(n));
  std::vector<const PLFLT *> rows(n);
  for (int i = 0; i < n; ++i) {
    xs[i] = x.lo + (x.hi - x.lo) * i / (n - 1);
    ys[i] = y.lo + (y.hi - y.lo) * i / (n - 1);
  }
  for (int i = 0; i < n; ++i) {
    for (int j = 0; j < n; ++j) z[i][j] = c.f(xs[i], ys[j]);
    rows[i] = z[i].data();
  }
  PLcGrid grid{xs.data(), ys.data(), nullptr, n, n, 0};
  plcol0(14);
  plwidth(1.0);
  plcont(rows.data(), n, n, 1, n, 1, n, c.levels.data(), PLINT(c.levels.size()), pltr1, &grid);
}

void drawHistogram(const PlotHistogram &h) {
  std::vector<double> counts = histogramCounts(h);
  double width = (h.hi - h.lo) / h.bins;
  for (int b = 0; b < h.bins; ++b) {
    PLFLT xs[4] = {h.lo + b * width, h.lo + b * width, h.lo + (b + 1) * width, h.lo + (b + 1) * width};
    PLFLT ys[4] = {0, counts[b], counts[b], 0};
    plcol0(13);
    plfill(4, xs, ys);
    plcol0(15);
    plwidth(0.5);
    plline(4, xs, ys);
  }
}

/// Draws the runs of finite points as separate polylines, so a NaN is a gap.
void drawSeries(const PlotSeries &s, PLINT color) {
  plcol0(color);
  plwidth(2.0);
  std::vector<PLFLT> xs, ys;
  auto flush = [&] {
    if (s.line && xs.size() > 1) plline(PLINT(xs.size()), xs.data(), ys.data());
    if (s.points && !xs.empty()) plstring(PLINT(xs.size()), xs.data(), ys.data(), "#(728)");
    xs.clear(), ys.clear();
  };
  for (size_t i = 0; i < s.x.size() && i < s.y.size(); ++i) {
    if (std::isfinite(s.x[i]) && std::isfinite(s.y[i])) {
      xs.push_back(s.x[i]);
      ys.push_back(s.y[i]);
    } else {
      flush();
    }
  }
  flush();
}

void drawLegend(const std::vector<PlotSeries> &series) {
  std::vector<PLINT> opts, colors, styles, symbolNumbers;
  std::vector<PLFLT> widths, symbolScales;
  std::vector<const char *> texts, symbols;
  for (size_t i = 0; i < series.size(); ++i) {
    if (series[i].label.empty()) continue;
    opts.push_back((series[i].line ? PL_LEGEND_LINE : 0) | (series[i].points ? PL_LEGEND_SYMBOL : 0));
    colors.push_back(seriesColor(i));
    styles.push_back(1);
    widths.push_back(2.0);
    symbolNumbers.push_back(1);
    symbolScales.push_back(1.0);
    texts.push_back(series[i].label.c_str());
    symbols.push_back("#(728)");
  }
  if (texts.empty()) return;
  PLFLT width, height;
  plcol0(15);
  pllegend(&width, &height, PL_LEGEND_BACKGROUND | PL_LEGEND_BOUNDING_BOX,
           PL_POSITION_TOP | PL_POSITION_RIGHT | PL_POSITION_INSIDE, 0.02, 0.02, 0.08, 0, 15, 1, 0,
           0, PLINT(texts.size()), opts.data(), 0.8, 0.7, 1.6, 0.0, colors.data(), texts.data(),
           nullptr, nullptr, nullptr, nullptr, colors.data(), styles.data(), widths.data(),
           colors.data(), symbolScales.data(), symbolNumbers.data(), symbols.data());
}

void drawPanel(const PlotPanel &p) {
  Range x, y;
  for (const PlotSeries &s : p.series) {
    for (double v : s.x) x.add(v);
    for (double v : s.y) y.add(v);
  }
  if (p.histogram) {
    x.add(p.histogram->lo), x.add(p.histogram->hi);
    y.add(0);
    for (double c : histogramCounts(*p.histogram)) y.add(c);
  }
  x.finish(p.xMin, p.xMax);
  y.finish(p.yMin, p.yMax);

  pladv(0);
  plvpor(0.14, 0.95, 0.14, 0.88);
  plwind(x.lo, x.hi, y.lo, y.hi);
  if (p.contour) drawContour(*p.contour, x, y);
  if (p.histogram) drawHistogram(*p.histogram);
  // Series beyond fixed limits (a diverging run) are clipped to the frame.
  for (size_t i = 0; i < p.series.size(); ++i) drawSeries(p.series[i], seriesColor(i));
  plcol0(15);
  plwidth(1.0);
  plbox("bcnst", 0.0, 0, "bcnstv", 0.0, 0);
  pllab(p.xLabel.c_str(), p.yLabel.c_str(), p.title.c_str());
  drawLegend(p.series);
}

} // namespace

std::vector<double> histogramCounts(const PlotHistogram &h) {
  if (h.bins < 1 || !(h.hi > h.lo)) throw Error("histogram needs bins >= 1 and hi > lo");
  std::vector<double> counts(size_t(h.bins), 0.0);
  for (double v : h.values) {
    if (!(v >= h.lo && v <= h.hi)) continue;
    int b = std::min(h.bins - 1, int((v - h.lo) / (h.hi - h.lo) * h.bins));
    counts[size_t(b)] += 1;
  }
  return counts;
}

void plotFigure(const std::string &path, const std::vector<PlotPanel> &panels,
                const FigureOptions &options) {
  if (panels.empty()) throw Error("plotFigure: no panels to draw for " + path);
  int columns = std::max(1, std::min<int>(options.columns, int(panels.size())));
  int rows = int((panels.size() + columns - 1) / columns);
  std::string temp = path + ".tmp";
  plsdev("pngcairo");
  plsfnam(temp.c_str());
  plspage(0, 0, columns * options.panelWidth, rows * options.panelHeight, 0, 0);
  setPalette();
  plstar(columns, rows);
  plschr(0, 0.9);
  for (const PlotPanel &p : panels) drawPanel(p);
  plend();
  std::error_code error;
  if (!std::filesystem::exists(temp, error) || std::filesystem::file_size(temp, error) == 0)
    throw Error("plotFigure: PLplot wrote nothing to " + temp);
  std::filesystem::rename(temp, path, error);
  if (error) throw Error("plotFigure: cannot write " + path + ": " + error.message());
}

} // namespace nabla
