// libFuzzer target for the layer applier (tar::ApplyLayer, issue 12): the
// code that turns an image's layers into directories, and so the one that
// must never let a layer reach the host. Each input is a layer, as raw tar
// bytes or as the text listing of fuzz_util.h (turned into a tar), applied
// to a fresh scratch root with small ApplyLimits and a lower to copy
// hardlink targets from. After every run it fails when anything was created
// or changed outside the root: the scratch root lives in a per-process
// sandbox next to the lower, under a base directory of this target's own,
// and the base, the sandbox, the lower and "/" must hold exactly what they
// held before, and no file in the root may have a hard link outside it.
// It also fails on a broken contract: errors other than DataLoss and
// InvalidArgument, or more file content than max_bytes. Then the root is
// removed. BERTH_FUZZ_VERBOSE=1 prints each apply's outcome.
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "base/file.h"
#include "base/io.h"
#include "fuzz_util.h"
#include "tar/apply.h"

namespace {

constexpr const char* kName = "tar_apply_fuzz";

void Fail(const std::string& what) { berth::fuzz::Die(kName, what); }

// Every entry under dir, one line each: path, type, mode, size, link count,
// owner, mtime, symlink target or content.
void Describe(const std::string& dir, const std::string& rel, std::string& out) {
  for (const std::string& n : berth::fuzz::SortedNames(kName, dir + rel)) {
    std::string path = rel + "/" + n;
    struct stat st {};
    if (lstat((dir + path).c_str(), &st) != 0) Fail("cannot stat " + dir + path);
    std::ostringstream line;
    line << path << ' ' << std::oct << st.st_mode << std::dec << ' ' << st.st_size << ' ' << st.st_nlink
         << ' ' << st.st_uid << ':' << st.st_gid << ' ' << st.st_mtim.tv_sec << ' ';
    if (S_ISLNK(st.st_mode)) {
      char buf[4096];
      ssize_t n2 = readlink((dir + path).c_str(), buf, sizeof buf);
      line << std::string(buf, n2 > 0 ? n2 : 0);
    } else if (S_ISREG(st.st_mode)) {
      std::ifstream in(dir + path, std::ios::binary);
      line << in.rdbuf();
    }
    out += line.str() + "\n";
    if (S_ISDIR(st.st_mode)) Describe(dir, path, out);
  }
}

std::string Describe(const std::string& dir) {
  std::string out;
  Describe(dir, "", out);
  return out;
}

// What a walk of the root finds about its non-directories: inode ->
// (link count, links met in the tree), and the regular-file bytes, each
// inode once.
struct Inodes {
  std::map<ino_t, std::pair<nlink_t, nlink_t>> links;
  uint64_t bytes = 0;
};

void Walk(const std::string& dir, Inodes& out) {
  for (const std::string& n : berth::fuzz::SortedNames(kName, dir)) {
    std::string path = dir + "/" + n;
    struct stat st {};
    if (lstat(path.c_str(), &st) != 0) Fail("cannot stat " + path);
    if (S_ISDIR(st.st_mode)) {
      Walk(path, out);
      continue;
    }
    auto [it, fresh] = out.links.try_emplace(st.st_ino, st.st_nlink, 0);
    it->second.second++;
    if (fresh && S_ISREG(st.st_mode)) out.bytes += st.st_size;
  }
}

void WriteFile(const std::string& path, const std::string& data, mode_t mode) {
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, mode);
  if (fd < 0 || write(fd, data.data(), data.size()) != static_cast<ssize_t>(data.size())) {
    Fail("cannot write " + path);
  }
  close(fd);
}

struct Sandbox {
  std::string base;     // this target's, shared by its processes: only <pid> dirs
  std::string dir;      // base/<pid>: holds lower and root only
  std::string lower;    // dir/lower: never changes
  std::string root;     // dir/root: the scratch root, fresh for each input
  std::string lower_before;
  std::vector<std::string> slash_before;
  berth::ApplyOptions options;
};

