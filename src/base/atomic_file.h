// AtomicFile: a large file written under a temporary name beside its target
// and renamed into place only when complete, so that the target name never
// holds a partial file (an interrupted `save -o`).
#pragma once

#include <string>

#include "base/fd.h"
#include "base/result.h"

namespace berth {

class AtomicFile {
 public:
  AtomicFile() = default;
  AtomicFile(AtomicFile&& o) noexcept;
  AtomicFile& operator=(AtomicFile&& o) noexcept;
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;
  // Removes the temporary file unless committed.
  ~AtomicFile();

  // Creates "<dir of path>/.<prefix><random>" with mode (less the umask),
  // O_EXCL. Errors as open(2)'s, naming the temporary path.
  static Result<AtomicFile> Create(const std::string& path, const std::string& prefix, int mode);

  int fd() const { return fd_.get(); }
  const std::string& temp_path() const { return temp_; }

  // fsyncs the file, renames it over the target and fsyncs the directory.
  // On failure the temporary file is removed.
  Status Commit();
  // Removes the temporary file now (idempotent).
  void Discard();

 private:
  std::string path_;
  std::string temp_;
  UniqueFd fd_;
};

}  // namespace berth
