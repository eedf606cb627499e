// The filesystem side of starting a container. Docker's daemon mounts the
// overlay in the host's namespace and must remember to unmount it; berth's
// monitor mounts it in a namespace of its own, which the kernel tears down
// when the monitor and the container are gone, whatever killed them.
#include "container/bundle.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <cerrno>
#include <unistd.h>

#include "base/file.h"
#include "base/strings.h"
#include "runtime/etc_files.h"
#include "runtime/spec.h"
#include "runtime/user.h"
#include "tar/root_fs.h"

namespace berth::container {
namespace {

std::string HostFile(const char* path) { return ReadFile(path).value_or(""); }

runtime::NetworkMode Network(const Container& c) {
  return c.host.network_mode == "host" ? runtime::NetworkMode::kHost : runtime::NetworkMode::kNone;
}

}  // namespace

Status EnterPrivateMountNamespace() {
  if (::unshare(CLONE_NEWNS) != 0) return ErrnoError("unshare mount namespace");
  if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
    return ErrnoError("make / private");
  }
  return Ok();
}

Status WriteInitLayer(const ContainerDir& d) {
  const std::string& root = d.init();
  for (const char* dir : {"/dev/pts", "/dev/shm", "/proc", "/sys", "/etc"}) {
    TRY(MkdirAll(root + dir, 0755));
  }
  for (const char* file : {"/.dockerenv", "/etc/resolv.conf", "/etc/hosts", "/etc/hostname",
                           "/dev/console"}) {
    UniqueFd fd(::open((root + file).c_str(), O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0755));
    if (!fd.valid()) return ErrnoError("create " + root + file);
  }
  std::string mtab = root + "/etc/mtab";
  if (::symlink("/proc/mounts", mtab.c_str()) != 0 && errno != EEXIST) return ErrnoError("symlink " + mtab);
  return Ok();
}

Status MountRootfs(const store::Store& store, const Container& c, const ContainerDir& d,
                   bool writable) {
  std::vector<std::string> lowers;
  if (c.chain_id) lowers = TRY(store.snapshots().LowerDirs(*c.chain_id));
  // Lowers are given relative to snapshots/ (the mount options must fit in a
  // page however many layers there are), so mount from there.
  std::string snaps = store.root() + "/snapshots/";
  for (std::string& l : lowers) {
    if (l.starts_with(snaps)) l = l.substr(snaps.size());
  }
  lowers.insert(lowers.begin(), d.init());  // always: a scratch image has no other lower
  std::string opts;
  if (writable) {
    opts = "lowerdir=" + Join(lowers, ":") + ",upperdir=" + d.upper() + ",workdir=" + d.work();
  } else {
    opts = "lowerdir=" + d.upper() + ":" + Join(lowers, ":");
  }
  opts += ",index=off";
  TRY(MkdirAll(d.rootfs(), 0755));
  if (::chdir(snaps.c_str()) != 0) return ErrnoError("chdir " + snaps);
  int rc = ::mount("overlay", d.rootfs().c_str(), "overlay", 0, opts.c_str());
  int err = errno;
  (void)!::chdir("/");
  if (rc != 0) return ErrnoError("mount the container's root filesystem", err);
  return Ok();
}

Status WriteBundle(const Container& c, const ContainerDir& d) {
  runtime::RunOptions o{.hostname = c.config.hostname,
                        .tty = c.config.tty,
                        .network = Network(c),
                        .read_only = c.host.read_only,
                        .rootfs = d.rootfs(),
                        .etc_dir = d.etc()};
  for (const std::string& b : c.host.binds) o.binds.push_back(TRY(runtime::ParseBindMount(b)));
  TRY(MkdirAll(d.etc(), 0755));
  TRY(ReplaceFile(d.etc() + "/hostname", runtime::HostnameFile(o.hostname), 0644));
  TRY(ReplaceFile(d.etc() + "/hosts", runtime::HostsFile(o.network, HostFile("/etc/hosts")), 0644));
  TRY(ReplaceFile(d.etc() + "/resolv.conf",
                      runtime::ResolvConf(o.network, HostFile("/etc/resolv.conf")), 0644));
  RootFs root = TRY(RootFs::Open(d.rootfs()));
  std::string cwd = TRY(runtime::ProcessCwd(c.config, o));
  if (cwd != "/") {
    auto dir = root.OpenDir(CleanRootPath(cwd), /*create=*/true);
    if (!dir.ok()) {
      return MakeError(Code::kInvalidArgument,
                       "cannot create the working directory " + cwd + ": " + dir.error().message);
    }
  }
  runtime::ExecUser user = TRY(runtime::ResolveUserInRoot(root, runtime::UserSpec(c.config, o)));
  Json spec = TRY(runtime::BuildSpec(c.config, o, user));
  TRY(MkdirAll(d.bundle(), 0700));
  return ReplaceFile(d.bundle() + "/config.json", DumpJson(spec), 0600);
}

}  // namespace berth::container
