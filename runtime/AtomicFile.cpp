#include "runtime/AtomicFile.h"

#include "runtime/Error.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <random>
#include <unistd.h>

namespace nabla {
namespace {

std::string errnoText() { return std::strerror(errno); }

// Removes the temporary file unless the rename consumed it; closes the
// descriptor if still open. Runs on every exit path, including exceptions
// thrown by the hook.
class TempFileGuard {
public:
  explicit TempFileGuard(std::string path) : path_(std::move(path)) {}
  ~TempFileGuard() {
    closeQuietly();
    if (!path_.empty()) ::unlink(path_.c_str());
  }
  void setFd(int fd) { fd_ = fd; }
  int release() { int fd = fd_; fd_ = -1; return fd; }
  void renamed() { path_.clear(); }

private:
  void closeQuietly() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  std::string path_;
  int fd_ = -1;
};

void writeAll(int fd, std::string_view contents, const std::string &tempPath) {
  size_t done = 0;
  while (done < contents.size()) {
    ssize_t n = ::write(fd, contents.data() + done, contents.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0)
      throw Error(tempPath + ": write failed at offset " + std::to_string(done) + " of " +
                  std::to_string(contents.size()) + ": " + errnoText());
    done += size_t(n);
  }
}

} // namespace

void writeFileAtomically(const std::string &requested, std::string_view contents,
                         const std::function<void(AtomicWriteStage)> &hook) {
  namespace fs = std::filesystem;
  std::error_code error;
  // A symbolic link: the file it names is replaced (made when missing), and
  // the link stays.
  fs::path resolved = requested;
  for (int hops = 0; fs::is_symlink(resolved, error) && hops < 40; ++hops) {
    fs::path link = fs::read_symlink(resolved, error);
    resolved = link.is_absolute() ? link : resolved.parent_path() / link;
  }
  std::string path = resolved.string();
  // A device, pipe or socket (-o /dev/null, /dev/stdout): written through,
  // never replaced by a regular file (as root a rename would replace the
  // device node itself).
  fs::file_status status = fs::status(path, error);
  if (fs::is_directory(status)) throw Error(path + ": is a directory");
  if (fs::exists(status) && !fs::is_regular_file(status)) {
    int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) throw Error(path + ": cannot open for writing: " + errnoText());
    TempFileGuard guard(""); // closes the descriptor; unlinks nothing
    guard.setFd(fd);
    writeAll(fd, contents, path);
    if (::close(guard.release()) != 0) throw Error(path + ": close failed: " + errnoText());
    return;
  }
  const fs::path target(path);
  fs::path dir = target.parent_path();
  if (dir.empty()) dir = ".";

  // Same directory as the target: rename is only atomic within a file system.
  std::random_device entropy;
  const std::string tempPath = (dir / ("." + target.filename().string() + ".tmp." +
                                       std::to_string(::getpid()) + "." +
                                       std::to_string(entropy())))
                                   .string();
  int fd = ::open(tempPath.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0)
    throw Error(path + ": cannot create temporary file " + tempPath + ": " + errnoText());
  TempFileGuard guard(tempPath);
  guard.setFd(fd);

  writeAll(fd, contents, tempPath);
  if (hook) hook(AtomicWriteStage::TempFileWritten);
  if (::fsync(fd) != 0) throw Error(tempPath + ": fsync failed: " + errnoText());
  if (::close(guard.release()) != 0) throw Error(tempPath + ": close failed: " + errnoText());
  if (hook) hook(AtomicWriteStage::TempFileSynced);

  if (::rename(tempPath.c_str(), path.c_str()) != 0)
    throw Error(path + ": cannot replace with " + tempPath + ": " + errnoText());
  guard.renamed();

  // Makes the rename itself durable; without it a crash could bring back the
  // old directory entry.
  int dirFd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dirFd < 0)
    throw Error(path + ": written, but cannot open its directory to fsync it: " + errnoText());
  int rc = ::fsync(dirFd);
  int savedErrno = errno;
  ::close(dirFd);
  if (rc != 0) {
    errno = savedErrno;
    throw Error(path + ": written, but fsync of its directory failed: " + errnoText());
  }
}

void createDirectories(const std::string &dir) {
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error) throw Error("cannot create directory '" + dir + "': " + error.message());
  // create_directories reports no error when `dir` exists as a file.
  if (!std::filesystem::is_directory(dir))
    throw Error("cannot create directory '" + dir + "': a file of that name is in the way");
}

} // namespace nabla
