// Each case is `docker import -c ... ` on dockerd 20.10.24 and what
// `docker inspect -f '{{json .Config}}'` printed (fields that are empty
// left out, as docker's output leaves them), or the error after
// "Error response from daemon: ".
#include "image/changes.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace berth::image {
namespace {

struct Case {
  std::vector<std::string> changes;
  std::string expected;  // JSON of the non-empty fields, or "!error message"
};

std::string Compact(const ContainerConfig& c) {
  nlohmann::json out = nlohmann::json::object();
  const Json docker = c.ToDockerJson();
  for (auto& [k, v] : docker.items()) {
    if (v.is_null() || (v.is_boolean() && !v.get<bool>()) || (v.is_string() && v.get<std::string>().empty()) ||
        (v.is_structured() && v.empty())) {
      continue;
    }
    out[k] = nlohmann::json::parse(v.dump());
  }
  return out.dump();
}

const Case kCases[] = {
    // Substitution (issue 9's examples).
    {{"ENV A=1", "ENV B=${A:-x} C=${Z:-y} D=${A:+p}"}, R"({"Env":["A=1","B=1","C=y","D=p"]})"},
    {{"ENV A=1", "ENV B=${A-x} C=${Z-y} D=${A+p}"}, R"(!failed to process "${A-x}": missing ':' in substitution)"},
    {{"ENV B=${X:?err}"}, R"(!failed to process "${X:?err}": X: err)"},
    {{"ENV B=${X?err}"}, R"(!failed to process "${X?err}": X: err)"},
    {{"ENV B=${X"}, R"(!failed to process "${X": missing ':' in substitution)"},
    {{"ENV B=${}"}, R"(!failed to process "${}": syntax error: bad substitution)"},
    {{"ENV A=1 B=${A}2"}, R"({"Env":["A=1","B=2"]})"},
    {{"ENV B=\\$A", "ENV C='$A'"}, R"({"Env":["B=$A","C=$A"]})"},
    {{"ENV X=", "ENV B=${X?} C=${X:-d} D=${X:+p} E=${X}e"}, R"({"Env":["X=","B=","C=d","D=","E=e"]})"},
    {{"ENV X=", "ENV B=${X:?}"}, R"(!failed to process "${X:?}": X: is not allowed to be empty)"},
    {{"ENV B=${X:?}"}, R"(!failed to process "${X:?}": X: is not allowed to be unset)"},
    {{"ENV X=", "ENV B=${X:?msg here}"},
     R"(!Syntax error - can't find = in "here}". Must be of the form: name=value)"},
    {{"ENV B=${X:=a}"}, R"(!failed to process "${X:=a}": unsupported modifier (=) in substitution)"},
    {{"ENV B=${X:-\"a}"}, R"(!failed to process "${X:-\"a}": syntax error: missing '}')"},
    {{"ENV A=\"${Q:?e}\""}, R"(!failed to process "\"${Q:?e}\"": Q: e)"},
    {{"ENV ${Q:?}=1"}, R"(!failed to process "${Q:?}": Q: is not allowed to be unset)"},
    {{"LABEL a=${Q?nope}"}, R"(!failed to process "${Q?nope}": Q: nope)"},
    {{"ENV A=\"x y\" B='$A' C=a\\ b D=\"q\\\"r\" E=\\\"s\\\""},
     R"({"Env":["A=x y","B=$A","C=a b","D=q\"r","E=\"s\""]})"},
    {{"ENV A a \"b c\"  d"}, R"({"Env":["A=a b c  d"]})"},
    {{"ENV A=1", "ENV B $A \"$A\" '$A'"}, R"({"Env":["A=1","B=1 1 $A"]})"},
    {{"LABEL \"a b\"=c 'd'=\"e f\""}, R"({"Labels":{"a b":"c","d":"e f"}})"},
    {{"LABEL a b c", "LABEL d="}, R"({"Labels":{"a":"b c","d":""}})"},
    {{"ENV A=1", "ENV B=$A\u20ac"}, R"({"Env":["A=1","B=1\u20ac"]})"},
    {{"ENV A=1\u00a0B=2"}, R"({"Env":["A=1","B=2"]})"},
    {{"ENV A=${B:?\xff}"}, "!failed to process \"${B:?\uFFFD}\": B: \uFFFD"},
    {{"CMD [\"a\"] x"}, R"({"Cmd":["a"]})"},
    {{"USER \"\""}, "{}"},
    {{"ENV A=x\\"}, R"({"Env":["A=x"]})"},
    {{"LABEL $X=1"}, R"({"Labels":{"":"1"}})"},
    {{"ENV $A=1"}, R"({"Env":["=1"]})"},
    {{"ENV A=1", "ENV a=2 A=3"}, R"({"Env":["A=3","a=2"]})"},
    {{"ENV A=${A:-x}${A:-y}"}, R"({"Env":["A=xy"]})"},
    {{"ENV A=$'\\n'"}, R"({"Env":["A=$\\n"]})"},
    {{"ENV P=\"80 443/udp\"", "EXPOSE $P 22"}, R"({"ExposedPorts":{"22/tcp":{},"443/udp":{},"80/tcp":{}},"Env":["P=80 443/udp"]})"},
    {{"ENV W=/w U=me V=\"/v1 /v2\"", "WORKDIR $W/x", "WORKDIR ${Z:-sub}", "USER ${U:-root}:$U", "VOLUME $V ${W}"},
     R"({"User":"me:me","Env":["W=/w","U=me","V=/v1 /v2"],"Volumes":{"/v1 /v2":{},"/w":{}},"WorkingDir":"/w/x/sub"})"},
    {{"ENV V=\"/v1 /v2\"", "VOLUME [\"$V\", \"${V}x\"]"}, R"({"Env":["V=/v1 /v2"],"Volumes":{"/v1 /v2":{},"/v1 /v2x":{}}})"},
    // Changes are one Dockerfile: continuations, directives, comments.
    {{"ENV A=1 \\", "B=2"}, R"({"Env":["A=1","B=2"]})"},
    {{"# escape=`", "ENV A=a`$B C=\"x`\"y\""}, R"({"Env":["A=a$B","C=x\"y"]})"},
    {{"ENV A=1\nENV B=2"}, R"({"Env":["A=1","B=2"]})"},
    {{"# escape=x", "ENV A=1"}, "!invalid escape token 'x' does not match ` or \\"},
    {{"# escape=`", "# escape=\\", "ENV A=1"}, "!only one escape parser directive can be used"},
    {{"ENV A=1", "# escape=`", "ENV B=2\\", "C=3"}, R"({"Env":["A=1","B=2C=3"]})"},
    {{"  # escape=`", "ENV B=2`", "C=3"}, R"({"Env":["B=2C=3"]})"},
    {{"ENV A=1 \\"}, R"({"Env":["A=1"]})"},
    {{"LABEL a=1 b"}, R"(!Syntax error - can't find = in "b". Must be of the form: name=value)"},
    {{"ENV A=1 # not a comment"}, R"(!Syntax error - can't find = in "#". Must be of the form: name=value)"},
    {{""}, "!file with no instructions"},
    {{"# comment"}, "!file with no instructions"},
    // CMD, ENTRYPOINT.
    {{"CMD echo hi"}, R"({"Cmd":["/bin/sh","-c","echo hi"]})"},
    {{"CMD echo $HOME \"a\""}, R"({"Cmd":["/bin/sh","-c","echo $HOME \"a\""]})"},
    {{"CMD"}, R"({"Cmd":["/bin/sh","-c"]})"},
    {{"CMD []"}, "{}"},
    {{"CMD [\"a\""}, R"({"Cmd":["/bin/sh","-c","[\"a\""]})"},
    {{"CMD [\"a\",1]"}, "!when using JSON array syntax, arrays must be comprised of strings only"},
    {{"ENTRYPOINT a"}, R"({"Entrypoint":["/bin/sh","-c","a"]})"},
    {{"ENTRYPOINT [\"a\", \"$HOME\"]"}, R"({"Entrypoint":["a","$HOME"]})"},
    {{"ENTRYPOINT []"}, "{}"},
    {{"ENTRYPOINT"}, "{}"},
    {{"CMD c", "ENTRYPOINT a"}, R"({"Entrypoint":["/bin/sh","-c","a"],"Cmd":["/bin/sh","-c","c"]})"},
    {{"CMD", "ENTRYPOINT a"}, R"({"Entrypoint":["/bin/sh","-c","a"]})"},
    {{"env a=1", "Cmd x"}, R"({"Env":["a=1"],"Cmd":["/bin/sh","-c","x"]})"},
    // EXPOSE.
    {{"EXPOSE 0"}, R"({"ExposedPorts":{"0/tcp":{}}})"},
    {{"EXPOSE :80"}, R"({"ExposedPorts":{"80/tcp":{}}})"},
    {{"EXPOSE 1.2.3.4:80:80"}, R"({"ExposedPorts":{"80/tcp":{}}})"},
    {{"EXPOSE 8080:80"}, R"({"ExposedPorts":{"80/tcp":{}}})"},
    {{"EXPOSE 80/"}, R"({"ExposedPorts":{"80/tcp":{}}})"},
    {{"EXPOSE 1-3/UDP"}, R"({"ExposedPorts":{"1/udp":{},"2/udp":{},"3/udp":{}}})"},
    {{"EXPOSE"}, "!EXPOSE requires at least one argument"},
    {{"EXPOSE 70000"}, "!Invalid containerPort: 70000"},
    {{"EXPOSE 80/xyz"}, "!Invalid proto: xyz"},
    {{"EXPOSE 5-1"}, "!Invalid containerPort: 5-1"},
    {{"EXPOSE abc"}, "!Invalid containerPort: abc"},
    {{"EXPOSE /tcp"}, "!No port specified: /tcp<empty>"},
    {{"EXPOSE 1.2.3:80:80"}, "!Invalid ip address: 1.2.3"},
    {{"EXPOSE ::1:80:80"}, "!Invalid ip address ::1: address ::1:: too many colons in address"},
    {{"EXPOSE [::1]:80"}, "!Invalid ip address [:: address [::: missing ']' in address"},
    {{"EXPOSE [::1]:80:80"}, R"({"ExposedPorts":{"80/tcp":{}}})"},
    {{"EXPOSE 1.2.3.4::80"}, R"({"ExposedPorts":{"80/tcp":{}}})"},
    {{"EXPOSE a]:80:80"}, "!Invalid ip address a]: address a]:: unexpected ']' in address"},
    {{"EXPOSE [a]b:80:80"}, "!Invalid ip address [a]b: address [a]b:: missing port in address"},
    {{"EXPOSE 80-82:80"}, R"({"ExposedPorts":{"80/tcp":{}}})"},
    {{"EXPOSE 80:80-82"}, "!Invalid ranges specified for container and host Ports: 80-82 and 80"},
    {{"EXPOSE 80/udp/x"}, R"({"ExposedPorts":{"80/udp":{}}})"},
    {{"EXPOSE 1-2-3"}, R"({"ExposedPorts":{"1/tcp":{},"2/tcp":{}}})"},
    {{"EXPOSE 080"}, R"({"ExposedPorts":{"80/tcp":{}}})"},
    {{"EXPOSE 80-81//udp"}, R"({"ExposedPorts":{"80/tcp":{},"81/tcp":{}}})"},
    {{"EXPOSE \\\\ 80-81//udp``\\ "}, "!Invalid containerPort: \\"},
    // VOLUME, USER, WORKDIR.
    {{"VOLUME [\" \"]"}, "!VOLUME specified can not be an empty string"},
    {{"USER --x a"}, "!Unknown flag: x"},
    {{"CMD --x y"}, "!Unknown flag: x"},
    {{"WORKDIR $NOPE"}, "!cannot normalize nothing"},
    {{"VOLUME [\"/a\","}, R"({"Volumes":{"[/a,":{}}})"},
    {{"VOLUME /a\\ b"}, R"({"Volumes":{"/a":{},"b":{}}})"},
    {{"VOLUME"}, "!VOLUME requires at least one argument"},
    {{"VOLUME []"}, "!VOLUME requires at least one argument"},
    {{"VOLUME \"\""}, "!VOLUME specified can not be an empty string"},
    {{"VOLUME [\"/a\", \"\"]"}, "!VOLUME specified can not be an empty string"},
    {{"USER"}, "!USER requires exactly one argument"},
    {{"USER a b"}, R"({"User":"a b"})"},
    {{"WORKDIR"}, "!WORKDIR requires exactly one argument"},
    {{"WORKDIR a b"}, R"({"WorkingDir":"/a b"})"},
    {{"WORKDIR rel"}, R"({"WorkingDir":"/rel"})"},
    {{"WORKDIR /a/../b/"}, R"({"WorkingDir":"/a/../b/"})"},
    // ENV, LABEL arguments.
    {{"ENV A"}, "!ENV must have two arguments"},
    {{"ENV =x"}, "!ENV names can not be blank"},
    {{"ENV"}, "!ENV requires at least one argument"},
    {{"LABEL"}, "!LABEL requires at least one argument"},
    {{"LABEL a"}, "!LABEL must have two arguments"},
    {{"ENV --foo A=1"}, "!Unknown flag: foo"},
    // HEALTHCHECK.
    {{"HEALTHCHECK CMD true"}, R"({"Healthcheck":{"Test":["CMD-SHELL","true"]}})"},
    {{"HEALTHCHECK NONE"}, R"({"Healthcheck":{"Test":["NONE"]}})"},
    {{"HEALTHCHECK --interval=5s --retries=3 CMD [\"a\",\"b\"]"},
     R"({"Healthcheck":{"Test":["CMD","a","b"],"Interval":5000000000,"Retries":3}})"},
    {{"HEALTHCHECK"}, "!HEALTHCHECK requires at least one argument"},
    {{"HEALTHCHECK NONE x"}, "!HEALTHCHECK NONE takes no arguments"},
    {{"HEALTHCHECK FOO x"}, R"(!Unknown type "FOO" in HEALTHCHECK (try CMD))"},
    {{"HEALTHCHECK CMD"}, "!Missing command after HEALTHCHECK CMD"},
    {{"HEALTHCHECK --interval=5 CMD a"}, R"(!time: missing unit in duration "5")"},
    {{"HEALTHCHECK --retries=0 CMD a"}, "!--retries must be at least 1 (not 0)"},
    {{"HEALTHCHECK --bogus=1 CMD a"}, "!Unknown flag: bogus"},
    {{"HEALTHCHECK --interval=0.5ms CMD a"}, R"(!Interval "interval" cannot be less than 1ms)"},
    {{"HEALTHCHECK --interval=-1s CMD a"}, R"(!Interval "interval" cannot be less than 1ms)"},
    {{"HEALTHCHECK --retries=x CMD a"}, R"(!strconv.ParseInt: parsing "x": invalid syntax)"},
    {{"HEALTHCHECK --retries=+2 CMD a"}, R"({"Healthcheck":{"Test":["CMD-SHELL","a"],"Retries":2}})"},
    {{"HEALTHCHECK --retries=99999999999 CMD a"}, R"(!strconv.ParseInt: parsing "99999999999": value out of range)"},
    {{"HEALTHCHECK --interval CMD a"}, "!Missing a value on flag: interval"},
    {{"HEALTHCHECK --interval=1s --interval=2s CMD a"}, "!Duplicate flag specified: interval"},
    {{"HEALTHCHECK --timeout=5y CMD a"}, R"(!time: unknown unit "y" in duration "5y")"},
    {{"HEALTHCHECK --timeout=x CMD a"}, R"(!time: invalid duration "x")"},
    {{"HEALTHCHECK --start-period=2s --timeout=1m30s cmd [\"x\"]"},
     R"({"Healthcheck":{"Test":["CMD","x"],"Timeout":90000000000,"StartPeriod":2000000000}})"},
    {{"HEALTHCHECK --interval= \u00e91{0"}, "!Unknown type \"\u00c91{0\" in HEALTHCHECK (try CMD)"},
    {{"HEALTHCHECK a\xa0b"}, "!Unknown type \"A\" in HEALTHCHECK (try CMD)"},
    {{"HEALTHCHECK a\u00a0b"}, "!Unknown type \"A\uFFFD\" in HEALTHCHECK (try CMD)"},
    {{"HEALTHCHECK --interval=1h1m1.1s --timeout=2562047h47m16.854775807s --start-period=.5s CMD a"},
     R"({"Healthcheck":{"Test":["CMD-SHELL","a"],"Interval":3661100000000,"Timeout":9223372036854775807,"StartPeriod":500000000}})"},
    {{"HEALTHCHECK --interval=2562047h47m16.854775808s CMD a"}, R"(!time: invalid duration "2562047h47m16.854775808s")"},
    {{"HEALTHCHECK --interval=5m-3s CMD a"}, R"(!time: unknown unit "m-" in duration "5m-3s")"},
    {{"HEALTHCHECK --interval=1h. CMD a"}, R"(!time: invalid duration "1h.")"},
    {{"HEALTHCHECK --bogus NONE"}, R"({"Healthcheck":{"Test":["NONE"]}})"},
    // ONBUILD.
    {{"ONBUILD --x RUN y"}, "!Unknown flag: x"},
    {{"ONBUILD ENV A"}, "!ENV must have two arguments"},
    {{"ONBUILD"}, "!ONBUILD requires at least one argument"},
    {{"ONBUILD ONBUILD x"}, "!Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed"},
    {{"ONBUILD from x"}, "!FROM isn't allowed as an ONBUILD trigger"},
    {{"ONBUILD  run  echo $A"}, R"({"OnBuild":["run  echo $A"]})"},
    {{"ONBUILD bogus x", "onbuild Run echo"}, R"({"OnBuild":["bogus x","Run echo"]})"},
    {{"ONBUILD ENV A=1 \\", "  B=2"}, R"({"OnBuild":["ENV A=1   B=2"]})"},
    // Not changes.
    {{"STOPSIGNAL 9"}, "!stopsignal is not a valid change command"},
    {{"RUN x"}, "!run is not a valid change command"},
    {{"FROM x"}, "!from is not a valid change command"},
    {{"MAINTAINER x"}, "!maintainer is not a valid change command"},
    {{"SHELL [\"a\"]"}, "!shell is not a valid change command"},
    {{"ARG a"}, "!arg is not a valid change command"},
    {{"ADD a b"}, "!add is not a valid change command"},
    {{"bogus x"}, "!bogus is not a valid change command"},
    {{"\u00c9NV x"}, "!\u00e9nv is not a valid change command"},
    // docker's client trims the message: an empty instruction word.
    {{"ENV a=1", " \\"}, "!is not a valid change command"},
    {{"ENV A=\"${X:?msg }\""}, R"(!failed to process "\"${X:?msg }\"": X: msg)"},
};

