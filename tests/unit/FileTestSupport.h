// Helpers for tests that read and write files: a private temporary directory
// removed afterwards, byte-level file writing, and checking nabla::Error text.
#pragma once

#include "runtime/Error.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

namespace nabla::testing {

/// Sets an environment variable for its scope; the old value (or its
/// absence) comes back when the object goes out of scope.
class ScopedEnv {
public:
  ScopedEnv(std::string name, const std::string &value) : name_(std::move(name)) {
    const char *old = std::getenv(name_.c_str());
    hadOld_ = old != nullptr;
    if (old) old_ = old;
    set(value);
  }
  ~ScopedEnv() {
    if (hadOld_) ::setenv(name_.c_str(), old_.c_str(), 1);
    else ::unsetenv(name_.c_str());
  }
  ScopedEnv(const ScopedEnv &) = delete;
  ScopedEnv &operator=(const ScopedEnv &) = delete;
  void set(const std::string &value) { ::setenv(name_.c_str(), value.c_str(), 1); }

private:
  std::string name_, old_;
  bool hadOld_ = false;
};

/// A fresh directory under the system temp directory, deleted with its
/// contents when the object goes out of scope.
class TempDir {
public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "nabla-test-XXXXXX").string();
    if (!::mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir &) = delete;
  TempDir &operator=(const TempDir &) = delete;

  const std::filesystem::path &path() const { return path_; }
  std::string file(const std::string &name) const { return (path_ / name).string(); }
  /// Names of the entries in the directory, sorted.
  std::vector<std::string> entries() const {
    std::vector<std::string> names;
    for (const auto &e : std::filesystem::directory_iterator(path_))
      names.push_back(e.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
  }

private:
  std::filesystem::path path_;
};

inline void writeBytes(const std::string &path, const std::vector<uint8_t> &bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char *>(bytes.data()), std::streamsize(bytes.size()));
  if (!out) throw std::runtime_error("cannot write " + path);
}

inline std::vector<uint8_t> readBytes(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

/// Runs `f`, expects it to throw nabla::Error whose message contains every
/// string of `parts`, and returns the message ("" if nothing was thrown).
inline std::string expectError(const std::function<void()> &f,
                               std::initializer_list<std::string> parts) {
  try {
    f();
  } catch (const nabla::Error &e) {
    std::string message = e.what();
    for (const std::string &part : parts)
      EXPECT_NE(message.find(part), std::string::npos)
          << "error message lacks \"" << part << "\": " << message;
    return message;
  }
  ADD_FAILURE() << "expected a nabla::Error";
  return "";
}

} // namespace nabla::testing
