// The template engine must not be a way to crash or exhaust the machine
// (issue 9): each case here once overflowed the stack, overflowed a signed
// integer, allocated gigabytes or ran for a minute. Go's results are kept
// where Go has them (fmt's width rules); where Go has no limit berth fails
// with a clear message instead.
#include <chrono>
#include <string>

#include <gtest/gtest.h>

#include "format/template.h"

namespace berth {
namespace {

using Json = nlohmann::ordered_json;

Json Doc() {
  return Json::parse(R"({"Id": "sha256:b265b2e6c7a6", "RepoTags": ["t:1", "t:2", "t:3"],
                         "Os": "linux", "Many": [1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16]})");
}

std::string Render(std::string_view text, ExecuteOptions opts = {}) {
  auto t = Template::Parse(text);
  if (!t.ok()) return "PARSE: " + t.error().message;
  auto out = t->Execute(Doc(), opts);
  if (!out.ok()) return "EXEC: " + out.error().message;
  return *out;
}

std::string Repeat(std::string_view s, size_t n) {
  std::string out;
  for (size_t i = 0; i < n; i++) out += s;
  return out;
}

std::string Parens(size_t n) { return "{{" + Repeat("(", n) + "1" + Repeat(")", n) + "}}"; }
std::string Ifs(size_t n) { return Repeat("{{if 1}}", n) + "x" + Repeat("{{end}}", n); }

const char kTooDeep[] =
    "PARSE: template: :1: nesting too deep: more than 1000 levels of parentheses, if, range and "
    "with";

// Under AddressSanitizer frames are several times larger, and the stack
// backstop (tmpl::StackBudget) may stop nesting before 1,000 levels.
#if defined(__SANITIZE_ADDRESS__)
constexpr bool kAsan = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool kAsan = true;
#else
constexpr bool kAsan = false;
#endif
#else
constexpr bool kAsan = false;
#endif

// At the limit: the result, or under ASan possibly a too-deep error.
void ExpectAtLimit(const std::string& text, const std::string& want) {
  std::string got = Render(text);
  if (kAsan && got != want) {
    EXPECT_TRUE(got.find("nesting too deep") != std::string::npos ||
                got.find("exceeded maximum template depth") != std::string::npos)
        << got.substr(0, 200);
  } else {
    EXPECT_EQ(got, want);
  }
}

TEST(TemplateLimitsTest, NestingIsAParseError) {
  ExpectAtLimit(Parens(1000), "1");
  ExpectAtLimit(Ifs(1000), "x");
  EXPECT_EQ(Render(Parens(200)), "1");
  EXPECT_EQ(Render(Ifs(200)), "x");
  EXPECT_EQ(Render(Parens(1001)), kTooDeep);
  EXPECT_EQ(Render(Parens(5000)), kTooDeep);
  EXPECT_EQ(Render(Parens(20000)), kTooDeep);
  EXPECT_EQ(Render(Ifs(6000)), kTooDeep);
  EXPECT_EQ(Render(Ifs(8500)), kTooDeep);
  EXPECT_EQ(Render(Repeat("{{with 1}}", 1001)), kTooDeep);
  EXPECT_EQ(Render(Repeat("{{range 1}}", 1001)), kTooDeep);
  EXPECT_EQ(Render("{{if 0}}" + Repeat("{{else if 0}}", 1001) + "{{end}}"), kTooDeep);
  ExpectAtLimit("{{define \"a\"}}" + Ifs(999) + "{{end}}", "");
  EXPECT_EQ(Render("{{define \"a\"}}" + Ifs(1000) + "{{end}}"), kTooDeep);
  EXPECT_EQ(Render(Repeat("{{block \"a\" 1}}", 1001)), kTooDeep);
}

TEST(TemplateLimitsTest, RecursiveTemplatesStop) {
  EXPECT_EQ(Render("{{define \"r\"}}{{template \"r\"}}{{end}}{{template \"r\"}}"),
            "EXEC: template: :1:25: executing \"r\" at <{{template \"r\"}}>: exceeded maximum "
            "template depth (1000)");
  EXPECT_EQ(Render("a{{template \"\"}}"),
            "EXEC: template: :1:12: executing \"\" at <{{template \"\"}}>: exceeded maximum "
            "template depth (1000)");
  // Nesting inside each call counts too.
  std::string deep = "{{define \"r\"}}" + Repeat("{{if 1}}", 999) + "{{template \"r\"}}" +
                     Repeat("{{end}}", 999) + "{{end}}{{template \"r\"}}";
  EXPECT_NE(Render(deep).find("exceeded maximum template depth (1000)"), std::string::npos);
}

// fmt's own rules, as docker 28 prints them: a width or precision past 10^6
// is %!(BADWIDTH) or %!(BADPREC), or %!(NOVERB) when written as digits.
TEST(TemplateLimitsTest, PrintfWidthsFollowFmt) {
  EXPECT_EQ(Render("{{printf \"%9999999999d\" 1}}"), "%!(NOVERB)%!(EXTRA int=1)");
  EXPECT_EQ(Render("{{printf \"%99999999999999999999999d\" 1}}"), "%!(NOVERB)%!(EXTRA int=1)");
  EXPECT_EQ(Render("{{printf \"%*d|\" -2147483648 1}}"), "%!(BADWIDTH)1|");
  EXPECT_EQ(Render("{{printf \"%*d|\" -9223372036854775808 1}}"), "%!(BADWIDTH)1|");
  EXPECT_EQ(Render("{{printf \"%*d|\" 9223372036854775807 1}}"), "%!(BADWIDTH)1|");
  EXPECT_EQ(Render("{{printf \"%*d|\" 1000001 1}}"), "%!(BADWIDTH)1|");
  EXPECT_EQ(Render("{{printf \"%.*d|\" -2147483648 1}}"), "%!(BADPREC)1|");
  EXPECT_EQ(Render("{{printf \"%.*d|\" 2147483648 1}}"), "%!(BADPREC)1|");
  EXPECT_EQ(Render("{{printf \"%*d|\" -3 1}}"), "1  |");
  EXPECT_EQ(Render("{{printf \"%2147483647s\" \"a\"}}"), "%!(NOVERB)%!(EXTRA string=a)");
  EXPECT_EQ(Render("{{printf \"%.999999999f\" 1.5}}"), "%!(NOVERB)%!(EXTRA float64=1.5)");
  EXPECT_EQ(Render("{{printf \"%.2147483648f\" 1.5}}"), "%!(NOVERB)%!(EXTRA float64=1.5)");
}

// Widths up to fmt's limit give the whole output (it was cut to 512 bytes).
TEST(TemplateLimitsTest, LargeWidthsAreExact) {
  EXPECT_EQ(Render("{{printf \"%600d\" 7}}"), std::string(599, ' ') + "7");
  EXPECT_EQ(Render("{{printf \"%-600d|\" 7}}"), "7" + std::string(599, ' ') + "|");
  EXPECT_EQ(Render("{{printf \"%0600d\" 7}}"), std::string(599, '0') + "7");
  EXPECT_EQ(Render("{{printf \"%.600f\" 1.0}}"), "1." + std::string(600, '0'));
  EXPECT_EQ(Render("{{printf \"%700x\" 255}}"), std::string(698, ' ') + "ff");
  EXPECT_EQ(Render("{{printf \"%600.3e\" 1.5}}"), std::string(591, ' ') + "1.500e+00");
  // docker: 1000000, 10000010 and 10000011 bytes.
  EXPECT_EQ(Render("{{printf \"%1000000d\" 1 | len}}"), "1000000");
  EXPECT_EQ(Render("{{printf \"%10000009s|\" \"a\" | len}}"), "10000010");
  EXPECT_EQ(Render("{{printf \"%.10000009f\" 1.5 | len}}"), "10000011");
}

const char kTooLarge[] = "result too large: more than the 67108864 bytes left under the template "
                        "output limit";
const char kLeft[] = "bytes left under the template output limit";

TEST(TemplateLimitsTest, PadIsBounded) {
  EXPECT_EQ(Render("{{pad \"x\" 100000000000000 0}}"),
            "EXEC: template: :1:2: executing \"\" at <pad \"x\" 100000000000000 0>: error "
            "calling pad: " + std::string(kTooLarge));
  EXPECT_EQ(Render("{{pad \"x\" 0 4000000000}}"),
            "EXEC: template: :1:2: executing \"\" at <pad \"x\" 0 4000000000>: error calling "
            "pad: " + std::string(kTooLarge));
  EXPECT_EQ(Render("{{pad \"x\" 9223372036854775807 9223372036854775807}}").substr(0, 5), "EXEC:");
  EXPECT_EQ(Render("{{pad \"x\" 1000 0 | len}}"), "1001");
}

// Output and the strings functions make share one budget (64 MiB by
// default), checked before a large string is made.
TEST(TemplateLimitsTest, OutputIsBounded) {
  std::string out = Render("{{range $.Many}}{{printf \"%10000000d\" 1}}{{end}}");
  EXPECT_EQ(out, "EXEC: template: :1:18: executing \"\" at <printf \"%10000000d\" 1>: error calling "
                 "printf: result too large: more than the 7108864 " + std::string(kLeft));
  out = Render("{{range $.Many}}{{printf \"%5000000d\" 1}}{{end}}");
  EXPECT_EQ(out, "EXEC: template: :1:18: executing \"\" at <{{printf \"%5000000d\" 1}}>: template "
                 "output is larger than 67108864 bytes (berth's limit)");
  // Doubling a string in a variable.
  out = Render("{{$x := printf \"%1000000s\" \"a\"}}{{range $.Many}}{{$x = print $x $x}}{{end}}");
  EXPECT_NE(out.find(kLeft), std::string::npos) << out.substr(0, 200);
  out = Render("{{$x := printf \"%1000000s\" \"a\"}}{{range $.Many}}{{$x = printf \"%s%s\" $x $x}}{{end}}");
  EXPECT_NE(out.find(kLeft), std::string::npos) << out.substr(0, 200);
  // A width applied to every element of a list.
  out = Render("{{printf \"%1000000v\" (slice $.Many 0 16)}}{{printf \"%1000000v\" $.Many}}"
               "{{printf \"%1000000v\" $.Many}}{{printf \"%1000000v\" $.Many}}{{printf \"%1000000v\" $.Many}}");
  EXPECT_NE(out.find(kLeft), std::string::npos) << out.substr(0, 200);
  // split into a million pieces.
  out = Render("{{$x := printf \"%1000000s\" \"\"}}{{split (print $x $x) \"\"}}");
  EXPECT_EQ(out, "EXEC: template: :1:33: executing \"\" at <split (print $x $x) \"\">: error calling "
                 "split: result too large: more than the 64108864 " + std::string(kLeft));
  // A smaller limit, as a caller may set it.
  ExecuteOptions small;
  small.max_bytes = 10;
  EXPECT_EQ(Render("{{.Os}}{{.Os}}", small), "linuxlinux");
  EXPECT_EQ(Render("{{.Os}}{{.Os}}{{.Os}}", small), "EXEC: template: :1:16: executing \"\" at <{{.Os}}>: "
                                             "template output is larger than 10 bytes (berth's "
                                             "limit)");
  EXPECT_EQ(Render("{{.Os}}{{.Id}}", small).substr(0, 5), "EXEC:");
  EXPECT_EQ(Render("{{.Os}}xxxx", small), "linuxxxxx");
}

// 19 nested ranges over three tags is 3^19 iterations: docker ran 66 s.
TEST(TemplateLimitsTest, StepsAreBounded) {
  std::string t = Repeat("{{range $.RepoTags}}", 19) + "{{.}}" + Repeat("{{end}}", 19);
  auto start = std::chrono::steady_clock::now();
  std::string out = Render(t);
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_NE(out.find("template execution takes more than 10000000 steps (berth's limit)"),
            std::string::npos)
      << out.substr(0, 200);
  EXPECT_LT(secs, 30);
  ExecuteOptions small;
  small.max_steps = 5;
  EXPECT_EQ(Render("{{range .RepoTags}}{{.}}{{end}}", small),
            "EXEC: template: :1:21: executing \"\" at <.>: template execution takes more than 5 "
            "steps (berth's limit)");
  EXPECT_EQ(Render("{{range .RepoTags}}{{.}}{{end}}"), "t:1t:2t:3");
}

// Functions that only read (eq, lt, len of a slice ...) pay for what they
// read, so a loop over large values ends too.
TEST(TemplateLimitsTest, ReadingLargeValuesCostsSteps) {
  std::string out = Render("{{$x := printf \"%1000000s\" \"a\"}}{{range $.Many}}{{range $.Many}}"
                           "{{range $.Many}}{{if eq $x $x}}{{end}}{{end}}{{end}}{{end}}");
  EXPECT_NE(out.find("template execution takes more than 10000000 steps (berth's limit)"),
            std::string::npos)
      << out.substr(0, 200);
  out = Render("{{$x := split (printf \"%100000s\" \"\") \"\"}}{{range $.Many}}{{range $.Many}}"
               "{{range $.Many}}{{$y := slice $x 1}}{{end}}{{end}}{{end}}");
  EXPECT_NE(out.find("bytes left under the template output limit"), std::string::npos)
      << out.substr(0, 200);
}

TEST(TemplateLimitsTest, SinkReceivesOutputAsProduced) {
  auto t = Template::Parse("{{range $.Many}}{{printf \"%100000d\" .}}{{end}}");
  ASSERT_TRUE(t.ok());
  size_t pieces = 0, total = 0, largest = 0;
  Status st = t->Execute(Doc(), [&](std::string_view piece) -> Status {
    pieces++;
    total += piece.size();
    largest = std::max(largest, piece.size());
    return Ok();
  });
  ASSERT_TRUE(st.ok()) << st.error().message;
  EXPECT_EQ(total, 1600000u);
  EXPECT_GT(pieces, 10u);
  EXPECT_LT(largest, 200000u);  // never the whole output at once
  auto whole = t->Execute(Doc());
  ASSERT_TRUE(whole.ok());
  EXPECT_EQ(whole->size(), total);

  // A sink's error stops the execution and is returned as is.
  Status failed = t->Execute(Doc(), [](std::string_view) -> Status {
    return MakeError(Code::kUnavailable, "stdout closed");
  });
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().message, "stdout closed");
}

}  // namespace
}  // namespace berth
