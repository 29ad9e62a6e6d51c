// The training-curve PNG: a real PNG appears at the path, nothing else is
// left behind, and bad paths are clear errors.
#include "runtime/Error.h"
#include "runtime/HistoryPlot.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

using namespace nabla;

namespace {
History threeEpochs() {
  History h;
  for (int64_t e = 1; e <= 3; ++e) {
    EpochMetrics m;
    m.epoch = e;
    m.trainLoss = 1.0 / double(e);
    m.trainAccuracy = 0.5 + 0.1 * double(e);
    m.testAccuracy = e == 2 ? NAN : 0.45 + 0.1 * double(e); // a gap is skipped, not drawn at 0
    h.add(m);
  }
  return h;
}
} // namespace

TEST(HistoryPlot, WritesAPngAtomically) {
  auto dir = std::filesystem::temp_directory_path() / "nabla_history_plot_test";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  std::string path = (dir / "history.png").string();
  plotHistory(threeEpochs(), path, "test run");
  std::ifstream in(path, std::ios::binary);
  char signature[8] = {};
  in.read(signature, 8);
  EXPECT_EQ(std::string(signature + 1, 3), "PNG");
  EXPECT_GT(std::filesystem::file_size(path), 1000u);
  EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
  std::filesystem::remove_all(dir);
}

TEST(HistoryPlot, EmptyHistoryIsAnError) {
  EXPECT_THROW(plotHistory(History{}, "/tmp/never.png", "empty"), Error);
}
