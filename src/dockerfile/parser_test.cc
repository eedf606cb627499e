#include "dockerfile/parser.h"

#include <gtest/gtest.h>

namespace berth::dockerfile {
namespace {

using V = std::vector<std::string>;

Node One(std::string_view text) {
  auto f = Parse(text);
  EXPECT_TRUE(f.ok()) << text << ": " << f.error().message;
  if (!f.ok() || f->nodes.size() != 1) return {};
  return f->nodes[0];
}

std::string ParseError(std::string_view text) {
  auto f = Parse(text);
  return f.ok() ? "(parsed)" : f.error().message;
}

TEST(Parse, InstructionArguments) {
  EXPECT_EQ(One("ENV A=1 B=\"x y\" C=a\\ b").args, (V{"A", "1", "B", "\"x y\"", "C", "a\\ b"}));
  EXPECT_EQ(One("ENV A a \"b c\"  d").args, (V{"A", "a \"b c\"  d"}));
  EXPECT_EQ(One("LABEL \"a b\"=c").args, (V{"\"a b\"", "c"}));
  Node cmd = One("CMD [\"a\", \"$B\"] trailing");
  EXPECT_TRUE(cmd.json);
  EXPECT_EQ(cmd.args, (V{"a", "$B"}));
  EXPECT_EQ(One("CMD [\"a\"").args, V{"[\"a\""});
  EXPECT_EQ(One("cmd echo  hi").args, V{"echo  hi"});
  EXPECT_EQ(One("CMD").args, V{});
  EXPECT_EQ(One("VOLUME /a\\ b  /c").args, (V{"/a\\", "b", "/c"}));
  EXPECT_EQ(One("VOLUME [\"/a\",").args, V{"[\"/a\","});
  EXPECT_EQ(One("EXPOSE 80  443/udp").args, (V{"80", "443/udp"}));
  EXPECT_EQ(One("USER a b").args, V{"a b"});
  Node hc = One("HEALTHCHECK --interval=5s --retries=3 CMD [\"a\",\"b\"]");
  EXPECT_EQ(hc.flags, (V{"--interval=5s", "--retries=3"}));
  EXPECT_EQ(hc.args, (V{"CMD", "a", "b"}));
  EXPECT_TRUE(hc.json);
  Node ob = One("ONBUILD  run  echo $A");
  EXPECT_EQ(ob.args, (V{"run", "echo $A"}));
  EXPECT_EQ(ob.original, "ONBUILD  run  echo $A");
  EXPECT_EQ(One("bogus x y").args, V{});
  EXPECT_EQ(One("bogus x y").command, "bogus");
}

TEST(Parse, FlagsQuotesAndDoubleDash) {
  Node n = One("COPY --chown=\"a b\" -- --x y");
  EXPECT_EQ(n.flags, V{"--chown=a b"});
  EXPECT_EQ(n.args, (V{"--x", "y"}));
}

TEST(Parse, LinesCommentsContinuations) {
  auto f = Parse("# comment\n  ENV A=1 \\\n# inside\n\n   B=2\nLABEL x=y\r\n");
  ASSERT_TRUE(f.ok()) << f.error().message;
  ASSERT_EQ(f->nodes.size(), 2u);
  EXPECT_EQ(f->nodes[0].args, (V{"A", "1", "B", "2"}));
  EXPECT_EQ(f->nodes[0].line, 2);
  EXPECT_EQ(f->nodes[1].args, (V{"x", "y"}));
  EXPECT_EQ(f->nodes[1].line, 6);
}

TEST(Parse, EscapeDirective) {
  auto f = Parse("# escape=`\nENV A=a`$B C=\"x`\"y\"\nWORKDIR c:\\x `\n  y");
  ASSERT_TRUE(f.ok()) << f.error().message;
  EXPECT_EQ(f->escape, '`');
  ASSERT_EQ(f->nodes.size(), 2u);
  EXPECT_EQ(f->nodes[0].args, (V{"A", "a`$B", "C", "\"x`\"y\""}));
  EXPECT_EQ(f->nodes[1].args, V{"c:\\x   y"});
  // Only before anything else; a second one is an error.
  EXPECT_EQ(Parse("ENV A=1\n# escape=`\nENV B=2\\\nC=3")->nodes.size(), 2u);
  EXPECT_EQ(ParseError("# escape=`\n# escape=\\\nENV A=1"), "only one escape parser directive can be used");
  EXPECT_EQ(ParseError("# escape=x\nENV A=1"), "invalid escape token 'x' does not match ` or \\");
  // `# syntax=` is a directive too (accepted, ignored): an escape after it
  // still counts, as in docker 20.10's parser; a comment ends them.
  EXPECT_EQ(Parse("# syntax=docker/dockerfile:1\n# escape=`\nENV A=1")->escape, '`');
  EXPECT_EQ(Parse("# a comment\n# escape=`\nENV A=1")->escape, '\\');
  EXPECT_EQ(ParseError("# syntax=a\n#syntax=b\nENV A=1"), "only one syntax parser directive can be used");
}

TEST(Parse, DockerErrors) {
  EXPECT_EQ(ParseError(""), "file with no instructions");
  EXPECT_EQ(ParseError("# only a comment\n\n"), "file with no instructions");
  EXPECT_EQ(ParseError("ENV A"), "ENV must have two arguments");
  EXPECT_EQ(ParseError("LABEL a"), "LABEL must have two arguments");
  EXPECT_EQ(ParseError("ENV A=1 # x"),
            "Syntax error - can't find = in \"#\". Must be of the form: name=value");
  EXPECT_EQ(ParseError("ENV B=${X:?msg here}"),
            "Syntax error - can't find = in \"here}\". Must be of the form: name=value");
  EXPECT_EQ(ParseError("CMD [\"a\",1]"), "when using JSON array syntax, arrays must be comprised of strings only");
  EXPECT_EQ(ParseError("VOLUME [\"a\",null]"), "when using JSON array syntax, arrays must be comprised of strings only");
  EXPECT_EQ(ParseError("ONBUILD ENV A"), "ENV must have two arguments");
}

TEST(Parse, ExpandsVariablesAndCommandLine) {
  EXPECT_TRUE(ExpandsVariables("env"));
  EXPECT_TRUE(ExpandsVariables("workdir"));
  EXPECT_FALSE(ExpandsVariables("cmd"));
  EXPECT_FALSE(ExpandsVariables("onbuild"));
  EXPECT_EQ(CommandLine(One("CMD echo hi")), V{"echo hi"});
  EXPECT_EQ(CommandLine(One("CMD []")), V{});
  EXPECT_EQ(CommandLine(One("CMD [\"a\",\"b\"]")), (V{"a", "b"}));
}

}  // namespace
}  // namespace berth::dockerfile

