// The parser of Go's text/template, ported function by function
// (parse.go: pipeline, command, operand, term, parseControl) so that docker
// `--format` strings are accepted and rejected exactly as docker does, with
// the same "template: :1: ..." messages.
#include "format/template_parse.h"

#include <cmath>
#include <cstdint>
#include <cstdlib>

#include <sys/resource.h>

#include "format/template_lex.h"

namespace berth::tmpl {
namespace {

struct ParseError {
  std::string message;
};

// How deep parentheses and {{if}}/{{range}}/{{with}} (an {{else if}} counts
// as one more level) may nest. Parsing, executing and freeing the tree all
// recurse once per level, so this bounds their stack: Go has no such limit
// (its stacks grow), and 1,000 levels is far beyond any real format string
// while leaving room on an 8 MiB stack even under AddressSanitizer.
constexpr int kMaxDepth = 1000;

class Parser {
 public:
  Parser(std::string_view text, bool (*is_function)(std::string_view))
      : text_(text), toks_(Lex(text)), is_function_(is_function) {}

  // Go's Tree.parse: the main template, with {{define}}s at top level.
  std::unique_ptr<Tree> Parse() {
    auto root = NewNode(NodeType::kList, Peek().pos);
    while (Peek().type != Tok::kEOF) {
      if (Peek().type == Tok::kLeftDelim) {
        size_t mark = i_;
        Next();
        if (NextNonSpace().type == Tok::kDefine) {
          Definition();
          continue;
        }
        i_ = mark;
      }
      auto n = TextOrAction();
      if (n->type == NodeType::kEnd || n->type == NodeType::kElse) {
        Errorf("unexpected " + n->String());
      }
      root->kids.push_back(std::move(n));
    }
    Add("", std::move(root));
    return std::move(tree_);
  }

 private:
  static std::unique_ptr<Node> NewNode(NodeType type, size_t pos) {
    auto n = std::make_unique<Node>();
    n->type = type;
    n->pos = pos;
    return n;
  }

  const Token& Next() {
    size_t i = std::min(i_, toks_.size() - 1);
    i_ = i + 1;
    max_i_ = std::max(max_i_, i);
    return toks_[i];
  }
  void Backup(size_t n = 1) { i_ -= n; }
  const Token& Peek() {
    const Token& t = Next();
    Backup();
    return t;
  }
  const Token& NextNonSpace() {
    for (;;) {
      const Token& t = Next();
      if (t.type != Tok::kSpace) return t;
    }
  }
  const Token& PeekNonSpace() {
    const Token& t = NextNonSpace();
    Backup();
    return t;
  }

  [[noreturn]] void Errorf(const std::string& msg) {
    size_t pos = toks_[std::min(max_i_, toks_.size() - 1)].pos;
    int line = 1;
    for (size_t k = 0; k < pos && k < text_.size(); k++) line += text_[k] == '\n';
    throw ParseError{"template: :" + std::to_string(line) + ": " + msg};
  }
  [[noreturn]] void Unexpected(const Token& t, std::string_view context) {
    if (t.type == Tok::kError) Errorf(t.val);
    Errorf("unexpected " + TokenString(t) + " in " + std::string(context));
  }
  const Token& Expect(Tok type, std::string_view context) {
    const Token& t = NextNonSpace();
    if (t.type != type) Unexpected(t, context);
    return t;
  }

  // Go's Tree.add: a name is defined once, though an empty body may be
  // replaced.
  void Add(const std::string& name, std::unique_ptr<Node> root) {
    auto it = tree_->templates.find(name);
    if (it == tree_->templates.end() || IsEmpty(*it->second)) {
      tree_->templates[name] = std::move(root);
    } else if (!IsEmpty(*root)) {
      Errorf("template: multiple definition of template " + GoQuote(name));
    }
  }

