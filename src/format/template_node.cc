// Node::String, Go's parse.Node String methods: the source form of a node,
// which execution errors quote as their context ("at <index . 5>").
#include "format/template_lex.h"
#include "format/template_parse.h"

namespace berth::tmpl {
namespace {

void AppendFields(std::string& out, const std::vector<std::string>& ident, size_t from) {
  for (size_t i = from; i < ident.size(); i++) out += "." + ident[i];
}

// How deep String() is in the current thread's recursion.
thread_local int string_depth = 0;
constexpr int kMaxStringDepth = 100;

}  // namespace

std::string Node::String() const {
  if (string_depth >= kMaxStringDepth) return "...";
  ++string_depth;
  std::string out = StringOfThis();
  --string_depth;
  return out;
}

std::string Node::StringOfThis() const {
  std::string out;
  switch (type) {
    case NodeType::kText:
    case NodeType::kIdentifier:
    case NodeType::kNumber:
    case NodeType::kString:
    case NodeType::kBool:
      return text;
    case NodeType::kDot:
      return ".";
    case NodeType::kNil:
      return "nil";
    case NodeType::kField:
      AppendFields(out, ident, 0);
      return out;
    case NodeType::kVariable:
      out = ident[0];
      AppendFields(out, ident, 1);
      return out;
    case NodeType::kChain:
      out = kids[0]->type == NodeType::kPipe ? "(" + kids[0]->String() + ")" : kids[0]->String();
      AppendFields(out, ident, 0);
      return out;
    case NodeType::kCommand:
      for (size_t i = 0; i < kids.size(); i++) {
        if (i) out += ' ';
        out += kids[i]->type == NodeType::kPipe ? "(" + kids[i]->String() + ")" : kids[i]->String();
      }
      return out;
    case NodeType::kPipe:
      for (size_t i = 0; i < decl.size(); i++) {
        if (i) out += ", ";
        out += decl[i]->String();
      }
      if (!decl.empty()) out += is_assign ? " = " : " := ";
      for (size_t i = 0; i < kids.size(); i++) {
        if (i) out += " | ";
        out += kids[i]->String();
      }
      return out;
    case NodeType::kAction:
      return "{{" + pipe->String() + "}}";
    case NodeType::kIf:
    case NodeType::kRange:
    case NodeType::kWith: {
      const char* name = type == NodeType::kIf ? "if" : type == NodeType::kRange ? "range" : "with";
      out = std::string("{{") + name + " " + pipe->String() + "}}" + list->String();
      if (else_list) out += "{{else}}" + else_list->String();
      return out + "{{end}}";
    }
    case NodeType::kList:
      for (const auto& k : kids) out += k->String();
      return out;
    case NodeType::kTemplate:
      return "{{template " + GoQuote(text) + (pipe ? " " + pipe->String() : "") + "}}";
    case NodeType::kBreak:
      return "{{break}}";
    case NodeType::kContinue:
      return "{{continue}}";
    case NodeType::kElse:
      return "{{else}}";
    case NodeType::kEnd:
      return "{{end}}";
  }
  return out;
}

}  // namespace berth::tmpl
