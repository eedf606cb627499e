// What the commands that take one container name start with: the store,
// the container (docker's lookup) and its directory.
#pragma once

#include <string>

#include "base/result.h"
#include "cli/context.h"
#include "container/container.h"
#include "container/state.h"

namespace berth::cli {

struct ContainerTarget {
  store::Store* store = nullptr;
  container::Container c;
  container::ContainerDir dir;

  // The state as it is (container::CurrentState).
  Result<container::State> State() const { return container::CurrentState(dir, c.id); }
};

// Opens the store and finds name in it ("No such container: X", ...).
Result<ContainerTarget> FindTarget(Context& ctx, const std::string& name);

}  // namespace berth::cli