  static bool IsEmpty(const Node& list) {
    for (const auto& k : list.kids) {
      if (k->type != NodeType::kText ||
          k->text.find_first_not_of(" \t\r\n") != std::string::npos) {
        return false;
      }
    }
    return true;
  }

  // The body of a template of its own ({{define}}, {{block}}): variables and
  // {{range}} nesting start afresh, as in a new Go parse.Tree.
  std::unique_ptr<Node> Body(const std::string& context) {
    std::vector<std::string> saved_vars{"$"};
    std::swap(saved_vars, vars_);
    int saved_range = range_depth_;
    range_depth_ = 0;
    auto [list, end] = ItemList();
    if (end->type != NodeType::kEnd) Errorf("unexpected " + end->String() + " in " + context);
    vars_ = std::move(saved_vars);
    range_depth_ = saved_range;
    return std::move(list);
  }

  std::string TemplateName(const Token& t, const std::string& context) {
    if (t.type != Tok::kString && t.type != Tok::kRawString) Unexpected(t, context);
    std::string name;
    if (!Unquote(t.val, name)) Errorf("invalid syntax");
    return name;
  }

  // {{define "name"}} ... {{end}}, after "define".
  void Definition() {
    const std::string context = "define clause";
    std::string name = TemplateName(NextNonSpace(), context);
    Expect(Tok::kRightDelim, context);
    DepthGuard guard(*this);
    Add(name, Body(context));
  }

  // {{template "name" [pipeline]}} and {{block "name" pipeline}} ...
  // {{end}}, after the keyword.
  std::unique_ptr<Node> TemplateCall(bool block) {
    const std::string context = block ? "block clause" : "template clause";
    const Token& t = NextNonSpace();
    size_t pos = t.pos;
    auto n = NewNode(NodeType::kTemplate, pos);
    n->text = TemplateName(t, context);
    if (block) {
      n->pipe = Pipeline(context, Tok::kRightDelim);
      DepthGuard guard(*this);
      Add(n->text, Body(context));
    } else if (NextNonSpace().type != Tok::kRightDelim) {
      Backup();
      n->pipe = Pipeline(context, Tok::kRightDelim);
    }
    return n;
  }

  std::unique_ptr<Node> TextOrAction() {
    const Token& t = NextNonSpace();
    if (t.type == Tok::kText) {
      auto n = NewNode(NodeType::kText, t.pos);
      n->text = t.val;
      return n;
    }
    if (t.type == Tok::kLeftDelim) return Action();
    Unexpected(t, "input");
  }

  std::unique_ptr<Node> Action() {
    const Token& t = NextNonSpace();
    switch (t.type) {
      case Tok::kBreak:
      case Tok::kContinue: {
        bool is_break = t.type == Tok::kBreak;
        const char* name = is_break ? "{{break}}" : "{{continue}}";
        size_t pos = t.pos;
        const Token& after = NextNonSpace();
        if (after.type != Tok::kRightDelim) Unexpected(after, name);
        if (range_depth_ == 0) Errorf(std::string(name) + " outside {{range}}");
        return NewNode(is_break ? NodeType::kBreak : NodeType::kContinue, pos);
      }
      case Tok::kElse: {
        const Token& peek = PeekNonSpace();
        if (peek.type == Tok::kIf || peek.type == Tok::kWith) {
          return NewNode(NodeType::kElse, peek.pos);  // "else if": the if follows
        }
        return NewNode(NodeType::kElse, Expect(Tok::kRightDelim, "else").pos);
      }
      case Tok::kEnd:
        return NewNode(NodeType::kEnd, Expect(Tok::kRightDelim, "end").pos);
      case Tok::kIf:
        return Control(NodeType::kIf, "if");
      case Tok::kRange:
        return Control(NodeType::kRange, "range");
      case Tok::kWith:
        return Control(NodeType::kWith, "with");
      case Tok::kBlock:
        return TemplateCall(true);
      case Tok::kTemplate:
        return TemplateCall(false);
      default:
        break;
    }
    Backup();
    size_t pos = Peek().pos;
    auto n = NewNode(NodeType::kAction, pos);
    n->pipe = Pipeline("command", Tok::kRightDelim);
    return n;
  }

