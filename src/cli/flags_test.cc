#include "cli/flags.h"

#include <gtest/gtest.h>

namespace berth::cli {
namespace {

struct Fixture {
  FlagSet fs{"berth images", "images [OPTIONS] [REPOSITORY[:TAG]]", "List images"};
  bool* all = fs.Bool("all", 'a', false, "Show all images");
  bool* quiet = fs.Bool("quiet", 'q', false, "Only show image IDs");
  bool* human = fs.Bool("human", 'H', true, "Human sizes");
  std::vector<std::string>* filters = fs.StringArray("filter", 'f', "Filter output", "filter");
  std::string* format = fs.String("format", 0, "", "Pretty-print");
  int64_t* n = fs.Int("tail", 'n', 0, "Number of lines");
};

TEST(Flags, CombinedShortsAndValues) {
  Fixture f;
  ASSERT_TRUE(f.fs.Parse({"-aq", "-fdangling=true", "-f", "label=x", "repo", "--format={{.ID}}"}).ok());
  EXPECT_TRUE(*f.all);
  EXPECT_TRUE(*f.quiet);
  EXPECT_EQ(*f.filters, (std::vector<std::string>{"dangling=true", "label=x"}));
  EXPECT_EQ(*f.format, "{{.ID}}");
  EXPECT_EQ(f.fs.args(), std::vector<std::string>{"repo"});
  EXPECT_TRUE(f.fs.Changed("format"));
  EXPECT_FALSE(f.fs.Changed("tail"));
}

TEST(Flags, ExplicitBooleansAndSeparator) {
  Fixture f;
  ASSERT_TRUE(f.fs.Parse({"-H=false", "--all=true", "--", "-q"}).ok());
  EXPECT_FALSE(*f.human);
  EXPECT_TRUE(*f.all);
  EXPECT_FALSE(*f.quiet);
  EXPECT_EQ(f.fs.args(), std::vector<std::string>{"-q"});
}

TEST(Flags, ErrorsUsePflagWording) {
  Fixture f;
  EXPECT_EQ(f.fs.Parse({"--bogus"}).error().message, "unknown flag: --bogus");
  EXPECT_EQ(f.fs.Parse({"-x"}).error().message, "unknown shorthand flag: 'x' in -x");
  EXPECT_EQ(f.fs.Parse({"--format"}).error().message, "flag needs an argument: --format");
  EXPECT_EQ(f.fs.Parse({"-f"}).error().message, "flag needs an argument: 'f' in -f");
  EXPECT_EQ(f.fs.Parse({"-n", "x"}).error().message,
            "invalid argument \"x\" for \"-n, --tail\" flag: strconv.ParseInt: parsing \"x\": invalid syntax");
  EXPECT_EQ(f.fs.Parse({"--all=maybe"}).error().message,
            "invalid argument \"maybe\" for \"-a, --all\" flag: strconv.ParseBool: parsing \"maybe\": invalid syntax");
}

TEST(Flags, NotInterspersedStopsAtFirstPositional) {
  Fixture f;
  f.fs.SetInterspersed(false);
  ASSERT_TRUE(f.fs.Parse({"-a", "run", "-q"}).ok());
  EXPECT_TRUE(*f.all);
  EXPECT_FALSE(*f.quiet);
  EXPECT_EQ(f.fs.args(), (std::vector<std::string>{"run", "-q"}));
}

TEST(Flags, HelpLayoutLikeDocker) {
  Fixture f;
  ASSERT_TRUE(f.fs.Parse({"--help"}).ok());
  EXPECT_TRUE(f.fs.help());
  std::string h = f.fs.Help();
  EXPECT_EQ(h.substr(0, 56), "\nUsage:  berth images [OPTIONS] [REPOSITORY[:TAG]]\n\nList");
  EXPECT_NE(h.find("  -a, --all             Show all images\n"), std::string::npos) << h;
  EXPECT_NE(h.find("      --format string   Pretty-print\n"), std::string::npos) << h;
  EXPECT_NE(h.find("  -H, --human           Human sizes (default true)\n"), std::string::npos) << h;
  EXPECT_EQ(h.find("--help"), std::string::npos);
}

}  // namespace
}  // namespace berth::cli
