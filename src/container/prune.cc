// `rename` and `container prune`. Rename is one metadata update, so a name
// is never held by two containers nor lost; prune removes a container only
// while holding its monitor lock, so a container that starts meanwhile is
// left alone.
#include "container/prune.h"

#include <algorithm>

#include "base/strings.h"
#include "container/container.h"
#include "container/inspect.h"
#include "container/lifecycle.h"
#include "container/state.h"
#include "image/list.h"

namespace berth::container {
namespace {

constexpr std::string_view kAllocating = "Error when allocating new name: ";

struct PruneFilters {
  std::optional<int64_t> until{};
  std::vector<std::string> label{}, not_label{};
};

Result<PruneFilters> ParsePruneFilters(const std::vector<std::string>& given, int64_t now_ns) {
  PruneFilters f;
  for (const std::string& g : given) {
    auto kv = Cut(g, '=');
    std::string key = kv ? kv->first : g, value = kv ? kv->second : "";
    if (key == "until") {
      if (f.until) return MakeError(Code::kInvalidArgument, "more than one until filter specified");
      f.until = TRY(image::ParseTimeFilter(value, now_ns));
    } else if (key == "label") {
      f.label.push_back(value);
    } else if (key == "label!") {
      f.not_label.push_back(value);
    } else {
      return MakeError(Code::kInvalidArgument, "Invalid filter '" + key + "'");
    }
  }
  return f;
}

// docker's Args.MatchKVList for one value: "k" needs the key, "k=v" the pair.
bool HasLabel(const Container& c, const std::string& want) {
  auto kv = Cut(want, '=');
  auto it = c.config.labels.find(kv ? kv->first : want);
  return it != c.config.labels.end() && (!kv || it->second == kv->second);
}

bool Matches(const PruneFilters& f, const Container& c) {
  if (f.until && c.created >= *f.until) return false;
  for (const std::string& l : f.label) {
    if (!HasLabel(c, l)) return false;
  }
  // docker skips a container when every label! value matches it.
  if (!f.not_label.empty() &&
      std::all_of(f.not_label.begin(), f.not_label.end(),
                  [&](const std::string& l) { return HasLabel(c, l); })) {
    return false;
  }
  return true;
}

// Removes c if no monitor runs it, under the monitor lock. Returns whether
// it was removed.
Result<bool> RemoveIfStopped(store::Store& store, const Container& c) {
  ContainerDir d = ContainerDir::Of(store.root(), c.id);
  if (TRY(CurrentState(d, c.id)).Running()) return false;
  auto lock = TRY(TryLockMonitor(d));
  if (!lock) return false;  // started meanwhile
  if (TRY(ReadState(d)).Running()) return false;
  TRY(RemoveContainerNow(store, c));
  return true;
}

}  // namespace

Status RenameContainer(store::Store& store, std::string_view ref, std::string_view new_name) {
  if (ref.empty() || new_name.empty()) {
    return MakeError(Code::kInvalidArgument, "Neither old nor new names may be empty");
  }
  std::string full = new_name.starts_with("/") ? std::string(new_name) : "/" + std::string(new_name);
  Container c = TRY(FindContainer(store, ref));
  if ("/" + c.name == full) {
    return MakeError(Code::kInvalidArgument, "Renaming a container with the same name as its current name");
  }
  auto name = ValidateName(full);
  if (!name.ok()) return MakeError(Code::kInvalidArgument, std::string(kAllocating) + name.error().message);
  Status st = store.metadata().RenameContainer(c.id, *name);
  if (st.ok() || st.error().code != Code::kConflict) return st;
  std::string other;
  if (auto found = FindContainer(store, *name); found.ok()) other = found->id;
  return MakeError(Code::kConflict, std::string(kAllocating) + "Conflict. The container name \"" + full +
                                        "\" is already in use by container \"" + other +
                                        "\". You have to remove (or rename) that container to be "
                                        "able to reuse that name.");
}

Result<PruneReport> PruneContainers(store::Store& store, const std::vector<std::string>& filters,
                                    int64_t now_ns) {
  PruneFilters f = TRY(ParsePruneFilters(filters, now_ns));
  std::vector<Container> all = TRY(ListContainers(store));
  std::reverse(all.begin(), all.end());  // oldest first
  PruneReport report;
  for (const Container& c : all) {
    if (!Matches(f, c)) continue;
    int64_t size = ContainerSizeRw(store, c);
    if (!TRY(RemoveIfStopped(store, c))) continue;
    report.deleted.push_back(c.id);
    report.reclaimed += size;
  }
  return report;
}

}  // namespace berth::container