  // Items until {{end}} or {{else}}; returns the list and that node.
  std::pair<std::unique_ptr<Node>, std::unique_ptr<Node>> ItemList() {
    auto list = NewNode(NodeType::kList, PeekNonSpace().pos);
    while (PeekNonSpace().type != Tok::kEOF) {
      auto n = TextOrAction();
      if (n->type == NodeType::kEnd || n->type == NodeType::kElse) {
        return {std::move(list), std::move(n)};
      }
      list->kids.push_back(std::move(n));
    }
    Errorf("unexpected EOF");
  }

  // Counts one level of nesting for its lifetime; fails past kMaxDepth.
  class DepthGuard {
   public:
    explicit DepthGuard(Parser& p) : p_(p) {
      uintptr_t here = FrameAddress();
      bool deep = here < p_.stack_base_ && p_.stack_base_ - here > StackBudget();
      if (++p_.depth_ > kMaxDepth || deep) {
        p_.Errorf("nesting too deep: more than " + std::to_string(kMaxDepth) +
                  " levels of parentheses, if, range and with");
      }
    }
    ~DepthGuard() { p_.depth_--; }

   private:
    Parser& p_;
  };

  std::unique_ptr<Node> Control(NodeType type, const std::string& context) {
    DepthGuard guard(*this);
    size_t saved_vars = vars_.size();
    auto n = NewNode(type, 0);
    n->pipe = Pipeline(context, Tok::kRightDelim);
    n->pos = n->pipe->pos;
    if (type == NodeType::kRange) range_depth_++;
    auto [list, next] = ItemList();
    if (type == NodeType::kRange) range_depth_--;
    n->list = std::move(list);
    if (next->type == NodeType::kElse) {
      if ((type == NodeType::kIf && Peek().type == Tok::kIf) ||
          (type == NodeType::kWith && Peek().type == Tok::kWith)) {
        Next();  // consume "if"/"with": the nested control owns the {{end}}
        n->else_list = NewNode(NodeType::kList, next->pos);
        n->else_list->kids.push_back(Control(type, context));
      } else {
        auto [else_list, end] = ItemList();
        if (end->type != NodeType::kEnd) Errorf("expected end; found " + end->String());
        n->else_list = std::move(else_list);
      }
    }
    vars_.resize(saved_vars);
    return n;
  }

  std::unique_ptr<Node> NewVariable(const Token& t) {
    auto v = NewNode(NodeType::kVariable, t.pos);
    v->ident.push_back(t.val);
    return v;
  }

  std::unique_ptr<Node> Pipeline(const std::string& context, Tok end) {
    auto pipe = NewNode(NodeType::kPipe, PeekNonSpace().pos);
  decls:
    if (PeekNonSpace().type == Tok::kVariable) {
      const Token& v = NextNonSpace();
      const Token& next = PeekNonSpace();
      if (next.type == Tok::kAssign || next.type == Tok::kDeclare) {
        pipe->is_assign = next.type == Tok::kAssign;
        NextNonSpace();
        pipe->decl.push_back(NewVariable(v));
        vars_.push_back(v.val);
      } else if (next.type == Tok::kChar && next.val == ",") {
        NextNonSpace();
        pipe->decl.push_back(NewVariable(v));
        vars_.push_back(v.val);
        if (context == "range" && pipe->decl.size() < 2) {
          Tok t = PeekNonSpace().type;
          if (t == Tok::kVariable || t == Tok::kRightDelim || t == Tok::kRightParen) goto decls;
          Errorf("range can only initialize variables");
        }
        Errorf("too many declarations in " + context);
      } else {
        // "$x foo" or "$x.F": the variable is an operand; re-read it.
        i_ = static_cast<size_t>(&v - toks_.data());
      }
    }
    for (;;) {
      const Token& t = NextNonSpace();
      if (t.type == end) {
        CheckPipeline(*pipe, context);
        return pipe;
      }
      switch (t.type) {
        case Tok::kBool:
        case Tok::kCharConstant:
        case Tok::kDot:
        case Tok::kField:
        case Tok::kIdentifier:
        case Tok::kNumber:
        case Tok::kNil:
        case Tok::kRawString:
        case Tok::kString:
        case Tok::kVariable:
        case Tok::kLeftParen:
          Backup();
          pipe->kids.push_back(Command());
          break;
        default:
          Unexpected(t, context);
      }
    }
  }

