// Dockerfile instructions applied to an image config without a build, as in
// `import -c`/`commit -c`: CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, ONBUILD,
// STOPSIGNAL, USER, VOLUME, WORKDIR.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "oci/container_config.h"

namespace berth::image {

// Applies each change line to config in order. InvalidArgument
// "<instruction> is not a valid change command" for anything else (the
// instruction lowercased, as Docker prints it), or a message naming the
// malformed line.
Status ApplyChanges(const std::vector<std::string>& changes, ContainerConfig& config);

// Dockerfile word splitting: whitespace separates, quotes group, backslash
// escapes ("a b" 'c d' e\ f -> [a b] [c d] [e f]).
Result<std::vector<std::string>> SplitWords(std::string_view s);

}  // namespace berth::image
