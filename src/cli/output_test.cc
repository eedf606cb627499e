// docker inspect -f, checked against docker 20.10's own output. The two
// documents are what docker 20.10.24's daemon returned for two images
// imported from the same busybox tarball (plain, and one with
// `-c 'EXPOSE 80' -c 'LABEL a=b' -c 'ENV X=1' -c 'CMD ["sh"]'
// -c 'HEALTHCHECK CMD true' -c 'VOLUME /v' -c 'ENTRYPOINT ["e"]'
// -c 'ONBUILD RUN x' -c 'USER u' -c 'WORKDIR /w'`); every expected value
// below is what `docker inspect -f` (client 20.10.24) printed for them.
#include "cli/output.h"

#include <gtest/gtest.h>

#include "format/docker_types.h"

namespace berth::cli {
namespace {

const char* kPlain = R"({"Id": "sha256:ff56f9c318e046b7d2d7ddd2f13c412fd2673b13baf118bbf35363cc4d7cde16", "RepoTags": ["plain:latest"], "RepoDigests": [], "Parent": "", "Comment": "Imported from -", "Created": "2026-11-29T09:05:40.379039479Z", "Container": "", "ContainerConfig": {"Hostname": "", "Domainname": "", "User": "", "AttachStdin": false, "AttachStdout": false, "AttachStderr": false, "Tty": false, "OpenStdin": false, "StdinOnce": false, "Env": null, "Cmd": null, "Image": "", "Volumes": null, "WorkingDir": "", "Entrypoint": null, "OnBuild": null, "Labels": null}, "DockerVersion": "20.10.24+dfsg1", "Author": "", "Config": {"Hostname": "", "Domainname": "", "User": "", "AttachStdin": false, "AttachStdout": false, "AttachStderr": false, "Tty": false, "OpenStdin": false, "StdinOnce": false, "Env": null, "Cmd": null, "Image": "", "Volumes": null, "WorkingDir": "", "Entrypoint": null, "OnBuild": null, "Labels": null}, "Architecture": "amd64", "Os": "linux", "Size": 1982312, "VirtualSize": 1982312, "GraphDriver": {"Data": {"MergedDir": "/tmp/tv-d/overlay2/a7754845df3f953530dc263f9f941fe0b7513bd44f68d5afdda5ca9466b6e59d/merged", "UpperDir": "/tmp/tv-d/overlay2/a7754845df3f953530dc263f9f941fe0b7513bd44f68d5afdda5ca9466b6e59d/diff", "WorkDir": "/tmp/tv-d/overlay2/a7754845df3f953530dc263f9f941fe0b7513bd44f68d5afdda5ca9466b6e59d/work"}, "Name": "overlay2"}, "RootFS": {"Type": "layers", "Layers": ["sha256:0b569056097b28dc116cb0fd91b8128e842e05d608897cf4ec752bfd243fc0ea"]}, "Metadata": {"LastTagTime": "2026-11-29T09:05:40.382307175Z"}})";

const char* kRich = R"({"Id": "sha256:18c533e2c92074d7aab67f3ee74c3672fcc434a210a23bbf9e3688ac6d470b30", "RepoTags": ["rich:latest"], "RepoDigests": [], "Parent": "", "Comment": "Imported from -", "Created": "2026-11-29T09:05:43.699904549Z", "Container": "", "ContainerConfig": {"Hostname": "", "Domainname": "", "User": "", "AttachStdin": false, "AttachStdout": false, "AttachStderr": false, "Tty": false, "OpenStdin": false, "StdinOnce": false, "Env": null, "Cmd": null, "Image": "", "Volumes": null, "WorkingDir": "", "Entrypoint": null, "OnBuild": null, "Labels": null}, "DockerVersion": "20.10.24+dfsg1", "Author": "", "Config": {"Hostname": "", "Domainname": "", "User": "u", "AttachStdin": false, "AttachStdout": false, "AttachStderr": false, "ExposedPorts": {"80/tcp": {}}, "Tty": false, "OpenStdin": false, "StdinOnce": false, "Env": ["X=1"], "Cmd": ["sh"], "Healthcheck": {"Test": ["CMD-SHELL", "true"]}, "Image": "", "Volumes": {"/v": {}}, "WorkingDir": "/w", "Entrypoint": ["e"], "OnBuild": ["RUN x"], "Labels": {"a": "b"}}, "Architecture": "amd64", "Os": "linux", "Size": 1982312, "VirtualSize": 1982312, "GraphDriver": {"Data": {"MergedDir": "/tmp/tv-d/overlay2/a7754845df3f953530dc263f9f941fe0b7513bd44f68d5afdda5ca9466b6e59d/merged", "UpperDir": "/tmp/tv-d/overlay2/a7754845df3f953530dc263f9f941fe0b7513bd44f68d5afdda5ca9466b6e59d/diff", "WorkDir": "/tmp/tv-d/overlay2/a7754845df3f953530dc263f9f941fe0b7513bd44f68d5afdda5ca9466b6e59d/work"}, "Name": "overlay2"}, "RootFS": {"Type": "layers", "Layers": ["sha256:0b569056097b28dc116cb0fd91b8128e842e05d608897cf4ec752bfd243fc0ea"]}, "Metadata": {"LastTagTime": "2026-11-29T09:05:43.702886375Z"}})";

struct Case {
  bool rich;
  const char* tmpl;
  const char* out;  // stdout without the newline docker adds
  const char* err;  // the error, when docker failed (exit 1)
};

TEST(RenderInspectTest, TemplatesMatchDocker) {
  const Case cases[] = {
      {false, R"({{.RootFS}})", R"({layers [sha256:0b569056097b28dc116cb0fd91b8128e842e05d608897cf4ec752bfd243fc0ea] })", R"()"},
      {true, R"({{.RootFS}})", R"({layers [sha256:0b569056097b28dc116cb0fd91b8128e842e05d608897cf4ec752bfd243fc0ea] })", R"()"},
      {false, R"({{.Metadata}})", R"({2026-11-29 09:05:40.382307175 +0000 UTC})", R"()"},
      {true, R"({{.Metadata}})", R"({2026-11-29 09:05:43.702886375 +0000 UTC})", R"()"},
      {false, R"({{.Metadata.LastTagTime}})", R"(2026-11-29 09:05:40.382307175 +0000 UTC)", R"()"},
      {true, R"({{.Metadata.LastTagTime}})", R"(2026-11-29 09:05:43.702886375 +0000 UTC)", R"()"},
      {false, R"({{.ContainerConfig}})", R"({   false false false map[] false false false [] [] <nil> false  map[]  [] false  [] map[]  <nil> []})", R"()"},
      {true, R"({{.ContainerConfig}})", R"({   false false false map[] false false false [] [] <nil> false  map[]  [] false  [] map[]  <nil> []})", R"()"},
      {false, R"({{.GraphDriver}})", R"({map[MergedDir:/tmp/tv-d/overlay2/a7754845df3f953530dc263f9f941fe0b7513bd44f68d5afdda5ca9466b6e59d/merged UpperDir:/tmp/tv-d/overlay2/a7754845df3f953530dc263f9f941fe0b7513bd44f68d5afdda5ca9466b6e59d/diff WorkDir:/tmp/tv-d/overlay2/a7754845df3f953530dc263f9f941fe0b7513bd44f68d5afdda5ca9466b6e59d/work] overlay2})", R"()"},
      {true, R"({{.GraphDriver}})", R"({map[MergedDir:/tmp/tv-d/overlay2/a7754845df3f953530dc263f9f941fe0b7513bd44f68d5afdda5ca9466b6e59d/merged UpperDir:/tmp/tv-d/overlay2/a7754845df3f953530dc263f9f941fe0b7513bd44f68d5afdda5ca9466b6e59d/diff WorkDir:/tmp/tv-d/overlay2/a7754845df3f953530dc263f9f941fe0b7513bd44f68d5afdda5ca9466b6e59d/work] overlay2})", R"()"},
      {false, R"({{.GraphDriver.Name}})", R"(overlay2)", R"()"},
      {true, R"({{.GraphDriver.Name}})", R"(overlay2)", R"()"},
      {false, R"({{.GraphDriver.Data.Nope}})", R"(<no value>)", R"()"},
      {true, R"({{.GraphDriver.Data.Nope}})", R"(<no value>)", R"()"},
      {false, R"({{.Config.ExposedPorts}})", R"(map[])", R"()"},
      {true, R"({{.Config.ExposedPorts}})", R"(map[80/tcp:{}])", R"()"},
      {false, R"({{.Config.Healthcheck}})", R"(<nil>)", R"()"},
      {true, R"({{.Config.Healthcheck}})", R"({[CMD-SHELL true] 0s 0s 0s 0})", R"()"},
      {false, R"({{.Config.Healthcheck.Test}})", R"()", R"(template parsing error: template: :1:9: executing "" at <.Config.Healthcheck.Test>: map has no entry for key "Healthcheck")"},
      {true, R"({{.Config.Healthcheck.Test}})", R"([CMD-SHELL true])", R"()"},
      {false, R"({{.Config.Healthcheck.Interval}})", R"()", R"(template parsing error: template: :1:9: executing "" at <.Config.Healthcheck.Interval>: map has no entry for key "Healthcheck")"},
      {true, R"({{.Config.Healthcheck.Interval}})", R"(0s)", R"()"},
      {false, R"({{.Config.Healthcheck.Retries}})", R"()", R"(template parsing error: template: :1:9: executing "" at <.Config.Healthcheck.Retries>: map has no entry for key "Healthcheck")"},
      {true, R"({{.Config.Healthcheck.Retries}})", R"(0)", R"()"},
      {false, R"({{.Config.Volumes}})", R"(map[])", R"()"},
      {true, R"({{.Config.Volumes}})", R"(map[/v:{}])", R"()"},
      {false, R"({{.Config.Labels}})", R"(map[])", R"()"},
      {true, R"({{.Config.Labels}})", R"(map[a:b])", R"()"},
      {false, R"({{.Config.Labels.a}})", R"(<no value>)", R"()"},
      {true, R"({{.Config.Labels.a}})", R"(b)", R"()"},
      {false, R"({{.Config.Labels.foo}})", R"(<no value>)", R"()"},
      {true, R"({{.Config.Labels.foo}})", R"(<no value>)", R"()"},
      {false, R"({{index .Config.Labels "k"}})", R"()", R"()"},
      {true, R"({{index .Config.Labels "k"}})", R"()", R"()"},
      {false, R"({{index .Config.Labels "a"}})", R"()", R"()"},
      {true, R"({{index .Config.Labels "a"}})", R"(b)", R"()"},
      {false, R"({{index .Config.ExposedPorts "80/tcp"}})", R"()", R"(template parsing error: template: :1:15: executing "" at <.Config.ExposedPorts>: map has no entry for key "ExposedPorts")"},
      {true, R"({{index .Config.ExposedPorts "80/tcp"}})", R"(map[])", R"()"},
      {false, R"({{.Config.ExposedPorts.foo}})", R"()", R"(template parsing error: template: :1:9: executing "" at <.Config.ExposedPorts.foo>: map has no entry for key "ExposedPorts")"},
      {true, R"({{.Config.ExposedPorts.foo}})", R"()", R"(template parsing error: template: :1:9: executing "" at <.Config.ExposedPorts.foo>: map has no entry for key "foo")"},
      {false, R"({{.Config.Env}})", R"([])", R"()"},
      {true, R"({{.Config.Env}})", R"([X=1])", R"()"},
      {false, R"({{.Config.Cmd}})", R"([])", R"()"},
      {true, R"({{.Config.Cmd}})", R"([sh])", R"()"},
      {false, R"({{.Config.Entrypoint}})", R"([])", R"()"},
      {true, R"({{.Config.Entrypoint}})", R"([e])", R"()"},
      {false, R"({{.Config.OnBuild}})", R"([])", R"()"},
      {true, R"({{.Config.OnBuild}})", R"([RUN x])", R"()"},
      {false, R"({{.Config.Shell}})", R"([])", R"()"},
      {true, R"({{.Config.Shell}})", R"([])", R"()"},
      {false, R"({{.Config.StopSignal}})", R"()", R"()"},
      {true, R"({{.Config.StopSignal}})", R"()", R"()"},
      {false, R"({{.Config.StopTimeout}})", R"(<nil>)", R"()"},
      {true, R"({{.Config.StopTimeout}})", R"(<nil>)", R"()"},
      {false, R"({{.Config.ArgsEscaped}})", R"(false)", R"()"},
      {true, R"({{.Config.ArgsEscaped}})", R"(false)", R"()"},
      {false, R"({{.Config.MacAddress}})", R"()", R"()"},
      {true, R"({{.Config.MacAddress}})", R"()", R"()"},
      {false, R"({{.Config.NetworkDisabled}})", R"(false)", R"()"},
      {true, R"({{.Config.NetworkDisabled}})", R"(false)", R"()"},
      {false, R"({{.Variant}})", R"()", R"()"},
      {true, R"({{.Variant}})", R"()", R"()"},
      {false, R"({{.OsVersion}})", R"()", R"()"},
      {true, R"({{.OsVersion}})", R"()", R"()"},
      {false, R"({{.Container}})", R"()", R"()"},
      {true, R"({{.Container}})", R"()", R"()"},
      {false, R"({{.ID}})", R"(sha256:ff56f9c318e046b7d2d7ddd2f13c412fd2673b13baf118bbf35363cc4d7cde16)", R"()"},
      {true, R"({{.ID}})", R"(sha256:18c533e2c92074d7aab67f3ee74c3672fcc434a210a23bbf9e3688ac6d470b30)", R"()"},
      {false, R"({{.Id}})", R"(sha256:ff56f9c318e046b7d2d7ddd2f13c412fd2673b13baf118bbf35363cc4d7cde16)", R"()"},
      {true, R"({{.Id}})", R"(sha256:18c533e2c92074d7aab67f3ee74c3672fcc434a210a23bbf9e3688ac6d470b30)", R"()"},
      {false, R"({{.Size}})", R"(1982312)", R"()"},
      {true, R"({{.Size}})", R"(1982312)", R"()"},
      {false, R"({{.VirtualSize}})", R"(1982312)", R"()"},
      {true, R"({{.VirtualSize}})", R"(1982312)", R"()"},
      {false, R"({{.RepoTags}})", R"([plain:latest])", R"()"},
      {true, R"({{.RepoTags}})", R"([rich:latest])", R"()"},
      {false, R"({{.RepoDigests}})", R"([])", R"()"},
      {true, R"({{.RepoDigests}})", R"([])", R"()"},
      {false, R"({{json .}})", R"({"Id":"sha256:ff56f9c318e046b7d2d7ddd2f13c412fd2673b13baf118bbf35363cc4d7cde16","RepoTags":["plain:latest"],"RepoDigests":[],"Parent":"","Comment":"Imported from -","Created":"2026-11-29T09:05:40.379039479Z","Container":"","ContainerConfig":{"Hostname":"","Domainname":"","User":"","AttachStdin":false,"AttachStdout":false,"AttachStderr":false,"Tty":false,"OpenStdin":false,"StdinOnce":false,"Env":null,"Cmd":null,"Image":"","Volumes":null,"WorkingDir":"","Entrypoint":null,"OnBuild":null,"Labels":null},"DockerVersion":"20.10.24+dfsg1","Author":"","Config":{"Hostname":"","Domainname":"","User":"","AttachStdin":false,"AttachStdout":false,"AttachStderr":false,"Tty":false,"OpenStdin":false,"StdinOnce":false,"Env":null,"Cmd":null,"Image":"","Volumes":null,"WorkingDir":"","Entrypoint":null,"OnBuild":null,"Labels":null},"Architecture":"amd64","Os":"linux","Size":1982312,"VirtualSize":1982312,"GraphDriver":{"Data":{"MergedDir":"/tmp/tv-d/overlay2/a7754845df3f953530dc263f9f941fe0b7513bd44f68d5afdda5ca9466b6e59d/merged","UpperDir":"/tmp/tv-d/overlay2/a7754845df3f953530dc263f9f941fe0b7513bd44f68d5afdda5ca9466b6e59d/diff","WorkDir":"/tmp/tv-d/overlay2/a7754845df3f953530dc263f9f941fe0b7513bd44f68d5afdda5ca9466b6e59d/work"},"Name":"overlay2"},"RootFS":{"Type":"layers","Layers":["sha256:0b569056097b28dc116cb0fd91b8128e842e05d608897cf4ec752bfd243fc0ea"]},"Metadata":{"LastTagTime":"2026-11-29T09:05:40.382307175Z"}})", R"()"},
      {true, R"({{json .}})", R"({"Id":"sha256:18c533e2c92074d7aab67f3ee74c3672fcc434a210a23bbf9e3688ac6d470b30","RepoTags":["rich:latest"],"RepoDigests":[],"Parent":"","Comment":"Imported from -","Created":"2026-11-29T09:05:43.699904549Z","Container":"","ContainerConfig":{"Hostname":"","Domainname":"","User":"","AttachStdin":false,"AttachStdout":false,"AttachStderr":false,"Tty":false,"OpenStdin":false,"StdinOnce":false,"Env":null,"Cmd":null,"Image":"","Volumes":null,"WorkingDir":"","Entrypoint":null,"OnBuild":null,"Labels":null},"DockerVersion":"20.10.24+dfsg1","Author":"","Config":{"Hostname":"","Domainname":"","User":"u","AttachStdin":false,"AttachStdout":false,"AttachStderr":false,"ExposedPorts":{"80/tcp":{}},"Tty":false,"OpenStdin":false,"StdinOnce":false,"Env":["X=1"],"Cmd":["sh"],"Healthcheck":{"Test":["CMD-SHELL","true"]},"Image":"","Volumes":{"/v":{}},"WorkingDir":"/w","Entrypoint":["e"],"OnBuild":["RUN x"],"Labels":{"a":"b"}},"Architecture":"amd64","Os":"linux","Size":1982312,"VirtualSize":1982312,"GraphDriver":{"Data":{"MergedDir":"/tmp/tv-d/overlay2/a7754845df3f953530dc263f9f941fe0b7513bd44f68d5afdda5ca9466b6e59d/merged","UpperDir":"/tmp/tv-d/overlay2/a7754845df3f953530dc263f9f941fe0b7513bd44f68d5afdda5ca9466b6e59d/diff","WorkDir":"/tmp/tv-d/overlay2/a7754845df3f953530dc263f9f941fe0b7513bd44f68d5afdda5ca9466b6e59d/work"},"Name":"overlay2"},"RootFS":{"Type":"layers","Layers":["sha256:0b569056097b28dc116cb0fd91b8128e842e05d608897cf4ec752bfd243fc0ea"]},"Metadata":{"LastTagTime":"2026-11-29T09:05:43.702886375Z"}})", R"()"},
      {false, R"({{json .Config}})", R"({"Hostname":"","Domainname":"","User":"","AttachStdin":false,"AttachStdout":false,"AttachStderr":false,"Tty":false,"OpenStdin":false,"StdinOnce":false,"Env":null,"Cmd":null,"Image":"","Volumes":null,"WorkingDir":"","Entrypoint":null,"OnBuild":null,"Labels":null})", R"()"},
      {true, R"({{json .Config}})", R"({"Hostname":"","Domainname":"","User":"u","AttachStdin":false,"AttachStdout":false,"AttachStderr":false,"ExposedPorts":{"80/tcp":{}},"Tty":false,"OpenStdin":false,"StdinOnce":false,"Env":["X=1"],"Cmd":["sh"],"Healthcheck":{"Test":["CMD-SHELL","true"]},"Image":"","Volumes":{"/v":{}},"WorkingDir":"/w","Entrypoint":["e"],"OnBuild":["RUN x"],"Labels":{"a":"b"}})", R"()"},
      {false, R"({{json .ContainerConfig}})", R"({"Hostname":"","Domainname":"","User":"","AttachStdin":false,"AttachStdout":false,"AttachStderr":false,"Tty":false,"OpenStdin":false,"StdinOnce":false,"Env":null,"Cmd":null,"Image":"","Volumes":null,"WorkingDir":"","Entrypoint":null,"OnBuild":null,"Labels":null})", R"()"},
      {true, R"({{json .ContainerConfig}})", R"({"Hostname":"","Domainname":"","User":"","AttachStdin":false,"AttachStdout":false,"AttachStderr":false,"Tty":false,"OpenStdin":false,"StdinOnce":false,"Env":null,"Cmd":null,"Image":"","Volumes":null,"WorkingDir":"","Entrypoint":null,"OnBuild":null,"Labels":null})", R"()"},
      {false, R"({{json .Config.ExposedPorts}})", R"(null)", R"()"},
      {true, R"({{json .Config.ExposedPorts}})", R"({"80/tcp":{}})", R"()"},
      {false, R"({{json .Config.Env}})", R"(null)", R"()"},
      {true, R"({{json .Config.Env}})", R"(["X=1"])", R"()"},
      {false, R"({{json .Config.Labels}})", R"(null)", R"()"},
      {true, R"({{json .Config.Labels}})", R"({"a":"b"})", R"()"},
      {false, R"({{json .Config.Healthcheck}})", R"(null)", R"()"},
      {true, R"({{json .Config.Healthcheck}})", R"({"Test":["CMD-SHELL","true"]})", R"()"},
      {false, R"({{json .RootFS}})", R"({"Type":"layers","Layers":["sha256:0b569056097b28dc116cb0fd91b8128e842e05d608897cf4ec752bfd243fc0ea"]})", R"()"},
      {true, R"({{json .RootFS}})", R"({"Type":"layers","Layers":["sha256:0b569056097b28dc116cb0fd91b8128e842e05d608897cf4ec752bfd243fc0ea"]})", R"()"},
      {false, R"({{json .Metadata}})", R"({"LastTagTime":"2026-11-29T09:05:40.382307175Z"})", R"()"},
      {true, R"({{json .Metadata}})", R"({"LastTagTime":"2026-11-29T09:05:43.702886375Z"})", R"()"},
      {false, R"({{json .GraphDriver}})", R"({"Data":{"MergedDir":"/tmp/tv-d/overlay2/a7754845df3f953530dc263f9f941fe0b7513bd44f68d5afdda5ca9466b6e59d/merged","UpperDir":"/tmp/tv-d/overlay2/a7754845df3f953530dc263f9f941fe0b7513bd44f68d5afdda5ca9466b6e59d/diff","WorkDir":"/tmp/tv-d/overlay2/a7754845df3f953530dc263f9f941fe0b7513bd44f68d5afdda5ca9466b6e59d/work"},"Name":"overlay2"})", R"()"},
      {true, R"({{json .GraphDriver}})", R"({"Data":{"MergedDir":"/tmp/tv-d/overlay2/a7754845df3f953530dc263f9f941fe0b7513bd44f68d5afdda5ca9466b6e59d/merged","UpperDir":"/tmp/tv-d/overlay2/a7754845df3f953530dc263f9f941fe0b7513bd44f68d5afdda5ca9466b6e59d/diff","WorkDir":"/tmp/tv-d/overlay2/a7754845df3f953530dc263f9f941fe0b7513bd44f68d5afdda5ca9466b6e59d/work"},"Name":"overlay2"})", R"()"},
      {false, R"({{json .Variant}})", R"("")", R"()"},
      {true, R"({{json .Variant}})", R"("")", R"()"},
      {false, R"({{json .Config.Shell}})", R"(null)", R"()"},
      {true, R"({{json .Config.Shell}})", R"(null)", R"()"},
      {false, R"({{json .Config.StopTimeout}})", R"(null)", R"()"},
      {true, R"({{json .Config.StopTimeout}})", R"(null)", R"()"},
      {false, R"({{len .RootFS}})", R"(2)", R"()"},
      {true, R"({{len .RootFS}})", R"(2)", R"()"},
      {false, R"({{len .Config.Labels}})", R"(0)", R"()"},
      {true, R"({{len .Config.Labels}})", R"(1)", R"()"},
      {false, R"({{len .Config.Env}})", R"(0)", R"()"},
      {true, R"({{len .Config.Env}})", R"(1)", R"()"},
      {false, R"({{len .Config.Healthcheck}})", R"()", R"(template parsing error: template: :1:13: executing "" at <.Config.Healthcheck>: map has no entry for key "Healthcheck")"},
      {true, R"({{len .Config.Healthcheck}})", R"(1)", R"()"},
      {false, R"({{range .RootFS}}{{.}},{{end}})", R"([sha256:0b569056097b28dc116cb0fd91b8128e842e05d608897cf4ec752bfd243fc0ea],layers,)", R"()"},
      {true, R"({{range .RootFS}}{{.}},{{end}})", R"([sha256:0b569056097b28dc116cb0fd91b8128e842e05d608897cf4ec752bfd243fc0ea],layers,)", R"()"},
      {false, R"({{range .Config.Labels}}x{{end}})", R"()", R"()"},
      {true, R"({{range .Config.Labels}}x{{end}})", R"(x)", R"()"},
      {false, R"({{range $k, $v := .Config.ExposedPorts}}{{$k}}={{$v}};{{end}})", R"()", R"()"},
      {true, R"({{range $k, $v := .Config.ExposedPorts}}{{$k}}={{$v}};{{end}})", R"(80/tcp={};)", R"()"},
      {false, R"({{range $i, $e := .RootFS.Layers}}{{$i}}:{{$e}}{{end}})", R"(0:sha256:0b569056097b28dc116cb0fd91b8128e842e05d608897cf4ec752bfd243fc0ea)", R"()"},
      {true, R"({{range $i, $e := .RootFS.Layers}}{{$i}}:{{$e}}{{end}})", R"(0:sha256:0b569056097b28dc116cb0fd91b8128e842e05d608897cf4ec752bfd243fc0ea)", R"()"},
      {false, R"({{range .Config.Env}}{{.}}{{else}}none{{end}})", R"(none)", R"()"},
      {true, R"({{range .Config.Env}}{{.}}{{else}}none{{end}})", R"(X=1)", R"()"},
      {false, R"({{if .Metadata}}y{{end}}{{if .Config.Healthcheck}}h{{end}}{{if .Config.Labels}}l{{end}})", R"(y)", R"()"},
      {true, R"({{if .Metadata}}y{{end}}{{if .Config.Healthcheck}}h{{end}}{{if .Config.Labels}}l{{end}})", R"(yhl)", R"()"},
      {false, R"({{print .RootFS .Size}})", R"({layers [sha256:0b569056097b28dc116cb0fd91b8128e842e05d608897cf4ec752bfd243fc0ea] } 1982312)", R"()"},
      {true, R"({{print .RootFS .Size}})", R"({layers [sha256:0b569056097b28dc116cb0fd91b8128e842e05d608897cf4ec752bfd243fc0ea] } 1982312)", R"()"},
      {false, R"({{println .Metadata .Os}})", R"({2026-11-29 09:05:40.382307175 +0000 UTC} linux
)", R"()"},
      {true, R"({{println .Metadata .Os}})", R"({2026-11-29 09:05:43.702886375 +0000 UTC} linux
)", R"()"},
      {false, R"({{printf "%v|%s|%d" .RootFS .Metadata .Size}})", R"({layers [sha256:0b569056097b28dc116cb0fd91b8128e842e05d608897cf4ec752bfd243fc0ea] }|{2026-11-29 09:05:40.382307175 +0000 UTC}|1982312)", R"()"},
      {true, R"({{printf "%v|%s|%d" .RootFS .Metadata .Size}})", R"({layers [sha256:0b569056097b28dc116cb0fd91b8128e842e05d608897cf4ec752bfd243fc0ea] }|{2026-11-29 09:05:43.702886375 +0000 UTC}|1982312)", R"()"},
      {false, R"({{printf "%s" .Config.ExposedPorts}})", R"(map[])", R"()"},
      {true, R"({{printf "%s" .Config.ExposedPorts}})", R"(map[80/tcp:{}])", R"()"},
      {false, R"({{.Metadata.LastTagTime.Unix}})", R"(1795943140)", R"()"},
      {true, R"({{.Metadata.LastTagTime.Unix}})", R"(1795943143)", R"()"},
      {false, R"({{.Metadata.LastTagTime.IsZero}})", R"(false)", R"()"},
      {true, R"({{.Metadata.LastTagTime.IsZero}})", R"(false)", R"()"},
      {false, R"({{.Config.Healthcheck.Interval.Seconds}})", R"()", R"(template parsing error: template: :1:9: executing "" at <.Config.Healthcheck.Interval.Seconds>: map has no entry for key "Healthcheck")"},
      {true, R"({{.Config.Healthcheck.Interval.Seconds}})", R"(0)", R"()"},
      {false, R"({{.X}})", R"()", R"(template parsing error: template: :1:2: executing "" at <.X>: map has no entry for key "X")"},
      {true, R"({{.X}})", R"()", R"(template parsing error: template: :1:2: executing "" at <.X>: map has no entry for key "X")"},
      {false, R"({{.Config.X}})", R"()", R"(template parsing error: template: :1:9: executing "" at <.Config.X>: map has no entry for key "X")"},
      {true, R"({{.Config.X}})", R"()", R"(template parsing error: template: :1:9: executing "" at <.Config.X>: map has no entry for key "X")"},
      {false, R"({{.RootFS.X}})", R"()", R"(template parsing error: template: :1:9: executing "" at <.RootFS.X>: map has no entry for key "X")"},
      {true, R"({{.RootFS.X}})", R"()", R"(template parsing error: template: :1:9: executing "" at <.RootFS.X>: map has no entry for key "X")"},
      {false, R"({{.Metadata.X}})", R"()", R"(template parsing error: template: :1:11: executing "" at <.Metadata.X>: map has no entry for key "X")"},
      {true, R"({{.Metadata.X}})", R"()", R"(template parsing error: template: :1:11: executing "" at <.Metadata.X>: map has no entry for key "X")"},
      {false, R"({{.Config.Healthcheck.X}})", R"()", R"(template parsing error: template: :1:9: executing "" at <.Config.Healthcheck.X>: map has no entry for key "Healthcheck")"},
      {true, R"({{.Config.Healthcheck.X}})", R"()", R"(template parsing error: template: :1:9: executing "" at <.Config.Healthcheck.X>: map has no entry for key "X")"},
      {false, R"({{.Config.Labels.a.b}})", R"(<no value>)", R"()"},
      {true, R"({{.Config.Labels.a.b}})", R"()", R"(template parsing error: template: :1:9: executing "" at <.Config.Labels.a.b>: can't evaluate field b in type interface {})"},
      {false, R"({{eq .Os "linux"}})", R"(true)", R"()"},
      {true, R"({{eq .Os "linux"}})", R"(true)", R"()"},
      {false, R"({{eq .Size 1982312}})", R"(true)", R"()"},
      {true, R"({{eq .Size 1982312}})", R"(true)", R"()"},
      {false, R"({{eq .Variant ""}})", R"(true)", R"()"},
      {true, R"({{eq .Variant ""}})", R"(true)", R"()"},
      {false, R"({{with .Config.Healthcheck}}{{.Test}}{{end}})", R"()", R"()"},
      {true, R"({{with .Config.Healthcheck}}{{.Test}}{{end}})", R"([CMD-SHELL true])", R"()"},
      {false, R"({{with .Config.StopSignal}}s{{else}}none{{end}})", R"(none)", R"()"},
      {true, R"({{with .Config.StopSignal}}s{{else}}none{{end}})", R"(none)", R"()"},
      {false, R"({{.RootFS.Layers}})", R"([sha256:0b569056097b28dc116cb0fd91b8128e842e05d608897cf4ec752bfd243fc0ea])", R"()"},
      {true, R"({{.RootFS.Layers}})", R"([sha256:0b569056097b28dc116cb0fd91b8128e842e05d608897cf4ec752bfd243fc0ea])", R"()"},
      {false, R"({{index .RootFS.Layers 0}})", R"(sha256:0b569056097b28dc116cb0fd91b8128e842e05d608897cf4ec752bfd243fc0ea)", R"()"},
      {true, R"({{index .RootFS.Layers 0}})", R"(sha256:0b569056097b28dc116cb0fd91b8128e842e05d608897cf4ec752bfd243fc0ea)", R"()"},
      {false, R"({{join .Config.Env ","}})", R"()", R"()"},
      {true, R"({{join .Config.Env ","}})", R"(X=1)", R"()"},
      {false, R"({{.Config.Healthcheck.Test}})", R"()", R"(template parsing error: template: :1:9: executing "" at <.Config.Healthcheck.Test>: map has no entry for key "Healthcheck")"},
      {true, R"({{.Config.Healthcheck.Test}})", R"([CMD-SHELL true])", R"()"},
      {false, R"({{.Os}}\t{{.Architecture}})", R"(linux\tamd64)", R"()"},
      {true, R"({{.Os}}\t{{.Architecture}})", R"(linux\tamd64)", R"()"},
  };
  Json plain = Json::parse(kPlain), rich = Json::parse(kRich);
  for (const auto& c : cases) {
    auto t = Template::Parse(c.tmpl);
    ASSERT_TRUE(t.ok()) << c.tmpl;
    auto out = RenderInspect(*t, c.rich ? rich : plain, ImageInspectType());
    if (*c.err) {
      ASSERT_FALSE(out.ok()) << (c.rich ? "rich " : "plain ") << c.tmpl << " gave " << *out;
      EXPECT_EQ(out.error().message, c.err) << (c.rich ? "rich " : "plain ") << c.tmpl;
    } else {
      ASSERT_TRUE(out.ok()) << (c.rich ? "rich " : "plain ") << c.tmpl << ": " << out.error().message;
      EXPECT_EQ(*out, c.out) << (c.rich ? "rich " : "plain ") << c.tmpl;
    }
  }
}

}  // namespace
}  // namespace berth::cli
