// `load` reads its archive in one streaming pass (stdin may be a pipe, and no
// temporary copy of a multi-GB archive is made), so entries arrive in whatever
// order the writer chose: manifest.json may come last. Everything that could
// be content therefore goes straight into the content store under the load's
// lease, remembered by its archive path; only the small metadata files are
// kept in memory. The archive's names are only ever map keys: no file is
// created from them.
#include "image/load_archive.h"

#include <archive.h>
#include <archive_entry.h>

#include <algorithm>
#include <vector>

#include "oci/json_fields.h"
#include "tar/archive_util.h"

namespace berth::image {

namespace {

// The data of the current entry, as a Reader.
class EntryReader : public Reader {
 public:
  EntryReader(archive* a, ArchiveSource& source) : a_(a), source_(source) {}
  Result<size_t> Read(std::span<std::byte> buf) override {
    la_ssize_t n = archive_read_data(a_, buf.data(), buf.size());
    if (n < 0) return source_.TakeError(ArchiveError(a_, "reading archive"));
    return static_cast<size_t>(n);
  }

 private:
  archive* a_;
  ArchiveSource& source_;
};

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// Legacy per-layer files nothing reads: "<id>/json", "<id>/VERSION", "VERSION".
bool IsSkipped(std::string_view path) {
  return path == "VERSION" || EndsWith(path, "/VERSION") || EndsWith(path, "/json");
}

// The digest a blobs/sha256/<hex> path names, nullopt for other paths.
Result<std::optional<Digest>> BlobName(std::string_view path) {
  constexpr std::string_view kPrefix = "blobs/sha256/";
  if (path.substr(0, kPrefix.size()) != kPrefix) return std::optional<Digest>();
  auto d = Digest::FromHex(path.substr(kPrefix.size()));
  if (!d.ok()) return MakeError(Code::kInvalidArgument, "invalid blob name " + std::string(path));
  return std::optional<Digest>(*d);
}

// Passes writes to the blob writer and tells the unpacker following the
// ingest file (if any) how far it may read.
class FeedWriter : public Writer {
 public:
  FeedWriter(Writer& dst, BlobFeed* feed) : dst_(dst), feed_(feed) {}
  Status Write(std::span<const std::byte> data) override {
    TRY(dst_.Write(data));
    if (feed_) feed_->Wrote(static_cast<int64_t>(data.size()));
    return Ok();
  }

