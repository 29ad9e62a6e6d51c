#include "runtime/HistoryPlot.h"

#include "runtime/Error.h"

#include <plplot.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <vector>

namespace nabla {

namespace {

/// One panel: the curves share the x axis (epochs) and the y range.
struct Curve {
  std::vector<PLFLT> y;
  PLINT color;
  const char *label;
};

void drawPanel(const std::vector<PLFLT> &x, const std::vector<Curve> &curves, PLFLT yMin,
               PLFLT yMax, const char *yLabel, const char *title) {
  PLFLT xMax = std::max<PLFLT>(x.back(), 1.0) * 1.05; // keep the last point off the frame
  pladv(0);
  plvpor(0.12, 0.95, 0.16, 0.86);
  plwind(0.0, xMax, yMin, yMax);
  plcol0(15);
  plbox("bcnst", 0.0, 0, "bcnstv", 0.0, 0);
  pllab("epoch", yLabel, title);
  PLFLT legendX = 1.0; // labels sit just above the frame, right-aligned
  for (const Curve &c : curves) {
    std::vector<PLFLT> xs, ys; // skip epochs without a value (NaN)
    for (size_t i = 0; i < x.size(); ++i)
      if (std::isfinite(c.y[i])) {
        xs.push_back(x[i]);
        ys.push_back(c.y[i]);
      }
    if (xs.empty()) continue;
    plcol0(c.color);
    plwidth(2.0);
    plline(PLINT(xs.size()), xs.data(), ys.data());
    plpoin(PLINT(xs.size()), xs.data(), ys.data(), 17);
    plmtex("t", 0.6, legendX, 1.0, c.label);
    legendX -= 0.18;
  }
}

} // namespace

void plotHistory(const History &history, const std::string &path, const std::string &title) {
  const auto &epochs = history.epochs();
  if (epochs.empty()) throw Error("plotHistory: no epochs to plot for " + path);
  std::vector<PLFLT> x = {0.0};
  std::vector<PLFLT> loss = {NAN}, trainAcc = {NAN}, testAcc = {NAN};
  PLFLT lossMax = 0;
  for (const EpochMetrics &e : epochs) {
    x.push_back(PLFLT(e.epoch));
    loss.push_back(e.trainLoss);
    trainAcc.push_back(100 * e.trainAccuracy);
    testAcc.push_back(100 * e.testAccuracy);
    if (std::isfinite(e.trainLoss)) lossMax = std::max<PLFLT>(lossMax, e.trainLoss);
  }
  std::string temp = path + ".tmp";
  plsdev("pngcairo");
  plsfnam(temp.c_str());
  plspage(0, 0, 1200, 480, 0, 0);
  plscolbg(255, 255, 255);
  plscol0(15, 0, 0, 0);      // axes and text: black
  plscol0(1, 200, 40, 40);   // red
  plscol0(9, 40, 80, 200);   // blue
  plscol0(3, 30, 150, 60);   // green
  plstar(2, 1);
  drawPanel(x, {{loss, 1, "train loss"}}, 0.0, lossMax > 0 ? lossMax * 1.1 : 1.0, "loss",
            (title + ": loss").c_str());
  drawPanel(x, {{trainAcc, 9, "train"}, {testAcc, 3, "test"}}, 0.0, 100.0, "accuracy (%)",
            (title + ": accuracy").c_str());
  plend();
  std::error_code error;
  std::filesystem::rename(temp, path, error);
  if (error) throw Error("plotHistory: cannot write " + path + ": " + error.message());
}

} // namespace nabla
