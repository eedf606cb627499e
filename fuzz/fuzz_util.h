// Helpers shared by the fuzz targets (a header, not a directory: .ci/run and
// ./dev fuzz take every fuzz/*/ directory for a target).
//
// Random bytes rarely make a tar libarchive accepts (each header carries a
// checksum), so the tar-reading targets also take their input as a short
// text listing of entries that they turn into a tar, which mutates well:
//
//   --- f etc/passwd 0644      a regular file; its content is every line up
//   root:x:0:0::/root:/bin/sh  to the next "--- " line (without the newline
//   --- l etc/p /etc/passwd    that ends it)             a symlink to a target
//   --- h etc/q etc/passwd     a hard link
//   --- d etc 0755             a directory
//   --- c dev/null 1,3         a character device (b: a block device)
//   --- p fifo                 a fifo
//
// The mode is octal and optional. With a marker other than "--- " (archive
// _load nests layers written with "+++ ") the same grammar applies.
#pragma once

#include <archive.h>
#include <archive_entry.h>

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "base/file.h"

namespace berth::fuzz {

[[noreturn]] inline void Die(const char* target, const std::string& what) {
  std::fprintf(stderr, "%s: %.2000s\n", target, what.c_str());
  std::abort();
}

// The names in dir, sorted; a target that cannot list it dies.
inline std::vector<std::string> SortedNames(const char* target, const std::string& dir) {
  auto names = berth::ListDir(dir);
  if (!names.ok()) Die(target, "cannot list " + dir + ": " + names.error().message);
  std::sort(names->begin(), names->end());
  return *names;
}

// A sandbox dir's name: a process id.
inline bool IsPidName(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// A target's sandbox base (on /dev/shm when there is one), created, with
// the sandboxes of processes that are gone (a crash leaves its own) removed.
inline std::string SandboxBase(const char* target, const std::string& name) {
  struct stat st {};
  std::string base = (stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode) ? "/dev/shm/" : "/tmp/") + name;
  if (!berth::MkdirAll(base, 0700).ok()) Die(target, "cannot create " + base);
  for (const std::string& n : SortedNames(target, base)) {
    if (IsPidName(n) && kill(std::stoi(n), 0) != 0 && errno == ESRCH) (void)berth::RemoveAll(base + "/" + n);
  }
  return base;
}

// BERTH_FUZZ_VERBOSE=1 makes the targets that have outcomes worth seeing
// (what a load did, why an apply failed) print them, to check seeds.
inline bool Verbose() {
  static const bool verbose = std::getenv("BERTH_FUZZ_VERBOSE") != nullptr;
  return verbose;
}

struct ListedEntry {
  char type = 'f';
  std::string name{};
  std::string arg{};  // mode, link target or "major,minor"
  std::string content{};
};

inline std::vector<std::string_view> SplitWords(std::string_view line) {
  std::vector<std::string_view> words;
  size_t pos = 0;
  while (pos < line.size()) {
    size_t end = line.find(' ', pos);
    if (end == std::string_view::npos) end = line.size();
    if (end > pos) words.push_back(line.substr(pos, end - pos));
    pos = end + 1;
  }
  return words;
}

// The entries of a listing that starts with marker (see above); empty when
// text does not start with it.
inline std::vector<ListedEntry> ParseListing(std::string_view text, std::string_view marker) {
  std::vector<ListedEntry> out;
  if (!text.starts_with(marker)) return out;
  std::string next = "\n" + std::string(marker);
  size_t pos = 0;
  while (pos < text.size()) {
    size_t stop = text.find(next, pos);
    std::string_view block = text.substr(pos, stop == std::string_view::npos ? std::string_view::npos : stop - pos);
    pos = stop == std::string_view::npos ? text.size() : stop + 1;
    block.remove_prefix(marker.size());
    size_t eol = block.find('\n');
    auto words = SplitWords(block.substr(0, eol));
    if (words.size() < 2 || words[0].size() != 1) continue;
    ListedEntry e{.type = words[0][0], .name = std::string(words[1])};
    if (words.size() > 2) e.arg = std::string(words[2]);
    if (eol != std::string_view::npos) e.content = std::string(block.substr(eol + 1));
    out.push_back(std::move(e));
  }
  return out;
}

// A pax tar of entries (uid/gid 0, mtime fixed, so the same entries always
// give the same bytes). Entries libarchive refuses are left out.
inline std::string BuildListedTar(const std::vector<ListedEntry>& entries) {
  std::string out;
  archive* a = archive_write_new();
  archive_write_set_format_pax(a);
  archive_write_set_bytes_in_last_block(a, 1);
  archive_write_open(
      a, &out, nullptr,
      [](archive*, void* data, const void* buf, size_t n) -> la_ssize_t {
        static_cast<std::string*>(data)->append(static_cast<const char*>(buf), n);
        return static_cast<la_ssize_t>(n);
      },
      nullptr);
  for (const ListedEntry& e : entries) {
    archive_entry* ae = archive_entry_new();
    archive_entry_set_pathname(ae, e.name.c_str());
    archive_entry_set_mtime(ae, 1600000000, 0);
    int mode = e.type == 'd' ? 0755 : 0644;
    if (!e.arg.empty() && (e.type == 'f' || e.type == 'd')) {
      mode = static_cast<int>(std::strtol(e.arg.c_str(), nullptr, 8)) & 07777;
    }
    archive_entry_set_perm(ae, mode);
    bool data = false;
    switch (e.type) {
      case 'd': archive_entry_set_filetype(ae, AE_IFDIR); break;
      case 'l':
        archive_entry_set_filetype(ae, AE_IFLNK);
        archive_entry_set_symlink(ae, e.arg.c_str());
        break;
      case 'h':
        archive_entry_set_filetype(ae, AE_IFREG);
        archive_entry_set_hardlink(ae, e.arg.c_str());
        break;
      case 'c':
      case 'b': {
        archive_entry_set_filetype(ae, e.type == 'c' ? AE_IFCHR : AE_IFBLK);
        unsigned major = 0, minor = 0;
        std::sscanf(e.arg.c_str(), "%u,%u", &major, &minor);
        archive_entry_set_rdevmajor(ae, major);
        archive_entry_set_rdevminor(ae, minor);
        break;
      }
      case 'p': archive_entry_set_filetype(ae, AE_IFIFO); break;
      default:
        archive_entry_set_filetype(ae, AE_IFREG);
        archive_entry_set_size(ae, static_cast<la_int64_t>(e.content.size()));
        data = true;
    }
    if (archive_write_header(a, ae) == ARCHIVE_OK && data && !e.content.empty()) {
      archive_write_data(a, e.content.data(), e.content.size());
    }
    archive_entry_free(ae);
  }
  archive_write_close(a);
  archive_write_free(a);
  return out;
}

}  // namespace berth::fuzz
