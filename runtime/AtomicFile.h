// Replacing a file so that readers (and a crash) see either the old contents
// or the complete new contents, never a partial file. Used for checkpoints and
// metric logs; and creating the directories they go to.
#pragma once

#include <functional>
#include <string>
#include <string_view>

namespace nabla {

/// Points inside writeFileAtomically where tests may inject a failure.
enum class AtomicWriteStage {
  TempFileWritten, // all bytes written to the temporary file, not yet synced
  TempFileSynced,  // temporary file fsynced and closed, not yet renamed
};

/// Writes `contents` to a new temporary file in the directory of `path`,
/// fsyncs it, renames it over `path` and fsyncs the directory. On any failure
/// before the rename, the temporary file is removed, `path` is untouched and
/// nabla::Error is thrown naming the file and the failing step. `hook`, if
/// set, runs at each AtomicWriteStage; if it throws, the write fails there.
/// A symbolic link's target is replaced (the link stays); a device, pipe or
/// socket is written through.
void writeFileAtomically(const std::string &path, std::string_view contents,
                         const std::function<void(AtomicWriteStage)> &hook = {});

/// Creates directory `dir` and its missing parents. nabla::Error naming `dir`
/// and the reason when it cannot be made (a file in the way, no permission).
void createDirectories(const std::string &dir);

} // namespace nabla
