#include "examples/LessonOptions.h"

#include "tools/CliChecks.h"

#include <filesystem>

namespace nabla::examples {

void LessonOptions::addTo(CLI::App &app, const std::string &outHelp, const std::string &seedHelp, bool withTest) {
  app.add_option("--train-size", trainSize, "first N training images (0: all)")->capture_default_str()
      ->check(cli::atLeast(0));
  if (withTest)
    app.add_option("--test-size", testSize, "first N test images (0: all)")
        ->capture_default_str()
        ->check(cli::atLeast(0));
  app.add_option("--data", data, "MNIST-format directory (default: Debian's Fashion-MNIST)");
  if (!outHelp.empty()) app.add_option("--out", out, "directory for " + outHelp)->capture_default_str();
  app.add_option("--backend", backendName, "halide or reference")->capture_default_str();
  app.add_option("--threads", threads, "CPU threads (default: all cores)")->check(cli::atLeast(0));
  app.add_option("--seed", seed, seedHelp)->capture_default_str();
}

void LessonOptions::apply() {
  backend = parseBackend(backendName);
  setThreads(threads);
  createDirectories(out);
}

std::string LessonOptions::outPath(const std::string &name) const {
  return (std::filesystem::path(out) / name).string();
}

} // namespace nabla::examples
