// Rendering command output the Docker way: default tables, `table ...`
// templates with headers, `json`, and raw Go templates.
#pragma once

#include <string>
#include <vector>

#include "base/result.h"
#include "format/go_type.h"
#include "format/template.h"
#include "oci/json_fields.h"

namespace berth::cli {

// The Go types a listing's templates see (format/docker_types.h).
struct RowTypes {
  const GoType* row = nullptr;     // nullptr: plain JSON, a missing key is an error
  const GoType* header = nullptr;  // the header document's type
};

// Renders rows (one JSON object per row, keys = template field names) in the
// shape --format asks for. An empty format uses default_format (a "table ..."
// template). headers maps field names to column titles ("ID" -> "IMAGE ID").
// Errors: InvalidArgument with the template's message; the caller maps parse
// errors to exit 64 via TemplateFail(). With types.row set, every error reads
// as docker's formatter words it, "template parsing error: ..." for
// execution errors too, and the caller exits 1 (RowsFail).
Result<std::string> RenderRows(const std::string& format, const std::string& default_format,
                               const std::vector<Json>& rows, const Json& headers,
                               const RowTypes& types = {});

// Prints a listing's template error (RenderRows with types) and returns 1:
// docker's formatter exits 1 for parse and execution errors alike.
int RowsFail(const Error& e);

// Formats one value per object (inspect/version -f): "json" prints compact
// JSON, other text is a Go template. Each result ends with a newline.
Result<std::string> RenderEach(const std::string& format, const std::vector<Json>& values);

// docker's TemplateInspector for one inspected object: the template runs on
// the Go value (doc seen as type); when that fails, once more on the raw
// JSON with missingkey=error, and only that second error is reported, as
// "template parsing error: ...".
Result<std::string> RenderInspect(const Template& t, const Json& doc, const GoType* type);

// Prints a template error the way docker does and returns its exit status:
// 64 for a parse error ("template parsing error: ..."), 1 otherwise.
int TemplateFail(const Error& e);

// docker/cli's Ellipsis: at most max runes, the last one "…" when cut.
std::string Ellipsis(const std::string& s, size_t max);

// Writes s to stdout in one go.
void Print(const std::string& s);

// docker's prune prompt: the warning, "Are you sure you want to continue?
// [y/N] ", a line read from stdin; anything but y/Y prints "Total reclaimed
// space: 0B" and returns false.
// zero_summary: on a no, print "Total reclaimed space: 0B" as docker's image
// and container prune do (its system prune prints nothing).
bool ConfirmPrune(const std::string& warning, bool zero_summary = true);

}  // namespace berth::cli
