// The flags `run` and `create` share, and how they turn an image's config
// into a container (Docker's container.Config and HostConfig).
#pragma once

#include <string>
#include <vector>

#include "base/result.h"
#include "cli/flags.h"
#include "container/container.h"
#include "oci/container_config.h"

namespace berth::cli {

struct RunFlags {
  bool* interactive;
  bool* tty;
  std::string* name;
  bool* rm;
  std::vector<std::string>* env;
  std::vector<std::string>* env_file;
  std::vector<std::string>* volumes;
  std::string* workdir;
  std::string* user;
  std::string* entrypoint;
  std::string* hostname;
  std::string* network;
  std::vector<std::string>* publish;
  std::string* pull;
  std::vector<std::string>* labels;
  std::string* restart;
  bool* read_only;
  std::string* runtime;
  std::string* stop_signal;
  std::string* platform;
  std::vector<std::string> unsupported;  // flag names berth refuses with a clear error
};

// Registers the shared flags on fs.
RunFlags AddRunFlags(FlagSet& fs);

// The first unsupported flag that was set, as an error; Ok otherwise.
// Also checks --network, -p, --restart and --pull values.
Status CheckRunFlags(const FlagSet& fs, const RunFlags& f);

// The container Docker would create from image_config, the image name as
// typed, the words after it (args) and the flags. Errors as Docker's:
// "No command specified", bad -e files, bad -v specs.
Result<container::Container> ContainerFromFlags(const FlagSet& fs, const RunFlags& f,
                                                const ContainerConfig& image_config,
                                                const std::string& image_name,
                                                const std::vector<std::string>& args);

}  // namespace berth::cli
