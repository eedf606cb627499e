// Tree walks (WalkTreeAt, RemoveTreeAt, DiskUsage) that hold O(1) file
// descriptors however deep the tree is. An image layer can nest directories
// tens of thousands of levels deep (symlinks let a tar go past PATH_MAX), and a
// recursive walk holding one fd per level fails with EMFILE (or worse, leaves
// the store half removed) long before the tree ends. So a walk here holds only
// the directory it is in: it goes down with openat(O_NOFOLLOW|O_DIRECTORY),
// remembering the name it went down by, where to go on reading the directory it
// left (the d_off of the entry) and that directory's dev/ino; it comes back up
// with openat(".."), checks with fstat that ".." is the directory it left (a
// rename during the walk stops it with kConflict rather than letting it walk
// some other tree) and seeks to where it was. Memory is one such record per
// level. Entries are read with getdents64 into one buffer; d_type spares a stat
// per entry, and removal tries unlink before anything else.
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <optional>
#include <string>
#include <vector>

#include "base/file.h"

namespace berth {
namespace {

constexpr int kDirFlags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;

bool IsDotOrDotDot(const char* n) { return n[0] == '.' && (!n[1] || (n[1] == '.' && !n[2])); }

// Opens name (relative to dirfd) as a directory without following a symlink.
UniqueFd OpenDirNoFollow(int dirfd, const char* name) {
  int fd;
  do {
    fd = ::openat(dirfd, name, kDirFlags);
  } while (fd < 0 && errno == EINTR);
  return UniqueFd(fd);
}

// Opens a directory to empty it. One we may not read (mode 0000, say) is made
// u+rwx first, through an O_PATH fd of exactly that directory, so a symlink
// swapped in under its name is never what gets the chmod.
UniqueFd OpenForRemoval(int dirfd, const char* name) {
  UniqueFd fd = OpenDirNoFollow(dirfd, name);
  if (fd.valid() || errno != EACCES) return fd;
  UniqueFd node(::openat(dirfd, name, O_PATH | O_NOFOLLOW | O_DIRECTORY | O_CLOEXEC));
  struct stat st;
  if (node.valid() && ::fstat(node.get(), &st) == 0) {
    std::string proc = "/proc/self/fd/" + std::to_string(node.get());
    if (::chmod(proc.c_str(), (st.st_mode & 07777) | 0700) == 0) return OpenDirNoFollow(dirfd, name);
  }
  errno = EACCES;
  return {};
}

// An open failure of the top as WalkTreeAt documents it.
Error OpenError(const std::string& name) {
  int err = errno;
  Error e = ErrnoError("open " + name, err);
  if (err == ENOTDIR || err == ELOOP) e.code = Code::kInvalidArgument;
  return e;
}

// Reads a directory's entries from the fd's offset, a buffer at a time.
class DirEntries {
 public:
  // The next entry other than "." and "..", or null at the end.
  Result<const struct dirent64*> Next(int fd) {
    for (;;) {
      while (pos_ < len_) {
        auto* e = reinterpret_cast<const struct dirent64*>(bytes() + pos_);
        pos_ += e->d_reclen;
        if (!IsDotOrDotDot(e->d_name)) return e;
      }
      ssize_t n = ::getdents64(fd, bytes(), kSize);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return ErrnoError("read directory");
      pos_ = 0;
      len_ = static_cast<size_t>(n);
      if (n == 0) return nullptr;
    }
  }
  // Drops what is buffered (after the walk moved to another directory or offset).
  void Reset() { pos_ = len_ = 0; }

 private:
  static constexpr size_t kSize = 32 * 1024;
  char* bytes() { return reinterpret_cast<char*>(buf_.data()); }
  std::vector<uint64_t> buf_ = std::vector<uint64_t>(kSize / sizeof(uint64_t));  // aligned
  size_t pos_ = 0, len_ = 0;
};

// One directory between the top and where the walk is.
struct Level {
  std::string name;   // its name in its parent (the caller's name for the top)
  dev_t dev = 0;
  ino_t ino = 0;
  off_t resume = 0;   // where reading it goes on after coming back up
  // Removal's bookkeeping: something was removed in it during this visit; the
  // walk's error count when it was entered; it was made u+rwx already.
  bool progress = false;
  uint64_t errors_at_entry = 0;
  bool made_writable = false;
};

// Where a walk is: the open directory at the end of a path of Levels.
class DirPath {
 public:
  int fd() const { return fd_.get(); }
  size_t depth() const { return levels_.size(); }
  Level& current() { return levels_.back(); }

  // Makes dir (open on `name`) the current directory: the top when the path
  // is empty, else a child of the current one, whose reading resumes at resume.
  Status Down(UniqueFd dir, std::string name, off_t resume) {
    struct stat st;
    if (::fstat(dir.get(), &st) != 0) return ErrnoError("stat " + name);
    if (!levels_.empty()) levels_.back().resume = resume;
    levels_.push_back(Level{.name = std::move(name), .dev = st.st_dev, .ino = st.st_ino});
    fd_ = std::move(dir);
    return Ok();
  }

