// See container_target.h.
#include "cli/container_target.h"

#include "container/lifecycle.h"

namespace berth::cli {

Result<ContainerTarget> FindTarget(Context& ctx, const std::string& name) {
  store::Store* store = TRY(ctx.Store());
  container::Container c = TRY(container::FindContainer(*store, name));
  container::ContainerDir dir = container::ContainerDir::Of(store->root(), c.id);
  return ContainerTarget{store, std::move(c), std::move(dir)};
}

}  // namespace berth::cli
