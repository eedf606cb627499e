// Rendering command output the Docker way: default tables, `table ...`
// templates with headers, `json`, and raw Go templates.
#pragma once

#include <string>
#include <vector>

#include "base/result.h"
#include "oci/json_fields.h"

namespace berth::cli {

// Renders rows (one JSON object per row, keys = template field names) in the
// shape --format asks for. An empty format uses default_format (a "table ..."
// template). headers maps field names to column titles ("ID" -> "IMAGE ID").
// Errors: InvalidArgument with the template's message; the caller maps parse
// errors to exit 64 via TemplateExit().
Result<std::string> RenderRows(const std::string& format, const std::string& default_format,
                               const std::vector<Json>& rows, const Json& headers);

// Formats one value per object (inspect/version -f): "json" prints compact
// JSON, other text is a Go template. Each result ends with a newline.
Result<std::string> RenderEach(const std::string& format, const std::vector<Json>& values);

// Prints a template error the way docker does and returns its exit status:
// 64 for a parse error ("template parsing error: ..."), 1 otherwise.
int TemplateFail(const Error& e);

// docker/cli's Ellipsis: at most max runes, the last one "…" when cut.
std::string Ellipsis(const std::string& s, size_t max);

// Writes s to stdout in one go.
void Print(const std::string& s);

}  // namespace berth::cli
