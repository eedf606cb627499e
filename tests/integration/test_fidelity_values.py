"""Go's value printing, zero values, sizes and messages, as docker 20.10 has them.

Each case is a berth command line with docker 20.10's stdout, stderr and exit
status for the same command, recorded from docker on the same imported
image (`python3 test_fidelity_values.py --record` re-records them against
`$DOCKER` (default /usr/bin/docker, the 20.10 client) and `$DOCKER_HOST`,
and prints the table). Ids, timestamps, ages and layer paths differ between
the two stores, so both sides are normalized the same way first
(placeholders such as {RICH_ID}, {GOTIME}, {SINCE}).
"""
import json
import os
import re
import subprocess
import sys
import tempfile

from berthtest import BerthTest, busybox_rootfs, private_dockerd, tar_dir

RICH_CHANGES = ["EXPOSE 80", "LABEL a=b", "ENV X=1", 'CMD ["sh"]', "VOLUME /v",
                'ENTRYPOINT ["e"]', "ONBUILD RUN x", "USER u", "WORKDIR /w"]

# (argv, stdout, stderr, exit status) — docker 20.10.24's, normalized.
CASES = [
    (['inspect', '-f', '{{.RootFS}}', 'plain'], '{layers [{LAYER}] }\n', '', 0),
    (['inspect', '-f', '{{.Metadata}}', 'plain'], '{{GOTIME}}\n', '', 0),
    (['inspect', '-f', '{{.Metadata.LastTagTime}}', 'plain'], '{GOTIME}\n', '', 0),
    (['inspect', '-f', '{{.Config}}', 'plain'], '{   false false false map[] false false false [] [] <nil> false  map[]  [] false  [] map[]  <nil> []}\n', '', 0),
    (['inspect', '-f', '{{.ContainerConfig}}', 'rich'], '{   false false false map[] false false false [] [] <nil> false  map[]  [] false  [] map[]  <nil> []}\n', '', 0),
    (['inspect', '-f', '{{.Config}}', 'rich'], '{  u false false false map[80/tcp:{}] false false false [X=1] [sh] <nil> false  map[/v:{}] /w [e] false  [RUN x] map[a:b]  <nil> []}\n', '', 0),
    (['inspect', '-f', '{{.GraphDriver.Name}}', 'plain'], 'overlay2\n', '', 0),
    (['inspect', '-f', '{{.GraphDriver.Data.UpperDir}}', 'plain'], '{LAYERDIR}/diff\n', '', 0),
    (['inspect', '-f', '{{.GraphDriver.Data.MergedDir}}', 'plain'], '{LAYERDIR}/merged\n', '', 0),
    (['inspect', '-f', '{{.GraphDriver.Data.WorkDir}}', 'plain'], '{LAYERDIR}/work\n', '', 0),
    (['inspect', '-f', '{{.GraphDriver.Data.LowerDir}}', 'plain'], '<no value>\n', '', 0),
    (['inspect', '-f', '{{.GraphDriver}}', 'plain'], '{map[MergedDir:{LAYERDIR}/merged UpperDir:{LAYERDIR}/diff WorkDir:{LAYERDIR}/work] overlay2}\n', '', 0),
    (['inspect', '-f', '{{.Config.ExposedPorts}}', 'plain'], 'map[]\n', '', 0),
    (['inspect', '-f', '{{.Config.ExposedPorts}}', 'rich'], 'map[80/tcp:{}]\n', '', 0),
    (['inspect', '-f', '{{.Config.Healthcheck}}', 'plain'], '<nil>\n', '', 0),
    (['inspect', '-f', '{{.Config.Volumes}}', 'rich'], 'map[/v:{}]\n', '', 0),
    (['inspect', '-f', '{{.Config.Labels}}', 'plain'], 'map[]\n', '', 0),
    (['inspect', '-f', '{{.Config.Labels}}', 'rich'], 'map[a:b]\n', '', 0),
    (['inspect', '-f', '{{.Config.Labels.foo}}', 'plain'], '<no value>\n', '', 0),
    (['inspect', '-f', '{{.Config.Labels.a}}', 'rich'], 'b\n', '', 0),
    (['inspect', '-f', '{{index .Config.Labels "k"}}', 'plain'], '\n', '', 0),
    (['inspect', '-f', '{{index .Config.Labels "a"}}', 'rich'], 'b\n', '', 0),
    (['inspect', '-f', '{{index .Config.ExposedPorts "80/tcp"}}', 'rich'], 'map[]\n', '', 0),
    (['inspect', '-f', '{{.Config.Env}}', 'plain'], '[]\n', '', 0),
    (['inspect', '-f', '{{.Config.Env}}', 'rich'], '[X=1]\n', '', 0),
    (['inspect', '-f', '{{.Config.Cmd}}{{.Config.Entrypoint}}{{.Config.OnBuild}}{{.Config.Shell}}', 'plain'], '[][][][]\n', '', 0),
    (['inspect', '-f', '{{.Config.Cmd}}{{.Config.Entrypoint}}{{.Config.OnBuild}}', 'rich'], '[sh][e][RUN x]\n', '', 0),
    (['inspect', '-f', '{{.Config.StopSignal}}|{{.Config.StopTimeout}}|{{.Config.ArgsEscaped}}', 'plain'], '|<nil>|false\n', '', 0),
    (['inspect', '-f', '{{.Variant}}|{{.OsVersion}}|{{.Container}}|{{.Parent}}', 'plain'], '|||\n', '', 0),
    (['inspect', '-f', '{{.ID}} {{.Id}}', 'plain'], '\n', 'template parsing error: template: :1:2: executing "" at <.ID>: map has no entry for key "ID"\n', 1),
    (['inspect', '-f', '{{.Size}} {{.VirtualSize}}', 'plain'], '1982312 1982312\n', '', 0),
    (['inspect', '-f', '{{.RepoTags}} {{.RepoDigests}}', 'plain'], '[plain:latest] []\n', '', 0),
    (['inspect', '-f', '{{json .Config}}', 'plain'], '{"Hostname":"","Domainname":"","User":"","AttachStdin":false,"AttachStdout":false,"AttachStderr":false,"Tty":false,"OpenStdin":false,"StdinOnce":false,"Env":null,"Cmd":null,"Image":"","Volumes":null,"WorkingDir":"","Entrypoint":null,"OnBuild":null,"Labels":null}\n', '', 0),
    (['inspect', '-f', '{{json .Config}}', 'rich'], '{"Hostname":"","Domainname":"","User":"u","AttachStdin":false,"AttachStdout":false,"AttachStderr":false,"ExposedPorts":{"80/tcp":{}},"Tty":false,"OpenStdin":false,"StdinOnce":false,"Env":["X=1"],"Cmd":["sh"],"Image":"","Volumes":{"/v":{}},"WorkingDir":"/w","Entrypoint":["e"],"OnBuild":["RUN x"],"Labels":{"a":"b"}}\n', '', 0),
    (['inspect', '-f', '{{json .Config.ExposedPorts}}', 'plain'], 'null\n', '', 0),
    (['inspect', '-f', '{{json .Config.Env}}{{json .Config.Labels}}{{json .Config.Healthcheck}}{{json .Config.Shell}}', 'plain'], 'nullnullnullnull\n', '', 0),
    (['inspect', '-f', '{{json .RootFS}}', 'plain'], '{"Type":"layers","Layers":["{LAYER}"]}\n', '', 0),
    (['inspect', '-f', '{{json .Metadata}}', 'plain'], '{"LastTagTime":"{RFC3339}"}\n', '', 0),
    (['inspect', '-f', '{{json .Variant}}', 'plain'], '""\n', '', 0),
    (['inspect', '-f', '{{len .RootFS}} {{len .Config.Labels}} {{len .Config.Env}}', 'plain'], '\n', 'template parsing error: template: :1:18: executing "" at <len .Config.Labels>: error calling len: len of nil pointer\n', 1),
    (['inspect', '-f', '{{range .RootFS}}{{.}},{{end}}', 'plain'], '[{LAYER}],layers,\n', '', 0),
    (['inspect', '-f', '{{range .Config.Labels}}x{{end}}', 'plain'], '\n', '', 0),
    (['inspect', '-f', '{{range $k, $v := .Config.ExposedPorts}}{{$k}}={{$v}};{{end}}', 'rich'], '80/tcp={};\n', '', 0),
    (['inspect', '-f', '{{range .Config.Env}}{{.}}{{else}}none{{end}}', 'plain'], 'none\n', '', 0),
    (['inspect', '-f', '{{if .Metadata}}y{{end}}{{if .Config.Healthcheck}}h{{end}}{{if .Config.Labels}}l{{end}}', 'rich'], 'yl\n', '', 0),
    (['inspect', '-f', '{{print .RootFS .Size}}', 'plain'], '{layers [{LAYER}] } 1982312\n', '', 0),
    (['inspect', '-f', '{{println .Metadata .Os}}', 'plain'], '{{GOTIME}} linux\n\n', '', 0),
    (['inspect', '-f', '{{printf "%v|%s|%d" .RootFS .Metadata .Size}}', 'plain'], '{layers [{LAYER}] }|{{GOTIME}}|1982312\n', '', 0),
    (['inspect', '-f', '{{.Metadata.LastTagTime.Unix}}', 'plain'], '{UNIX}\n', '', 0),
    (['inspect', '-f', '{{eq .Variant ""}} {{eq .Size 1982312}}', 'plain'], 'true true\n', '', 0),
    (['inspect', '-f', '{{with .Config.StopSignal}}s{{else}}none{{end}}', 'plain'], 'none\n', '', 0),
    (['inspect', '-f', '{{join .Config.Env ","}}', 'rich'], 'X=1\n', '', 0),
    (['inspect', '-f', '{{.Os}}\\t{{.Architecture}}', 'plain'], 'linux\\tamd64\n', '', 0),
    (['inspect', '-f', '{{json .}}', 'plain'], '{"Id":"{PLAIN_ID}","RepoTags":["plain:latest"],"RepoDigests":[],"Parent":"","Comment":"Imported from -","Created":"{RFC3339}","Container":"","ContainerConfig":{"Hostname":"","Domainname":"","User":"","AttachStdin":false,"AttachStdout":false,"AttachStderr":false,"Tty":false,"OpenStdin":false,"StdinOnce":false,"Env":null,"Cmd":null,"Image":"","Volumes":null,"WorkingDir":"","Entrypoint":null,"OnBuild":null,"Labels":null},"DockerVersion":{DV},"Author":"","Config":{"Hostname":"","Domainname":"","User":"","AttachStdin":false,"AttachStdout":false,"AttachStderr":false,"Tty":false,"OpenStdin":false,"StdinOnce":false,"Env":null,"Cmd":null,"Image":"","Volumes":null,"WorkingDir":"","Entrypoint":null,"OnBuild":null,"Labels":null},"Architecture":"amd64","Os":"linux","Size":1982312,"VirtualSize":1982312,"GraphDriver":{"Data":{"MergedDir":"{LAYERDIR}/merged","UpperDir":"{LAYERDIR}/diff","WorkDir":"{LAYERDIR}/work"},"Name":"overlay2"},"RootFS":{"Type":"layers","Layers":["{LAYER}"]},"Metadata":{"LastTagTime":"{RFC3339}"}}\n', '', 0),
    (['inspect', '-f', '{{json .}}', 'rich'], '{"Id":"{RICH_ID}","RepoTags":["rich:latest"],"RepoDigests":[],"Parent":"","Comment":"Imported from -","Created":"{RFC3339}","Container":"","ContainerConfig":{"Hostname":"","Domainname":"","User":"","AttachStdin":false,"AttachStdout":false,"AttachStderr":false,"Tty":false,"OpenStdin":false,"StdinOnce":false,"Env":null,"Cmd":null,"Image":"","Volumes":null,"WorkingDir":"","Entrypoint":null,"OnBuild":null,"Labels":null},"DockerVersion":{DV},"Author":"","Config":{"Hostname":"","Domainname":"","User":"u","AttachStdin":false,"AttachStdout":false,"AttachStderr":false,"ExposedPorts":{"80/tcp":{}},"Tty":false,"OpenStdin":false,"StdinOnce":false,"Env":["X=1"],"Cmd":["sh"],"Image":"","Volumes":{"/v":{}},"WorkingDir":"/w","Entrypoint":["e"],"OnBuild":["RUN x"],"Labels":{"a":"b"}},"Architecture":"amd64","Os":"linux","Size":1982312,"VirtualSize":1982312,"GraphDriver":{"Data":{"MergedDir":"{LAYERDIR}/merged","UpperDir":"{LAYERDIR}/diff","WorkDir":"{LAYERDIR}/work"},"Name":"overlay2"},"RootFS":{"Type":"layers","Layers":["{LAYER}"]},"Metadata":{"LastTagTime":"{RFC3339}"}}\n', '', 0),
    (['inspect', 'rich'], '[\n    {\n        "Id": "{RICH_ID}",\n        "RepoTags": [\n            "rich:latest"\n        ],\n        "RepoDigests": [],\n        "Parent": "",\n        "Comment": "Imported from -",\n        "Created": "{RFC3339}",\n        "Container": "",\n        "ContainerConfig": {\n            "Hostname": "",\n            "Domainname": "",\n            "User": "",\n            "AttachStdin": false,\n            "AttachStdout": false,\n            "AttachStderr": false,\n            "Tty": false,\n            "OpenStdin": false,\n            "StdinOnce": false,\n            "Env": null,\n            "Cmd": null,\n            "Image": "",\n            "Volumes": null,\n            "WorkingDir": "",\n            "Entrypoint": null,\n            "OnBuild": null,\n            "Labels": null\n        },\n        "DockerVersion":{DV},\n        "Author": "",\n        "Config": {\n            "Hostname": "",\n            "Domainname": "",\n            "User": "u",\n            "AttachStdin": false,\n            "AttachStdout": false,\n            "AttachStderr": false,\n            "ExposedPorts": {\n                "80/tcp": {}\n            },\n            "Tty": false,\n            "OpenStdin": false,\n            "StdinOnce": false,\n            "Env": [\n                "X=1"\n            ],\n            "Cmd": [\n                "sh"\n            ],\n            "Image": "",\n            "Volumes": {\n                "/v": {}\n            },\n            "WorkingDir": "/w",\n            "Entrypoint": [\n                "e"\n            ],\n            "OnBuild": [\n                "RUN x"\n            ],\n            "Labels": {\n                "a": "b"\n            }\n        },\n        "Architecture": "amd64",\n        "Os": "linux",\n        "Size": 1982312,\n        "VirtualSize": 1982312,\n        "GraphDriver": {\n            "Data": {\n                "MergedDir": "{LAYERDIR}/merged",\n                "UpperDir": "{LAYERDIR}/diff",\n                "WorkDir": "{LAYERDIR}/work"\n            },\n            "Name": "overlay2"\n        },\n        "RootFS": {\n            "Type": "layers",\n            "Layers": [\n                "{LAYER}"\n            ]\n        },\n        "Metadata": {\n            "LastTagTime": "{RFC3339}"\n        }\n    }\n]\n', '', 0),
    (['image', 'inspect', '-f', '{{.RepoTags}}', 'rich', 'plain'], '[rich:latest]\n[plain:latest]\n', '', 0),
    (['inspect', '-f', '{{.Config.User}}:{{.Config.WorkingDir}}', 'rich'], 'u:/w\n', '', 0),
    (['inspect', '-f', '{{range .Config.Volumes}}{{.}}{{end}}', 'rich'], '{}\n', '', 0),
    (['inspect', '-f', '{{range $k, $v := .Config.Labels}}{{$k}}={{$v}}{{end}}', 'rich'], 'a=b\n', '', 0),
    (['inspect', '-f', '{{.Config.Cmd}} {{index .Config.Cmd 0}} {{len .Config.Cmd}}', 'rich'], '[sh] sh 1\n', '', 0),
    (['inspect', '-f', '{{.Config.ExposedPorts.foo}}', 'plain'], '\n', 'template parsing error: template: :1:9: executing "" at <.Config.ExposedPorts.foo>: map has no entry for key "ExposedPorts"\n', 1),
    (['inspect', '-f', '{{len .Config.Labels}}', 'plain'], '0\n', '', 0),
    (['inspect', '-f', '{{.ID}} {{.Id}}', 'plain'], '\n', 'template parsing error: template: :1:2: executing "" at <.ID>: map has no entry for key "ID"\n', 1),
    (['inspect', '-f', '{{.Size.X}}', 'plain'], '\n', 'template parsing error: template: :1:7: executing "" at <.Size.X>: can\'t evaluate field X in type interface {}\n', 1),
    (['inspect', '-f', '{{index .RootFS.Layers 5}}', 'plain'], '\n', 'template parsing error: template: :1:2: executing "" at <index .RootFS.Layers 5>: error calling index: index out of range: 5\n', 1),
    (['inspect', '-f', '{{range .RootFS.Type}}{{end}}', 'plain'], '\n', 'template parsing error: template: :1:15: executing "" at <.RootFS.Type>: range can\'t iterate over layers\n', 1),
    (['inspect', '-f', '{{.Metadata.LastTagTime.IsZero}}', 'plain'], 'false\n', '', 0),
    (['inspect', '-f', '{{.X}}', 'plain'], '\n', 'template parsing error: template: :1:2: executing "" at <.X>: map has no entry for key "X"\n', 1),
    (['inspect', '-f', '{{.Config.X}}', 'plain'], '\n', 'template parsing error: template: :1:9: executing "" at <.Config.X>: map has no entry for key "X"\n', 1),
    (['inspect', '-f', '{{.Config.Healthcheck.Test}}', 'plain'], '\n', 'template parsing error: template: :1:9: executing "" at <.Config.Healthcheck.Test>: map has no entry for key "Healthcheck"\n', 1),
    (['inspect', '-f', '{{.Config.ExposedPorts.foo}}', 'rich'], '\n', 'template parsing error: template: :1:9: executing "" at <.Config.ExposedPorts.foo>: map has no entry for key "foo"\n', 1),
    (['inspect', '-f', '{{.Config.Labels.a.b}}', 'rich'], '\n', 'template parsing error: template: :1:9: executing "" at <.Config.Labels.a.b>: can\'t evaluate field b in type interface {}\n', 1),
    (['inspect', '-f', '{{.X}}', 'plain', 'nosuch'], '\n', 'template parsing error: template: :1:2: executing "" at <.X>: map has no entry for key "X"\nError: No such object: nosuch\n', 1),
    (['inspect', '-f', '{{.Id', 'plain'], '', 'template parsing error: template: :1: unclosed action\n', 64),
    (['inspect', '--type', 'image', 'nosuch'], '[]\n', 'Error: No such image: nosuch\n', 1),
    (['inspect', 'nosuch'], '[]\n', 'Error: No such object: nosuch\n', 1),
    (['inspect', '--type', 'image', '-f', '{{.ID}}', 'nosuch', 'plain'], '{PLAIN_ID}\n', 'Error: No such image: nosuch\n', 1),
    (['images', '--format', '{{.Size}} {{.VirtualSize}}', 'plain'], '1.98MB 1.982MB\n', '', 0),
    (['images', '--format', 'table {{.ID}}\\t{{.CreatedAt}}\\t{{.VirtualSize}}\\t{{.Size}}\\t{{.SharedSize}}\\t{{.UniqueSize}}\\t{{.Containers}}\\t{{.Digest}}', 'plain'], 'IMAGE ID       CREATED AT                      SIZE      SIZE      SHARED SIZE   UNIQUE SIZE   CONTAINERS   DIGEST\n{PLAIN_SHORT}   {GOTIME}   1.982MB   1.98MB    N/A           N/A           N/A          <none>\n', '', 0),
    (['images', '--format', '{{json .}}', 'plain'], '{"Containers":"N/A","CreatedAt":"{GOTIME}","CreatedSince":"{SINCE}","Digest":"\\u003cnone\\u003e","ID":"{PLAIN_SHORT}","Repository":"plain","SharedSize":"N/A","Size":"1.98MB","Tag":"latest","UniqueSize":"N/A","VirtualSize":"1.982MB"}\n', '', 0),
    (['images', '--format', 'table {{truncate .ID 3}}\\t{{lower .Tag}}\\t{{json .Size}}', 'plain'], 'IMAGE ID   TAG       SIZE\n{PLAIN_SHORT3}        latest    "1.98MB"\n', '', 0),
    (['images', '--format', '{{.X}}', 'plain'], '', 'template parsing error: template: :1:2: executing "" at <.X>: can\'t evaluate field X in type *formatter.imageContext\n', 1),
    (['images', '--format', '{{.ID}}{{.X}}', 'plain'], '', 'template parsing error: template: :1:9: executing "" at <.X>: can\'t evaluate field X in type *formatter.imageContext\n', 1),
    (['images', '--format', '{{.ID.X}}', 'plain'], '', 'template parsing error: template: :1:5: executing "" at <.ID.X>: can\'t evaluate field X in type string\n', 1),
    (['images', '--format', 'table {{.ID}}\\t{{.Foo}}', 'nosuchrepo'], 'IMAGE ID   <no value>\n', '', 0),
    (['images', '--format', '{{.ID', 'plain'], '', 'template parsing error: template: :1: unclosed action\n', 1),
    (['images', '-f', 'dangling=maybe'], '', "Error: Invalid filter 'dangling=[maybe]'\n", 1),
    (['images', '-f', 'dangling=TRUE'], '', "Error: Invalid filter 'dangling=[TRUE]'\n", 1),
    (['images', '-f', 'dangling=1'], '', "Error: Invalid filter 'dangling=[1]'\n", 1),
    (['images', '-f', 'dangling=a', '-f', 'dangling=b'], '', "Error: Invalid filter 'dangling=[a b]'\n", 1),
    (['images', '-f', 'dangling=true', '-f', 'dangling=maybe', '--format', '{{.ID}}'], '', '', 0),
    (['images', '-f', 'dangling=maybe', '-f', 'foo=bar'], '', "Error: Invalid filter 'foo'\n", 1),
    (['images', 'plain'], 'REPOSITORY  TAG  IMAGE ID  CREATED  SIZE\nplain  latest  {PLAIN_SHORT}  {SINCE}  1.98MB\n', '', 0),
    (['images', '--digests', 'plain'], 'REPOSITORY  TAG  DIGEST  IMAGE ID  CREATED  SIZE\nplain  latest  <none>  {PLAIN_SHORT}  {SINCE}  1.98MB\n', '', 0),
    (['images', '-q', 'plain'], '{PLAIN_SHORT}\n', '', 0),
    (['images', '--no-trunc', '--format', '{{.ID}} {{.Size}}', 'plain'], '{PLAIN_ID} 1.98MB\n', '', 0),
    (['images', '--format', '{{.Repository}}:{{.Tag}} {{.Digest}} {{.Containers}}', 'plain'], 'plain:latest <none> N/A\n', '', 0),
    (['images', '--format', '{{if eq .Tag "latest"}}{{.Repository}}{{end}}', 'plain'], 'plain\n', '', 0),
    (['images', '--format', '{{.ID}}', 'nosuchrepo'], '', '', 0),
    (['images', '--format', 'table {{.Repository}}\t{{.Tag}}', 'nosuchrepo'], 'REPOSITORY   TAG\n', '', 0),
    (['images', '--format', '{{range .ID}}{{end}}', 'plain'], '', 'template parsing error: template: :1:8: executing "" at <.ID>: range can\'t iterate over {PLAIN_SHORT}\n', 1),
    (['images', '--format', '{{.Size | printf "%q"}}', 'plain'], '"1.98MB"\n', '', 0),
    (['images', '--format', '{{len .ID}} {{index .Tag 0}}', 'plain'], '12 108\n', '', 0),
    (['history', 'plain'], 'IMAGE  CREATED  CREATED BY  SIZE  COMMENT\n{PLAIN_SHORT}  {SINCE}  1.98MB  Imported from -\n', '', 0),
    (['history', '-q', 'plain'], '{PLAIN_SHORT}\n', '', 0),
    (['history', '--no-trunc', '--format', '{{.ID}} {{.Size}} {{.Comment}}', 'plain'], '{PLAIN_ID} 1.98MB Imported from -\n', '', 0),
    (['history', '--format', 'table {{.ID}}\t{{.CreatedBy}}\t{{.Size}}', 'plain'], 'IMAGE          CREATED BY   SIZE\n{PLAIN_SHORT}                1.98MB\n', '', 0),
    (['history', '-H=false', '--format', '{{json .}}', 'plain'], '{"Comment":"Imported from -","CreatedAt":"{RFC3339}","CreatedBy":"","CreatedSince":"{RFC3339}","ID":"{PLAIN_SHORT}","Size":"1982312"}\n', '', 0),
    (['history', '--format', '{{.ID.X}}', 'plain'], '', 'template parsing error: template: :1:5: executing "" at <.ID.X>: can\'t evaluate field X in type string\n', 1),
    (['history', '--format', 'table {{.Foo}}', 'plain'], '', 'template parsing error: template: :1:2: executing "" at <.Foo>: can\'t evaluate field Foo in type *image.historyContext\n', 1),
    (['history', '--format', '{{.Size}}', 'plain'], '1.98MB\n', '', 0),
    (['history', '-H=false', '--format', '{{.Size}}', 'plain'], '1982312\n', '', 0),
    (['history', '-H=false', 'plain'], 'IMAGE          CREATED AT             CREATED BY   SIZE      COMMENT\n{PLAIN_SHORT}   {RFC3339}                1982312   Imported from -\n', '', 0),
    (['history', '--format', '{{json .}}', 'plain'], '{"Comment":"Imported from -","CreatedAt":"{RFC3339}","CreatedBy":"","CreatedSince":"{SINCE}","ID":"{PLAIN_SHORT}","Size":"1.98MB"}\n', '', 0),
    (['history', '--format', '{{.X}}', 'plain'], '', 'template parsing error: template: :1:2: executing "" at <.X>: can\'t evaluate field X in type *image.historyContext\n', 1),
    (['history', '--format', 'table {{.ID}}\\t{{.X}}', 'plain'], '', 'template parsing error: template: :1:10: executing "" at <.X>: can\'t evaluate field X in type *image.historyContext\n', 1),
    (['history', '--format', '{{.ID', 'plain'], '', 'template parsing error: template: :1: unclosed action\n', 1),
]


