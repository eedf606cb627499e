// Test helpers for tar/: building tars in memory (any names, links and types, the
// hostile ones included) and snapshotting directory trees for comparison.
#pragma once

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "base/file.h"
#include "digest/digest.h"

namespace berth::testing {

struct TarEntry {
  std::string name{};
  unsigned type = AE_IFREG;
  std::string content{};
  std::string link{};        // symlink target or, with hardlink, the link target
  bool hardlink = false;
  int mode = 0644;
  int64_t uid = 0, gid = 0;
  int64_t mtime = 1600000000;
  unsigned major = 0, minor = 0;
  std::vector<std::pair<std::string, std::string>> xattrs{};
};

inline TarEntry F(std::string name, std::string content, int mode = 0644) {
  return {.name = std::move(name), .content = std::move(content), .mode = mode};
}
inline TarEntry D(std::string name, int mode = 0755) {
  return {.name = std::move(name), .type = AE_IFDIR, .mode = mode};
}
inline TarEntry S(std::string name, std::string target) {
  return {.name = std::move(name), .type = AE_IFLNK, .link = std::move(target), .mode = 0777};
}
inline TarEntry H(std::string name, std::string target) {
  return {.name = std::move(name), .link = std::move(target), .hardlink = true};
}

inline std::string BuildTar(const std::vector<TarEntry>& entries, bool pax = true) {
  std::string out;
  archive* a = archive_write_new();
  if (pax) {
    archive_write_set_format_pax(a);
  } else {
    archive_write_set_format_ustar(a);
  }
  archive_write_set_bytes_in_last_block(a, 1);
  auto cb = [](archive*, void* p, const void* buf, size_t n) -> la_ssize_t {
    static_cast<std::string*>(p)->append(static_cast<const char*>(buf), n);
    return static_cast<la_ssize_t>(n);
  };
  EXPECT_EQ(archive_write_open(a, &out, nullptr, cb, nullptr), ARCHIVE_OK);
  for (const auto& t : entries) {
    archive_entry* e = archive_entry_new();
    archive_entry_set_pathname(e, t.name.c_str());
    archive_entry_set_filetype(e, t.type);
    archive_entry_set_perm(e, t.mode);
    archive_entry_set_uid(e, t.uid);
    archive_entry_set_gid(e, t.gid);
    archive_entry_set_mtime(e, t.mtime, 0);
    if (t.hardlink) {
      archive_entry_set_hardlink(e, t.link.c_str());
    } else if (t.type == AE_IFLNK) {
      archive_entry_set_symlink(e, t.link.c_str());
    }
    archive_entry_set_rdevmajor(e, t.major);
    archive_entry_set_rdevminor(e, t.minor);
    for (const auto& [k, v] : t.xattrs) archive_entry_xattr_add_entry(e, k.c_str(), v.data(), v.size());
    bool data = t.type == AE_IFREG && !t.hardlink;
    archive_entry_set_size(e, data ? static_cast<int64_t>(t.content.size()) : 0);
    EXPECT_GE(archive_write_header(a, e), ARCHIVE_WARN) << t.name << ": " << archive_error_string(a);
    if (data && !t.content.empty()) {
      EXPECT_EQ(archive_write_data(a, t.content.data(), t.content.size()),
                static_cast<la_ssize_t>(t.content.size()));
    }
    archive_entry_free(e);
  }
  EXPECT_EQ(archive_write_close(a), ARCHIVE_OK);
  archive_write_free(a);
  return out;
}

// Names, types and metadata of a tree; hardlinked files share a link group id.
struct Node {
  mode_t mode = 0;
  uid_t uid = 0;
  gid_t gid = 0;
  int64_t mtime = 0;
  dev_t rdev = 0;
  std::string data{};  // content digest or link target
  std::map<std::string, std::string> xattrs{};
  std::string link_group{};  // first path seen for this inode when nlink > 1
  bool operator==(const Node&) const = default;
};
using Tree = std::map<std::string, Node>;

inline void WalkTree(const std::string& dir, const std::string& rel, Tree& out,
                     std::map<std::pair<dev_t, ino_t>, std::string>& inodes, bool with_mtime_dirs) {
  DIR* d = opendir(dir.c_str());
  ASSERT_NE(d, nullptr) << dir;
  std::vector<std::string> names;
  while (dirent* e = readdir(d)) {
    std::string n = e->d_name;
    if (n != "." && n != "..") names.push_back(n);
  }
  closedir(d);
  for (const auto& n : names) {
    std::string p = dir + "/" + n, r = rel.empty() ? n : rel + "/" + n;
    struct stat st;
    ASSERT_EQ(lstat(p.c_str(), &st), 0) << p;
    Node node{.mode = st.st_mode, .uid = st.st_uid, .gid = st.st_gid, .mtime = st.st_mtim.tv_sec,
              .rdev = S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) ? st.st_rdev : 0};
    if (S_ISDIR(st.st_mode) && !with_mtime_dirs) node.mtime = 0;
    if (S_ISREG(st.st_mode)) {
      node.data = Digest::Of(*ReadFile(p)).str();
      if (st.st_nlink > 1) node.link_group = inodes.try_emplace({st.st_dev, st.st_ino}, r).first->second;
    } else if (S_ISLNK(st.st_mode)) {
      char buf[4096];
      ssize_t k = readlink(p.c_str(), buf, sizeof buf);
      node.data.assign(buf, k > 0 ? static_cast<size_t>(k) : 0);
    }
    char names_buf[4096];
    ssize_t ln = llistxattr(p.c_str(), names_buf, sizeof names_buf);
    for (ssize_t i = 0; i < ln;) {
      std::string k = names_buf + i;
      i += static_cast<ssize_t>(k.size()) + 1;
      char v[4096];
      ssize_t vn = lgetxattr(p.c_str(), k.c_str(), v, sizeof v);
      node.xattrs[k] = std::string(v, vn > 0 ? static_cast<size_t>(vn) : 0);
    }
    out[r] = node;
    if (S_ISDIR(st.st_mode)) WalkTree(p, r, out, inodes, with_mtime_dirs);
  }
}

