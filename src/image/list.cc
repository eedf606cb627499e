// Image listing. This is a hot path (`images` over 1,000 tags must answer in
// milliseconds), so it reads metadata with a fixed number of queries and
// opens config blobs only when a label filter asks for them.
#include "image/list.h"

#include <algorithm>
#include <unordered_map>

#include "base/clock.h"
#include "base/strings.h"
#include "image/resolve.h"
#include "oci/image_config.h"
#include "reference/reference.h"

namespace berth::image {

namespace {

Error InvalidFilter(std::string_view what) {
  return MakeError(Code::kInvalidArgument, "Invalid filter '" + std::string(what) + "'");
}

struct Filters {
  std::optional<bool> dangling;
  std::vector<std::string> references;
  std::vector<std::pair<std::string, std::optional<std::string>>> labels;
  std::optional<int64_t> before, since, until;
};

// In the daemon's order: unknown names first, then dangling, then the
// rest, so the error for a set of filters is the one docker gives.
Result<Filters> ParseFilters(store::Store& store, const std::vector<std::string>& raw) {
  Filters f;
  int64_t now = NowNanos();
  std::vector<std::pair<std::string, std::string>> items;
  for (const auto& item : raw) {
    auto kv = Cut(item, '=');
    if (!kv) return MakeError(Code::kInvalidArgument, "bad format of filter (expected name=value)");
    items.push_back(*kv);
  }
  static const std::string_view kNames[] = {"dangling", "reference", "label", "before", "since", "until"};
  for (const auto& [key, value] : items) {
    if (std::find(std::begin(kNames), std::end(kNames), key) == std::end(kNames)) return InvalidFilter(key);
  }
  // dangling: "true" wins over "false"; anything else alone is an error
  // listing every value Go-style ("dangling=[maybe]").
  std::vector<std::string> dangling;
  for (const auto& [key, value] : items) {
    if (key == "dangling") dangling.push_back(value);
  }
  if (!dangling.empty()) {
    auto has = [&](const char* v) { return std::find(dangling.begin(), dangling.end(), v) != dangling.end(); };
    if (has("true")) {
      f.dangling = true;
    } else if (has("false")) {
      f.dangling = false;
    } else {
      std::string values;
      for (const auto& v : dangling) values += (values.empty() ? "" : " ") + v;
      return InvalidFilter("dangling=[" + values + "]");
    }
  }
  for (const auto& [key, value] : items) {
    if (key == "reference") {
      f.references.push_back(value);
    } else if (key == "label") {
      if (auto lv = Cut(value, '=')) {
        f.labels.emplace_back(lv->first, lv->second);
      } else {
        f.labels.emplace_back(value, std::nullopt);
      }
    } else if (key == "before" || key == "since") {
      Digest id = TRY(ResolveImage(store, value));
      auto img = TRY(store.metadata().GetImage(id));
      (key == "before" ? f.before : f.since) = img ? img->created : 0;
    } else if (key == "until") {
      f.until = TRY(ParseTimeFilter(value, now));
    }
  }
  return f;
}

bool MatchesReference(const Filters& f, const std::string& name, const std::string& full) {
  for (const auto& p : f.references) {
    if (PathMatch(p, full) || PathMatch(p, name)) return true;
  }
  return false;
}

Result<bool> MatchesLabels(store::Store& store, const Filters& f, const Digest& id) {
  if (f.labels.empty()) return true;
  auto cfg = TRY(ImageConfig::Parse(TRY(store.content().ReadSmall(id))));
  for (const auto& [k, v] : f.labels) {
    auto it = cfg.config.labels.find(k);
    if (it == cfg.config.labels.end() || (v && it->second != *v)) return false;
  }
  return true;
}

}  // namespace

bool ValidPathPattern(std::string_view p) {
  size_t i = 0;
  // One class character (Go's getEsc): not '-' or ']', and '\\' needs a successor.
  auto esc = [&]() -> bool {
    if (i >= p.size() || p[i] == '-' || p[i] == ']') return false;
    if (p[i] == '\\' && ++i >= p.size()) return false;
    ++i;
    return true;
  };
  while (i < p.size()) {
    char c = p[i++];
    if (c == '\\') {
      if (i++ >= p.size()) return false;
    } else if (c == '[') {
      if (i < p.size() && p[i] == '^') ++i;
      for (int ranges = 0;; ++ranges) {
        if (i < p.size() && p[i] == ']' && ranges > 0) {
          ++i;
          break;
        }
        if (!esc()) return false;
        if (i < p.size() && p[i] == '-') {
          ++i;
          if (!esc()) return false;
        }
      }
    }
  }
  return true;
}

bool PathMatch(std::string_view pattern, std::string_view name) {
  size_t p = 0, n = 0, star_p = std::string_view::npos, star_n = 0;
  while (n < name.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star_p = ++p;
      star_n = n;
      continue;
    }
    if (p < pattern.size() && pattern[p] != '*') {
      char c = name[n];
      bool ok = false;
      size_t next = p + 1;
      if (pattern[p] == '?') {
        ok = c != '/';
      } else if (pattern[p] == '[') {
        size_t q = p + 1;
        bool negate = q < pattern.size() && pattern[q] == '^';
        if (negate) q++;
        bool hit = false;
        while (q < pattern.size() && pattern[q] != ']') {
          char lo = pattern[q] == '\\' && q + 1 < pattern.size() ? pattern[++q] : pattern[q];
          char hi = lo;
          if (q + 2 < pattern.size() && pattern[q + 1] == '-' && pattern[q + 2] != ']') {
            q += 2;
            hi = pattern[q] == '\\' && q + 1 < pattern.size() ? pattern[++q] : pattern[q];
          }
          if (lo <= c && c <= hi) hit = true;
          q++;
        }
        if (q >= pattern.size()) return false;  // malformed class
        ok = (hit != negate) && c != '/';
        next = q + 1;
      } else if (pattern[p] == '\\' && p + 1 < pattern.size()) {
        ok = pattern[p + 1] == c;
        next = p + 2;
      } else {
        ok = pattern[p] == c;
      }
      if (ok) {
        p = next;
        n++;
        continue;
      }
    }
    // Backtrack: let the last '*' swallow one more character (never a '/').
    if (star_p == std::string_view::npos || name[star_n] == '/') return false;
    p = star_p;
    n = ++star_n;
  }
  while (p < pattern.size() && pattern[p] == '*') p++;
  return p == pattern.size();
}

