// Runs a fuzz target's LLVMFuzzerTestOneInput over files instead of fuzzing.
// Builds without NABLA_FUZZ link this in place of libFuzzer, so every fuzz
// harness compiles and runs over its seed corpus in the ordinary test suite
// (and under --asan), and a crash input can be replayed with any compiler.
//
// Usage: <fuzzer> FILE_OR_DIRECTORY...   (directories are walked recursively)
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

namespace {

std::vector<std::filesystem::path> inputsUnder(const std::filesystem::path &root) {
  namespace fs = std::filesystem;
  std::vector<fs::path> files;
  if (fs::is_directory(root)) {
    for (const auto &entry : fs::recursive_directory_iterator(root))
      if (entry.is_regular_file()) files.push_back(entry.path());
  } else {
    files.push_back(root);
  }
  // A fixed order makes a failing replay reproducible.
  std::sort(files.begin(), files.end());
  return files;
}

} // namespace

int main(int argc, char **argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s FILE_OR_DIRECTORY...\n", argv[0]);
    return 2;
  }
  size_t replayed = 0;
  for (int i = 1; i < argc; ++i) {
    if (!std::filesystem::exists(argv[i])) {
      std::fprintf(stderr, "%s: no such file or directory: %s\n", argv[0], argv[i]);
      return 2;
    }
    for (const auto &path : inputsUnder(argv[i])) {
      std::ifstream in(path, std::ios::binary);
      std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      if (!in.good() && !in.eof()) {
        std::fprintf(stderr, "%s: cannot read %s\n", argv[0], path.c_str());
        return 2;
      }
      LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t *>(bytes.data()), bytes.size());
      ++replayed;
    }
  }
  std::printf("replayed %zu inputs without a crash\n", replayed);
  // An empty corpus means the test exercised nothing: fail rather than pass.
  return replayed > 0 ? 0 : 1;
}