def make_tar(tmp):
    rootfs = busybox_rootfs(os.path.join(tmp, "rootfs"))
    return tar_dir(rootfs, os.path.join(tmp, "busybox.tar"))


def normalize(text, ids):
    """Replaces what differs between two stores with placeholders."""
    # berth has no daemon: its errors say "Error: " where docker's daemon
    # errors say "Error response from daemon: ".
    text = text.replace("Error response from daemon: ", "Error: ")
    # berth is not a docker engine and records no DockerVersion.
    text = re.sub(r'"DockerVersion": ?"[^"]*"', '"DockerVersion":{DV}', text)
    for name, full in ids.items():
        text = text.replace(full, "{%s_ID}" % name)
        text = text.replace(full[7:19], "{%s_SHORT}" % name)
        text = re.sub(r"(?<![0-9a-f])%s(?![0-9a-f])" % full[7:10], "{%s_SHORT3}" % name, text)
    text = re.sub(r"sha256:[0-9a-f]{64}", "{LAYER}", text)
    # docker's overlay2 layer dirs and berth's snapshot dirs
    text = re.sub(r"/\S*?/overlay2/[0-9a-f]{64}/(diff|merged|work)", r"{LAYERDIR}/\1", text)
    text = re.sub(r"/\S*?/snapshots/\d+/(fs|merged|work)", r"{LAYERDIR}/\1", text)
    text = text.replace("{LAYERDIR}/fs", "{LAYERDIR}/diff")
    text = re.sub(r"2\d{3}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", "{RFC3339}", text)
    text = re.sub(r"2\d{3}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)? \+0000 UTC", "{GOTIME}", text)
    text = re.sub(r"\b1\d{9}\b", "{UNIX}", text)
    text = re.sub(r"(Less than a second|\d+ seconds?|About a minute|\d+ minutes) ago", "{SINCE}", text)
    # docker prints a filter's values in Go's map order, which varies from run
    # to run ("dangling=[b a]"): compare them sorted.
    text = re.sub(r"=\[([^\]]*)\]'", lambda m: "=[" + " ".join(sorted(m.group(1).split())) + "]'", text)
    if "{SINCE}" in text:
        # a table with an age column: its width depends on the age
        text = re.sub(r"  +", "  ", text)
    return text


