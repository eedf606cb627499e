#include "format/template_typed.h"

#include <gtest/gtest.h>

#include "format/docker_types.h"
#include "format/template.h"

namespace berth {
namespace {

using Json = nlohmann::ordered_json;

// A small schema in the shape of docker's: a struct with a pointer to a
// struct, a named-key map, a time and a duration.
const GoType* Schema() {
  static const GoType* inner = GoStructType(
      "pkg.Inner", {
                       {.name = "Name", .type = GoStringType()},
                       {.name = "Every", .type = GoDurationType(), .omitempty = true},
                       {.name = "Tags", .type = GoSliceType(GoStringType()), .omitempty = true},
                   });
  static const GoType* port = GoBasicType(GoKind::kString, "nat.Port");
  static const GoType* t = GoStructType(
      "pkg.Doc",
      {
          {.name = "ID", .json = "Id", .type = GoStringType()},
          {.name = "Count", .type = GoInt64Type()},
          {.name = "Ok", .type = GoBoolType()},
          {.name = "Inner", .type = GoPointerType(inner), .omitempty = true},
          {.name = "Plain", .type = inner},
          {.name = "Ports", .type = GoMapType(port, GoEmptyStructType(), "nat.PortSet"), .omitempty = true},
          {.name = "Labels", .type = GoMapType(GoStringType(), GoStringType())},
          {.name = "List", .type = GoSliceType(GoStringType())},
          {.name = "When", .type = GoTimeType()},
          {.name = "Timeout", .type = GoPointerType(GoIntType()), .omitempty = true},
      });
  return t;
}

std::string Render(std::string_view text, const Json& data) {
  auto t = Template::Parse(text);
  if (!t.ok()) return "PARSE: " + t.error().message;
  auto out = t->Execute(data, {.missing_key_error = false, .type = Schema()});
  if (!out.ok()) return "EXEC: " + out.error().message;
  return *out;
}

TEST(TemplateTypedTest, EmptyDocumentIsGosZeroValue) {
  Json empty = Json::object();
  EXPECT_EQ(Render("{{.}}", empty), "{ 0 false <nil> { 0s []} map[] map[] [] 0001-01-01 00:00:00 +0000 UTC <nil>}");
  EXPECT_EQ(Render("{{.ID}}|{{.Count}}|{{.Ok}}|{{.Inner}}|{{.Labels}}|{{.List}}|{{.Timeout}}", empty),
            "|0|false|<nil>|map[]|[]|<nil>");
  EXPECT_EQ(Render("{{json .}}", empty),
            R"({"Id":"","Count":0,"Ok":false,"Plain":{"Name":""},"Labels":null,"List":null,"When":"0001-01-01T00:00:00Z"})");
  EXPECT_EQ(Render("{{index .Labels \"k\"}}|{{.Labels.k}}|{{len .List}}", empty), "|<no value>|0");
  EXPECT_EQ(Render("{{range .Labels}}x{{else}}none{{end}}", empty), "none");
  EXPECT_EQ(Render("{{if .Plain}}struct{{end}}{{if .When}} time{{end}}{{if .Inner}} ptr{{end}}", empty),
            "struct time");
  EXPECT_EQ(Render("{{eq .ID \"\"}} {{eq .Count 0}}", empty), "true true");
  EXPECT_EQ(Render("{{.Inner.Name}}", empty), "EXEC: template: :1:8: executing \"\" at <.Inner.Name>: "
                                           "nil pointer evaluating *pkg.Inner.Name");
  EXPECT_EQ(Render("{{.When.IsZero}} {{.When.Unix}}", empty), "true -62135596800");
  EXPECT_EQ(Render("{{.When.UnixNano}}", empty), "-6795364578871345152");  // Go's wrapped value
}

TEST(TemplateTypedTest, PrintsLikeGo) {
  Json doc = Json::parse(R"({"Id": "x", "Count": 7, "Inner": {"Name": "n", "Every": 90000000000},
      "Plain": {"Name": "p", "Tags": ["a", "b"]}, "Ports": {"80/tcp": {}, "53/udp": {}},
      "Labels": {"z": "1", "a": "2"}, "List": [], "When": "2026-11-29T02:46:25.111273763Z",
      "Timeout": 10})");
  EXPECT_EQ(Render("{{.Inner}}", doc), "{n 1m30s []}");  // a pointer is followed once
  EXPECT_EQ(Render("{{.}}", doc),
            "{x 7 false 0xc000010000 {p 0s [a b]} map[53/udp:{} 80/tcp:{}] map[a:2 z:1] [] "
            "2026-11-29 02:46:25.111273763 +0000 UTC 0xc000010000}");
  EXPECT_EQ(Render("{{print .Inner}}", doc), "&{n 1m30s []}");
  EXPECT_EQ(Render("{{.Timeout}}", doc), "10");
  EXPECT_EQ(Render("{{.When}}", doc), "2026-11-29 02:46:25.111273763 +0000 UTC");
  EXPECT_EQ(Render("{{.When.Unix}} {{.When.UnixNano}}", doc), "1795920385 1795920385111273763");
  EXPECT_EQ(Render("{{.Inner.Every}} {{.Inner.Every.Seconds}}", doc), "1m30s 90");
  EXPECT_EQ(Render("{{json .Inner}}|{{json .Ports}}|{{json .List}}|{{json .Timeout}}", doc),
            R"({"Name":"n","Every":90000000000}|{"53/udp":{},"80/tcp":{}}|[]|10)");
  EXPECT_EQ(Render("{{range $k, $v := .Ports}}{{$k}}={{$v}};{{end}}", doc), "53/udp={};80/tcp={};");
  EXPECT_EQ(Render("{{print .Plain .Count}}|{{print .ID .Count}}", doc), "{p 0s [a b]} 7|x7");
  EXPECT_EQ(Render("{{printf \"%s|%v\" .Plain .When}}", doc), "{p 0s [a b]}|2026-11-29 02:46:25.111273763 +0000 UTC");
}

TEST(TemplateTypedTest, ErrorsNameGoTypes) {
  Json doc = Json::parse(R"({"Ports": {"80/tcp": {}}, "Labels": {"a": "b"}})");
  EXPECT_EQ(Render("{{.Nope}}", doc), "EXEC: template: :1:2: executing \"\" at <.Nope>: "
                                   "can't evaluate field Nope in type pkg.Doc");
  EXPECT_EQ(Render("{{.Labels.a.b}}", doc), "EXEC: template: :1:9: executing \"\" at <.Labels.a.b>: "
                                         "can't evaluate field b in type string");
  // nat.PortSet's keys are not strings: no field access, no index by string.
  EXPECT_EQ(Render("{{.Ports.x}}", doc), "EXEC: template: :1:8: executing \"\" at <.Ports.x>: "
                                      "can't evaluate field x in type nat.PortSet");
  EXPECT_EQ(Render("{{index .Ports \"80/tcp\"}}", doc),
            "EXEC: template: :1:2: executing \"\" at <index .Ports \"80/tcp\">: error calling index: "
            "value has type string; should be nat.Port");
  EXPECT_EQ(Render("{{len .Plain}}", doc), "EXEC: template: :1:2: executing \"\" at <len .Plain>: "
                                        "error calling len: len of type pkg.Inner");
  EXPECT_EQ(Render("{{range .Plain}}{{end}}", doc),
            "EXEC: template: :1:8: executing \"\" at <.Plain>: range can't iterate over { 0s []}");
}

TEST(TemplateTypedTest, RawJsonNamesInterfaceTypes) {
  // Without a type, elements of maps are interface {} values, as after
  // json.Unmarshal; a pipeline's result is the value inside.
  auto t = Template::Parse("{{.Labels.a.b}}");
  ASSERT_TRUE(t.ok());
  auto out = t->Execute(Json::parse(R"({"Labels": {"a": "b"}})"));
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.error().message, "template: :1:9: executing \"\" at <.Labels.a.b>: "
                                 "can't evaluate field b in type interface {}");
  t = Template::Parse("{{$x := .Labels.a}}{{$x.b}}");
  ASSERT_TRUE(t.ok());
  out = t->Execute(Json::parse(R"({"Labels": {"a": "b"}})"));
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.error().message, "template: :1:23: executing \"\" at <$x.b>: "
                                 "can't evaluate field b in type string");
}

