// The on-disk JIT cache (backends/halide/DiskCache.h): a second process loads
// the compiled pipeline instead of compiling it and computes the same bits; a
// corrupt or mismatched entry is ignored and rebuilt; NABLA_CACHE_DIR=off
// compiles in memory. Each test uses its own cache directory.
#include "tests/unit/FileTestSupport.h"
#include "tests/unit/HalideTestSupport.h"

#include "backends/halide/AutoSchedulers.h"
#include "backends/halide/DiskCache.h"
#include "backends/halide/Targets.h"
#include "runtime/Error.h"

#include <gtest/gtest.h>

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>

namespace nabla::testing {
namespace {

namespace fs = std::filesystem;

// Two matmuls with a relu between (an intermediate in scratch memory) and a
// softmax cross-entropy whose labels are checked at run time: the cached
// library needs the malloc, do_task and error hooks to work.
std::string source() {
  return R"(
    func @f(%x: tensor<?x64xf32>, %w1: tensor<64x32xf32>, %w2: tensor<32x10xf32>, %t: tensor<?xi64>) -> (tensor<?x10xf32>, tensor<f32>) {
      %h = nabla.matmul %x, %w1 : (tensor<?x64xf32>, tensor<64x32xf32>) -> tensor<?x32xf32>
      %r = nabla.relu %h : tensor<?x32xf32>
      %y = nabla.matmul %r, %w2 : (tensor<?x32xf32>, tensor<32x10xf32>) -> tensor<?x10xf32>
      %l = nabla.softmax_cross_entropy %y, %t : (tensor<?x10xf32>, tensor<?xi64>) -> tensor<f32>
      return %y, %l : tensor<?x10xf32>, tensor<f32>
    }
  )";
}

std::vector<Tensor> inputs(int64_t batch = 512) {
  reseed(11);
  return {randomTensor({batch, 64}), randomTensor({64, 32}), randomTensor({32, 10}),
          randomLabels(batch, 10)};
}

std::string bytesOf(const std::vector<Tensor> &tensors) {
  std::string bytes;
  for (const Tensor &t : tensors)
    bytes.append(static_cast<const char *>(t.rawData()), size_t(t.numel()) * dtypeSize(t.dtype()));
  return bytes;
}

/// A fresh cache directory for one test, set as NABLA_CACHE_DIR meanwhile.
class CacheDir {
public:
  explicit CacheDir(const std::string &name)
      : path_(fs::temp_directory_path() / ("nabla-disk-cache-" + name + "-" + std::to_string(getpid()))) {
    fs::remove_all(path_);
    halide::clearJitCache();
  }
  ~CacheDir() {
    halide::clearJitCache();
    fs::remove_all(path_);
  }
  const fs::path &path() const { return path_; }
  /// The cached pipeline libraries (the runtime library excluded).
  std::vector<fs::path> pipelines() const {
    std::vector<fs::path> found;
    for (const auto &entry : fs::directory_iterator(path_))
      if (entry.path().extension() == ".so" &&
          entry.path().filename().string().rfind("halide_runtime_", 0) != 0)
        found.push_back(entry.path());
    return found;
  }

private:
  fs::path path_;
  ScopedEnv env_{"NABLA_CACHE_DIR", path_.string()};
};

/// Replaces `path` by `contents` the way a new file would appear (a new
/// inode): overwriting a library this process has mapped would crash it.
void replaceFile(const fs::path &path, const std::string &contents) {
  fs::path tmp = path.string() + ".test";
  std::ofstream(tmp, std::ios::binary) << contents;
  fs::rename(tmp, path);
}

std::string readFile(const fs::path &path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

TEST(HalideDiskCache, SecondProcessLoadsTheCompiledPipeline) {
  CacheDir dir("two-processes");
  if (halide::jitCacheDirectory().empty())
    GTEST_SKIP() << "the on-disk cache is off in this build (AddressSanitizer: RTLD_DEEPBIND)";
  halide::JitCacheStats before = halide::jitCacheStats();
  auto start = std::chrono::steady_clock::now();
  halide::Executable exe = compileSource(source(), "f");
  double cold = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(halide::jitCacheStats().diskStores - before.diskStores, 1);
  ASSERT_EQ(dir.pipelines().size(), 1u);
  std::string expected = bytesOf(exe.run(inputs()));

  // The same test binary, as another process, runs only the child test.
  char self[4096] = {};
  ASSERT_GT(readlink("/proc/self/exe", self, sizeof self - 1), 0);
  fs::path out = dir.path() / "child.out";
  std::string command = "NABLA_DISK_CACHE_CHILD_OUT='" + out.string() + "' '" + self +
                        "' --gtest_filter=HalideDiskCacheChild.* > '" +
                        (dir.path() / "child.log").string() + "' 2>&1";
  ASSERT_EQ(std::system(command.c_str()), 0) << readFile(dir.path() / "child.log");
  std::string child = readFile(out);
  ASSERT_EQ(child.size(), expected.size() + sizeof(double));
  double childSeconds;
  std::memcpy(&childSeconds, child.data() + expected.size(), sizeof childSeconds);
  EXPECT_TRUE(child.compare(0, expected.size(), expected) == 0) << "the cached pipeline's results differ";
  EXPECT_LT(childSeconds, cold / 5) << "cold compile " << cold << " s, load " << childSeconds << " s";
  std::cout << "compile " << cold * 1e3 << " ms; another process loads it in " << childSeconds * 1e3
            << " ms\n";
}

// Runs only when SecondProcessLoadsTheCompiledPipeline starts it.
TEST(HalideDiskCacheChild, LoadsFromDisk) {
  const char *out = std::getenv("NABLA_DISK_CACHE_CHILD_OUT");
  if (!out) GTEST_SKIP() << "started by HalideDiskCache.SecondProcessLoadsTheCompiledPipeline";
  auto start = std::chrono::steady_clock::now();
  halide::Executable exe = compileSource(source(), "f");
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  halide::JitCacheStats stats = halide::jitCacheStats();
  ASSERT_EQ(stats.diskHits, 1);
  ASSERT_EQ(stats.diskStores, 0);
  std::string bytes = bytesOf(exe.run(inputs()));
  bytes.append(reinterpret_cast<const char *>(&seconds), sizeof seconds);
  std::ofstream(out, std::ios::binary) << bytes;
}

TEST(HalideDiskCache, CorruptOrMismatchedEntriesAreRebuilt) {
  CacheDir dir("corrupt");
  if (halide::jitCacheDirectory().empty())
    GTEST_SKIP() << "the on-disk cache is off in this build (AddressSanitizer: RTLD_DEEPBIND)";
  std::string expected = bytesOf(compileSource(source(), "f").run(inputs()));
  ASSERT_EQ(dir.pipelines().size(), 1u);
  fs::path library = dir.pipelines()[0];
  fs::path key = fs::path(library).replace_extension(".key");

  // Garbage instead of a shared library: ignored, rebuilt, same results.
  replaceFile(library, "not a shared library");
  halide::clearJitCache();
  halide::JitCacheStats before = halide::jitCacheStats();
  std::string rebuilt = bytesOf(compileSource(source(), "f").run(inputs()));
  halide::JitCacheStats after = halide::jitCacheStats();
  EXPECT_EQ(after.diskRejected - before.diskRejected, 1);
  EXPECT_EQ(after.diskStores - before.diskStores, 1);
  EXPECT_EQ(rebuilt, expected);
  EXPECT_NE(readFile(library).rfind("\x7f" "ELF", 0), std::string::npos) << "rebuilt as a library";

  // A key file naming other IR (a hash collision, a tampered entry): rebuilt.
  replaceFile(key, readFile(key) + "// other\n");
  halide::clearJitCache();
  before = halide::jitCacheStats();
  EXPECT_EQ(bytesOf(compileSource(source(), "f").run(inputs())), expected);
  after = halide::jitCacheStats();
  EXPECT_EQ(after.diskRejected - before.diskRejected, 1);
  EXPECT_EQ(after.diskStores - before.diskStores, 1);

  // And now a plain hit.
  halide::clearJitCache();
  before = halide::jitCacheStats();
  EXPECT_EQ(bytesOf(compileSource(source(), "f").run(inputs())), expected);
  EXPECT_EQ(halide::jitCacheStats().diskHits - before.diskHits, 1);
}

// Indices computed inside the pipeline (argmax over 10 classes into a
// one_hot of depth 4) keep Halide's assertions: the cached library reports
// a failed one through the error hook. Both kinds of pipeline share the
// directory's one runtime library.
TEST(HalideDiskCache, RunTimeErrorsArriveThroughTheCachedLibrary) {
  CacheDir dir("errors");
  if (halide::jitCacheDirectory().empty())
    GTEST_SKIP() << "the on-disk cache is off in this build (AddressSanitizer: RTLD_DEEPBIND)";
  const std::string src = R"(
    func @g(%x: tensor<?x10xf32>) -> tensor<?x4xf32> {
      %i = nabla.argmax %x {axis = 1} : (tensor<?x10xf32>) -> tensor<?xi64>
      %y = nabla.one_hot %i {depth = 4} : (tensor<?xi64>) -> tensor<?x4xf32>
      return %y : tensor<?x4xf32>
    })";
  halide::Executable exe = compileSource(src, "g");
  compileSource(source(), "f");
  ASSERT_EQ(dir.pipelines().size(), 2u);
  int runtimes = 0;
  for (const auto &entry : fs::directory_iterator(dir.path()))
    runtimes += entry.path().filename().string().rfind("halide_runtime_", 0) == 0;
  EXPECT_EQ(runtimes, 1);
  Tensor x({3, 10}, DType::F32);
  x.data<float>()[10 + 7] = 1; // sample 1's maximum at class 7
  expectError([&] { exe.run({x}); }, {"7 is an index outside one_hot's [0, depth) with depth 4"});
}

// Halide 14 embeds non-splat constants in the object with too little
// alignment for its AVX-512 loads: such functions stay in memory.
TEST(HalideDiskCache, FunctionsWithConstantTablesCompileInMemory) {
  CacheDir dir("constants");
  std::string src = R"(
    func @g(%x: tensor<?x5xf32>) -> tensor<?x5xf32> {
      %c = nabla.constant dense<[1.0, 0.0, 1.0, 1.0, 2.0]> : tensor<5xf32>
      %y = nabla.mul %x, %c : (tensor<?x5xf32>, tensor<5xf32>) -> tensor<?x5xf32>
      return %y : tensor<?x5xf32>
    }
  )";
  halide::JitCacheStats before = halide::jitCacheStats();
  halide::Executable exe = compileSource(src, "g");
  EXPECT_EQ(halide::jitCacheStats().diskStores, before.diskStores);
  Tensor x = Tensor::fromVector<float>({64, 5}, std::vector<float>(320, 3.0f));
  Tensor y = exe.run({x})[0];
  EXPECT_EQ(y.data<float>()[0], 3.0f);
  EXPECT_EQ(y.data<float>()[1], 0.0f);
  EXPECT_EQ(y.data<float>()[319], 6.0f);
}