namespace berth::dockerfile {
namespace {

TEST(ParseFlags, AsDockersBFlags) {
  auto f = ParseFlags({"--interval=5s", "--retries=3"}, {"interval", "timeout", "retries"});
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->at("interval"), "5s");
  EXPECT_EQ(f->at("retries"), "3");
  EXPECT_EQ(ParseFlags({"--bogus=1"}, {"interval"}).error().message, "Unknown flag: bogus");
  EXPECT_EQ(ParseFlags({"--interval"}, {"interval"}).error().message, "Missing a value on flag: interval");
  EXPECT_EQ(ParseFlags({"--interval=1s", "--interval=2s"}, {"interval"}).error().message,
            "Duplicate flag specified: interval");
}

}  // namespace
}  // namespace berth::dockerfile

namespace berth::dockerfile {
namespace {

TEST(Parse, LinesPastGosScannerBufferEndTheFile) {
  std::string line = "LABEL a=" + std::string(65535 - 8, 'x');
  EXPECT_TRUE(Parse(line).ok());
  EXPECT_TRUE(Parse(line + "\nENV A=1").ok());
  line += "x";  // 65536
  EXPECT_EQ(ParseError(line), "file with no instructions");
  EXPECT_EQ(ParseError("ENV X=1\n" + line), "dockerfile line greater than max allowed size of 65535");
  // An instruction continued into the long line still counts (and parses first).
  EXPECT_EQ(ParseError("ENV X=1 \\\n" + line), "dockerfile line greater than max allowed size of 65535");
  EXPECT_EQ(ParseError("ENV X \\\n" + line), "ENV must have two arguments");
  EXPECT_EQ(ParseError("ENV X=1 y \\\n" + line),
            "Syntax error - can't find = in \"y\". Must be of the form: name=value");
}

TEST(Parse, OnbuildChainsAreWalkedNotRecursed) {
  std::string line;
  for (int i = 0; i < 8000; i++) line += "ONBUILD ";
  Node n = One(line + "RUN x");
  ASSERT_EQ(n.args.size(), 8001u);  // 7999 more ONBUILDs, then RUN and its argument
  EXPECT_EQ(n.args[7998], "onbuild");
  EXPECT_EQ(n.args[7999], "run");
  EXPECT_EQ(n.args.back(), "x");
  EXPECT_EQ(ParseError(line + "ENV A"), "ENV must have two arguments");
  EXPECT_EQ(One("ONBUILD ONBUILD").args, V{"onbuild"});
}

}  // namespace
}  // namespace berth::dockerfile
