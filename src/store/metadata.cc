// The store's index lives in one SQLite database so that every change to
// what exists (an image and its layers, a tag moving, a snapshot appearing)
// is one atomic transaction, shared safely by concurrent berth processes
// through WAL and a busy timeout. Listing stays a fixed handful of set-based
// queries so `berth images` is fast with thousands of images.
#include "store/metadata.h"

#include <algorithm>

#include "base/strings.h"

namespace berth::store {
namespace {

constexpr const char* kImageColumns =
    "SELECT id, manifest_digest, created, added, size, parent FROM images";
constexpr const char* kLayerColumns =
    "SELECT image_id, diff_id, chain_id, blob, media_type, blob_size FROM image_layers";

Result<ImageRecord> ImageFromRow(const Stmt& s) {
  ImageRecord img;
  img.id = TRY(s.DigestAt(0));
  img.manifest_digest = TRY(s.OptionalDigestAt(1));
  img.created = s.Int(2);
  img.added = s.Int(3);
  img.size = s.Int(4);
  img.parent = s.Text(5);
  return img;
}

// Layer columns start at 1 (column 0 is the image id).
Result<LayerRecord> LayerFromRow(const Stmt& s) {
  LayerRecord l;
  l.diff_id = TRY(s.DigestAt(1));
  l.chain_id = TRY(s.DigestAt(2));
  l.blob = TRY(s.DigestAt(3));
  l.media_type = s.Text(4);
  l.blob_size = s.Int(5);
  return l;
}

Error ImageNotFound(const Digest& id) {
  return MakeError(Code::kNotFound, "image " + id.str() + " not found");
}

}  // namespace

Status Metadata::PutImage(const ImageRecord& img) {
  if (!img.id.valid()) return MakeError(Code::kInvalidArgument, "image record without id");
  return Transaction([&]() -> Status {
    Stmt up = TRY(db_.Prepare(
        "INSERT INTO images (id, manifest_digest, created, added, size, parent) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT(id) DO UPDATE SET "
        "manifest_digest = ?2, created = ?3, added = ?4, size = ?5, parent = ?6"));
    up.Bind(1, img.id);
    if (img.manifest_digest) {
      up.Bind(2, *img.manifest_digest);
    } else {
      up.BindNull(2);
    }
    TRY(up.Bind(3, img.created).Bind(4, img.added).Bind(5, img.size).Bind(6, img.parent).Run());
    Stmt del = TRY(db_.Prepare("DELETE FROM image_layers WHERE image_id = ?1"));
    TRY(del.Bind(1, img.id).Run());
    Stmt ins = TRY(db_.Prepare(
        "INSERT INTO image_layers (image_id, idx, diff_id, chain_id, blob, media_type, "
        "blob_size) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"));
    for (size_t i = 0; i < img.layers.size(); i++) {
      const LayerRecord& l = img.layers[i];
      TRY(ins.Reset());
      TRY(ins.Bind(1, img.id)
              .Bind(2, static_cast<int64_t>(i))
              .Bind(3, l.diff_id)
              .Bind(4, l.chain_id)
              .Bind(5, l.blob)
              .Bind(6, l.media_type)
              .Bind(7, l.blob_size)
              .Run());
    }
    return Ok();
  });
}

Result<std::optional<ImageRecord>> Metadata::GetImage(const Digest& id) const {
  std::lock_guard lock(mu_);
  Stmt s = TRY(db_.Prepare(std::string(kImageColumns) + " WHERE id = ?1"));
  s.Bind(1, id);
  if (!TRY(s.Step())) return std::optional<ImageRecord>();
  ImageRecord img = TRY(ImageFromRow(s));
  Stmt ls = TRY(db_.Prepare(std::string(kLayerColumns) + " WHERE image_id = ?1 ORDER BY idx"));
  ls.Bind(1, id);
  while (TRY(ls.Step())) img.layers.push_back(TRY(LayerFromRow(ls)));
  return std::optional<ImageRecord>(std::move(img));
}

Result<std::vector<ImageRecord>> Metadata::ListImages() const {
  std::lock_guard lock(mu_);
  // Both queries are ordered by image id, so one merging pass joins them.
  std::vector<ImageRecord> images;
  Stmt s = TRY(db_.Prepare(std::string(kImageColumns) + " ORDER BY id"));
  while (TRY(s.Step())) images.push_back(TRY(ImageFromRow(s)));
  Stmt ls = TRY(db_.Prepare(std::string(kLayerColumns) + " ORDER BY image_id, idx"));
  size_t i = 0;
  while (TRY(ls.Step())) {
    std::string owner = ls.Text(0);
    std::string_view owner_hex = std::string_view(owner).substr(std::min<size_t>(7, owner.size()));
    while (i < images.size() && images[i].id.hex() < owner_hex) i++;
    if (i == images.size() || images[i].id.hex() != owner_hex) continue;  // cannot happen (FK)
    images[i].layers.push_back(TRY(LayerFromRow(ls)));
  }
  return images;
}

Result<std::vector<Digest>> Metadata::FindImagesByPrefix(std::string_view hex_prefix) const {
  if (hex_prefix.empty() || hex_prefix.size() > 64 || !IsHex(hex_prefix) ||
      ToLower(hex_prefix) != hex_prefix) {
    return MakeError(Code::kInvalidArgument,
                     "invalid image id prefix " + Quote(hex_prefix));
  }
  std::lock_guard lock(mu_);
  // Every id is "sha256:" + lowercase hex, so [prefix, prefix + "g") is exactly
  // the ids starting with prefix, and the primary key index answers it.
  std::string lo = "sha256:" + std::string(hex_prefix);
  Stmt s = TRY(db_.Prepare("SELECT id FROM images WHERE id >= ?1 AND id < ?2 ORDER BY id"));
  s.Bind(1, lo).Bind(2, lo + "g");
  std::vector<Digest> out;
  while (TRY(s.Step())) out.push_back(TRY(s.DigestAt(0)));
  return out;
}

Status Metadata::DeleteImage(const Digest& id) {
  return Transaction([&]() -> Status {
    // Layers, tags and repo digests go with it through ON DELETE CASCADE.
    Stmt s = TRY(db_.Prepare("DELETE FROM images WHERE id = ?1"));
    TRY(s.Bind(1, id).Run());
    if (db_.Changes() == 0) return ImageNotFound(id);
    return Ok();
  });
}

Status Metadata::SetTag(const TagRecord& tag) {
  if (tag.name.empty()) return MakeError(Code::kInvalidArgument, "empty tag name");
  return Transaction([&]() -> Status {
    if (!TRY(GetImage(tag.image_id))) return ImageNotFound(tag.image_id);
    Stmt s = TRY(db_.Prepare(
        "INSERT INTO tags (name, image_id, tagged_at) VALUES (?1, ?2, ?3) "
        "ON CONFLICT(name) DO UPDATE SET image_id = ?2, tagged_at = ?3"));
    return s.Bind(1, tag.name).Bind(2, tag.image_id).Bind(3, tag.tagged_at).Run();
  });
}

Status Metadata::RemoveTag(std::string_view name) {
  std::lock_guard lock(mu_);
  Stmt s = TRY(db_.Prepare("DELETE FROM tags WHERE name = ?1"));
  TRY(s.Bind(1, name).Run());
  if (db_.Changes() == 0) {
    return MakeError(Code::kNotFound, "tag " + std::string(name) + " not found");
  }
  return Ok();
}

Result<std::optional<TagRecord>> Metadata::GetTag(std::string_view name) const {
  std::lock_guard lock(mu_);
  Stmt s = TRY(db_.Prepare("SELECT name, image_id, tagged_at FROM tags WHERE name = ?1"));
  s.Bind(1, name);
  if (!TRY(s.Step())) return std::optional<TagRecord>();
  return std::optional<TagRecord>(TagRecord{s.Text(0), TRY(s.DigestAt(1)), s.Int(2)});
}

Result<std::vector<TagRecord>> Metadata::QueryTags(std::string_view sql,
                                                   const Digest* image) const {
  std::lock_guard lock(mu_);
  Stmt s = TRY(db_.Prepare(sql));
  if (image != nullptr) s.Bind(1, *image);
  std::vector<TagRecord> out;
  while (TRY(s.Step())) out.push_back(TagRecord{s.Text(0), TRY(s.DigestAt(1)), s.Int(2)});
  return out;
}

Result<std::vector<TagRecord>> Metadata::ListTags() const {
  return QueryTags("SELECT name, image_id, tagged_at FROM tags ORDER BY name", nullptr);
}

Result<std::vector<TagRecord>> Metadata::TagsOf(const Digest& image) const {
  return QueryTags(
      "SELECT name, image_id, tagged_at FROM tags WHERE image_id = ?1 ORDER BY name", &image);
}

Status Metadata::AddRepoDigest(const RepoDigestRecord& record) {
  if (record.name.empty()) return MakeError(Code::kInvalidArgument, "empty repo digest name");
  return Transaction([&]() -> Status {
    if (!TRY(GetImage(record.image_id))) return ImageNotFound(record.image_id);
    Stmt s = TRY(db_.Prepare(
        "INSERT INTO repo_digests (name, image_id) VALUES (?1, ?2) "
        "ON CONFLICT(name) DO UPDATE SET image_id = ?2"));
    return s.Bind(1, record.name).Bind(2, record.image_id).Run();
  });
}

Status Metadata::RemoveRepoDigest(std::string_view name) {
  std::lock_guard lock(mu_);
  Stmt s = TRY(db_.Prepare("DELETE FROM repo_digests WHERE name = ?1"));
  TRY(s.Bind(1, name).Run());
  if (db_.Changes() == 0) {
    return MakeError(Code::kNotFound, "repo digest " + std::string(name) + " not found");
  }
  return Ok();
}

Result<std::vector<RepoDigestRecord>> Metadata::QueryRepoDigests(std::string_view sql,
                                                                 const Digest* image) const {
  std::lock_guard lock(mu_);
  Stmt s = TRY(db_.Prepare(sql));
  if (image != nullptr) s.Bind(1, *image);
  std::vector<RepoDigestRecord> out;
  while (TRY(s.Step())) out.push_back(RepoDigestRecord{s.Text(0), TRY(s.DigestAt(1))});
  return out;
}

Result<std::vector<RepoDigestRecord>> Metadata::ListRepoDigests() const {
  return QueryRepoDigests("SELECT name, image_id FROM repo_digests ORDER BY name", nullptr);
}

Result<std::vector<RepoDigestRecord>> Metadata::RepoDigestsOf(const Digest& image) const {
  return QueryRepoDigests(
      "SELECT name, image_id FROM repo_digests WHERE image_id = ?1 ORDER BY name", &image);
}

Result<std::vector<std::string>> Metadata::QuickCheck() const {
  std::lock_guard lock(mu_);
  Stmt s = TRY(db_.Prepare("PRAGMA quick_check"));
  std::vector<std::string> problems;
  while (TRY(s.Step())) {
    std::string line = s.Text(0);
    if (line != "ok") problems.push_back("database: " + line);
  }
  return problems;
}

}  // namespace berth::store
