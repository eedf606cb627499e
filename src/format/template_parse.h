// Parse tree of the Go text/template subset (internal to format/).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/result.h"

namespace berth::tmpl {

enum class NodeType {
  kList,
  kText,
  kAction,
  kIf,
  kRange,
  kWith,
  kBreak,
  kContinue,
  kTemplate,    // {{template "name" pipe}}: text = name, pipe optional
  kPipe,
  kCommand,
  kField,       // .A.B: ident = {"A", "B"}
  kVariable,    // $x.A: ident = {"$x", "A"}
  kChain,       // (pipe).A: kids[0] is the operand, ident the fields
  kDot,
  kNil,
  kBool,
  kNumber,
  kString,
  kIdentifier,  // function name in text
  kElse,        // transient: parser only
  kEnd,         // transient: parser only
};

struct Node {
  NodeType type = NodeType::kList;
  size_t pos = 0;  // byte offset in the template text
  std::string text;  // text, identifier, or the literal's source spelling
  std::vector<std::string> ident;
  nlohmann::ordered_json constant;  // value of kBool/kNumber/kString literals
  bool is_assign = false;           // kPipe: "=" rather than ":="
  std::vector<std::unique_ptr<Node>> decl;  // kPipe: declared variables
  // kList: nodes; kPipe: commands; kCommand: arguments; kChain: the operand.
  std::vector<std::unique_ptr<Node>> kids;
  std::unique_ptr<Node> pipe;  // kAction, kIf, kRange, kWith
  std::unique_ptr<Node> list;  // kIf, kRange, kWith
  std::unique_ptr<Node> else_list;

  // Go's Node.String(), used as error context: ".A.B", "index . \"x\"".
  // Nodes nested more than 100 deep print as "..." (the recursion must not
  // exhaust the stack on a template nested a thousand levels).
  std::string String() const;

 private:
  std::string StringOfThis() const;  // String() one level down
};

// A parsed template text: the templates it defines by name ({{define}} and
// {{block}}), the main one under "" (Go's treeSet).
struct Tree {
  std::map<std::string, std::unique_ptr<Node>, std::less<>> templates;

  // The named template, or nullptr.
  const Node* Find(std::string_view name) const {
    auto it = templates.find(name);
    return it == templates.end() ? nullptr : it->second.get();
  }
};

// How much stack parsing or executing a template may use before nesting
// fails as too deep: 4 MiB, or half the stack limit when that is smaller.
// Nesting is limited by count first (1,000 levels); this is the backstop for
// builds with large frames (sanitizers) and small stacks.
uintptr_t StackBudget();

// The current frame's address (the stack grows down).
inline uintptr_t FrameAddress() { return reinterpret_cast<uintptr_t>(__builtin_frame_address(0)); }

// Parses template text. Errors are kInvalidArgument with Go's wording,
// "template: :<line>: <message>". is_function says which identifiers name
// functions (others fail with `function "x" not defined`).
Result<std::shared_ptr<const Tree>> ParseTree(std::string_view text,
                                              bool (*is_function)(std::string_view));

}  // namespace berth::tmpl
