// See image_root.h. The store's snapshots are never written through here:
// the overlay has no upper dir, and a single snapshot is only read.
#include "build/image_root.h"

#include <fcntl.h>
#include <sys/mount.h>
#include <unistd.h>

#include "base/fd.h"
#include "base/file.h"
#include "base/strings.h"
#include "container/bundle.h"

namespace berth::build {
namespace {

// Unshares the mount namespace once per process.
Status PrivateNamespace() {
  static bool entered = false;
  if (entered) return Ok();
  TRY(container::EnterPrivateMountNamespace());
  entered = true;
  return Ok();
}

}  // namespace

ImageRoot::~ImageRoot() {
  if (mounted_) ::umount2(path_.c_str(), MNT_DETACH);
}

Result<std::unique_ptr<ImageRoot>> ImageRoot::Open(const store::Store& store,
                                                   const std::optional<Digest>& image) {
  std::unique_ptr<ImageRoot> holder(new ImageRoot());
  ImageRoot& r = *holder;
  std::vector<std::string> lowers;
  if (image) {
    auto rec = TRY(store.metadata().GetImage(*image));
    if (!rec) return MakeError(Code::kNotFound, "No such image: " + image->str());
    if (!rec->layers.empty()) lowers = TRY(store.snapshots().LowerDirs(rec->layers.back().chain_id));
  }
  if (lowers.size() == 1) {
    r.path_ = lowers[0];
    return holder;
  }
  r.scratch_ = TRY(store::IngestDir::Create(store.content().ingest_dir()));
  r.path_ = r.scratch_.Join("root");
  TRY(MkdirAll(r.path_, 0755));
  if (lowers.empty()) return holder;
  // Lowers relative to snapshots/, so that any number fits the mount's page.
  std::string snaps = store.root() + "/snapshots/";
  for (std::string& l : lowers) {
    if (l.starts_with(snaps)) l = l.substr(snaps.size());
  }
  TRY(PrivateNamespace());
  std::string opts = "lowerdir=" + Join(lowers, ":") + ",index=off";
  UniqueFd cwd(::open(".", O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (::chdir(snaps.c_str()) != 0) return ErrnoError("chdir " + snaps);
  int rc = ::mount("overlay", r.path_.c_str(), "overlay", MS_RDONLY, opts.c_str());
  int err = errno;
  (void)!(cwd.valid() ? ::fchdir(cwd.get()) : ::chdir("/"));
  if (rc != 0) return ErrnoError("mount the image's filesystem", err);
  r.mounted_ = true;
  return holder;
}

}  // namespace berth::build