class FidelityValuesTest(BerthTest):
    def test_cases_match_docker(self):
        tar = make_tar(self.tmp)
        ids = {"PLAIN": self.ok("import", tar, "plain").out.strip()}
        changes = [a for c in RICH_CHANGES for a in ("-c", c)]
        ids["RICH"] = self.ok("import", *changes, tar, "rich").out.strip()
        for argv, out, err, code in CASES:
            with self.subTest(argv=argv):
                r = self.berth(*argv)
                self.assertEqual((normalize(r.out, ids), normalize(r.err, ids), r.code),
                                 (out, err, code))


class FidelityLiveDockerTest(BerthTest):
    """Where docker is installed: the same cases against a private dockerd of
    this test's own, live, on the same input (the stored table is the check
    where it is not, e.g. in CI)."""

    def test_cases_match_live_docker(self):
        if not os.path.exists("/usr/bin/docker"):
            self.skipTest("the docker 20.10 client (/usr/bin/docker, package docker.io) is not installed")
        docker = ["/usr/bin/docker"] + private_dockerd(self)[1:]
        run = lambda *a: subprocess.run(docker + list(a), capture_output=True, text=True)
        tar = make_tar(self.tmp)
        changes = [a for c in RICH_CHANGES for a in ("-c", c)]
        dids = {"PLAIN": run("import", tar, "plain").stdout.strip(),
                "RICH": run("import", *changes, tar, "rich").stdout.strip()}
        bids = {"PLAIN": self.ok("import", tar, "plain").out.strip(),
                "RICH": self.ok("import", *changes, tar, "rich").out.strip()}
        for argv, _, _, _ in CASES:
            with self.subTest(argv=argv):
                d, b = run(*argv), self.berth(*argv)
                self.assertEqual((normalize(b.out, bids), normalize(b.err, bids), b.code),
                                 (normalize(d.stdout, dids), normalize(d.stderr, dids), d.returncode))