  void CheckPipeline(const Node& pipe, const std::string& context) {
    if (pipe.kids.empty()) Errorf("missing value for " + context);
    for (size_t i = 1; i < pipe.kids.size(); i++) {
      NodeType first = pipe.kids[i]->kids[0]->type;
      if (first == NodeType::kBool || first == NodeType::kDot || first == NodeType::kNil ||
          first == NodeType::kNumber || first == NodeType::kString) {
        Errorf("non executable command in pipeline stage " + std::to_string(i + 1));
      }
    }
  }

  std::unique_ptr<Node> Command() {
    auto cmd = NewNode(NodeType::kCommand, PeekNonSpace().pos);
    for (;;) {
      PeekNonSpace();
      if (auto operand = Operand()) cmd->kids.push_back(std::move(operand));
      const Token& t = Next();
      if (t.type == Tok::kSpace) continue;
      if (t.type == Tok::kRightDelim || t.type == Tok::kRightParen) {
        Backup();
      } else if (t.type != Tok::kPipe) {
        Unexpected(t, "operand");
      }
      break;
    }
    if (cmd->kids.empty()) Errorf("empty command");
    return cmd;
  }

  std::unique_ptr<Node> Operand() {
    auto node = Term();
    if (!node) return nullptr;
    if (Peek().type != Tok::kField) return node;
    size_t chain_pos = Peek().pos;
    std::vector<std::string> fields;
    while (Peek().type == Tok::kField) fields.push_back(Next().val.substr(1));
    switch (node->type) {
      case NodeType::kField:
      case NodeType::kVariable:
        node->pos = chain_pos;
        node->ident.insert(node->ident.end(), fields.begin(), fields.end());
        return node;
      case NodeType::kBool:
      case NodeType::kString:
      case NodeType::kNumber:
      case NodeType::kNil:
      case NodeType::kDot:
        Errorf("unexpected . after term " + GoQuote(node->String()));
      default: {
        auto chain = NewNode(NodeType::kChain, chain_pos);
        chain->kids.push_back(std::move(node));
        chain->ident = std::move(fields);
        return chain;
      }
    }
  }

  std::unique_ptr<Node> Term() {
    const Token& t = NextNonSpace();
    switch (t.type) {
      case Tok::kIdentifier: {
        if (!is_function_(t.val)) Errorf("function " + GoQuote(t.val) + " not defined");
        auto n = NewNode(NodeType::kIdentifier, t.pos);
        n->text = t.val;
        return n;
      }
      case Tok::kDot:
        return NewNode(NodeType::kDot, t.pos);
      case Tok::kNil:
        return NewNode(NodeType::kNil, t.pos);
      case Tok::kVariable: {
        bool known = false;
        for (const auto& v : vars_) known = known || v == t.val;
        if (!known) Errorf("undefined variable " + GoQuote(t.val));
        return NewVariable(t);
      }
      case Tok::kField: {
        auto n = NewNode(NodeType::kField, t.pos);
        n->ident.push_back(t.val.substr(1));
        return n;
      }
      case Tok::kBool: {
        auto n = NewNode(NodeType::kBool, t.pos);
        n->text = t.val;
        n->constant = t.val == "true";
        return n;
      }
      case Tok::kNumber:
      case Tok::kCharConstant:
        return Number(t);
      case Tok::kLeftParen: {
        DepthGuard guard(*this);
        return Pipeline("parenthesized pipeline", Tok::kRightParen);
      }
      case Tok::kString:
      case Tok::kRawString: {
        std::string s;
        if (!Unquote(t.val, s)) Errorf("invalid syntax");
        auto n = NewNode(NodeType::kString, t.pos);
        n->text = t.val;
        n->constant = std::move(s);
        return n;
      }
      default:
        Backup();
        return nullptr;
    }
  }

