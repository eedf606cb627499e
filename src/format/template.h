// Template: docker's `--format` language, a subset of Go's text/template
// evaluated against JSON data, plus the helpers docker's formatter applies
// to format strings ("table" prefix, "\t" and "\n" escapes).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "base/result.h"
#include "format/go_type.h"

namespace berth {

namespace tmpl {
struct Tree;
}

struct ExecuteOptions {
  // docker inspect's fallback runs templates with missingkey=error, so a
  // missing map key fails with `map has no entry for key "X"`. false gives
  // Go's default: the missing value prints as "<no value>".
  bool missing_key_error = true;
  // docker's HeaderFunctions, for rendering a table's header row: json,
  // split, join, title, lower, upper, pad and truncate return their first
  // argument unchanged.
  bool header_functions = false;
  // Resource limits, which Go's engine does not have: an execution that
  // goes past one fails with an error naming the limit. max_steps counts
  // nodes walked and commands evaluated (a nested {{range}} multiplies
  // them), plus one for each 256 bytes of string (16 elements of list) a
  // function is given to read. max_bytes counts every byte written to the
  // output and every byte of the strings and lists functions make (printf,
  // pad, print, join, slice, split ...), checked before a large string is
  // made. docker inspect output for one image is a few KiB and takes a few
  // hundred steps.
  size_t max_steps = 10'000'000;
  size_t max_bytes = 64u << 20;
  // The Go type the data stands for (format/go_type.h), or nullptr for
  // plain JSON (what json.Unmarshal into interface {} gives). With a type,
  // values print, compare and marshal as that Go value does: a struct as
  // "{a b}", a time as "2026-11-29 09:05:40 +0000 UTC", an absent field as
  // its zero value.
  const GoType* type = nullptr;
};

// Receives template output as it is produced. An error stops the execution
// and is returned by Execute as is.
using TemplateSink = std::function<Status(std::string_view)>;

// A parsed template. Supported: text and {{actions}} with "{{- " / " -}}"
// trimming and {{/* comments */}}; fields (.A.B, $x.A, (pipeline).A);
// variables ($, $x := / $x = pipeline); pipelines with |; parentheses;
// if / else if / else, range (arrays, objects in sorted key order; $i, $e
// :=; else; break; continue), with / else with / else; string, raw string,
// number, char, bool and nil literals; functions and, or, not, eq, ne, lt,
// le, gt, ge, len, index, slice, print, printf, println, html, js,
// urlquery, call (which always fails: data holds no functions) and docker's
// json, join, split, title, lower, upper, pad, truncate; define, template
// and block.
//
// Resources are bounded: parentheses and if/range/with nest at most 1,000
// deep (a parse error past that), template calls and nesting together at
// most 1,000 deep when executed, and execution is limited by
// ExecuteOptions::max_steps and max_bytes.
//
// Values print as Go's fmt prints them: strings raw, integral numbers as
// integers, bools true/false, arrays "[a b]", objects "map[k:v]" (sorted
// keys), null and missing values "<no value>" (but "<nil>" inside print
// functions and composites). With ExecuteOptions::type the data is a Go
// value of that type instead: structs print "{a b}", times as Go's
// time.Time, absent fields as zero values (template_typed.h).
class Template {
 public:
  // Parses text. Errors: kInvalidArgument with Go's message, e.g.
  // "template: :1: unclosed action", `template: :1: function "foo" not
  // defined`, `template: :1: unexpected "}" in operand`.
  static Result<Template> Parse(std::string_view text);

  // Runs the template against data ($ and the initial dot). Errors:
  // kInvalidArgument with Go's message, e.g. `template: :1:2: executing ""
  // at <.X>: map has no entry for key "X"`.
  Result<std::string> Execute(const nlohmann::ordered_json& data,
                              const ExecuteOptions& options = {}) const;

  // The same, handing the output to sink in pieces as it is produced rather
  // than holding it. On error, pieces already handed over stay written
  // (docker prints nothing of a failed template: buffer if that matters).
  Status Execute(const nlohmann::ordered_json& data, const TemplateSink& sink,
                 const ExecuteOptions& options = {}) const;

 private:
  // Runs the template, into sink when given, else into *out.
  Status Run(const nlohmann::ordered_json& data, const ExecuteOptions& options,
             const TemplateSink* sink, std::string* out) const;

  Template(std::string text, std::shared_ptr<const tmpl::Tree> tree)
      : text_(std::move(text)), tree_(std::move(tree)) {}

  std::string text_;
  std::shared_ptr<const tmpl::Tree> tree_;
};

// True when a --format value asks for a table: it starts with "table".
bool IsTableFormat(std::string_view format);

// docker's formatter preFormat: drops a leading "table" keyword when present
// and the spaces around what remains: "table {{.ID}}\t{{.Size}} " ->
// "{{.ID}}\t{{.Size}}". An empty result means "use the default table".
std::string StripTablePrefix(std::string_view format);

// Replaces the two-character sequences backslash-t and backslash-n with a
// tab and a newline, as docker does to --format strings (left to right, so
// "\\t" becomes a backslash and a tab).
std::string ExpandEscapes(std::string_view format);

}  // namespace berth