 private:
  Writer& dst_;
  BlobFeed* feed_;
};

// Reads and drops the first n bytes of in: the part of a blob that an earlier,
// killed writer of the same digest left in its keyed ingest.
Status SkipResumed(Reader& in, int64_t n) {
  std::vector<std::byte> buf(std::min<int64_t>(n, 1 << 20));
  while (n > 0) {
    size_t got = TRY(in.Read(std::span(buf.data(), std::min<size_t>(buf.size(), n))));
    if (got == 0) return MakeError(Code::kDataLoss, "entry shorter than the resumed part of its blob");
    n -= static_cast<int64_t>(got);
  }
  return Ok();
}

Result<store::BlobInfo> Ingest(store::Store& store, store::Lease& lease, EntryReader& data,
                               const std::string& path, int64_t size, const std::optional<Digest>& key,
                               const ArchiveOptions& options, const ArchiveContents& so_far) {
  auto w = store.content().NewWriter({.lease = &lease, .digest = key, .size = size});
  if (!w.ok()) {
    if (key && w.error().code == Code::kAlreadyExists) {
      return store::BlobInfo{.digest = *key, .size = TRY(store.content().Size(*key))};
    }
    return std::move(w).error();
  }
  std::string head = TRY(ReadHead(data, 512));
  PeekedReader in(head, data);
  std::shared_ptr<BlobFeed> feed;
  if (options.prefetch && LooksLikeLayer(head) && (!options.unpack_ahead || options.unpack_ahead(so_far, path, key))) {
    feed = options.prefetch->Start(TRY((*w)->OpenWritten()));
  }
  // A keyed writer resumes what a killed load or pull of the same blob left:
  // those bytes are hashed already, only the rest is written.
  int64_t resumed = (*w)->resumed();
  if (feed && resumed > 0) feed->Wrote(resumed);
  FeedWriter out(**w, feed.get());
  auto blob = [&]() -> Result<store::BlobInfo> {
    TRY(SkipResumed(in, resumed));
    TRY(Copy(in, out));
    return (*w)->Commit();
  }();
  if (feed) feed->Done(blob);
  return blob;
}

Status ReadEntry(store::Store& store, store::Lease& lease, archive* a, archive_entry* e,
                 ArchiveSource& source, const ArchiveOptions& options, ArchiveContents& out) {
  const char* raw = EntryPathname(e);
  std::string path = TRY(CleanArchivePath(raw ? raw : ""));
  auto type = archive_entry_filetype(e);
  bool link = EntryHardlink(e) != nullptr || type == AE_IFLNK;
  if (path.empty() || type == AE_IFDIR || IsSkipped(path)) return Ok();
  if (link) {
    if (TRY(BlobName(path)) || IsArchiveMetadata(path)) {
      return MakeError(Code::kInvalidArgument,
                       "archive entry " + path + " is a link: a blob or index must be a regular file");
    }
    const char* hard = EntryHardlink(e);
    const char* sym = EntrySymlink(e);
    out.links[path] = TRY(ResolveLinkTarget(path, hard ? hard : sym ? sym : "", hard != nullptr));
    return Ok();
  }
  if (type != AE_IFREG) return Ok();  // devices, fifos: nothing an image archive holds
  int64_t size = archive_entry_size(e);
  EntryReader data(a, source);
  if (IsArchiveMetadata(path)) {
    if (size > kMaxArchiveJson) {
      return MakeError(Code::kInvalidArgument, "archive entry " + path + " is larger than " +
                                                   std::to_string(kMaxArchiveJson >> 20) + " MiB");
    }
    out.files[path] = TRY_CTX(ReadAll(data, kMaxArchiveJson), "archive entry " + path);
    return Ok();
  }
  std::optional<Digest> key = TRY(BlobName(path));
  out.blobs[path] = TRY_CTX(Ingest(store, lease, data, path, size, key, options, out), "archive entry " + path);
  return Ok();
}

}  // namespace

Result<std::string> CleanArchivePath(std::string_view name) {
  if (!name.empty() && name[0] == '/') {
    return MakeError(Code::kInvalidArgument, "archive entry " + std::string(name) + ": absolute name");
  }
  std::string out;
  size_t pos = 0;
  while (pos <= name.size()) {
    size_t end = name.find('/', pos);
    if (end == std::string_view::npos) end = name.size();
    std::string_view part = name.substr(pos, end - pos);
    pos = end + 1;
    if (part.empty() || part == ".") continue;
    if (part == "..") {
      return MakeError(Code::kInvalidArgument, "archive entry " + std::string(name) + ": name with ..");
    }
    if (!out.empty()) out += '/';
    out += part;
  }
  return out;
}

Result<std::string> ResolveLinkTarget(std::string_view link, std::string_view target, bool hard) {
  auto bad = [&] {
    return MakeError(Code::kInvalidArgument, "archive entry " + std::string(link) + ": link to " +
                                                 std::string(target) + " leaves the archive");
  };
  if (target.empty() || target[0] == '/') return bad();
  std::vector<std::string_view> parts;
  if (!hard) {  // a symlink is relative to its own directory
    std::string_view dir = link.substr(0, link.rfind('/') == std::string_view::npos ? 0 : link.rfind('/'));
    for (size_t pos = 0; pos < dir.size();) {
      size_t end = std::min(dir.find('/', pos), dir.size());
      if (end > pos && dir.substr(pos, end - pos) != ".") parts.push_back(dir.substr(pos, end - pos));
      pos = end + 1;
    }
  }
  for (size_t pos = 0; pos <= target.size();) {
    size_t end = std::min(target.find('/', pos), target.size());
    std::string_view part = target.substr(pos, end - pos);
    pos = end + 1;
    if (part.empty() || part == ".") continue;
    if (part != "..") {
      parts.push_back(part);
    } else if (parts.empty()) {
      return bad();
    } else {
      parts.pop_back();
    }
  }
  std::string out;
  for (auto p : parts) out += (out.empty() ? "" : "/") + std::string(p);
  return out;
}

void ResolveLinks(ArchiveContents& ac) {
  for (const auto& [link, first] : ac.links) {
    std::string target = first;
    for (int hop = 0; hop < 16; ++hop) {  // a link to a link, never a loop forever
      if (auto it = ac.blobs.find(target); it != ac.blobs.end()) {
        ac.blobs[link] = it->second;
        break;
      }
      auto next = ac.links.find(target);
      if (next == ac.links.end()) break;
      target = next->second;
    }
  }
}

bool IsArchiveMetadata(std::string_view path) {
  return path == "manifest.json" || path == "index.json" || path == "repositories" ||
         path == "oci-layout";
}

Result<ArchiveContents> ReadImageArchive(store::Store& store, store::Lease& lease, Reader& tar,
                                         const ArchiveOptions& options) {
  ArchiveSource source(tar);
  ArchiveReadPtr a = TRY(OpenTarReader(source));
  ArchiveContents out;
  for (;;) {
    archive_entry* e = nullptr;
    int r = archive_read_next_header(a.get(), &e);
    if (r == ARCHIVE_EOF) break;
    if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
      return source.TakeError(ArchiveError(a.get(), "reading archive"));
    }
    ++out.entries;
    TRY(ReadEntry(store, lease, a.get(), e, source, options, out));
    if (options.progress) options.progress(source.delivered());
  }
  ResolveLinks(out);
  return out;
}

Result<std::vector<DockerManifestEntry>> ParseDockerManifest(std::string_view text) {
  auto bad = [](std::string_view why) {
    return MakeError(Code::kInvalidArgument, "invalid manifest.json: " + std::string(why));
  };
  Json j = Json::parse(text, nullptr, false);
  if (j.is_discarded()) return bad("not JSON");
  if (!j.is_array()) return bad("not a JSON array");
  std::vector<DockerManifestEntry> out;
  for (size_t i = 0; i < j.size(); ++i) {
    if (!j[i].is_object()) return bad("element " + std::to_string(i) + " is not an object");
    JsonFields f(j[i], "[" + std::to_string(i) + "]");
    DockerManifestEntry m;
    if (Status st = f.String("Config", m.config); !st.ok()) return bad(st.error().message);
    if (Status st = f.StringList("RepoTags", m.repo_tags); !st.ok()) return bad(st.error().message);
    if (Status st = f.StringList("Layers", m.layers); !st.ok()) return bad(st.error().message);
    if (m.config.empty()) return bad("[" + std::to_string(i) + "].Config: missing");
    out.push_back(std::move(m));
  }
  if (out.empty()) return bad("no images");
  return out;
}

}  // namespace berth::image