TEST(HalideDiskCache, OffCompilesInMemory) {
  CacheDir dir("off");
  setenv("NABLA_CACHE_DIR", "off", 1);
  EXPECT_EQ(halide::jitCacheDirectory(), "");
  halide::JitCacheStats before = halide::jitCacheStats();
  halide::Executable exe = compileSource(source(), "f");
  EXPECT_EQ(halide::jitCacheStats().diskStores, before.diskStores);
  EXPECT_EQ(exe.run(inputs(8))[0].shape(), (Shape{8, 10}));
  EXPECT_FALSE(fs::exists(dir.path())) << "nothing written";
}

// The LLVM options are part of the key: the same IR compiled under a user's
// HL_LLVM_ARGS is other code and must not be loaded for nabla's options.
TEST(HalideDiskCache, KeysNameTheLlvmOptions) {
  const char *saved = std::getenv("HL_LLVM_ARGS");
  std::string savedValue = saved ? saved : "";
  Halide::Target host = halide::hostTarget();
  unsetenv("HL_LLVM_ARGS");
  std::string ours = halide::DiskCache::key("f", "ir", host, "manual");
  setenv("HL_LLVM_ARGS", "-slp-threshold=0", 1);
  std::string users = halide::DiskCache::key("f", "ir", host, "manual");
  if (saved) setenv("HL_LLVM_ARGS", savedValue.c_str(), 1);
  else unsetenv("HL_LLVM_ARGS");
  EXPECT_NE(ours.find("\nllvm -slp-threshold=1000\n"), std::string::npos) << ours;
  EXPECT_NE(users.find("\nllvm HL_LLVM_ARGS -slp-threshold=0\n"), std::string::npos) << users;
}

