// `berth search [OPTIONS] TERM`: Docker's search (Docker Hub's API, its
// table, filters and --format), the _catalog fallback for registries without
// that API, and `--list-tags REPOSITORY`, which Docker lacks (moby#17238).
#include <cstdio>

#include "base/strings.h"
#include "cli/commands.h"
#include "cli/flags.h"
#include "cli/output.h"
#include "format/docker_types.h"
#include "reference/reference.h"
#include "registry/search.h"

namespace berth::cli {

namespace {

constexpr const char* kDefault =
    "table {{.Name}}\t{{.Description}}\t{{.StarCount}}\t{{.IsOfficial}}\t{{.IsAutomated}}";

struct Filters {
  int64_t stars = 0;
  std::optional<bool> official, automated;
};

Result<Filters> ParseFilters(const std::vector<std::string>& specs) {
  Filters f;
  for (const std::string& spec : specs) {
    auto kv = Cut(spec, '=');
    if (!kv) return MakeError(Code::kInvalidArgument, "bad format of filter (expected name=value)");
    auto boolean = [&](std::optional<bool>& out) -> Status {
      if (kv->second != "true" && kv->second != "false" && kv->second != "1" && kv->second != "0") {
        return MakeError(Code::kInvalidArgument, "invalid filter '" + spec + "'");
      }
      out = kv->second == "true" || kv->second == "1";
      return Ok();
    };
    if (kv->first == "stars") {
      auto n = ParseInt(kv->second);
      if (!n) return MakeError(Code::kInvalidArgument, "invalid filter 'stars=" + kv->second + "'");
      f.stars = *n;
    } else if (kv->first == "is-official") {
      TRY(boolean(f.official));
    } else if (kv->first == "is-automated") {
      TRY(boolean(f.automated));
    } else {
      return MakeError(Code::kInvalidArgument, "invalid filter '" + kv->first + "'");
    }
  }
  return f;
}

bool Keep(const Filters& f, const registry::SearchResult& r) {
  if (r.star_count < f.stars) return false;
  if (f.official && *f.official != r.is_official) return false;
  if (f.automated && *f.automated != r.is_automated) return false;
  return true;
}

int ListTags(Context& ctx, const std::string& name) {
  auto ref = ParseNormalizedNamed(name);
  if (!ref.ok()) return Fail("Error: " + ref.error().message);
  if (ref->HasTag() || ref->HasDigest()) return Fail("Error: --list-tags takes a repository without tag or digest");
  auto config = ctx.RegistryConfig();
  if (!config.ok()) return Fail(config.error());
  auto tags = registry::ListTags(*config, ctx.ClientOptions(), *ref);
  if (!tags.ok()) return Fail(tags.error());
  for (const std::string& t : *tags) std::printf("%s\n", t.c_str());
  return 0;
}

}  // namespace

int CmdSearch(Context& ctx, const std::vector<std::string>& args) {
  FlagSet fs(ctx.command_path(), "search [OPTIONS] TERM", "Search Docker Hub for images");
  auto* filters = fs.Filter("filter", 'f', "Filter output based on conditions provided");
  std::string* format = fs.String("format", 0, "", "Pretty-print search using a Go template");
  int64_t* limit = fs.Int("limit", 0, 25, "Max number of search results");
  bool* no_trunc = fs.Bool("no-trunc", 0, false, "Don't truncate output");
  std::string* list_tags = fs.String("list-tags", 0, "", "List the tags of REPOSITORY instead of searching", "repository");
  int exit = 0;
  if (!ParseFlags(fs, args, &exit)) return exit;
  if (!list_tags->empty()) {
    if (!fs.args().empty()) return ArgCountError(fs, "accepts no TERM with --list-tags");
    return ListTags(ctx, *list_tags);
  }
  if (fs.args().size() != 1) return ArgCountError(fs, "requires exactly 1 argument");
  if (*limit < 1 || *limit > 100) {
    return Fail("Error: limit " + std::to_string(*limit) + " is outside the range of [1, 100]");
  }
  auto f = ParseFilters(*filters);
  if (!f.ok()) return Fail(f.error());
  auto config = ctx.RegistryConfig();
  if (!config.ok()) return Fail(config.error());
  auto query = registry::ParseSearchTerm(fs.args()[0]);
  auto results = registry::Search(*config, ctx.ClientOptions(), query, static_cast<int>(*limit));
  if (!results.ok()) return Fail(results.error());

  std::vector<Json> rows;
  for (const auto& r : *results) {
    if (!Keep(*f, r)) continue;
    std::string desc = r.description;
    for (char& c : desc) {
      if (c == '\n' || c == '\r' || c == '\t') c = ' ';
    }
    if (!*no_trunc) desc = Ellipsis(desc, 45);
    rows.push_back(Json{{"Name", r.name}, {"Description", desc}, {"StarCount", std::to_string(r.star_count)},
                        {"IsOfficial", r.is_official ? "[OK]" : ""},
                        {"IsAutomated", r.is_automated ? "[OK]" : ""}});
    if (static_cast<int64_t>(rows.size()) >= *limit) break;
  }
  Json headers{{"Name", "NAME"}, {"Description", "DESCRIPTION"}, {"StarCount", "STARS"},
               {"IsOfficial", "OFFICIAL"}, {"IsAutomated", "AUTOMATED"}};
  auto out = RenderRows(*format, kDefault, rows, headers, {.row = SearchRowType(), .header = HeaderType()});
  if (!out.ok()) return RowsFail(out.error());
  Print(*out);
  return 0;
}

}  // namespace berth::cli
