// A container's directory in the store and its run state.
//
//   <root>/containers/<id>/        0700
//     state.json     the State below, replaced atomically by whoever changes it
//     monitor.lock   flock'ed by the live monitor for its whole life
//     init/          Docker's init layer: the mountpoints runc needs and
//                    /.dockerenv, between the image and upper/, so that
//                    neither diff nor commit sees them
//     upper/ work/   the overlay's writable layer and its work dir
//     rootfs/        where the monitor mounts the overlay (in its own mount namespace)
//     bundle/config.json, etc/{hosts,hostname,resolv.conf}
//     <id>-json.log  Docker's json-file log
//
// The monitor holds monitor.lock while the container can run, so "the lock
// is free" means "no monitor": a state that still says running then belongs
// to a monitor that died (SIGKILL, reboot), and CurrentState repairs it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "base/fd.h"
#include "base/result.h"

namespace berth::container {

struct State {
  std::string status = "created";  // created | running | paused | exited | dead
  int pid = 0;
  int exit_code = 0;
  std::string error{};
  int64_t started_at = 0;   // ns; 0 = never started
  int64_t finished_at = 0;  // ns; 0 = not finished
  int monitor_pid = 0;

  bool Running() const { return status == "running" || status == "paused"; }
  bool operator==(const State&) const = default;
};

// Paths of one container's directory.
struct ContainerDir {
  std::string dir;  // <root>/containers/<id>

  static ContainerDir Of(const std::string& store_root, const std::string& id);
  std::string state() const { return dir + "/state.json"; }
  std::string lock() const { return dir + "/monitor.lock"; }
  std::string init() const { return dir + "/init"; }
  std::string upper() const { return dir + "/upper"; }
  std::string work() const { return dir + "/work"; }
  std::string rootfs() const { return dir + "/rootfs"; }
  std::string bundle() const { return dir + "/bundle"; }
  std::string etc() const { return dir + "/etc"; }
  std::string log(const std::string& id) const { return dir + "/" + id + "-json.log"; }
};

// Replaces path with content atomically (temp file + rename) without
// fsync: for files rebuilt on every start (bundle, etc files, state). A
// power loss may lose the latest version; ReadState copes with that.
Status ReplaceFile(const std::string& path, std::string_view content, int mode);

// A state file that cannot be parsed (a power loss after an unsynced
// replace) reads as exited with code 255 and an error saying so.
Result<State> ReadState(const ContainerDir& d);
// Durable and atomic: readers see the old state or the new one.
Status WriteState(const ContainerDir& d, const State& s);

// The monitor lock, taken without waiting: nullopt when a live monitor holds it.
Result<std::optional<UniqueFd>> TryLockMonitor(const ContainerDir& d);
// The monitor lock, waiting up to timeout_ms for its holder to let go (a
// monitor that has reported the exit still runs `runc delete` for a few
// tens of milliseconds). Unavailable when it is still held then.
Result<UniqueFd> LockMonitor(const ContainerDir& d, int timeout_ms);
// True when a monitor holds the lock now.
bool MonitorAlive(const ContainerDir& d);

// The state as it really is: when it says running but no monitor holds the
// lock, the monitor died; the container's leftover processes are killed
// (runtime delete -f) and the state becomes exited with code 255 and
// "monitor died" — under the lock, so a monitor finishing at the same
// moment is never overwritten.
Result<State> CurrentState(const ContainerDir& d, const std::string& id);

}  // namespace berth::container
