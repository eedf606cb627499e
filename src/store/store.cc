// One object per command owns the store root: it creates the layout with
// private modes, opens the database, and hands out leases. Coordination
// between processes is SQLite transactions, leases and per-ingest locks; the
// store itself takes no lock, so a berth process that lives for days (a
// container monitor, `logs -f`) never stands in another's way.
#include "store/store.h"

#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "base/file.h"

namespace berth::store {
namespace {

// The root lets others traverse (a runtime may need a path through it) but
// not list; everything below is private to its owner. Unpacked layers hold
// setuid binaries and device nodes: no other user may reach them
// (CVE-2021-41091).
constexpr mode_t kRootMode = 0711;
constexpr mode_t kPrivateMode = 0700;
constexpr const char* kPrivateDirs[] = {"blobs", "blobs/sha256", "ingest", "snapshots",
                                        "containers", "tmp", "trash"};

// mkdir with exactly mode (not filtered by the umask), or chmod to it when
// the directory exists with another mode.
Status EnsureDir(const std::string& path, mode_t mode) {
  if (::mkdir(path.c_str(), mode) != 0 && errno != EEXIST) return ErrnoError("mkdir " + path);
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0) return ErrnoError("stat " + path);
  if (!S_ISDIR(st.st_mode)) return MakeError(Code::kInvalidArgument, path + " is not a directory");
  if ((st.st_mode & 07777) != mode && ::chmod(path.c_str(), mode) != 0) {
    return ErrnoError("chmod " + path);
  }
  return Ok();
}

// Marks dir "top of a directory hierarchy" (FS_TOPDIR_FL; ext2/3/4 honour
// it, others refuse the flag and nothing changes): ext4's allocator then
// spreads the directories made in it across block groups, as it does for
// the children of /, instead of packing them next to their parent. Each
// layer berth unpacks is such a directory (ingest/<random>/), and the
// inode groups it would otherwise share with a layer deleted moments
// before are slow to allocate from: on an ext4 without a journal every new
// inode skips past each inode freed in the last 60 s or more (ialloc.c,
// recently_deleted), which made a load right after an rmi of the same
// image 4x slower (3.2 s, against 0.8 s with the flag). Best effort.
void SpreadNewDirs(const std::string& dir) {
  UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  int flags = 0;
  if (!fd.valid() || ::ioctl(fd.get(), FS_IOC_GETFLAGS, &flags) != 0) return;
  if (flags & FS_TOPDIR_FL) return;
  flags |= FS_TOPDIR_FL;
  (void)::ioctl(fd.get(), FS_IOC_SETFLAGS, &flags);
}

bool IsEmptyDir(const std::string& path) {
  auto names = ListDir(path);
  return names.ok() && names->empty();
}

// The root is made 0711 when berth creates it or it is already a store (or
// empty); a user's existing directory (`--root /srv/x` with other files) keeps
// its mode: the private subdirectories protect the content either way.
Status PrepareRoot(const std::string& root) {
  bool fresh = !PathExists(root);
  if (fresh) TRY(MkdirAll(root, kRootMode));
  if (fresh || PathExists(JoinPath(root, "berth.db")) || IsEmptyDir(root)) {
    TRY(EnsureDir(root, kRootMode));
  }
  for (const char* sub : kPrivateDirs) TRY(EnsureDir(JoinPath(root, sub), kPrivateMode));
  SpreadNewDirs(JoinPath(root, "ingest"));      // staging snapshots and blobs
  SpreadNewDirs(JoinPath(root, "containers"));  // containers' upper dirs
  (void)::unlink(JoinPath(root, "lock").c_str());  // version 1's store-wide flock
  return Ok();
}

}  // namespace

Store::Store(std::string root, Options options, std::unique_ptr<Metadata> metadata)
    : root_(std::move(root)),
      options_(options),
      metadata_(std::move(metadata)),
      content_(root_, metadata_.get(), options_.read_only),
      snapshots_(root_, metadata_.get(), options_.read_only),
      trash_(JoinPath(root_, "trash")) {}

Store::~Store() = default;

Result<std::unique_ptr<Store>> Store::Open(const std::string& root, Options options) {
  if (root.empty()) {
    return MakeError(Code::kInvalidArgument, "the store root (--root, BERTH_ROOT) must not be empty");
  }
  const std::string what = "open store " + root;
  std::string db = JoinPath(root, "berth.db");
  if (options.read_only) {
    if (!PathExists(db)) return MakeError(Code::kNotFound, what + ": no store there");
  } else {
    TRY_CTX(PrepareRoot(root), what);
  }
  auto metadata = TRY_CTX(
      Metadata::Open(db, options.read_only, JoinPath(JoinPath(root, "blobs"), "sha256")), what);
  return std::unique_ptr<Store>(new Store(root, options, std::move(metadata)));
}

Result<Lease> Store::NewLease(std::string_view label, int64_t expires_ns) {
  if (options_.read_only) return ReadOnlyError();
  return Lease::Create(*metadata_, label, expires_ns);
}

Result<GcStats> Store::CollectGarbage(const GcOptions& options) {
  if (options_.read_only && !options.dry_run) return ReadOnlyError().Wrap("garbage collection");
  return TRY_CTX(store::CollectGarbage(Parts(), options), "garbage collection");
}

Result<bool> Store::MayHaveGarbage() { return store::MayHaveGarbage(Parts()); }

}  // namespace berth::store
