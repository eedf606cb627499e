// A container's root filesystem and runtime bundle, made fresh by its monitor
// before each start: the overlay of the image's snapshots with the
// container's upper dir, mounted in the monitor's private mount namespace
// (so nothing is mounted on the host, and the mount ends with the
// container), and the bundle's config.json for the runtime.
#pragma once

#include <string>

#include "base/result.h"
#include "container/container.h"
#include "container/state.h"
#include "store/store.h"

namespace berth::container {

// Makes the calling process's mount namespace private (unshare + rprivate /).
// Call once, single-threaded, before MountRootfs.
Status EnterPrivateMountNamespace();

// Fills d.init() with Docker's init layer (moby's initlayer): the dirs
// /dev/pts, /dev/shm, /proc, /sys, the empty files /.dockerenv,
// /etc/resolv.conf, /etc/hosts, /etc/hostname, /dev/console and the link
// /etc/mtab -> /proc/mounts. Mountpoints then exist below the upper dir,
// and runc's mounts over them copy nothing up.
Status WriteInitLayer(const ContainerDir& d);

// Mounts the container's overlay on d.rootfs(): lowers are the image's
// snapshots under its init layer, upper and work the
// container's. With writable false, the upper dir becomes the top lower and
// nothing can change (for export, cp from and diff of a stopped container).
Status MountRootfs(const store::Store& store, const Container& c, const ContainerDir& d,
                   bool writable = true);

// Writes d.etc() (hosts, hostname, resolv.conf), creates the working
// directory inside the rootfs when missing (as Docker does), resolves the
// user in the rootfs and writes d.bundle()/config.json. Errors read as
// Docker's (unable to find user..., invalid working directory).
Status WriteBundle(const Container& c, const ContainerDir& d);


}  // namespace berth::container
