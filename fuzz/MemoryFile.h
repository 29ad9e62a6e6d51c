// A fuzz input as a file path without touching the disk. The readers under
// test (IDX, checkpoint, AOT weights) take paths, and going through their
// real open/stat/read code is part of what is fuzzed; a memfd behind
// /proc/self/fd/N gives each input a regular file at memory speed.
#pragma once

#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace nabla::fuzz {

class MemoryFile {
public:
  MemoryFile(const void *data, size_t size) {
    fd_ = ::memfd_create("nabla-fuzz-input", MFD_CLOEXEC);
    if (fd_ < 0) die("memfd_create");
    const auto *p = static_cast<const char *>(data);
    while (size > 0) {
      ssize_t n = ::write(fd_, p, size);
      if (n <= 0) die("write to memfd");
      p += n;
      size -= size_t(n);
    }
    path_ = "/proc/self/fd/" + std::to_string(fd_);
  }
  ~MemoryFile() { ::close(fd_); }
  MemoryFile(const MemoryFile &) = delete;
  MemoryFile &operator=(const MemoryFile &) = delete;

  const std::string &path() const { return path_; }

private:
  // A harness failure, not a finding: stop loudly rather than fuzz nothing.
  [[noreturn]] static void die(const char *what) {
    std::perror(what);
    std::abort();
  }
  int fd_ = -1;
  std::string path_;
};

} // namespace nabla::fuzz
