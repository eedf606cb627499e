// Dockerfile instructions applied to an image config without a build, as in
// `import -c`/`commit -c`: CMD, ENTRYPOINT, ENV, EXPOSE, HEALTHCHECK, LABEL,
// ONBUILD, USER, VOLUME, WORKDIR — what dockerd 20.10 accepts there.
#pragma once

#include <string>
#include <vector>

#include "base/result.h"
#include "dockerfile/lex.h"
#include "dockerfile/parser.h"
#include "oci/container_config.h"

namespace berth::image {

// Applies the changes to config as dockerd 20.10 does: they are joined into
// one Dockerfile (so a trailing \ continues into the next change), all of it
// is parsed and checked before anything is applied, and variables expand
// against the environment from before each instruction. InvalidArgument
// with Docker's message: "<instruction> is not a valid change command" (the
// instruction lowercased), "EXPOSE requires at least one argument",
// "failed to process \"${X:?e}\": X: e", "Invalid containerPort: 70000"...
// config is left unchanged on error.
Status ApplyChanges(const std::vector<std::string>& changes, ContainerConfig& config);

// One parsed metadata instruction (those ApplyChanges takes) applied as a
// build step: variables expand against args (the build's ARG values, as
// KEY=value) and the config's environment, which wins. cmd_set says
// whether the stage has set CMD (an ENTRYPOINT resets Cmd otherwise); a
// CMD sets it.
Status ApplyInstruction(const dockerfile::Node& node, ContainerConfig& config,
                        const dockerfile::Env& args, char escape, bool& cmd_set);

}  // namespace berth::image
