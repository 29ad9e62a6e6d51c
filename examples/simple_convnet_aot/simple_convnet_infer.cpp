// simple_convnet_infer: the textbook's SimpleConvNet classifying Fashion-MNIST
// through the library `nablac --target host` wrote (simple_convnet.a, .h and
// .weights). It links that library, zlib and libc only: no nabla runtime,
// libHalide, LLVM, MLIR or protobuf (tests/e2e checks with ldd).
//
//   simple_convnet_infer --weights simple_convnet.weights [--data DIR]
//       [--limit N] [--show N] [--predictions FILE] [--logits FILE] [--bench-seconds S]
//
// Prints the first predictions, the test accuracy and the throughput at
// batch 1 and batch 100. Exits 1 with the library's message on any error
// (a bad weights file, no CUDA device for the host-cuda build).
#include "IdxFile.h"
#include "simple_convnet.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <type_traits>
#include <vector>

namespace {

const char *const kClasses[] = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};
constexpr int64_t kImage = SIMPLE_CONVNET_X_SIZE, kClassCount = SIMPLE_CONVNET_LOGITS_SIZE;

struct Options {
  std::string weights, data = "/usr/share/datasets/fashion-mnist", predictions, logits;
  int64_t limit = 0, show = 10;
  double benchSeconds = 1.0;
};

constexpr const char *kUsage =
    "usage: simple_convnet_infer --weights FILE [--data DIR] [--limit N] [--show N]\n"
    "                            [--predictions FILE] [--logits FILE] [--bench-seconds S]\n"
    "  --weights FILE        the .weights file nablac wrote beside the library (required)\n"
    "  --data DIR            MNIST-format directory (default: Debian's Fashion-MNIST)\n"
    "  --limit N             classify only the first N test images (default: all)\n"
    "  --show N              print the first N predictions (default 10)\n"
    "  --predictions FILE    write one predicted class per line\n"
    "  --logits FILE         write the logits, one image per line\n"
    "  --bench-seconds S     time batch 1 and 100 for S seconds each (default 1; 0: skip)\n";

[[noreturn]] void usage(const std::string &problem) {
  std::fprintf(stderr, "simple_convnet_infer: %s\n%s", problem.c_str(), kUsage);
  std::exit(2);
}

/// `value` as a finite, non-negative number of `flag`, or a usage error
/// naming both ("nan" or "inf" seconds would time forever).
template <typename T> T number(const std::string &flag, const char *value) {
  char *end = nullptr;
  T parsed = std::is_integral_v<T> ? T(std::strtoll(value, &end, 10)) : T(std::strtod(value, &end));
  if (end == value || *end != '\0' || !(parsed >= 0) || !std::isfinite(double(parsed)))
    usage(flag + " needs a non-negative number, not '" + value + "'");
  return parsed;
}

Options parse(int argc, char **argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string flag = argv[i];
    if (flag == "--help" || flag == "-h") {
      std::fputs(kUsage, stdout);
      std::exit(0);
    }
    static const char *const kFlags[] = {"--weights", "--data",  "--predictions", "--logits",
                                         "--limit",   "--show", "--bench-seconds"};
    if (std::find(std::begin(kFlags), std::end(kFlags), flag) == std::end(kFlags))
      usage("unknown option " + flag);
    if (i + 1 >= argc) usage("missing value after " + flag);
    const char *value = argv[++i];
    if (flag == "--weights") o.weights = value;
    else if (flag == "--data") o.data = value;
    else if (flag == "--predictions") o.predictions = value;
    else if (flag == "--logits") o.logits = value;
    else if (flag == "--limit") o.limit = number<int64_t>(flag, value);
    else if (flag == "--show") o.show = number<int64_t>(flag, value);
    else o.benchSeconds = number<double>(flag, value); // --bench-seconds
  }
  if (o.weights.empty()) usage("--weights is required");
  return o;
}

/// An optional output file (`path` empty: none), with the errno of a failed
/// open, write or close.
struct OutputFile {
  std::string path;
  FILE *file = nullptr;
  int error = 0;
  explicit OutputFile(std::string p) : path(std::move(p)) {
    if (path.empty()) return;
    file = std::fopen(path.c_str(), "w");
    if (!file) error = errno;
  }
  ~OutputFile() { close(); }
  bool ok() const { return path.empty() || file; }
  /// Closes the file; false (and `error`) if any write or the close failed.
  bool close() {
    if (!file) return ok();
    bool failed = std::ferror(file) != 0;
    if (std::fclose(file) != 0 || failed) error = errno ? errno : EIO;
    file = nullptr;
    return error == 0;
  }
};

int argmax(const float *row) {
  return int(std::max_element(row, row + kClassCount) - row);
}