  // Number constants keep Go's "ideal constant" kinds: text with . e E p P
  // (and not hex) is a float, everything else an integer.
  std::unique_ptr<Node> Number(const Token& t) {
    auto n = NewNode(NodeType::kNumber, t.pos);
    n->text = t.val;
    if (t.type == Tok::kCharConstant) {
      std::string s;
      size_t i = 0;
      std::string_view body = std::string_view(t.val).substr(1, t.val.size() - 2);
      if (body.empty() || !UnquoteChar(body, i, '\'', s) || i != body.size()) {
        Errorf("malformed character constant: " + t.val);
      }
      // Decode the UTF-8 we produced back into a rune value.
      uint32_t r = static_cast<unsigned char>(s[0]);
      if (s.size() > 1) {
        r &= 0xff >> (s.size() + 1);
        for (size_t k = 1; k < s.size(); k++) r = (r << 6) | (static_cast<unsigned char>(s[k]) & 0x3f);
      }
      n->constant = static_cast<int64_t>(r);
      return n;
    }
    std::string_view text = t.val;
    if (!text.empty() && text.back() == 'i') Errorf("complex numbers are not supported: " + t.val);
    bool hex = text.size() > 2 && (text.substr(0, 2) == "0x" || text.substr(0, 2) == "0X" ||
                                   text.substr(0, 3) == "-0x" || text.substr(0, 3) == "+0x");
    bool floaty = text.find_first_of(hex ? "pP." : ".eEpP") != std::string_view::npos;
    int64_t iv = 0;
    if (!floaty && ParseGoInt(text, iv)) {
      n->constant = iv;
      return n;
    }
    std::string clean;
    for (char c : text) {
      if (c != '_') clean += c;
    }
    char* end = nullptr;
    double f = std::strtod(clean.c_str(), &end);
    if (clean.empty() || end != clean.c_str() + clean.size() || !floaty) {
      Errorf("illegal number syntax: " + GoQuote(t.val));
    }
    n->constant = f;
    return n;
  }

  std::string_view text_;
  std::vector<Token> toks_;
  bool (*is_function_)(std::string_view);
  size_t i_ = 0;
  size_t max_i_ = 0;
  std::vector<std::string> vars_{"$"};
  int range_depth_ = 0;
  int depth_ = 0;  // current nesting, see kMaxDepth
  uintptr_t stack_base_ = FrameAddress();  // the stack grows down from here
  std::unique_ptr<Tree> tree_ = std::make_unique<Tree>();
};

}  // namespace

uintptr_t StackBudget() {
  static const uintptr_t budget = [] {
    uintptr_t b = 4u << 20;
    rlimit rl{};
    if (getrlimit(RLIMIT_STACK, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY) {
      b = std::min<uintptr_t>(b, static_cast<uintptr_t>(rl.rlim_cur) / 2);
    }
    return b;
  }();
  return budget;
}

Result<std::shared_ptr<const Tree>> ParseTree(std::string_view text,
                                              bool (*is_function)(std::string_view)) {
  try {
    Parser parser(text, is_function);
    return std::shared_ptr<const Tree>(parser.Parse());
  } catch (const ParseError& e) {
    return MakeError(Code::kInvalidArgument, e.message);
  }
}

}  // namespace berth::tmpl
