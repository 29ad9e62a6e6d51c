// Metrics CSV (exact text, round trip, errors) and the progress bar's text
// in both modes, driven by a fake clock.
#include "runtime/History.h"
#include "runtime/ProgressBar.h"

#include "tests/unit/FileTestSupport.h"

#include <cstdio>

namespace nabla {
namespace {

using testing::expectError;
using testing::TempDir;

History twoEpochs() {
  History h;
  h.add({.epoch = 1, .step = 600, .trainLoss = 0.5, .trainAccuracy = 0.8125,
         .testAccuracy = 0.75, .seconds = 12.5, .imagesPerSecond = 4800});
  // Epoch 2 was not evaluated on the test set; 0.1 is not exact in binary.
  h.add({.epoch = 2, .step = 1200, .trainLoss = 0.1, .trainAccuracy = 0.9, .seconds = 11.25,
         .imagesPerSecond = 5333.5});
  return h;
}

TEST(HistoryTest, CsvText) {
  EXPECT_EQ(twoEpochs().toCsv(),
            "epoch,step,train_loss,train_acc,test_acc,seconds,images_per_s\n"
            "1,600,0.5,0.8125,0.75,12.5,4800\n"
            "2,1200,0.1,0.9,,11.25,5333.5\n");
}

TEST(HistoryTest, WriteAndReadBack) {
  TempDir dir;
  History h = twoEpochs();
  h.add({.epoch = 3, .step = 1800, .trainLoss = 1.0 / 3.0, .trainAccuracy = 2.0 / 3.0,
         .testAccuracy = 0.123456789012345678, .seconds = 1e-9, .imagesPerSecond = 1e300});
  h.writeCsv(dir.file("history.csv"));
  EXPECT_EQ(dir.entries(), (std::vector<std::string>{"history.csv"}));
  History back = History::readCsv(dir.file("history.csv"));
  ASSERT_EQ(back.epochs().size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    const EpochMetrics &a = back.epochs()[i], &b = h.epochs()[i];
    EXPECT_EQ(a.epoch, b.epoch);
    EXPECT_EQ(a.step, b.step);
    EXPECT_EQ(a.trainLoss, b.trainLoss); // exact: shortest round-trip text
    EXPECT_EQ(a.trainAccuracy, b.trainAccuracy);
    EXPECT_EQ(std::isnan(a.testAccuracy), std::isnan(b.testAccuracy));
    if (!std::isnan(b.testAccuracy)) EXPECT_EQ(a.testAccuracy, b.testAccuracy);
    EXPECT_EQ(a.seconds, b.seconds);
    EXPECT_EQ(a.imagesPerSecond, b.imagesPerSecond);
  }
}

TEST(HistoryTest, ReadErrorsNameLineAndColumn) {
  TempDir dir;
  testing::writeBytes(dir.file("bad.csv"), {'x', '\n'});
  expectError([&] { History::readCsv(dir.file("bad.csv")); },
              {dir.file("bad.csv"), "line 1", "expected the header"});
  std::string text = std::string(History::kCsvHeader) + "\n1,600,0.5,0.8,0.7,12,4800\n1,6x0,0.5,0.8,0.7,12,4800\n";
  testing::writeBytes(dir.file("bad2.csv"), std::vector<uint8_t>(text.begin(), text.end()));
  expectError([&] { History::readCsv(dir.file("bad2.csv")); },
              {"line 3, column step", "found '6x0'"});
  text = std::string(History::kCsvHeader) + "\n1,2,3\n";
  testing::writeBytes(dir.file("bad3.csv"), std::vector<uint8_t>(text.begin(), text.end()));
  expectError([&] { History::readCsv(dir.file("bad3.csv")); },
              {"line 2", "expected 7 fields, found 3"});
}

TEST(ProgressBarTest, FormatsBarAndNumbers) {
  EXPECT_EQ(ProgressBar::format("epoch 1", 150, 600, 0.4321, 5234.4, 12.4, 10),
            "epoch 1 [==>       ] 150/600 loss 0.4321 5234 img/s ETA 0:12");
  EXPECT_EQ(ProgressBar::format("e", 600, 600, 0.1, 100, 0, 4), "e [====] 600/600 loss 0.1000 100 img/s ETA 0:00");
  EXPECT_EQ(ProgressBar::format("e", 0, 10, 2.5, 0, NAN, 0), "e 0/10 loss 2.5000 0 img/s ETA --:--");
  EXPECT_EQ(ProgressBar::format("e", 1, 1000, 1, 1, 3725, 0), "e 1/1000 loss 1.0000 1 img/s ETA 1:02:05");
}

// Output of a ProgressBar written to memory instead of a terminal.
struct Captured {
  char *buffer = nullptr;
  size_t size = 0;
  std::FILE *file = open_memstream(&buffer, &size);
  ~Captured() {
    if (file) std::fclose(file);
    std::free(buffer);
  }
  std::string text() {
    std::fflush(file);
    return std::string(buffer, size);
  }
};

TEST(ProgressBarTest, LinesModePrintsAtIntervals) {
  Captured out;
  double now = 100;
  ProgressBar bar("epoch 1", 10, out.file,
                  {.mode = ProgressBar::Mode::Lines, .lineIntervalSeconds = 5,
                   .clock = [&] { return now; }});
  EXPECT_FALSE(bar.isBar());
  now = 102;
  bar.update(2, 200, 0.9); // 2 s < 5 s: nothing yet
  EXPECT_EQ(out.text(), "");
  now = 105;
  bar.update(5, 500, 0.7); // 5 s: 100 img/s, 5 steps left at 1 step/s
  EXPECT_EQ(out.text(), "epoch 1 5/10 loss 0.7000 100 img/s ETA 0:05\n");
  now = 110;
  bar.update(10, 1000, 0.5);
  bar.finish();
  bar.finish(); // only once
  EXPECT_EQ(out.text(), "epoch 1 5/10 loss 0.7000 100 img/s ETA 0:05\n"
                        "epoch 1 10/10 loss 0.5000 100 img/s ETA 0:00\n"
                        "epoch 1 10/10 loss 0.5000 100 img/s ETA 0:00\n");
}

TEST(ProgressBarTest, BarModeRedrawsInPlace) {
  Captured out;
  double now = 0;
  ProgressBar bar("e", 4, out.file,
                  {.mode = ProgressBar::Mode::Bar, .barWidth = 4, .clock = [&] { return now; }});
  EXPECT_TRUE(bar.isBar());
  now = 1;
  bar.update(1, 10, 2);
  now = 1.05;
  bar.update(2, 20, 1.5); // within 0.1 s of the last redraw: skipped
  now = 2;
  bar.update(2, 20, 1.5);
  bar.finish();
  EXPECT_EQ(out.text(), "\re [=>  ] 1/4 loss 2.0000 10 img/s ETA 0:03\x1b[K"
                        "\re [==> ] 2/4 loss 1.5000 10 img/s ETA 0:02\x1b[K"
                        "\re [==> ] 2/4 loss 1.5000 10 img/s ETA 0:00\x1b[K\n");
}

TEST(ProgressBarTest, AutoModeUsesLinesForNonTerminal) {
  Captured out;
  ProgressBar bar("e", 1, out.file);
  EXPECT_FALSE(bar.isBar()); // a memory stream is not a TTY
}

} // namespace
} // namespace nabla
