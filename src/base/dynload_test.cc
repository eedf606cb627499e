#include "base/dynload.h"

#include <gtest/gtest.h>

#include <cstring>

namespace berth {
namespace {

TEST(DynamicLibrary, MissingLibraryNamesThePackage) {
  auto lib = DynamicLibrary::Open({"libberth-no-such-lib.so.9"}, "libfoo", "libfoo9");
  ASSERT_FALSE(lib.ok());
  EXPECT_EQ(lib.error().code, Code::kUnavailable);
  EXPECT_TRUE(lib.error().message.starts_with("libfoo is not installed (libfoo9): "))
      << lib.error().message;
  EXPECT_NE(lib.error().message.find("libberth-no-such-lib.so.9"), std::string::npos)
      << lib.error().message;
}

TEST(DynamicLibrary, OpensFirstThatLoadsAndBindsTypedSymbols) {
  auto lib = DynamicLibrary::Open({"libberth-no-such-lib.so.9", "libc.so.6"}, "libc", "libc6");
  ASSERT_TRUE(lib.ok()) << lib.error().message;
  EXPECT_TRUE(lib->loaded());
  EXPECT_EQ(lib->soname(), "libc.so.6");

  decltype(&::strlen) my_strlen = nullptr;
  ASSERT_TRUE(lib->Bind(my_strlen, "strlen").ok());
  ASSERT_NE(my_strlen, nullptr);
  EXPECT_EQ(my_strlen("berth"), 5u);
  EXPECT_EQ(*lib->Symbol("strlen"), reinterpret_cast<void*>(my_strlen));
}

TEST(DynamicLibrary, MissingSymbolIsUnavailable) {
  auto lib = DynamicLibrary::Open({"libc.so.6"}, "libc", "libc6");
  ASSERT_TRUE(lib.ok());
  void (*fn)() = nullptr;
  auto st = lib->Bind(fn, "berth_no_such_symbol");
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.error().code, Code::kUnavailable);
  EXPECT_NE(st.error().message.find("libc.so.6 has no symbol berth_no_such_symbol"),
            std::string::npos)
      << st.error().message;
  EXPECT_EQ(fn, nullptr);
}

TEST(DynamicLibrary, NotLoadedHasNoSymbols) {
  DynamicLibrary lib;
  EXPECT_FALSE(lib.loaded());
  auto sym = lib.Symbol("strlen");
  ASSERT_FALSE(sym.ok());
  EXPECT_EQ(sym.error().code, Code::kUnavailable);
}

}  // namespace
}  // namespace berth
