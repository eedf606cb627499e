#include "format/template.h"

#include <gtest/gtest.h>

namespace berth {
namespace {

using Json = nlohmann::ordered_json;

Json Data() {
  return Json::parse(R"({
    "Id": "sha256:a416a98b71e224a31ee99cff8e16063554498227d2b696152a9c3e0aa65e5824",
    "RepoTags": ["busybox:latest", "busybox:1.36"],
    "Size": 1982312,
    "Ratio": 1.5,
    "Big": 1000000.0,
    "Empty": "",
    "Zero": 0,
    "Yes": true,
    "No": false,
    "Null": null,
    "None": [],
    "Config": {"Env": ["PATH=/bin", "A=1"], "Cmd": ["sh"], "Entrypoint": null,
               "Labels": {"z": "last", "a": "first"}, "WorkingDir": ""},
    "Names": ["web", "db"],
    "Html": "<a&b>",
    "Lower": "hello world"
  })");
}

struct Case {
  const char* tmpl;
  const char* want;
};

std::string Render(std::string_view text, const Json& data, ExecuteOptions opts = {}) {
  auto t = Template::Parse(text);
  if (!t.ok()) return "PARSE: " + t.error().message;
  auto out = t->Execute(data, opts);
  if (!out.ok()) return "EXEC: " + out.error().message;
  return *out;
}

TEST(TemplateTest, Outputs) {
  const Case cases[] = {
      {"plain text", "plain text"},
      {"", ""},
      {"{{.Size}}", "1982312"},
      {"{{.Id}}", "sha256:a416a98b71e224a31ee99cff8e16063554498227d2b696152a9c3e0aa65e5824"},
      {"{{.Ratio}}", "1.5"},
      {"{{.Big}}", "1000000"},
      {"{{.Yes}} {{.No}}", "true false"},
      {"{{.RepoTags}}", "[busybox:latest busybox:1.36]"},
      {"{{.Config.Labels}}", "map[a:first z:last]"},
      {"{{.Config.Cmd}}", "[sh]"},
      {"{{.None}}", "[]"},
      {"{{.Null}}", "<no value>"},
      {"{{.Config.Entrypoint}}", "<no value>"},
      {"{{.Config.Env}}", "[PATH=/bin A=1]"},
      {"{{ .Size }}", "1982312"},
      {"{{/* comment */}}x", "x"},
      {"a  {{- /* c */ -}}  b", "ab"},
      {"a \n {{- .Size -}} \n b", "a1982312b"},
      {"a {{- .Size}} b", "a1982312 b"},
      {"a {{.Size -}} b", "a 1982312b"},
      {"{{-3}}", "-3"},
      {"{{\"str\"}} {{`raw\\n`}} {{42}} {{-1.25}} {{true}} {{'a'}} {{0x1F}} {{1e3}}",
       "str raw\\n 42 -1.25 true 97 31 1000"},
      {"{{\"tab\\there\"}}", "tab\there"},
      {"{{with .Config}}{{.Cmd}} {{$.Size}}{{end}}", "[sh] 1982312"},
      {"{{with .Empty}}yes{{else}}no{{end}}", "no"},
      {"{{with .Null}}yes{{else with .Names}}{{index . 0}}{{end}}", "web"},
      {"{{if .Yes}}y{{end}}", "y"},
      {"{{if .No}}y{{else}}n{{end}}", "n"},
      {"{{if .Zero}}a{{else if .Empty}}b{{else if .Names}}c{{else}}d{{end}}", "c"},
      {"{{if .None}}a{{else if .Null}}b{{else}}d{{end}}", "d"},
      {"{{if and .Yes .Size}}both{{end}}", "both"},
      {"{{and .Yes .Zero .Size}}", "0"},
      {"{{or .Empty .Zero \"fallback\"}}", "fallback"},
      {"{{or .Names .Size}}", "[web db]"},
      {"{{not .Yes}} {{not .Empty}}", "false true"},
      {"{{range .Names}}[{{.}}]{{end}}", "[web][db]"},
      {"{{range $i, $n := .Names}}{{$i}}={{$n}};{{end}}", "0=web;1=db;"},
      {"{{range $n := .Names}}{{$n}},{{end}}", "web,db,"},
      {"{{range $k, $v := .Config.Labels}}{{$k}}:{{$v}} {{end}}", "a:first z:last "},
      {"{{range .Config.Labels}}{{.}} {{end}}", "first last "},
      {"{{range .None}}x{{else}}empty{{end}}", "empty"},
      {"{{range .Null}}x{{else}}nothing{{end}}", "nothing"},
      {"{{range .Names}}{{if eq . \"db\"}}{{break}}{{end}}{{.}}{{end}}", "web"},
      {"{{range .Names}}{{if eq . \"web\"}}{{continue}}{{end}}{{.}}{{end}}", "db"},
      {"{{range .Names}}{{$.Size}} {{end}}", "1982312 1982312 "},
      {"{{$x := .Size}}{{$x}}", "1982312"},
      {"{{$x := 1}}{{range .Names}}{{$x = 2}}{{end}}{{$x}}", "2"},
      {"{{$x := .Config}}{{$x.Cmd}}", "[sh]"},
      {"{{if $v := .Names}}{{len $v}}{{end}}", "2"},
      {"{{(index .Names 1)}}", "db"},
      {"{{(index .Config.Labels \"a\")}}", "first"},
      {"{{index .Config.Labels \"missing\"}}", "<no value>"},
      {"{{(.Config).Cmd}}", "[sh]"},
      {"{{.Size | printf \"%d bytes\"}}", "1982312 bytes"},
      {"{{join .Names \",\" | upper}}", "WEB,DB"},
      {"{{\"x\" | printf \"%s-%s\" \"y\"}}", "y-x"},
      {"{{join .Names \", \"}}", "web, db"},
      {"{{join .Config.Entrypoint \" \"}}", ""},
      {"{{split \"a:b:c\" \":\"}}", "[a b c]"},
      {"{{index (split \"a:b:c\" \":\") 2}}", "c"},
      {"{{len (split \"\" \",\")}}", "1"},
      {"{{split \"héé\" \"\"}}", "[h é é]"},
      {"{{upper .Lower}} {{lower \"ABC\"}} {{title .Lower}}", "HELLO WORLD abc Hello World"},
      {"{{title \"foo-bar baz_qux\"}}", "Foo-Bar Baz_qux"},
      {"{{truncate .Id 19}}", "sha256:a416a98b71e2"},
      {"{{truncate \"abc\" 10}}", "abc"},
      {"[{{pad \"x\" 2 3}}] [{{pad \"\" 2 3}}]", "[  x   ] []"},
      {"{{json .Config.Cmd}}", "[\"sh\"]"},
      {"{{json .Html}}", "\"<a&b>\""},
      {"{{json .Config}}",
       "{\"Env\":[\"PATH=/bin\",\"A=1\"],\"Cmd\":[\"sh\"],\"Entrypoint\":null,"
       "\"Labels\":{\"z\":\"last\",\"a\":\"first\"},\"WorkingDir\":\"\"}"},
      {"{{json .Ratio}} {{json .Size}} {{json .Null}} {{json .Yes}}", "1.5 1982312 null true"},
      {"{{json \"a\\nb\\u2028\"}}", "\"a\\nb\\u2028\""},
      {"{{print \"a\" 1 2 \"b\" \"c\"}}", "a1 2bc"},
      {"{{print .Null}}", "<nil>"},
      {"{{println 1 \"a\"}}", "1 a\n"},
      {"{{printf \"%s|%5s|%-5s|%q\" \"a\" \"b\" \"c\" \"d\"}}", "a|    b|c    |\"d\""},
      {"{{printf \"%d %05d %x %X %o %b %c\" 42 42 255 255 8 5 65}}", "42 00042 ff FF 10 101 A"},
      {"{{printf \"%.2f %6.1f %e %g %v\" .Ratio 2.25 1234.5 0.5 .Ratio}}",
       "1.50    2.2 1.234500e+03 0.5 1.5"},
      {"{{printf \"%v %v %v %t\" .Names .Config.Labels .Null .Yes}}",
       "[web db] map[a:first z:last] <nil> true"},
      {"{{printf \"%d\" \"x\"}}", "%!d(string=x)"},
      {"{{printf \"%s %s\" \"x\"}}", "x %!s(MISSING)"},
      {"{{printf \"%s\" \"x\" 1}}", "x%!(EXTRA int=1)"},
      {"{{printf \"100%%\"}}", "100%"},
      {"{{printf \"%.3s\" \"abcdef\"}}", "abc"},
      {"{{len .Names}} {{len .Id}} {{len .Config.Labels}}", "2 71 2"},
      {"{{index .Names 0}} {{index .Config \"Cmd\" 0}} {{index \"AB\" 1}}", "web sh 66"},
      {"{{eq .Size 1982312}} {{eq .Id \"x\"}} {{eq \"b\" \"a\" \"b\"}} {{eq .Null .Null}}",
       "true false true true"},
      {"{{ne 1 2}} {{lt 1 2}} {{le 2 2}} {{gt 3 2}} {{ge 1 2}} {{lt \"a\" \"b\"}}",
       "true true true true false true"},
      {"{{eq .Ratio 1.5}} {{lt .Zero .Ratio}}", "true true"},
      {"{{if eq .Null \"x\"}}y{{else}}n{{end}}", "n"},
      {"{{1234567.5}} {{0.00001}} {{123456.5}} {{-0.25}}", "1.2345675e+06 1e-05 123456.5 -0.25"},
      {"{{json 1234567.5}} {{json 0.0000001}} {{json -2.0}}", "1234567.5 1e-7 -2"},
      {"{{printf \"%-4s|%4s|\" \"é\" \"ü\"}}", "é   |   ü|"},
      {"{{printf \"%v|%d\" .Names .Names}}", "[web db]|[%!d(string=web) %!d(string=db)]"},
  };
  Json data = Data();
  for (const auto& c : cases) {
    EXPECT_EQ(Render(c.tmpl, data), c.want) << "template: " << c.tmpl;
  }
}

TEST(TemplateTest, WholeValueAndRootVariable) {
  Json data = Json::parse(R"({"b": [1, 2.5, "x", null, {"k": true}], "a": "s"})");
  EXPECT_EQ(Render("{{.}}", data), "map[a:s b:[1 2.5 x <nil> map[k:true]]]");
  EXPECT_EQ(Render("{{$}}", data), "map[a:s b:[1 2.5 x <nil> map[k:true]]]");
  EXPECT_EQ(Render("{{.}}", Json("just a string")), "just a string");
  EXPECT_EQ(Render("{{range .}}{{.}},{{end}}", Json::parse("[1,2,3]")), "1,2,3,");
  EXPECT_EQ(Render("{{.}}", Json()), "<no value>");
}

TEST(TemplateTest, MissingKeys) {
  Json data = Data();
  EXPECT_EQ(Render("{{.X}}", data),
            "EXEC: template: :1:2: executing \"\" at <.X>: map has no entry for key \"X\"");
  EXPECT_EQ(Render("{{.Config.Nope}}", data),
            "EXEC: template: :1:9: executing \"\" at <.Config.Nope>: map has no entry for key "
            "\"Nope\"");
  EXPECT_EQ(Render("abc\n  {{.Q}}", data),
            "EXEC: template: :2:4: executing \"\" at <.Q>: map has no entry for key \"Q\"");
  // Go's default (missingkey=default) prints "<no value>".
  ExecuteOptions lax{.missing_key_error = false};
  EXPECT_EQ(Render("{{.X}}", data, lax), "<no value>");
  EXPECT_EQ(Render("{{.X.Y}}", data, lax), "<no value>");
  EXPECT_EQ(Render("{{if .X}}y{{else}}n{{end}}", data, lax), "n");
  EXPECT_EQ(Render("{{print .X}}", data, lax), "<nil>");
}

TEST(TemplateTest, ExecutionErrors) {
  Json data = Data();
  const Case cases[] = {
      {"{{.Null.X}}",
       "template: :1:7: executing \"\" at <.Null.X>: nil pointer evaluating interface {}.X"},
      // Map elements are interface {} values (docker 20.10 says so too).
      {"{{.Size.X}}",
       "template: :1:7: executing \"\" at <.Size.X>: can't evaluate field X in type interface {}"},
      {"{{range .Size}}{{end}}",
       "template: :1:8: executing \"\" at <.Size>: range can't iterate over 1982312"},
      {"{{index .Names 5}}",
       "template: :1:2: executing \"\" at <index .Names 5>: error calling index: index out of range: 5"},
      {"{{len .Size}}",
       "template: :1:2: executing \"\" at <len .Size>: error calling len: len of type int"},
      // A JSON null is a nil interface {}: docker says "len of nil pointer".
      {"{{len .Null}}",
       "template: :1:2: executing \"\" at <len .Null>: error calling len: len of nil pointer"},
      {"{{join .Names}}", "template: :1:2: executing \"\" at <join>: wrong number of args for join: "
                          "want 2 got 1"},
      {"{{upper .Size}}", "template: :1:8: executing \"\" at <.Size>: wrong type for value; "
                          "expected string; got int"},
      {"{{eq .Size \"x\"}}",
       "template: :1:2: executing \"\" at <eq .Size \"x\">: error calling eq: incompatible types for "
       "comparison"},
      {"{{lt .Yes .No}}",
       "template: :1:2: executing \"\" at <lt .Yes .No>: error calling lt: invalid type for "
       "comparison"},
      {"{{.Size | .Id}}",
       "template: :1:10: executing \"\" at <.Id>: Id is not a method but has arguments"},
      {"{{(.Size) 1}}", "template: :1:2: executing \"\" at <(.Size) 1>: can't give argument to "
                        "non-function .Size"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(Render(c.tmpl, data), std::string("EXEC: ") + c.want) << "template: " << c.tmpl;
  }
}

TEST(TemplateTest, ParseErrors) {
  const Case cases[] = {
      {"{{.Foo", "template: :1: unclosed action"},
      {"{{.Foo}", "template: :1: unexpected \"}\" in operand"},
      {"{{foo}}", "template: :1: function \"foo\" not defined"},
      {"{{if .A}}x", "template: :1: unexpected EOF"},
      {"{{end}}", "template: :1: unexpected {{end}}"},
      {"{{else}}", "template: :1: unexpected {{else}}"},
      {"{{}}", "template: :1: missing value for command"},
      {"{{if}}{{end}}", "template: :1: missing value for if"},
      {"{{$x}}", "template: :1: undefined variable \"$x\""},
      {"{{range .A}}{{end}}{{$i}}", "template: :1: undefined variable \"$i\""},
      {"{{\"abc}}", "template: :1: unterminated quoted string"},
      {"{{`abc}}", "template: :1: unterminated raw quoted string"},
      {"{{/* abc}}", "template: :1: unclosed comment"},
      {"{{/* abc */ .X}}", "template: :1: comment ends before closing delimiter"},
      {"{{.A | \"x\"}}", "template: :1: non executable command in pipeline stage 2"},
      {"{{break}}", "template: :1: {{break}} outside {{range}}"},
      {"{{(.A}}", "template: :1: unclosed left paren"},
      {"{{.A)}}", "template: :1: unexpected right paren"},
      {"{{.A#}}", "template: :1: bad character U+0023 '#'"},
      {"{{nil}}", ""},  // parses; fails at execution
      {"{{3x}}", "template: :1: bad number syntax: \"3x\""},
      {"{{1.2.3}}", "template: :1: unexpected \".3\" in operand"},
      {"{{0x}}", "template: :1: illegal number syntax: \"0x\""},
      {"{{-}}", "template: :1: illegal number syntax: \"-\""},
      {"{{\"x\".A}}", "template: :1: unexpected . after term \"\\\"x\\\"\""},
      {"{{range $a, $b, $c := .X}}{{end}}", "template: :1: too many declarations in range"},
      {"{{$a, $b := .X}}", "template: :1: too many declarations in command"},
      {"{{range .A}}{{else if .B}}{{end}}", "template: :1: unexpected <if> in input"},
      {"line1\n{{.A", "template: :2: unclosed action"},
      {"{{\"\\q\"}}", "template: :1: invalid syntax"},
      {"{{.A :}}", "template: :1: expected :="},
      {"{{.A}}{{else}}", "template: :1: unexpected {{else}}"},
      {"{{if .A}}{{else}}{{else}}{{end}}", "template: :1: expected end; found {{else}}"},
  };
  for (const auto& c : cases) {
    auto t = Template::Parse(c.tmpl);
    if (*c.want == '\0') {
      EXPECT_TRUE(t.ok()) << c.tmpl;
      continue;
    }
    ASSERT_FALSE(t.ok()) << "template: " << c.tmpl;
    EXPECT_EQ(t.error().code, Code::kInvalidArgument);
    EXPECT_EQ(t.error().message, c.want) << "template: " << c.tmpl;
  }
  EXPECT_EQ(Render("{{nil}}", Json::object()),
            "EXEC: template: :1:2: executing \"\" at <nil>: nil is not a command");
}

TEST(TemplateTest, HeaderFunctions) {
  // docker renders a table header by running the row template over a map of
  // column titles with HeaderFunctions.
  Json header = {{"Repository", "REPOSITORY"}, {"Labels", "LABELS"}};
  ExecuteOptions opts{.header_functions = true};
  EXPECT_EQ(Render("{{.Repository}}\t{{json .Labels}}\t{{upper .Repository}}", header, opts),
            "REPOSITORY\tLABELS\tREPOSITORY");
  EXPECT_EQ(Render("{{truncate .Repository 3}}|{{pad .Labels 1 1}}", header, opts), "REPOSITORY|LABELS");
  EXPECT_EQ(Render("{{truncate .Repository 3}}", header), "REP");
}

TEST(TemplateTest, ReusableAndCopyable) {
  auto t = Template::Parse("{{.A}}-{{len .B}}");
  ASSERT_TRUE(t.ok());
  Template copy = *t;
  EXPECT_EQ(*copy.Execute(Json{{"A", 1}, {"B", "xyz"}}), "1-3");
  EXPECT_EQ(*t->Execute(Json{{"A", "z"}, {"B", Json::array()}}), "z-0");
}

TEST(TemplateTest, VariablesOutliveTheirRange) {
  // $last refers into a value built by split inside the range; it must stay
  // valid after the range ends.
  EXPECT_EQ(Render("{{$last := \"\"}}{{range split \"a,b,c\" \",\"}}{{$last = .}}{{end}}{{$last}}",
                Json::object()),
            "c");
}

TEST(FormatHelpersTest, TablePrefixAndEscapes) {
  EXPECT_TRUE(IsTableFormat("table {{.ID}}"));
  EXPECT_TRUE(IsTableFormat("table"));
  EXPECT_FALSE(IsTableFormat("{{.ID}}"));
  EXPECT_FALSE(IsTableFormat(" table"));
  EXPECT_EQ(StripTablePrefix("table {{.ID}}\\t{{.Size}} "), "{{.ID}}\\t{{.Size}}");
  EXPECT_EQ(StripTablePrefix("table"), "");
  EXPECT_EQ(StripTablePrefix("  {{.ID}}  "), "{{.ID}}");
  EXPECT_EQ(ExpandEscapes("{{.ID}}\\t{{.Size}}\\n"), "{{.ID}}\t{{.Size}}\n");
  EXPECT_EQ(ExpandEscapes("a\\\\tb"), "a\\\tb");
  EXPECT_EQ(ExpandEscapes("\\x\\"), "\\x\\");
}

TEST(FormatHelpersTest, DockerTableFlow) {
  // What `docker images --format "table {{.Repository}}\t{{.Size}}"` does:
  // strip "table", expand escapes, render header then rows.
  std::string row = ExpandEscapes(StripTablePrefix("table {{.Repository}}\\t{{.Size}}"));
  auto t = Template::Parse(row);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(*t->Execute(Json{{"Repository", "REPOSITORY"}, {"Size", "SIZE"}}, {.header_functions = true}),
            "REPOSITORY\tSIZE");
  EXPECT_EQ(*t->Execute(Json{{"Repository", "busybox"}, {"Size", "1.98MB"}}), "busybox\t1.98MB");
}

}  // namespace
}  // namespace berth
