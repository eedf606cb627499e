// One renderer for every listing command, so table layout, `json` and
// template behaviour cannot drift between `images`, `history` and friends.
#include "cli/output.h"

#include <cstdio>
#include <iostream>

#include "format/tabwriter.h"
#include "format/template.h"

namespace berth::cli {

namespace {

// Marks template parse errors so TemplateFail can give them exit 64.
constexpr std::string_view kParsePrefix = "template parsing error: ";
// docker/cli's JSONFormat: `--format json` is this template (no HTML escaping).
constexpr const char* kJsonFormat = "{{json .}}";

Result<Template> ParseTemplate(const std::string& text) {
  auto t = Template::Parse(text);
  if (!t.ok()) return MakeError(Code::kInvalidArgument, std::string(kParsePrefix) + t.error().message);
  return std::move(t).value();
}

}  // namespace

Result<std::string> RenderRows(const std::string& format, const std::string& default_format,
                               const std::vector<Json>& rows, const Json& headers,
                               const RowTypes& types) {
  std::string f = format.empty() || format == "table" ? default_format : format;
  if (f == "json") f = kJsonFormat;
  std::string out;
  bool table = IsTableFormat(f);
  std::string body = ExpandEscapes(table ? StripTablePrefix(f) : f);
  Template t = TRY(ParseTemplate(body));
  ExecuteOptions row_opts{.type = types.row};
  ExecuteOptions header_opts{.header_functions = true, .type = types.header};
  if (types.row) {
    row_opts.missing_key_error = false;
    header_opts.missing_key_error = false;
  }
  auto run = [&](const Json& data, const ExecuteOptions& opts) -> Result<std::string> {
    auto r = t.Execute(data, opts);
    if (!r.ok() && types.row) return MakeError(r.error().code, std::string(kParsePrefix) + r.error().message);
    return r;
  };
  if (!table) {
    for (const auto& r : rows) out += TRY(run(r, row_opts)) + "\n";
    return out;
  }
  // docker renders the rows first and the header after them, so a row's
  // error wins over the header's.
  std::vector<std::string> lines;
  for (const auto& r : rows) lines.push_back(TRY(run(r, row_opts)) + "\n");
  TabWriter tw(10, 1, 3, ' ', 0);
  tw.Write(TRY(run(headers, header_opts)) + "\n");
  for (const auto& l : lines) tw.Write(l);
  return tw.Flush();
}

Result<std::string> RenderInspect(const Template& t, const Json& doc, const GoType* type) {
  auto typed = t.Execute(doc, {.missing_key_error = false, .type = type});
  if (typed.ok()) return typed;
  auto raw = t.Execute(doc, {.missing_key_error = true});
  if (raw.ok()) return raw;
  return MakeError(raw.error().code, std::string(kParsePrefix) + raw.error().message);
}

int RowsFail(const Error& e) {
  std::fflush(stdout);
  std::fprintf(stderr, "%s\n", e.message.c_str());
  return 1;
}

Result<std::string> RenderEach(const std::string& format, const std::vector<Json>& values) {
  std::string out;
  // As docker's inspect and version: the text as given, no "\t" expansion.
  Template t = TRY(ParseTemplate(format == "json" ? kJsonFormat : format));
  for (const auto& v : values) out += TRY(t.Execute(v)) + "\n";
  return out;
}

int TemplateFail(const Error& e) {
  std::fflush(stdout);
  std::fprintf(stderr, "%s\n", e.message.c_str());
  return e.message.starts_with(kParsePrefix) ? 64 : 1;
}

std::string Ellipsis(const std::string& s, size_t max) {
  std::vector<size_t> starts;  // byte offset of each rune
  for (size_t i = 0; i < s.size(); i++) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) starts.push_back(i);
  }
  if (starts.size() <= max) return s;
  return s.substr(0, starts[max - 1]) + "…";
}

bool ConfirmPrune(const std::string& warning, bool zero_summary) {
  Print(warning + "Are you sure you want to continue? [y/N] ");
  std::fflush(stdout);
  std::string answer;
  std::getline(std::cin, answer);
  if (answer == "y" || answer == "Y") return true;
  if (zero_summary) Print("Total reclaimed space: 0B\n");
  return false;
}

void Print(const std::string& s) { std::fwrite(s.data(), 1, s.size(), stdout); }

}  // namespace berth::cli