// So is the scheduler, and for an autoscheduler the batch and threads it
// scheduled for: an autoscheduled pipeline is other code too.
TEST(HalideDiskCache, KeysNameTheScheduler) {
  Halide::Target host = halide::hostTarget();
  std::string manual = halide::scheduleKey(halide::Scheduler::Manual);
  std::string li = halide::scheduleKey({halide::Scheduler::Li2018, 10});
  EXPECT_EQ(manual, "manual");
  std::string threads = std::to_string(halide::autoScheduleMachine().parallelism);
  EXPECT_EQ(li.rfind("li2018 for batch 10, " + threads + " threads, ", 0), 0u) << li;
  EXPECT_NE(halide::DiskCache::key("f", "ir", host, li).find("\nschedule " + li + "\n"),
            std::string::npos);
  EXPECT_NE(halide::DiskCache::key("f", "ir", host, manual),
            halide::DiskCache::key("f", "ir", host, li));
}

// Adams2019's schedule also depends on its search settings, which it reads
// from the environment: its key names them, the greedy beam by default.
TEST(HalideDiskCache, Adams2019KeysNameTheSearch) {
  const char *saved = std::getenv("HL_BEAM_SIZE");
  std::string savedValue = saved ? saved : "";
  unsetenv("HL_BEAM_SIZE");
  std::string greedy = halide::scheduleKey(halide::Scheduler::Adams2019);
  setenv("HL_BEAM_SIZE", "32", 1);
  std::string beam = halide::scheduleKey(halide::Scheduler::Adams2019);
  if (saved) setenv("HL_BEAM_SIZE", savedValue.c_str(), 1);
  else unsetenv("HL_BEAM_SIZE");
  EXPECT_NE(greedy.find(", HL_BEAM_SIZE=1"), std::string::npos) << greedy;
  EXPECT_NE(beam.find(", HL_BEAM_SIZE=32"), std::string::npos) << beam;
  EXPECT_EQ(halide::scheduleKey(halide::Scheduler::Li2018).find("HL_BEAM_SIZE"),
            std::string::npos);
}

} // namespace
} // namespace nabla::testing
