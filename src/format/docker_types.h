// The Go types docker 20.10's CLI runs --format templates on, as GoType
// schemas over berth's JSON documents (format/go_type.h). They live with
// the template engine so that anything running docker's templates (the
// commands, the fuzz target) sees the same values. With them
// `{{.RootFS}}` prints `{layers [sha256:...] }` and `{{.Config.StopSignal}}`
// an empty string, as docker does; the field lists follow docker's structs
// in declaration order.
#pragma once

#include "format/go_type.h"

namespace berth {

// types.ImageInspect (with *container.Config, types.RootFS,
// types.GraphDriverData, types.ImageMetadata), over image::InspectImage's
// document.
const GoType* ImageInspectType();

// *formatter.imageContext: the row of `images` (one string per column:
// Containers, CreatedAt, CreatedSince, Digest, ID, Repository, SharedSize,
// Size, Tag, UniqueSize, VirtualSize).
const GoType* ImageRowType();

// *image.historyContext: the row of `history` (Comment, CreatedAt,
// CreatedBy, CreatedSince, ID, Size).
const GoType* HistoryRowType();

// *registry.searchContext: the row of `search` (Description, IsAutomated,
// IsOfficial, Name, StarCount).
const GoType* SearchRowType();

// types.ContainerJSON (ContainerJSONBase's fields promoted, with
// ContainerState, container.HostConfig, GraphDriverData, MountPoint,
// *container.Config and NetworkSettings), over container::InspectContainer's
// document.
const GoType* ContainerInspectType();

// *formatter.ContainerContext: the row of `ps` (one string per column:
// Command, CreatedAt, ID, Image, Labels, LocalVolumes, Mounts, Names,
// Networks, Ports, RunningFor, Size, State, Status) and its method
// Label(name), which reads the row's hidden key kContainerRowLabels (an
// object of the container's labels).
const GoType* ContainerRowType();
inline constexpr const char* kContainerRowLabels = "-labels";

// formatter.SubHeaderContext (map[string]string): what a table's header
// row is rendered from; unknown columns print "<no value>". Its method
// Label(name) gives a label column's title: the name's last '.'-separated
// part with '-' and '_' as spaces.
const GoType* HeaderType();

}  // namespace berth