inline Tree Snapshot(const std::string& dir, bool with_mtime_dirs = true) {
  Tree t;
  std::map<std::pair<dev_t, ino_t>, std::string> inodes;
  WalkTree(dir, "", t, inodes, with_mtime_dirs);
  return t;
}

// Creates /tmp/berth-tar-test-XXXX/{root,outside} with sentinel files outside.
class SandboxTest : public ::testing::Test {
 protected:
  void SetUp() override {
    base_ = *MakeTempDir("/tmp", "berth-tar-test-");
    root_ = base_ + "/root";
    outside_ = base_ + "/outside";
    ASSERT_EQ(mkdir(root_.c_str(), 0755), 0);
    ASSERT_EQ(mkdir(outside_.c_str(), 0755), 0);
    ASSERT_TRUE(WriteFileAtomic(outside_ + "/victim", "sentinel").ok());
    ASSERT_EQ(mkdir((outside_ + "/dir").c_str(), 0755), 0);
    ASSERT_TRUE(WriteFileAtomic(outside_ + "/dir/file", "inner").ok());
    before_ = Snapshot(outside_);
    stat("/etc/passwd", &passwd_);
    root_list_ = List("/");
    etc_list_ = List("/etc");
  }
  void TearDown() override {
    // Nothing outside root may have been created or changed.
    EXPECT_EQ(Snapshot(outside_), before_);
    struct stat now;
    stat("/etc/passwd", &now);
    EXPECT_EQ(now.st_ino, passwd_.st_ino);
    EXPECT_EQ(now.st_nlink, passwd_.st_nlink);
    EXPECT_EQ(now.st_size, passwd_.st_size);
    EXPECT_EQ(now.st_mtim.tv_sec, passwd_.st_mtim.tv_sec);
    EXPECT_EQ(List("/"), root_list_);
    EXPECT_EQ(List("/etc"), etc_list_);
    EXPECT_EQ(List(base_), (std::vector<std::string>{".", "..", "outside", "root"}));
    EXPECT_TRUE(RemoveAll(base_).ok());
  }
  static std::vector<std::string> List(const std::string& dir) {
    std::vector<std::string> out;
    if (DIR* d = opendir(dir.c_str())) {
      while (dirent* e = readdir(d)) out.emplace_back(e->d_name);
      closedir(d);
    }
    std::sort(out.begin(), out.end());
    return out;
  }
  std::string In(const std::string& rel) const { return root_ + "/" + rel; }

  std::string base_, root_, outside_;
  Tree before_;
  struct stat passwd_ {};
  std::vector<std::string> root_list_, etc_list_;
};

}  // namespace berth::testing
