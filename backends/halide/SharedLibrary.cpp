#include "backends/halide/SharedLibrary.h"

#include "runtime/Error.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

extern char **environ;

#ifndef NABLA_LINKER
#define NABLA_LINKER ""
#endif

namespace nabla::halide {

std::string sharedLibraryLinker() {
  if (const char *env = std::getenv("NABLA_LINKER"); env && *env) return env;
  return NABLA_LINKER;
}

namespace {

/// A name no other process or thread uses beside `path`.
std::string temporaryName(const std::string &path) {
  static std::atomic<int> counter{0};
  return path + ".tmp." + std::to_string(getpid()) + "." + std::to_string(counter++);
}

std::string readFile(const std::string &path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

} // namespace

void linkSharedLibrary(const std::vector<std::string> &inputs, const std::string &output,
                       const std::string &soname) {
  std::string linker = sharedLibraryLinker();
  if (linker.empty()) throw Error("no linker to make " + output + " (set NABLA_LINKER)");
  std::string tmp = temporaryName(output), log = tmp + ".log";
  // -Bsymbolic: the library's calls to itself stay inside it. $ORIGIN: a
  // library finds the runtime it links against beside itself.
  std::vector<std::string> args = {linker,        "-shared", "-Bsymbolic", "-soname", soname,
                                   "-rpath",      "$ORIGIN", "-o",         tmp};
  args.insert(args.end(), inputs.begin(), inputs.end());
  std::vector<char *> argv;
  for (std::string &a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  pid_t pid = 0;
  int spawned = posix_spawn(&pid, linker.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  int status = 0;
  bool ok = spawned == 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
            WEXITSTATUS(status) == 0;
  std::string messages = readFile(log);
  std::remove(log.c_str());
  if (!ok || std::rename(tmp.c_str(), output.c_str()) != 0) {
    std::remove(tmp.c_str());
    throw Error("linking " + output + " with " + linker + " failed" +
                (spawned != 0 ? std::string(" (could not start it)") : "") +
                (messages.empty() ? "" : ": " + messages));
  }
}

std::shared_ptr<SharedLibrary> SharedLibrary::open(const std::string &path, std::string &error) {
  void *handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL | RTLD_DEEPBIND);
  if (!handle) {
    const char *message = dlerror();
    error = message ? message : "dlopen failed";
    return nullptr;
  }
  return std::shared_ptr<SharedLibrary>(new SharedLibrary(handle));
}

SharedLibrary::~SharedLibrary() { dlclose(handle_); }

void *SharedLibrary::symbol(const std::string &name) const { return dlsym(handle_, name.c_str()); }

} // namespace nabla::halide
