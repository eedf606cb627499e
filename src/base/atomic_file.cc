// Whole-file atomicity for outputs too large for WriteFileAtomic's in-memory
// content: the caller streams into fd() and commits at the end; any early
// return (an error, an interrupt unwinding) removes the temporary file in
// the destructor.
#include "base/atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include "base/file.h"

namespace berth {

AtomicFile::AtomicFile(AtomicFile&& o) noexcept
    : path_(std::move(o.path_)), temp_(std::move(o.temp_)), fd_(std::move(o.fd_)) {
  o.temp_.clear();
}

AtomicFile& AtomicFile::operator=(AtomicFile&& o) noexcept {
  if (this != &o) {
    Discard();
    path_ = std::move(o.path_);
    temp_ = std::move(o.temp_);
    fd_ = std::move(o.fd_);
    o.temp_.clear();
  }
  return *this;
}

AtomicFile::~AtomicFile() { Discard(); }

Result<AtomicFile> AtomicFile::Create(const std::string& path, const std::string& prefix,
                                      int mode) {
  AtomicFile f;
  f.path_ = path;
  std::string dir = DirName(path);
  for (int attempt = 0;; attempt++) {
    std::string temp = dir + "/." + prefix + RandomName();
    auto fd = OpenFile(temp, O_WRONLY | O_CREAT | O_EXCL, mode);
    if (fd.ok()) {
      f.temp_ = std::move(temp);
      f.fd_ = std::move(*fd);
      return f;
    }
    if (fd.error().code != Code::kAlreadyExists || attempt > 8) return std::move(fd).error();
  }
}

Status AtomicFile::Commit() {
  Status st = Ok();
  if (::fsync(fd_.get()) != 0) st = ErrnoError("fsync " + temp_);
  fd_.Reset();
  if (st.ok() && ::rename(temp_.c_str(), path_.c_str()) != 0) st = ErrnoError("rename to " + path_);
  if (!st.ok()) {
    Discard();
    return st;
  }
  temp_.clear();
  return SyncDir(DirName(path_));
}

void AtomicFile::Discard() {
  fd_.Reset();
  if (!temp_.empty()) ::unlink(temp_.c_str());
  temp_.clear();
}

}  // namespace berth
