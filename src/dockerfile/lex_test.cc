#include "dockerfile/lex.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace berth::dockerfile {
namespace {

const Env kEnv = {"PWD=/home", "SHELL=bash", "KOREAN=한국어", "NULL=", "A=1", "P=80 443"};

// The table in lex_cases.txt, each case checked against dockerd 20.10.
TEST(ProcessWord, DockerTable) {
  std::ifstream in(std::filesystem::path(__FILE__).parent_path() / "lex_cases.txt");
  ASSERT_TRUE(in.good());
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    size_t tab = line.find('\t');
    ASSERT_NE(tab, std::string::npos) << line;
    std::string word = line.substr(0, tab), expected = line.substr(tab + 1);
    if (size_t c = expected.find("\t# "); c != std::string::npos) expected.resize(c);
    auto got = ProcessWord(word, kEnv);
    if (!expected.empty() && expected[0] == '!') {
      ASSERT_FALSE(got.ok()) << word << " -> " << *got;
      EXPECT_EQ(got.error().message, "failed to process " + GoQuote(word) + ": " + expected.substr(1)) << word;
      EXPECT_EQ(got.error().code, Code::kInvalidArgument);
    } else {
      ASSERT_TRUE(got.ok()) << word << ": " << got.error().message;
      EXPECT_EQ(*got, expected) << word;
    }
    n++;
  }
  EXPECT_GE(n, 100);
}

TEST(ProcessWord, EscapeAtTheEndIsDropped) {  // a LABEL line cannot carry these to docker
  EXPECT_EQ(*ProcessWord("hello\\", kEnv), "hello");
  EXPECT_EQ(*ProcessWord("안녕하세요\\", kEnv), "안녕하세요");
  EXPECT_FALSE(ProcessWord("\"a\\", kEnv).ok());
}

TEST(ProcessWord, BacktickEscape) {
  LexOptions o{.escape = '`'};
  EXPECT_EQ(*ProcessWord("a`$A", kEnv, o), "a$A");
  EXPECT_EQ(*ProcessWord("\"x`\"y\"", kEnv, o), "x\"y");
  EXPECT_EQ(*ProcessWord("c:\\dir", kEnv, o), "c:\\dir");
  EXPECT_EQ(*ProcessWord("\"c:\\$A\"", kEnv, o), "c:\\1");
}

TEST(ProcessWord, RunesAsGoScansThem) {
  // A name is letters and digits of any script; other runes end it.
  EXPECT_EQ(*ProcessWord("$A€", kEnv), "1€");
  EXPECT_EQ(*ProcessWord("${KOREAN}x", kEnv), "한국어x");
  EXPECT_EQ(*ProcessWord("$안녕", kEnv), "");
  // Any Unicode space splits words; an invalid byte becomes U+FFFD.
  EXPECT_EQ(*ProcessWords("a\u00a0b\u3000c", kEnv), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(*ProcessWord("a\xff" "b", kEnv), "a\uFFFDb");
}

TEST(ProcessWord, NestingIsBounded) {
  auto nest = [](int n) {
    std::string w;
    for (int i = 0; i < n; i++) w += "${a:-";
    w += "x";
    for (int i = 0; i < n; i++) w += "}";
    return w;
  };
  EXPECT_EQ(*ProcessWord(nest(200), kEnv), "x");
  EXPECT_FALSE(ProcessWord(nest(201), kEnv).ok());
  auto deep = ProcessWord(nest(13000), kEnv);  // what fits in a 64 KiB line
  ASSERT_FALSE(deep.ok());
  EXPECT_TRUE(deep.error().message.ends_with(": syntax error: substitutions nested deeper than 200"));
}

TEST(ProcessWord, LaterEntryWins) {
  EXPECT_EQ(*ProcessWord("$X", {"X=1", "X=2"}), "2");
  EXPECT_EQ(*ProcessWord("${X?}", {"X"}), "");
}

TEST(ProcessWord, BuildKitDialectHasColonlessForms) {
  LexOptions o{.dialect = Dialect::kBuildKit};
  EXPECT_EQ(*ProcessWord("${A-x}${Z-y}${NULL-n}", kEnv, o), "1y");
  EXPECT_EQ(*ProcessWord("${A+x}${Z+y}${NULL+n}", kEnv, o), "xn");
  EXPECT_EQ(*ProcessWord("${NULL:-d}${NULL:+p}", kEnv, o), "d");
  EXPECT_EQ(ProcessWord("${Z?gone}", kEnv, o).error().message, "failed to process \"${Z?gone}\": Z: gone");
}

TEST(ProcessWords, SplitsAtUnquotedWhitespace) {
  using V = std::vector<std::string>;
  EXPECT_EQ(*ProcessWords("a \"b c\" 'd e' f\\ g", kEnv), (V{"a", "b c", "d e", "f g"}));
  EXPECT_EQ(*ProcessWords("$P 22", kEnv), (V{"80", "443", "22"}));
  EXPECT_EQ(*ProcessWords("\"$P\"", kEnv), (V{"80 443"}));
  EXPECT_EQ(*ProcessWords("  ", kEnv), V{});
  EXPECT_EQ(*ProcessWords("a \"\" b", kEnv), (V{"a", "b"}));
  EXPECT_EQ(*ProcessWords("x${Z:-  }y", kEnv), (V{"x", "y"}));
}

TEST(GoQuote, AsGoPrintsIt) {
  EXPECT_EQ(GoQuote("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_EQ(GoQuote("\t\n\x01"), "\"\\t\\n\\x01\"");
  EXPECT_EQ(GoQuote("안"), "\"안\"");
  EXPECT_EQ(GoQuote("a\xff" "b\u00a0"), "\"a\\xffb\\u00a0\"");
}

}  // namespace
}  // namespace berth::dockerfile