class GraphDriverTest(BerthTest):
    """GraphDriver reads as Docker's overlay2 and points at the layers' files."""

    def test_overlay2_dirs(self):
        from test_load import Image, legacy_archive
        path = os.path.join(self.tmp, "two.tar")
        with open(path, "wb") as f:
            f.write(legacy_archive([(Image("gd", layers=2), ["two:1"])]))
        self.ok("load", "-i", path)
        gd = json.loads(self.ok("inspect", "-f", "{{json .GraphDriver}}", "two:1").out)
        self.assertEqual(gd["Name"], "overlay2")
        self.assertEqual(sorted(gd["Data"]), ["LowerDir", "MergedDir", "UpperDir", "WorkDir"])
        upper, lower = gd["Data"]["UpperDir"], gd["Data"]["LowerDir"]
        self.assertEqual(os.listdir(upper), ["gd-1.txt"])  # the top layer's files
        self.assertEqual(lower.split(":"), [lower])  # one layer below it
        self.assertEqual(os.listdir(lower), ["gd-0.txt"])
        top = os.path.dirname(upper)
        self.assertEqual(gd["Data"]["MergedDir"], os.path.join(top, "merged"))
        self.assertEqual(gd["Data"]["WorkDir"], os.path.join(top, "work"))


def record():
    """Runs CASES against docker and prints the table with docker's results."""
    docker = os.environ.get("DOCKER", "/usr/bin/docker").split()
    with tempfile.TemporaryDirectory() as tmp:
        tar = make_tar(tmp)
        run = lambda *a: subprocess.run(docker + list(a), capture_output=True, text=True)
        for name in ("plain", "rich"):
            run("rmi", "-f", name)
        ids = {"PLAIN": run("import", tar, "plain").stdout.strip()}
        changes = [a for c in RICH_CHANGES for a in ("-c", c)]
        ids["RICH"] = run("import", *changes, tar, "rich").stdout.strip()
        print("CASES = [")
        for argv, _, _, _ in CASES:
            p = run(*argv)
            print("    (%r, %r, %r, %d)," % (argv, normalize(p.stdout, ids),
                                             normalize(p.stderr, ids), p.returncode))
        print("]")


if __name__ == "__main__":
    if sys.argv[1:] == ["--record"]:
        record()
    else:
        import unittest
        unittest.main()
