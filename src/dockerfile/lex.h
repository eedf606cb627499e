// Shell-word processing for Dockerfile instructions: quote removal, escapes
// and $VAR / ${VAR...} substitution, as Docker's builder does it (BuildKit's
// frontend/dockerfile/shell package, the copy vendored into dockerd 20.10).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace berth::dockerfile {

// Which substitution forms are understood.
enum class Dialect {
  // dockerd 20.10 (`import -c`, `commit -c`, the classic builder):
  // ${A}, ${A:-w}, ${A:+w}, ${A:?w}, ${A?w}. ${A-w} and ${A+w} are
  // "missing ':' in substitution".
  kDocker20,
  // Later BuildKit also has ${A-w}, ${A+w} (unset, not empty, selects).
  kBuildKit,
};

struct LexOptions {
  char escape = '\\';  // '\\' or '`' (the `# escape=` directive)
  Dialect dialect = Dialect::kDocker20;
};

// The environment a word is expanded against: "KEY=value" entries (an entry
// without '=' is set and empty); for a repeated key the last entry wins.
using Env = std::vector<std::string>;

// Expands one word: quotes removed ('...' literal; "..." with substitution
// and escapes of " $ and the escape character), the escape character escapes anything
// outside quotes, substitutions applied; whitespace is kept.
// InvalidArgument `failed to process "<word>": <reason>` with Docker's
// reasons ("syntax error: bad substitution", "missing ':' in substitution",
// "X: is not allowed to be unset", ...). Substitutions nest at most 200
// deep ("syntax error: substitutions nested deeper than 200"); Docker has
// no limit but a line's length.
Result<std::string> ProcessWord(std::string_view word, const Env& env, const LexOptions& options = {});

// The same, then split into words at unquoted whitespace (whitespace that a
// substitution produced splits too: EXPOSE $PORTS).
Result<std::vector<std::string>> ProcessWords(std::string_view word, const Env& env,
                                              const LexOptions& options = {});

// Go's strconv.Quote for the messages Docker prints with %q.
std::string GoQuote(std::string_view s);

}  // namespace berth::dockerfile
