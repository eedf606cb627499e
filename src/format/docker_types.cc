// docker's Go structs, field by field, so templates see berth's documents as
// docker's client sees its own: a struct prints all its fields (empty ones
// too) in declaration order, and fields docker always has are there even
// when berth's JSON leaves them out. Source: github.com/docker/docker
// v20.10 api/types (ImageInspect, RootFS, GraphDriverData, ImageMetadata),
// api/types/container (Config, HealthConfig), and docker/cli v20.10's
// imageContext, historyContext and searchContext.
#include "format/docker_types.h"

#include <initializer_list>
#include <vector>

namespace berth {
namespace {

const GoType* StrSlice() {
  static const GoType* t = GoSliceType(GoStringType(), "strslice.StrSlice");
  return t;
}

const GoType* StringSlice() {
  static const GoType* t = GoSliceType(GoStringType());
  return t;
}

const GoType* StringMap() {
  static const GoType* t = GoMapType(GoStringType(), GoStringType());
  return t;
}

const GoType* HealthConfig() {
  static const GoType* t = GoStructType(
      "container.HealthConfig", {
                                    {.name = "Test", .type = StringSlice(), .omitempty = true},
                                    {.name = "Interval", .type = GoDurationType(), .omitempty = true},
                                    {.name = "Timeout", .type = GoDurationType(), .omitempty = true},
                                    {.name = "StartPeriod", .type = GoDurationType(), .omitempty = true},
                                    {.name = "Retries", .type = GoIntType(), .omitempty = true},
                                });
  return t;
}

const GoType* ContainerConfig() {
  static const GoType* port = GoBasicType(GoKind::kString, "nat.Port");
  static const GoType* port_set = GoMapType(port, GoEmptyStructType(), "nat.PortSet");
  static const GoType* volumes = GoMapType(GoStringType(), GoEmptyStructType());
  static const GoType* t = GoStructType(
      "container.Config",
      {
          {.name = "Hostname", .type = GoStringType()},
          {.name = "Domainname", .type = GoStringType()},
          {.name = "User", .type = GoStringType()},
          {.name = "AttachStdin", .type = GoBoolType()},
          {.name = "AttachStdout", .type = GoBoolType()},
          {.name = "AttachStderr", .type = GoBoolType()},
          {.name = "ExposedPorts", .type = port_set, .omitempty = true},
          {.name = "Tty", .type = GoBoolType()},
          {.name = "OpenStdin", .type = GoBoolType()},
          {.name = "StdinOnce", .type = GoBoolType()},
          {.name = "Env", .type = StringSlice()},
          {.name = "Cmd", .type = StrSlice()},
          {.name = "Healthcheck", .type = GoPointerType(HealthConfig()), .omitempty = true},
          {.name = "ArgsEscaped", .type = GoBoolType(), .omitempty = true},
          {.name = "Image", .type = GoStringType()},
          {.name = "Volumes", .type = volumes},
          {.name = "WorkingDir", .type = GoStringType()},
          {.name = "Entrypoint", .type = StrSlice()},
          {.name = "NetworkDisabled", .type = GoBoolType(), .omitempty = true},
          {.name = "MacAddress", .type = GoStringType(), .omitempty = true},
          {.name = "OnBuild", .type = StringSlice()},
          {.name = "Labels", .type = StringMap()},
          {.name = "StopSignal", .type = GoStringType(), .omitempty = true},
          {.name = "StopTimeout", .type = GoPointerType(GoIntType()), .omitempty = true},
          {.name = "Shell", .type = StrSlice(), .omitempty = true},
      });
  return t;
}

// A struct of string fields, as docker's listing contexts present their
// columns (methods returning strings), behind a pointer. Their MarshalJSON
// uses json.Marshal, so `{{json .}}` escapes "<none>" as "\u003cnone\u003e".
const GoType* StringContext(const char* name, std::initializer_list<const char*> columns) {
  std::vector<GoField> fields;
  for (const char* c : columns) fields.push_back({.name = c, .type = GoStringType()});
  return GoPointerType(GoStructType(name, std::move(fields), /*json_escapes_html=*/true));
}

}  // namespace

const GoType* ImageInspectType() {
  static const GoType* config = GoPointerType(ContainerConfig());
  static const GoType* root_fs = GoStructType(
      "types.RootFS", {
                          {.name = "Type", .type = GoStringType()},
                          {.name = "Layers", .type = StringSlice(), .omitempty = true},
                          {.name = "BaseLayer", .type = GoStringType(), .omitempty = true},
                      });
  static const GoType* graph_driver = GoStructType(
      "types.GraphDriverData", {
                                   {.name = "Data", .type = StringMap()},
                                   {.name = "Name", .type = GoStringType()},
                               });
  static const GoType* metadata = GoStructType(
      "types.ImageMetadata", {{.name = "LastTagTime", .type = GoTimeType(), .omitempty = true}});
  static const GoType* t = GoStructType(
      "types.ImageInspect",
      {
          {.name = "ID", .json = "Id", .type = GoStringType()},
          {.name = "RepoTags", .type = StringSlice()},
          {.name = "RepoDigests", .type = StringSlice()},
          {.name = "Parent", .type = GoStringType()},
          {.name = "Comment", .type = GoStringType()},
          {.name = "Created", .type = GoStringType()},
          {.name = "Container", .type = GoStringType()},
          {.name = "ContainerConfig", .type = config},
          {.name = "DockerVersion", .type = GoStringType()},
          {.name = "Author", .type = GoStringType()},
          {.name = "Config", .type = config},
          {.name = "Architecture", .type = GoStringType()},
          {.name = "Variant", .type = GoStringType(), .omitempty = true},
          {.name = "Os", .type = GoStringType()},
          {.name = "OsVersion", .type = GoStringType(), .omitempty = true},
          {.name = "Size", .type = GoInt64Type()},
          {.name = "VirtualSize", .type = GoInt64Type()},
          {.name = "GraphDriver", .type = graph_driver},
          {.name = "RootFS", .type = root_fs},
          {.name = "Metadata", .type = metadata},
      });
  return t;
}

const GoType* ImageRowType() {
  static const GoType* t =
      StringContext("formatter.imageContext",
                    {"Containers", "CreatedAt", "CreatedSince", "Digest", "ID", "Repository",
                     "SharedSize", "Size", "Tag", "UniqueSize", "VirtualSize"});
  return t;
}

const GoType* HistoryRowType() {
  static const GoType* t = StringContext(
      "image.historyContext", {"Comment", "CreatedAt", "CreatedBy", "CreatedSince", "ID", "Size"});
  return t;
}

const GoType* SearchRowType() {
  static const GoType* t = StringContext(
      "registry.searchContext", {"Description", "IsAutomated", "IsOfficial", "Name", "StarCount"});
  return t;
}

const GoType* HeaderType() {
  static const GoType* t = GoMapType(GoStringType(), GoStringType(), "formatter.SubHeaderContext");
  return t;
}

}  // namespace berth