TEST(TemplateTypedTest, MarshalersThatEscapeHtml) {
  // docker's listing rows marshal through json.Marshal: <none> is escaped
  // even by the json function, which escapes nothing itself.
  static const GoType* row = GoPointerType(GoStructType(
      "formatter.imageContext", {{.name = "Tag", .type = GoStringType()}}, true));
  auto t = Template::Parse("{{json .}} {{json .Tag}}");
  ASSERT_TRUE(t.ok());
  auto out = t->Execute(Json{{"Tag", "<none>"}}, {.missing_key_error = false, .type = row});
  ASSERT_TRUE(out.ok());
  EXPECT_EQ(*out, R"({"Tag":"\u003cnone\u003e"} "<none>")");
}

TEST(TemplateTypedTest, GoTimeAndDurationStrings) {
  using tmpl::GoDurationString;
  using tmpl::GoTimeString;
  EXPECT_EQ(GoTimeString("2026-11-29T02:46:25.111273763Z"), "2026-11-29 02:46:25.111273763 +0000 UTC");
  EXPECT_EQ(GoTimeString("2026-11-29T02:46:25.5000Z"), "2026-11-29 02:46:25.5 +0000 UTC");
  EXPECT_EQ(GoTimeString("2026-11-29T02:46:25Z"), "2026-11-29 02:46:25 +0000 UTC");
  EXPECT_EQ(GoTimeString("0001-01-01T00:00:00Z"), "0001-01-01 00:00:00 +0000 UTC");
  EXPECT_EQ(GoTimeString(""), "0001-01-01 00:00:00 +0000 UTC");
  EXPECT_EQ(GoTimeString("2026-11-29T04:46:25+02:00"), "2026-11-29 04:46:25 +0200 +0200");
  EXPECT_EQ(GoTimeString("yesterday"), "yesterday");
  EXPECT_EQ(GoDurationString(0), "0s");
  EXPECT_EQ(GoDurationString(1), "1ns");
  EXPECT_EQ(GoDurationString(1500), "1.5\xc2\xb5s");
  EXPECT_EQ(GoDurationString(1500000), "1.5ms");
  EXPECT_EQ(GoDurationString(30000000000), "30s");
  EXPECT_EQ(GoDurationString(90500000000), "1m30.5s");
  EXPECT_EQ(GoDurationString(7200000000000), "2h0m0s");
  EXPECT_EQ(GoDurationString(-1500000000), "-1.5s");
}

