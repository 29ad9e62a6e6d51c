// Training progress on the terminal: a bar redrawn in place (loss, images/s,
// ETA) when the output is a TTY; plain lines at a fixed interval otherwise, so
// logs and CI output stay readable.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <string>

namespace nabla {

class ProgressBar {
public:
  enum class Mode { Auto, Bar, Lines };
  using Clock = std::function<double()>; // seconds, monotonic

  struct Options {
    Mode mode = Mode::Auto;       // Auto: Bar if `out` is a TTY, else Lines
    double lineIntervalSeconds = 10; // Lines mode: at most one line per interval
    int barWidth = 30;
    Clock clock;                  // default: std::chrono::steady_clock
  };

  /// `label` prefixes every line (e.g. "epoch 3/10"); `totalSteps` batches.
  ProgressBar(std::string label, int64_t totalSteps, std::FILE *out = stdout);
  ProgressBar(std::string label, int64_t totalSteps, std::FILE *out, Options options);

  /// Reports that `step` of totalSteps batches are done, `images` images seen
  /// so far in this bar, and the latest (or running mean) loss.
  void update(int64_t step, int64_t images, double loss);
  /// Draws the final state and ends the line (Bar) or prints a last line.
  void finish();

  bool isBar() const { return bar_; }

  /// One status text, e.g. "epoch 1 [=====>    ] 120/600 loss 0.4312 5234 img/s ETA 0:12";
  /// barWidth 0 leaves the bar out. Pure, for tests and for Lines mode.
  static std::string format(const std::string &label, int64_t step, int64_t total,
                            double loss, double imagesPerSecond, double etaSeconds,
                            int barWidth);

private:
  void draw(bool final);

  std::string label_;
  int64_t total_;
  std::FILE *out_;
  Options options_;
  bool bar_ = false;
  double start_ = 0, lastPrint_ = 0;
  int64_t step_ = 0, images_ = 0;
  double loss_ = 0;
  bool finished_ = false;
};

} // namespace nabla
