// Training checkpoints: named parameter tensors, named optimizer state tensors
// and scalar metadata, saved atomically (a crash or error mid-save leaves the
// previous checkpoint intact) and verified on load (magic, format version,
// CRC32 of the payload, dtype/shape vs byte size). Format: checkpoint.proto.
#pragma once

#include "runtime/AtomicFile.h"
#include "runtime/Tensor.h"

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace nabla {

struct NamedTensor {
  std::string name;
  Tensor tensor;
};

struct Checkpoint {
  std::vector<NamedTensor> parameters;     // names unique within the list
  std::vector<NamedTensor> optimizerState; // e.g. "fc1.weight/m" for Adam
  int64_t step = 0;
  int64_t epoch = 0;
  std::string optimizer;                              // e.g. "adam"
  std::map<std::string, std::string> hyperparameters; // e.g. {"lr", "0.001"}

  /// The parameter or optimizer state tensor named `name`; throws if absent.
  const Tensor &parameter(const std::string &name) const;
  const Tensor &optimizerTensor(const std::string &name) const;
};

/// The format version this build writes and the only one it reads.
constexpr uint32_t kCheckpointFormatVersion = 1;

/// Writes `checkpoint` to `path` atomically: a temporary file in the same
/// directory, fsync, rename over `path`, fsync of the directory. On failure
/// the temporary file is removed, `path` is left as it was, and nabla::Error
/// is thrown.
void saveCheckpoint(const Checkpoint &checkpoint, const std::string &path);

/// Reads and verifies a checkpoint; errors name the file and, for a bad
/// tensor, the tensor.
Checkpoint loadCheckpoint(const std::string &path);

/// Test hook: called at each stage of every later saveCheckpoint (see
/// AtomicWriteStage); a hook that throws makes the save fail there, as an I/O
/// error would. Pass {} to clear.
void setCheckpointSaveHookForTesting(std::function<void(AtomicWriteStage)> hook);

} // namespace nabla
