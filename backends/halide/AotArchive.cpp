#include "backends/halide/AotArchive.h"

#include "runtime/Error.h"

#include "llvm/Object/Archive.h"
#include "llvm/Object/ArchiveWriter.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include <memory>

namespace nabla::halide {

void writeStaticLibrary(const std::string &path, const std::vector<std::string> &objectFiles,
                        const std::vector<std::string_view> &archives) {
  std::vector<llvm::NewArchiveMember> members;
  // Members are named by file name alone (not the temporary directory's
  // path), so the library's contents do not depend on where it was built.
  std::vector<std::string> names;
  names.reserve(objectFiles.size());
  for (const std::string &file : objectFiles) {
    auto member = llvm::NewArchiveMember::getFile(file, /*Deterministic=*/true);
    if (!member) throw Error("cannot read " + file + ": " + llvm::toString(member.takeError()));
    names.push_back(llvm::sys::path::filename(file).str());
    member->MemberName = names.back();
    members.push_back(std::move(*member));
  }
  // The members refer to the archives' bytes, which outlive this call.
  std::vector<std::unique_ptr<llvm::object::Archive>> opened;
  for (std::string_view bytes : archives) {
    llvm::MemoryBufferRef buffer(llvm::StringRef(bytes.data(), bytes.size()), "embedded");
    auto archive = llvm::object::Archive::create(buffer);
    if (!archive)
      throw Error("internal: embedded AOT runtime archive is unreadable: " +
                  llvm::toString(archive.takeError()));
    llvm::Error error = llvm::Error::success();
    for (const llvm::object::Archive::Child &child : (*archive)->children(error)) {
      auto member = llvm::NewArchiveMember::getOldMember(child, /*Deterministic=*/true);
      if (!member) {
        llvm::consumeError(std::move(error));
        throw Error("internal: embedded AOT runtime member: " + llvm::toString(member.takeError()));
      }
      members.push_back(std::move(*member));
    }
    if (error) throw Error("internal: embedded AOT runtime archive: " + llvm::toString(std::move(error)));
    opened.push_back(std::move(*archive));
  }
  if (llvm::Error error = llvm::writeArchive(path, members, /*WriteSymtab=*/true,
                                             llvm::object::Archive::K_GNU, /*Deterministic=*/true,
                                             /*Thin=*/false))
    throw Error("cannot write " + path + ": " + llvm::toString(std::move(error)));
}

} // namespace nabla::halide
