// Name resolution shared by every command that takes an image argument
// (inspect, history, tag, rmi, ...), so they all agree on what a name means.
#include "image/resolve.h"

#include "base/clock.h"
#include "base/strings.h"

namespace berth::image {

namespace {

Error NoSuchImage(std::string_view name) {
  return MakeError(Code::kNotFound, "No such image: " + std::string(name));
}

Result<std::optional<Digest>> ByIdPrefix(store::Store& store, std::string_view name) {
  std::string_view hex = name;
  if (hex.starts_with("sha256:")) hex.remove_prefix(7);
  if (hex.empty() || hex.size() > 64 || !IsHex(hex)) return std::optional<Digest>();
  auto ids = TRY(store.metadata().FindImagesByPrefix(hex));
  if (ids.empty()) return std::optional<Digest>();
  if (ids.size() > 1) {
    return MakeError(Code::kInvalidArgument,
                     "multiple IDs found with provided prefix: " + std::string(hex));
  }
  return std::optional<Digest>(ids[0]);
}

}  // namespace

std::string TagKey(const Reference& tagged) { return tagged.Name() + ":" + tagged.tag; }

Result<Digest> ResolveImage(store::Store& store, std::string_view name) {
  auto& md = store.metadata();
  // 1. A full id.
  std::string_view hex = name;
  if (hex.starts_with("sha256:")) hex.remove_prefix(7);
  if (hex.size() == 64 && IsHex(hex)) {
    Digest id = TRY(Digest::FromHex(hex));
    auto img = TRY(md.GetImage(id));
    if (img) return id;
    if (name.starts_with("sha256:")) return NoSuchImage(name);
  }
  // 2. A reference: tag or repo digest.
  auto ref = ParseNormalizedNamed(name);
  if (ref.ok()) {
    if (ref->HasDigest()) {
      for (const auto& rd : TRY(md.ListRepoDigests())) {
        if (rd.name == ref->Name() + "@" + ref->digest.str()) return rd.image_id;
      }
      return NoSuchImage(name);
    }
    auto tag = TRY(md.GetTag(TagKey(WithDefaultTag(*ref))));
    if (tag) return tag->image_id;
  } else if (!name.starts_with("sha256:") || !IsHex(hex)) {
    return std::move(ref).error();
  }
  // 3. An id prefix.
  auto by_prefix = TRY(ByIdPrefix(store, name));
  if (by_prefix) return *by_prefix;
  // Docker names what it looked for: "No such image: x:latest".
  return NoSuchImage(ref.ok() ? WithDefaultTag(*ref).FamiliarString() : std::string(name));
}

Result<Reference> ParseTagTarget(std::string_view s) {
  Reference ref = TRY(ParseNormalizedNamed(s));
  if (ref.HasDigest()) {
    return MakeError(Code::kInvalidArgument, "refusing to create a tag with a digest reference");
  }
  // "sha256:<hex>" would read as an image id.
  if (ref.FamiliarName() == "sha256") {
    return MakeError(Code::kInvalidArgument, std::string(kAmbiguousTagError));
  }
  return WithDefaultTag(std::move(ref));
}

Status Tag(store::Store& store, const Digest& id, const Reference& tagged) {
  return store.metadata().SetTag(
      store::TagRecord{.name = TagKey(tagged), .image_id = id, .tagged_at = NowNanos()});
}

}  // namespace berth::image
