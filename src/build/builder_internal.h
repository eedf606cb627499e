// The classic builder's state, shared by its files: builder.cc (the plan of
// stages, FROM, ARG, ONBUILD triggers), steps.cc (RUN, the metadata
// instructions, the cache and the commit of a step) and copy_step.cc (COPY
// and ADD). Not part of the module's interface.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "build/builder.h"
#include "build/cache_from.h"
#include "build/context.h"
#include "build/fs_ops.h"
#include "build/image_root.h"
#include "dockerfile/lex.h"
#include "dockerfile/parser.h"
#include "oci/container_config.h"
#include "store/ingest.h"

#include <sys/types.h>

namespace berth::build::internal {

using dockerfile::Node;

Error Fail(std::string m);

// The predefined proxy build args (HTTP_PROXY...): given to RUN without an
// ARG, kept out of the cache key and the history, never "not consumed".
bool ProxyArg(const std::string& k);

// add_url.cc: the file name a URL gives (its path's last element).
Result<std::string> UrlFileName(const std::string& url);
// Moves the file at path to dir/name, replacing what is there.
Status MoveFileInto(const std::string& path, int dir, const std::string& name);

// One FROM and the instructions up to the next.
struct StagePlan {
  std::string name{};  // lower-case, "" when unnamed
  const Node* from = nullptr;
  std::vector<const Node*> nodes{};
  bool needed = false;  // the target or something it copies from or builds on
};

// A stage as it is being built (and, once built, what COPY --from and a
// later FROM see).
struct Stage {
  std::optional<Digest> image{};  // nullopt: scratch with nothing committed yet
  ContainerConfig config{};
  bool cmd_set = false;
  std::map<std::string, std::string> args{};  // ARGs in scope, with their values
  bool built = false;
};

// What a COPY or ADD copies, and how.
struct CopyPlan {
  std::vector<std::string> sources{};  // expanded
  std::string dest{};                  // expanded; made absolute against WORKDIR
  bool add = false;
  std::string chown_text{}, chmod_text{};  // as written (expanded), for the history
  std::optional<std::pair<uint32_t, uint32_t>> owner{};
  std::optional<mode_t> mode{};
};

class Builder {
 public:
  Builder(store::Store& store, const BuildOptions& o, int* exit_status)
      : store_(store), o_(o), exit_status_(exit_status) {}

  Result<BuildResult> Run();

 private:
  // builder.cc
  Status Plan();
  Status BuildStage(size_t index);
  Status Step(const Node& n);
  Status From(const Node& n, size_t index);
  Status RunTriggers(std::vector<std::string> triggers);
  Result<Digest> ImageFor(const std::string& name);
  Status Arg(const Node& n);
  Status FinalLabels();
  // steps.cc
  Status Metadata(const Node& n);
  Status RunStep(const Node& n);
  // Looks the step up in the cache (the store's children of the current
  // image, then --cache-from); on a hit the step's image becomes current.
  Result<bool> FromCache(const ContainerConfig& cc, const ContainerConfig& image_config);
  // Commits the step; prints " ---> <id>" unless before_id says what to print first.
  Status Commit(const std::string& upper, const ContainerConfig& cc, const ContainerConfig& image_config,
                const std::string& container_id, const std::string& before_id = "");
  // copy_step.cc
  Status Workdir(const ContainerConfig& cc, const ContainerConfig& next);
  // copy_step.cc
  Status Copy(const Node& n);
  Status CopyFiles(const Context& src, CopyPlan& plan, const std::string& from);
  Result<Context*> CopySource(const std::string& from);
  Result<std::pair<uint32_t, uint32_t>> ChownIds(const std::string& spec);
  Result<bool> UnpackIfArchive(const Context& src, const std::string& p, store::IngestDir& staging,
                               const LayerTarget& t);
  // add_url.cc: fetches url to the new file path (0600, mtime from
  // Last-Modified) and returns its content's digest.
  Result<Digest> Download(const std::string& url, const std::string& path);

  // The step's container config with Cmd [shell..., "#(nop) ", text] (docker's
  // withCmdComment: history shows "/bin/sh -c #(nop)  CMD [...]").
  ContainerConfig NopConfig(const ContainerConfig& c, const std::string& text) const;
  std::vector<std::string> Shell() const;
  dockerfile::Env WordEnv() const;
  Result<std::string> Word(const std::string& w) const;
  void Print(const std::string& line);

  store::Store& store_;
  const BuildOptions& o_;
  int* exit_status_;
  dockerfile::Dockerfile file_;
  std::vector<StagePlan> plans_;
  std::vector<Stage> stages_;
  size_t current_ = 0;
  bool meta_phase_ = false;  // reading the ARGs before the first FROM
  Stage* stage_ = nullptr;  // &stages_[current_]
  size_t step_ = 0, total_steps_ = 0;
  std::unique_ptr<Context> context_;
  CacheSources cache_sources_;
  std::map<std::string, std::unique_ptr<Context>> sources_;  // COPY --from roots, by image id
  std::vector<std::unique_ptr<ImageRoot>> roots_;            // their mounts
  std::map<std::string, std::string> given_args_;            // --build-arg
  std::map<std::string, std::string> meta_args_;             // ARGs before the first FROM
  int unpacked_ = 0;                                         // ADD archives unpacked
  std::set<std::string> used_args_;                          // --build-arg names some ARG declared
};

}  // namespace berth::build::internal
