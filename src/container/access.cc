// See access.h. The mount lives as long as this process: berth commands are
// short, and the kernel drops the private namespace with them.
#include "container/access.h"

#include "container/bundle.h"
#include "container/state.h"

namespace berth::container {

Result<RootAccess> RootAccess::Open(const store::Store& store, const Container& c, bool writable) {
  ContainerDir d = ContainerDir::Of(store.root(), c.id);
  RootAccess a;
  State s = TRY(CurrentState(d, c.id));
  if (s.Running() && s.pid > 0) {
    a.path_ = "/proc/" + std::to_string(s.pid) + "/root";
    return a;
  }
  // A monitor that has just reported the exit lets go within moments.
  a.lock_ = TRY(LockMonitor(d, 5000));
  s = TRY(ReadState(d));
  if (s.Running()) {
    return MakeError(Code::kUnavailable, "container " + c.id + " started meanwhile; try again");
  }
  TRY(EnterPrivateMountNamespace());
  TRY(MountRootfs(store, c, d, writable));
  a.path_ = d.rootfs();
  return a;
}

}  // namespace berth::container
