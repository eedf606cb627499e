// The inspect view of a container: docker 20.10's types.ContainerJSON built
// from the container's record, its run state and its directory, in docker's
// key order, with docker's defaults for what berth does not support.
#pragma once

#include <cstdint>

#include "base/result.h"
#include "container/container.h"
#include "container/state.h"
#include "oci/json_fields.h"
#include "store/store.h"

namespace berth::container {

// Docker's container inspect object: Id, Created, Path, Args, State, Image,
// ResolvConfPath, HostnamePath, HostsPath, LogPath, Name, RestartCount,
// Driver, Platform, MountLabel, ProcessLabel, AppArmorProfile, ExecIDs,
// HostConfig, GraphDriver, [SizeRw, SizeRootFs when size], Mounts, Config,
// NetworkSettings. Paths of files written at the first start (etc files,
// the log) are "" until then, as docker's. Errors only from reading the
// store (the image's snapshots).
Result<Json> InspectContainer(const store::Store& store, const Container& c, const State& s,
                              bool size);

// Docker's HostConfig for c: every key docker prints, c's settings where
// berth has them (Binds, NetworkMode, PortBindings from -p, RestartPolicy,
// AutoRemove, ReadonlyRootfs, Runtime), docker's defaults elsewhere.
Json HostConfigJson(const Container& c);

// Docker's Mounts for c's -v binds: Type "bind", Source, Destination, Mode
// (the third field as given, "" when absent), RW, Propagation (rprivate
// unless the mode names another). Binds that no longer parse are skipped.
Json MountsJson(const Container& c);

// Bytes in c's writable layer (its upper dir): docker's SizeRw, and what
// removing the container reclaims.
int64_t ContainerSizeRw(const store::Store& store, const Container& c);

}  // namespace berth::container
