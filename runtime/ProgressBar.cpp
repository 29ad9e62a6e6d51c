#include "runtime/ProgressBar.h"

#include <cmath>
#include <unistd.h>

namespace nabla {
namespace {

double steadySeconds() {
  using namespace std::chrono;
  return duration<double>(steady_clock::now().time_since_epoch()).count();
}

std::string formatDuration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "--:--";
  long s = std::lround(seconds);
  char buffer[32];
  if (s >= 3600)
    std::snprintf(buffer, sizeof buffer, "%ld:%02ld:%02ld", s / 3600, s / 60 % 60, s % 60);
  else
    std::snprintf(buffer, sizeof buffer, "%ld:%02ld", s / 60, s % 60);
  return buffer;
}

} // namespace

ProgressBar::ProgressBar(std::string label, int64_t totalSteps, std::FILE *out)
    : ProgressBar(std::move(label), totalSteps, out, Options{}) {}

ProgressBar::ProgressBar(std::string label, int64_t totalSteps, std::FILE *out, Options options)
    : label_(std::move(label)), total_(totalSteps), out_(out), options_(std::move(options)) {
  if (!options_.clock) options_.clock = steadySeconds;
  bar_ = options_.mode == Mode::Bar ||
         (options_.mode == Mode::Auto && out_ && ::isatty(::fileno(out_)));
  start_ = lastPrint_ = options_.clock();
}

std::string ProgressBar::format(const std::string &label, int64_t step, int64_t total,
                                double loss, double imagesPerSecond, double etaSeconds,
                                int barWidth) {
  std::string text = label;
  if (barWidth > 0 && total > 0) {
    int filled = int(double(barWidth) * double(std::min(step, total)) / double(total));
    text += " [";
    for (int i = 0; i < barWidth; ++i)
      text += i < filled ? '=' : (i == filled ? '>' : ' ');
    text += ']';
  }
  char buffer[160];
  std::snprintf(buffer, sizeof buffer, " %lld/%lld loss %.4f %.0f img/s ETA %s",
                (long long)step, (long long)total, loss, imagesPerSecond,
                formatDuration(etaSeconds).c_str());
  return text + buffer;
}

void ProgressBar::update(int64_t step, int64_t images, double loss) {
  step_ = step;
  images_ = images;
  loss_ = loss;
  const double now = options_.clock();
  // A redraw per batch would cost more than the batch on small models; the
  // bar redraws at most 10 times a second.
  const double interval = bar_ ? 0.1 : options_.lineIntervalSeconds;
  if (now - lastPrint_ >= interval) draw(false);
}

void ProgressBar::finish() {
  if (finished_) return;
  finished_ = true;
  draw(true);
}

void ProgressBar::draw(bool final) {
  if (!out_) return;
  const double now = options_.clock();
  const double elapsed = now - start_;
  const double rate = elapsed > 0 ? double(images_) / elapsed : 0;
  const double stepsPerSecond = elapsed > 0 ? double(step_) / elapsed : 0;
  const double eta = final ? 0 : (stepsPerSecond > 0 ? double(total_ - step_) / stepsPerSecond
                                                     : NAN);
  const std::string text =
      format(label_, step_, total_, loss_, rate, eta, bar_ ? options_.barWidth : 0);
  if (bar_)
    // \r returns to the line start, \x1b[K clears what a longer previous line left.
    std::fprintf(out_, "\r%s\x1b[K%s", text.c_str(), final ? "\n" : "");
  else
    std::fprintf(out_, "%s\n", text.c_str());
  std::fflush(out_);
  lastPrint_ = now;
}

} // namespace nabla