// docker's listing rows: methods with arguments (ContainerContext.Label,
// SubHeaderContext.Label) and fields that stand for methods without any.
TEST(TemplateTypedTest, MethodsWithArguments) {
  auto run = [](std::string_view text, const Json& data, const GoType* type) {
    auto t = Template::Parse(text);
    if (!t.ok()) return "PARSE: " + t.error().message;
    auto out = t->Execute(data, {.missing_key_error = false, .type = type});
    if (!out.ok()) return "EXEC: " + out.error().message;
    return *out;
  };
  Json row{{"ID", "abc"}, {"Names", "web"}, {kContainerRowLabels, {{"x", "1"}, {"a.b-c", "2"}}}};
  const GoType* t = ContainerRowType();
  EXPECT_EQ(run(R"({{.Label "x"}}|{{.Label "nope"}}|{{"a.b-c" | .Label}}|{{.Label "x" | len}})", row, t),
            "1||2|1");
  EXPECT_EQ(run(R"({{json .}})", row, t),
            R"({"Command":"","CreatedAt":"","ID":"abc","Image":"","Labels":"","LocalVolumes":"",)"
            R"("Mounts":"","Names":"web","Networks":"","Ports":"","RunningFor":"","Size":"",)"
            R"("State":"","Status":""})");
  EXPECT_EQ(run(R"({{.Label "x"}})", Json::object(), t), "");
  EXPECT_EQ(run("{{.Label}}", row, t),
            "EXEC: template: :1:2: executing \"\" at <.Label>: wrong number of args for Label: want 1 got 0");
  EXPECT_EQ(run(R"({{.Label "x" "y"}})", row, t),
            "EXEC: template: :1:2: executing \"\" at <.Label>: wrong number of args for Label: want 1 got 2");
  EXPECT_EQ(run("{{.Label 1}}", row, t),
            "EXEC: template: :1:9: executing \"\" at <1>: expected string; found 1");
  EXPECT_EQ(run("{{1 | .Label}}", row, t),
            "EXEC: template: :1:6: executing \"\" at <.Label>: wrong type for value; expected string; got int");
  EXPECT_EQ(run(R"({{.ID "x"}})", row, t),
            "EXEC: template: :1:2: executing \"\" at <.ID>: wrong number of args for ID: want 0 got 1");
  // The header's Label: the last part of the name, '-' and '_' as spaces.
  Json headers{{"Names", "NAMES"}};
  EXPECT_EQ(run(R"({{.Names}} {{.Label "com.example.my_long-label"}} {{.Label "x"}})", headers, HeaderType()),
            "NAMES my long label x");
}

// Go's embedded structs (types.ContainerJSON embeds *ContainerJSONBase,
// HostConfig embeds Resources): fields promoted, JSON inlined, printed nested.
TEST(TemplateTypedTest, EmbeddedStructs) {
  static const GoType* res = GoStructType("pkg.Res", {{.name = "CPU", .json = "Cpu", .type = GoIntType()},
                                                      {.name = "Swap", .type = GoPointerType(GoIntType())}});
  static const GoType* base = GoStructType("pkg.Base", {{.name = "ID", .json = "Id", .type = GoStringType()},
                                                        {.name = "Res", .type = res, .embedded = true}});
  static const GoType* doc = GoStructType("pkg.Doc", {{.name = "Base", .type = GoPointerType(base), .embedded = true},
                                                      {.name = "Name", .type = GoStringType()}});
  auto run = [](std::string_view text, const Json& data) {
    auto out = Template::Parse(text)->Execute(data, {.missing_key_error = false, .type = doc});
    return out.ok() ? *out : "EXEC: " + out.error().message;
  };
  Json j{{"Id", "x"}, {"Cpu", 2}, {"Swap", 1}, {"Name", "n"}};
  EXPECT_EQ(run("{{.ID}} {{.CPU}} {{.Name}} {{.Res.CPU}} {{.Base.ID}}", j), "x 2 n 2 x");
  EXPECT_EQ(run("{{json .}}", j), R"({"Id":"x","Cpu":2,"Swap":1,"Name":"n"})");
  EXPECT_EQ(run("{{.}}", j), "{0xc000010000 n}");
  EXPECT_EQ(run("{{.Base}}", j), "{x {2 0xc000010000}}");
  EXPECT_EQ(run("{{.Nope}}", j),
            "EXEC: template: :1:2: executing \"\" at <.Nope>: can't evaluate field Nope in type pkg.Doc");
}

}  // namespace
}  // namespace berth