Sandbox& Box() {
  static Sandbox* box = [] {
    auto* b = new Sandbox;
    b->base = berth::fuzz::SandboxBase(kName, "berth-tar-apply-fuzz");
    b->dir = b->base + "/" + std::to_string(getpid());
    (void)berth::RemoveAll(b->dir);
    b->lower = b->dir + "/lower";
    b->root = b->dir + "/root";
    if (!berth::MkdirAll(b->lower + "/etc", 0755).ok() || !berth::MkdirAll(b->lower + "/bin", 0755).ok()) {
      Fail("cannot create " + b->lower);
    }
    WriteFile(b->lower + "/etc/passwd", "root:x:0:0:root:/root:/bin/sh\n", 0644);
    WriteFile(b->lower + "/bin/sh", std::string(3000, 'x'), 04755);
    WriteFile(b->lower + "/big", std::string(20000, 'b'), 0600);
    if (symlink("/etc/passwd", (b->lower + "/passwd").c_str()) != 0 ||
        symlink("..", (b->lower + "/up").c_str()) != 0) {
      Fail("cannot create the lower's symlinks");
    }
    b->lower_before = Describe(b->lower);
    b->slash_before = berth::fuzz::SortedNames(kName, "/");
    b->options.lowers = {b->lower};
    b->options.same_owner = geteuid() == 0;
    b->options.limits = {.max_entries = 256, .max_bytes = 1 << 20, .max_trailing_bytes = 64 << 10};
    std::atexit([] { (void)berth::RemoveAll(Box().dir); });
    return b;
  }();
  return *box;
}

void CheckNothingEscaped(const Sandbox& b) {
  for (const std::string& n : berth::fuzz::SortedNames(kName, b.base)) {
    if (!berth::fuzz::IsPidName(n)) Fail("created outside the root: " + b.base + "/" + n);
  }
  auto names = berth::fuzz::SortedNames(kName, b.dir);
  if (names != std::vector<std::string>{"lower", "root"}) {
    std::string all;
    for (const auto& n : names) all += " " + n;
    Fail("the sandbox " + b.dir + " holds more than lower and root:" + all);
  }
  if (Describe(b.lower) != b.lower_before) Fail("the lower changed:\n" + Describe(b.lower));
  if (berth::fuzz::SortedNames(kName, "/") != b.slash_before) Fail("\"/\" changed");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Sandbox& b = Box();
  std::string input(reinterpret_cast<const char*>(data), size);
  auto listing = berth::fuzz::ParseListing(input, "--- ");
  std::string tar = listing.empty() ? input : berth::fuzz::BuildListedTar(listing);
  if (mkdir(b.root.c_str(), 0755) != 0) Fail("cannot create " + b.root);
  berth::StringReader reader(std::move(tar));
  auto stats = berth::ApplyLayer(b.root, reader, b.options);
  if (berth::fuzz::Verbose()) {
    std::fprintf(stderr, "%s: %s\n", kName,
                 stats.ok() ? ("applied " + std::to_string(stats->entries) + " entries").c_str()
                            : stats.error().message.c_str());
  }
  if (!stats.ok()) {
    auto code = stats.error().code;
    // Not root (a replay in an unprivileged test run): device nodes are refused.
    bool denied = code == berth::Code::kPermissionDenied && geteuid() != 0;
    if (code != berth::Code::kDataLoss && code != berth::Code::kInvalidArgument && !denied) {
      Fail("error neither DataLoss nor InvalidArgument: " + stats.error().message);
    }
  } else if (stats->entries > b.options.limits.max_entries) {
    Fail("more entries than max_entries: " + std::to_string(stats->entries));
  }
  CheckNothingEscaped(b);
  Inodes inodes;
  Walk(b.root, inodes);
  if (inodes.bytes > b.options.limits.max_bytes) Fail("more content than max_bytes: " + std::to_string(inodes.bytes));
  // A file with more links than the root holds is linked to something outside.
  for (const auto& [ino, counts] : inodes.links) {
    if (counts.first != counts.second) Fail("a file in the root is hard-linked outside it: inode " + std::to_string(ino));
  }
  if (auto st = berth::RemoveAll(b.root); !st.ok()) Fail("cannot remove the root: " + st.error().message);
  return 0;
}
