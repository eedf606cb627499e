// The build context's stat cache. Hashing a context means reading all of
// it; a rebuild of an unchanged 200 MB context must not. This file keeps,
// per context file, the stat fields that change when its content can have
// changed, beside the content's digest. The format is text records ending in
// NUL (a path may hold any other byte) between a version line and an "end
// <count>" line: anything else, a cut-off file included, reads as empty.
#include "build/stat_cache.h"

#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include <cstdio>

#include "base/fd.h"
#include "base/file.h"
#include "base/io.h"
#include "base/strings.h"

namespace berth::build {
namespace {

constexpr std::string_view kMagic = "berth-statcache 1 ";

int64_t CoarseNow() {
  struct timespec ts;
  ::clock_gettime(CLOCK_REALTIME_COARSE, &ts);
  return int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

int64_t Nanos(const struct timespec& ts) { return int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec; }

}  // namespace

StatCache::Entry StatCache::EntryOf(const struct stat& st) {
  return Entry{.dev = st.st_dev, .ino = st.st_ino, .size = st.st_size,
               .mtime_ns = Nanos(st.st_mtim), .ctime_ns = Nanos(st.st_ctim), .mode = st.st_mode};
}

StatCache StatCache::Load(const std::string& path) {
  StatCache c;
  c.path_ = path;
  c.started_ns_ = CoarseNow();
  auto text = ReadFile(path);
  if (text.ok() && !c.Parse(*text)) c.entries_.clear();
  return c;
}

// One record: "<hex> <dev> <ino> <size> <mtime> <ctime> <mode> <path>\0".
bool StatCache::Parse(std::string_view text) {
  if (!text.starts_with(kMagic)) return false;
  size_t nl = text.find('\n');
  if (nl == std::string_view::npos) return false;
  auto stamp = ParseInt(text.substr(kMagic.size(), nl - kMagic.size()));
  if (!stamp) return false;
  text.remove_prefix(nl + 1);
  size_t count = 0;
  while (!text.starts_with("end ")) {
    size_t end = text.find('\0');
    if (end == std::string_view::npos) return false;
    std::string_view rec = text.substr(0, end);
    text.remove_prefix(end + 1);
    std::vector<std::string> f;
    for (int i = 0; i < 7; ++i) {
      size_t sp = rec.find(' ');
      if (sp == std::string_view::npos) return false;
      f.emplace_back(rec.substr(0, sp));
      rec.remove_prefix(sp + 1);
    }
    auto digest = Digest::FromHex(f[0]);
    std::optional<int64_t> n[6];
    for (int i = 0; i < 6; ++i) n[i] = ParseInt(f[i + 1]);
    if (!digest.ok()) return false;
    for (auto& v : n) {
      if (!v) return false;
    }
    Entry e{.dev = static_cast<uint64_t>(*n[0]), .ino = static_cast<uint64_t>(*n[1]), .size = *n[2],
            .mtime_ns = *n[3], .ctime_ns = *n[4], .mode = static_cast<uint32_t>(*n[5]),
            .digest = *digest};
    e.racy = e.mtime_ns >= *stamp || e.ctime_ns >= *stamp;
    entries_[std::string(rec)] = e;
    ++count;
  }
  return text == "end " + std::to_string(count) + "\n";
}

std::optional<Digest> StatCache::Lookup(const std::string& rel, const struct stat& st) {
  auto it = entries_.find(rel);
  if (it == entries_.end() || it->second.racy) return std::nullopt;
  Entry now = EntryOf(st);
  Entry& e = it->second;
  if (e.dev != now.dev || e.ino != now.ino || e.size != now.size || e.mtime_ns != now.mtime_ns ||
      e.ctime_ns != now.ctime_ns || e.mode != now.mode) {
    return std::nullopt;
  }
  e.seen = true;
  return e.digest;
}

void StatCache::Put(const std::string& rel, const struct stat& st, const Digest& digest) {
  Entry e = EntryOf(st);
  e.digest = digest;
  e.seen = true;
  entries_[rel] = e;
  dirty_ = true;
}

void StatCache::ForgetUnseen(const std::string& top) {
  auto it = top.empty() ? entries_.begin() : entries_.lower_bound(top);
  while (it != entries_.end()) {
    const std::string& p = it->first;
    bool below = top.empty() || p == top || (p.starts_with(top) && p[top.size()] == '/');
    if (!below) {
      // Past top's subtree unless p only sorts between (e.g. "top-x" < "top/").
      if (p.compare(0, top.size(), top) != 0) break;
      ++it;
      continue;
    }
    if (!it->second.seen) {
      it = entries_.erase(it);
      dirty_ = true;
    } else {
      ++it;
    }
  }
}

Status StatCache::Save() {
  // A racy entry met again was re-Put; one not met cannot be trusted under
  // this run's newer stamp.
  for (auto it = entries_.begin(); it != entries_.end();) {
    if (it->second.racy && !it->second.seen) {
      it = entries_.erase(it);
      dirty_ = true;
    } else {
      ++it;
    }
  }
  if (path_.empty() || !dirty_) return Ok();
  std::string out = std::string(kMagic) + std::to_string(started_ns_) + "\n";
  for (const auto& [rel, e] : entries_) {
    out += e.digest.hex() + " " + std::to_string(e.dev) + " " + std::to_string(e.ino) + " " +
           std::to_string(e.size) + " " + std::to_string(e.mtime_ns) + " " + std::to_string(e.ctime_ns) +
           " " + std::to_string(e.mode) + " " + rel;
    out.push_back('\0');
  }
  out += "end " + std::to_string(entries_.size()) + "\n";
  std::string tmp = path_ + ".tmp-" + RandomName();
  {
    UniqueFd fd = TRY(OpenFile(tmp, O_WRONLY | O_CREAT | O_EXCL, 0600));
    FdWriter w(fd.get());
    if (Status st = w.Write(AsBytes(out)); !st.ok()) {
      ::unlink(tmp.c_str());
      return st;
    }
  }
  if (::rename(tmp.c_str(), path_.c_str()) != 0) {
    Status st = ErrnoError("rename " + tmp);
    ::unlink(tmp.c_str());
    return st;
  }
  dirty_ = false;
  return Ok();
}

}  // namespace berth::build
