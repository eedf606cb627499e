// Test helpers shared by the store's unit tests (header only: *.cc files
// here become the library).
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "base/file.h"
#include "store/ingest.h"

namespace berth::store::testing {

// A fresh scratch directory under $BERTH_TEST_TMP (or /tmp), removed by the fixture.
class ScratchDirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* base = std::getenv("BERTH_TEST_TMP");
    std::string parent = base != nullptr ? base : "/tmp";
    ASSERT_TRUE(MkdirAll(parent).ok());
    auto dir = MakeTempDir(parent, "store-test-");
    ASSERT_TRUE(dir.ok()) << dir.error().message;
    dir_ = *dir;
  }
  void TearDown() override { (void)RemoveTree(dir_); }

  std::string dir_;
};

// Names in a directory, without "." and "..".
inline std::vector<std::string> Entries(const std::string& path) {
  std::vector<std::string> out;
  std::error_code ec;
  for (auto& e : std::filesystem::directory_iterator(path, ec)) {
    out.push_back(e.path().filename().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace berth::store::testing

#define ASSERT_OK(expr)                                             \
  do {                                                              \
    auto&& assert_ok_r_ = (expr);                                   \
    ASSERT_TRUE(assert_ok_r_.ok()) << assert_ok_r_.error().message; \
  } while (0)
#define EXPECT_OK(expr)                                             \
  do {                                                              \
    auto&& expect_ok_r_ = (expr);                                   \
    EXPECT_TRUE(expect_ok_r_.ok()) << expect_ok_r_.error().message; \
  } while (0)