TEST(ApplyChanges, AsDocker20) {
  for (const Case& c : kCases) {
    ContainerConfig config;
    Status st = ApplyChanges(c.changes, config);
    std::string where = c.changes.empty() ? "" : c.changes.back();
    if (c.expected.starts_with("!")) {
      ASSERT_FALSE(st.ok()) << where << " -> " << Compact(config);
      EXPECT_EQ(st.error().message, c.expected.substr(1)) << where;
      EXPECT_EQ(st.error().code, Code::kInvalidArgument);
    } else {
      ASSERT_TRUE(st.ok()) << where << ": " << st.error().message;
      EXPECT_EQ(nlohmann::json::parse(Compact(config)), nlohmann::json::parse(c.expected)) << where;
    }
  }
}

TEST(ApplyChanges, ParsesAllBeforeApplyingAny) {
  ContainerConfig config;
  config.env = {"K=v"};
  // A later parse error wins over an earlier bad instruction and nothing is applied.
  EXPECT_EQ(ApplyChanges({"RUN x", "ENV A"}, config).error().message, "ENV must have two arguments");
  EXPECT_EQ(ApplyChanges({"ENV A=1", "ENV B=${Z:?}"}, config).error().message,
            "failed to process \"${Z:?}\": Z: is not allowed to be unset");
  EXPECT_EQ(config.env, std::vector<std::string>{"K=v"});
}

TEST(ApplyChanges, ShellFormUsesTheImagesShell) {
  ContainerConfig config;
  config.shell = {"/bin/bash", "-c"};
  ASSERT_TRUE(ApplyChanges({"CMD echo"}, config).ok());
  EXPECT_EQ(config.cmd, (std::vector<std::string>{"/bin/bash", "-c", "echo"}));
}

TEST(ApplyChanges, EntrypointResetsAnInheritedCmd) {
  ContainerConfig config;
  config.cmd = std::vector<std::string>{"old"};
  ASSERT_TRUE(ApplyChanges({"ENTRYPOINT [\"e\"]"}, config).ok());
  EXPECT_FALSE(config.cmd.has_value());
}

}  // namespace
}  // namespace berth::image