Result<std::vector<ImageSummary>> ListImages(store::Store& store, const ListOptions& options) {
  Filters f = TRY(ParseFilters(store, options.filters));
  auto& md = store.metadata();
  auto images = TRY(md.ListImages());
  std::unordered_map<Digest, ImageSummary> by_id;
  std::unordered_map<std::string, bool> is_parent;
  for (const auto& img : images) {
    if (!img.parent.empty()) is_parent[img.parent] = true;
    by_id[img.id] = ImageSummary{.id = img.id, .created = img.created, .size = img.size,
                                 .parent = img.parent};
  }
  for (const auto& t : TRY(md.ListTags())) {
    auto it = by_id.find(t.image_id);
    if (it == by_id.end()) continue;
    auto ref = ParseCanonical(t.name);
    if (ref.ok()) it->second.repo_tags.push_back(ref->FamiliarString());
  }
  for (const auto& rd : TRY(md.ListRepoDigests())) {
    auto it = by_id.find(rd.image_id);
    if (it == by_id.end()) continue;
    auto ref = ParseCanonical(rd.name);
    if (ref.ok()) it->second.repo_digests.push_back(ref->FamiliarString());
  }

  std::vector<ImageSummary> out;
  for (auto& [id, s] : by_id) {
    s.dangling = s.repo_tags.empty() && s.repo_digests.empty();
    if (f.dangling && *f.dangling != s.dangling) continue;
    if (!options.all && s.dangling && is_parent.count(id.str())) continue;  // intermediate
    if (f.before && s.created >= *f.before) continue;
    if (f.since && s.created <= *f.since) continue;
    if (f.until && s.created >= *f.until) continue;
    if (!f.references.empty()) {
      // Docker meets a bad pattern only when it has a name to match.
      if (!s.repo_tags.empty() || !s.repo_digests.empty()) {
        for (const auto& p : f.references) {
          if (!ValidPathPattern(p)) return MakeError(Code::kInvalidArgument, "syntax error in pattern");
        }
      }
      std::vector<std::string> tags, digests;
      for (const auto& t : s.repo_tags) {
        auto name = t.substr(0, t.rfind(':'));
        if (MatchesReference(f, name, t)) tags.push_back(t);
      }
      for (const auto& d : s.repo_digests) {
        auto name = d.substr(0, d.find('@'));
        if (MatchesReference(f, name, d)) digests.push_back(d);
      }
      if (tags.empty() && digests.empty()) continue;
      s.repo_tags = std::move(tags);
      s.repo_digests = std::move(digests);
    }
    if (!TRY(MatchesLabels(store, f, id))) continue;
    out.push_back(std::move(s));
  }
  std::sort(out.begin(), out.end(), [](const ImageSummary& a, const ImageSummary& b) {
    if (a.created != b.created) return a.created > b.created;
    return a.id < b.id;
  });
  return out;
}

}  // namespace berth::image