  // Goes back up to the parent (never above the top) and seeks it to where its
  // reading stopped; returns the Level left.
  Result<Level> Up() {
    Level left = std::move(levels_.back());
    levels_.pop_back();
    const Level& parent = levels_.back();
    UniqueFd up(::openat(fd_.get(), "..", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    struct stat st;
    if (!up.valid() || ::fstat(up.get(), &st) != 0) return ErrnoError("open .. of " + left.name);
    if (st.st_dev != parent.dev || st.st_ino != parent.ino) {
      return MakeError(Code::kConflict, "directory " + left.name + " moved during the walk");
    }
    if (::lseek(up.get(), parent.resume, SEEK_SET) < 0) return ErrnoError("seek directory");
    fd_ = std::move(up);
    return left;
  }

 private:
  UniqueFd fd_;
  std::vector<Level> levels_;
};

// d_type, asking fstatat only when the file system leaves it DT_UNKNOWN.
// Returns DT_UNKNOWN when the entry has vanished.
Result<unsigned char> EntryType(int dirfd, const struct dirent64& e) {
  if (e.d_type != DT_UNKNOWN) return e.d_type;
  struct stat st;
  if (::fstatat(dirfd, e.d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
    if (errno == ENOENT) return static_cast<unsigned char>(DT_UNKNOWN);
    return ErrnoError(std::string("stat ") + e.d_name);
  }
  return static_cast<unsigned char>(IFTODT(st.st_mode));
}

// ---- removal ----

// rm -rf as a loop over a DirPath. Errors are noted, not returned at once: the
// walk goes on past an entry it cannot remove and returns the first error.
class Remover {
 public:
  Status Run(int dirfd, const std::string& name);

 private:
  Status OpenTop(int dirfd, const std::string& name);
  void GoDown();
  bool EndOfTop(int dirfd);
  bool EndOfSubdir();
  void RemoveEntry(const struct dirent64& e);
  int Unlink(const char* name, int flags);
  UniqueFd OpenChild(const char* name);
  bool MakeWritable();
  void Note(Error e) {
    if (!first_) first_ = std::move(e);
    errors_++;
  }
  Status FirstError() { return first_ ? Status(std::move(*first_)) : Ok(); }

  DirPath path_;
  DirEntries entries_;
  std::optional<Error> first_;
  uint64_t errors_ = 0;
  UniqueFd next_;  // a directory to go down into, with its name and resume offset
  std::string next_name_;
  off_t next_resume_ = 0;
};

Status Remover::Run(int dirfd, const std::string& name) {
  // Most entries are not directories: one unlinkat settles them.
  if (::unlinkat(dirfd, name.c_str(), 0) == 0 || errno == ENOENT) return Ok();
  if (errno != EISDIR) return ErrnoError("unlink " + name);
  TRY(OpenTop(dirfd, name));
  for (;;) {
    if (next_.valid()) {
      GoDown();
      continue;
    }
    auto e = entries_.Next(path_.fd());
    if (!e.ok()) Note(e.error());  // unreadable: take it as the end; rmdir says the rest
    if (e.ok() && *e) {
      RemoveEntry(**e);
    } else if (path_.depth() == 1) {
      if (EndOfTop(dirfd)) return FirstError();
    } else if (!EndOfSubdir()) {
      return FirstError();  // lost our place: stop rather than guess
    }
  }
}

void Remover::GoDown() {
  Status st = path_.Down(std::move(next_), std::move(next_name_), next_resume_);
  if (st.ok()) path_.current().errors_at_entry = errors_;
  else Note(st.error());
  entries_.Reset();
}

// Back up from a subdirectory whose entries are done, and its rmdir. False
// when the walk cannot get back up.
bool Remover::EndOfSubdir() {
  auto left = path_.Up();
  entries_.Reset();
  if (!left.ok()) {
    Note(left.error());
    return false;
  }
  int err = Unlink(left->name.c_str(), AT_REMOVEDIR);
  if (err == 0 || err == ENOENT) return true;
  // Not empty although nothing in it failed: entries came in meanwhile, or
  // the file system's offsets moved as entries went. Go through it again
  // while that removes something.
  if ((err == ENOTEMPTY || err == EEXIST) && errors_ == left->errors_at_entry && left->progress) {
    next_ = OpenChild(left->name.c_str());
    next_name_ = left->name;
    next_resume_ = path_.current().resume;
    return true;
  }
  Note(ErrnoError("rmdir " + left->name, err));
  return true;
}

// The top's own rmdir once its entries are done. False when it is to be read again.
bool Remover::EndOfTop(int dirfd) {
  Level& top = path_.current();
  if (::unlinkat(dirfd, top.name.c_str(), AT_REMOVEDIR) == 0 || errno == ENOENT) return true;
  int err = errno;
  if ((err == ENOTEMPTY || err == EEXIST) && errors_ == top.errors_at_entry && top.progress &&
      ::lseek(path_.fd(), 0, SEEK_SET) == 0) {
    top.progress = false;
    entries_.Reset();
    return false;
  }
  Note(ErrnoError("rmdir " + top.name, err));
  return true;
}

Status Remover::OpenTop(int dirfd, const std::string& name) {
  UniqueFd top = OpenForRemoval(dirfd, name.c_str());
  if (!top.valid()) return errno == ENOENT ? Ok() : ErrnoError("open " + name);
  return path_.Down(std::move(top), name, 0);
}

void Remover::RemoveEntry(const struct dirent64& e) {
  if (e.d_type != DT_DIR) {  // DT_UNKNOWN too: unlink tells
    int err = Unlink(e.d_name, 0);
    if (err == 0 || err == ENOENT) return;
    if (err != EISDIR) return Note(ErrnoError(std::string("unlink ") + e.d_name, err));
  }
  next_ = OpenChild(e.d_name);
  next_name_ = e.d_name;
  next_resume_ = e.d_off;
}

// unlinkat in the current directory, making it u+rwx once if that is what it
// takes. Returns 0 or the errno.
int Remover::Unlink(const char* name, int flags) {
  for (;;) {
    if (::unlinkat(path_.fd(), name, flags) == 0) {
      path_.current().progress = true;
      return 0;
    }
    int err = errno;
    if ((err == EACCES || err == EPERM) && MakeWritable()) continue;
    return err;
  }
}

// Opens a subdirectory of the current one to go down into. Invalid when there
// is nothing to go into (gone, or no longer a directory and unlinked now) or
// it cannot be opened (noted).
UniqueFd Remover::OpenChild(const char* name) {
  UniqueFd fd = OpenForRemoval(path_.fd(), name);
  // No search permission in the current directory stops even the O_PATH open.
  if (!fd.valid() && errno == EACCES && MakeWritable()) fd = OpenForRemoval(path_.fd(), name);
  if (fd.valid()) return fd;
  int err = errno;
  if (err == ENOTDIR || err == ELOOP) {  // replaced by a non-directory meanwhile
    err = Unlink(name, 0);
    if (err == 0) return {};
  }
  if (err != ENOENT) Note(ErrnoError(std::string("open ") + name, err));
  return {};
}

// chmod u+rwx of the current directory, once per visit. True when done now.
bool Remover::MakeWritable() {
  Level& cur = path_.current();
  if (cur.made_writable) return false;
  cur.made_writable = true;
  struct stat st;
  return ::fstat(path_.fd(), &st) == 0 && ::fchmod(path_.fd(), (st.st_mode & 07777) | 0700) == 0;
}

// ---- read-only walks ----

class UsageSum : public TreeVisitor {
 public:
  Status Entry(int dirfd, const char* name, unsigned char type) override {
    if (type != DT_REG) return Ok();
    struct stat st;
    if (::fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
      return errno == ENOENT ? Ok() : ErrnoError(std::string("stat ") + name);
    }
    if (S_ISREG(st.st_mode)) total += static_cast<uint64_t>(st.st_size);
    return Ok();
  }
  uint64_t total = 0;
};

}  // namespace

Status WalkTreeAt(int dirfd, const std::string& name, TreeVisitor& visitor) {
  DirPath path;
  UniqueFd top = OpenDirNoFollow(dirfd, name.c_str());
  if (!top.valid()) return OpenError(name);
  TRY(path.Down(std::move(top), name, 0));
  DirEntries entries;
  for (;;) {
    const struct dirent64* e = TRY(entries.Next(path.fd()));
    if (e) {
      unsigned char type = TRY(EntryType(path.fd(), *e));
      if (type == DT_UNKNOWN) continue;  // vanished
      if (type != DT_DIR) {
        TRY(visitor.Entry(path.fd(), e->d_name, type));
        continue;
      }
      UniqueFd child = OpenDirNoFollow(path.fd(), e->d_name);
      if (!child.valid()) {
        if (errno == ENOENT) continue;
        return ErrnoError(std::string("open ") + e->d_name);
      }
      TRY(path.Down(std::move(child), e->d_name, e->d_off));
      entries.Reset();
      continue;
    }
    const Level& cur = path.current();
    TRY(visitor.LeaveDir(path.fd(), cur.dev, cur.ino));
    if (path.depth() == 1) return Ok();
    TRY(path.Up());
    entries.Reset();
  }
}

Status RemoveTreeAt(int dirfd, const std::string& name) { return Remover().Run(dirfd, name); }

Status RemoveAll(const std::string& path) {
  Status st = RemoveTreeAt(AT_FDCWD, path);
  if (!st.ok()) return st.error().Wrap("remove " + path);
  return Ok();
}

Result<uint64_t> DiskUsage(const std::string& path) {
  UsageSum sum;
  TRY_CTX(WalkTreeAt(AT_FDCWD, path, sum), "du " + path);
  return sum.total;
}

}  // namespace berth