/// Median, min and max seconds per call of `batch` images, over calls
/// repeated for about `seconds` (after one warm-up call).
struct Timing { double median, min, max; int64_t calls; };
bool time(simple_convnet_model *model, const idx::Images &test, int64_t batch, double seconds,
          Timing &out) {
  std::vector<float> logits(size_t(batch * kClassCount));
  std::vector<double> samples;
  auto start = std::chrono::steady_clock::now();
  for (int64_t call = 0;; ++call) {
    int64_t first = (call * batch) % (test.count - batch + 1);
    auto t0 = std::chrono::steady_clock::now();
    if (simple_convnet_predict(model, batch, &test.pixels[size_t(first * kImage)], logits.data()))
      return false;
    auto t1 = std::chrono::steady_clock::now();
    if (call > 0) samples.push_back(std::chrono::duration<double>(t1 - t0).count());
    if (call > 0 && std::chrono::duration<double>(t1 - start).count() >= seconds) break;
  }
  std::sort(samples.begin(), samples.end());
  out = {samples[samples.size() / 2], samples.front(), samples.back(), int64_t(samples.size())};
  return true;
}

} // namespace

int main(int argc, char **argv) {
  Options options = parse(argc, argv);
  idx::Images test;
  std::string error;
  if (!idx::readSplit(options.data, "t10k", options.limit, test, error)) {
    std::fprintf(stderr, "simple_convnet_infer: %s\n", error.c_str());
    return 1;
  }
  if (test.count == 0) {
    std::fprintf(stderr, "simple_convnet_infer: %s has no test images\n", options.data.c_str());
    return 1;
  }
  for (size_t i = 0; i < test.labels.size(); ++i)
    if (test.labels[i] < 0 || test.labels[i] >= kClassCount) {
      std::fprintf(stderr, "simple_convnet_infer: label %d of test image %zu is not a class (0-%lld)\n",
                   test.labels[i], i, (long long)kClassCount - 1);
      return 1;
    }
  if (test.rows * test.cols != kImage) {
    std::fprintf(stderr, "simple_convnet_infer: images are %lldx%lld, the model takes %lld pixels\n",
                 (long long)test.rows, (long long)test.cols, (long long)kImage);
    return 1;
  }
  // The output files are opened before the work, so a bad path fails at once.
  OutputFile predictions(options.predictions), logitsFile(options.logits);
  for (const OutputFile *f : {&predictions, &logitsFile})
    if (!f->ok()) {
      std::fprintf(stderr, "simple_convnet_infer: cannot write %s: %s\n", f->path.c_str(),
                   std::strerror(f->error));
      return 1;
    }
  simple_convnet_model *model = simple_convnet_create(options.weights.c_str());
  if (!model) {
    std::fprintf(stderr, "simple_convnet_infer: %s\n", simple_convnet_last_error());
    return 1;
  }

  // Every test image, in batches of 100 (the last one shorter).
  std::vector<float> logits(size_t(test.count * kClassCount));
  for (int64_t first = 0; first < test.count; first += 100) {
    int64_t batch = std::min<int64_t>(100, test.count - first);
    if (simple_convnet_predict(model, batch, &test.pixels[size_t(first * kImage)],
                               &logits[size_t(first * kClassCount)])) {
      std::fprintf(stderr, "simple_convnet_infer: %s\n", simple_convnet_last_error());
      simple_convnet_destroy(model);
      return 1;
    }
  }
  int64_t correct = 0;
  for (int64_t i = 0; i < test.count; ++i) {
    const float *row = &logits[size_t(i * kClassCount)];
    int predicted = argmax(row);
    correct += predicted == test.labels[size_t(i)];
    if (i < options.show)
      std::printf("image %4lld: %-11s (label: %s)\n", (long long)i, kClasses[predicted],
                  kClasses[test.labels[size_t(i)]]);
    if (predictions.file) std::fprintf(predictions.file, "%d\n", predicted);
    if (logitsFile.file)
      for (int64_t c = 0; c < kClassCount; ++c)
        std::fprintf(logitsFile.file, "%.9g%c", row[c], c + 1 < kClassCount ? ' ' : '\n');
  }
  for (OutputFile *f : {&predictions, &logitsFile})
    if (!f->close()) {
      std::fprintf(stderr, "simple_convnet_infer: writing %s failed: %s\n", f->path.c_str(),
                   std::strerror(f->error));
      simple_convnet_destroy(model);
      return 1;
    }
  std::printf("test accuracy: %.2f%% (%lld of %lld images)\n", 100.0 * double(correct) / double(test.count),
              (long long)correct, (long long)test.count);

  for (int64_t batch : {int64_t(1), int64_t(100)}) {
    if (options.benchSeconds <= 0 || batch > test.count) continue;
    Timing t;
    if (!time(model, test, batch, options.benchSeconds, t)) {
      std::fprintf(stderr, "simple_convnet_infer: %s\n", simple_convnet_last_error());
      simple_convnet_destroy(model);
      return 1;
    }
    std::printf("batch %3lld: %9.0f images/s, %.4f ms per call (median of %lld; min %.4f, max %.4f)\n",
                (long long)batch, double(batch) / t.median, 1e3 * t.median, (long long)t.calls,
                1e3 * t.min, 1e3 * t.max);
  }
  simple_convnet_destroy(model);
  return 0;
}
