// The executor of docker's --format templates. It walks the parse tree the
// way Go's text/template exec.go does (evalPipeline, evalCommand,
// evalField, walkRange), so that output, "<no value>" and error messages
// match what docker prints for the same format string. Unlike Go it runs on
// a budget (ExecuteOptions: steps, and bytes made), so that no template can
// run for minutes or fill the memory: a nested {{range}} or a huge width
// fails with a message instead.
#include "format/template.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <utility>

#include "format/template_funcs.h"
#include "format/template_lex.h"
#include "format/template_parse.h"
#include "format/template_typed.h"
#include "format/template_value.h"

namespace berth {
namespace {

using tmpl::Json;
using tmpl::Node;
using tmpl::NodeType;
using tmpl::Value;

struct ExecError {
  std::string message;
};
struct SinkError {
  Error error;
};

enum class Flow { kNormal, kBreak, kContinue };

using Args = std::vector<std::unique_ptr<Node>>;

// Output is handed to the sink in pieces of about this size.
constexpr size_t kFlushBytes = 64 << 10;

// How deep {{template}} calls, if/range/with and parentheses may nest while
// executing: the executor recurses once per level. Go allows 100,000
// template calls on its growable stacks; berth's are fixed, and 1,000 levels
// (as the parser allows in one template) take well under 1 MiB here. As a
// backstop, using more than tmpl::StackBudget() of stack fails the same way
// (frames are several times larger under AddressSanitizer).
constexpr size_t kMaxExecDepth = 1000;

using tmpl::FrameAddress;

class Exec {
 public:
  Exec(std::string_view text, const tmpl::Tree& tree, const ExecuteOptions& options,
       const TemplateSink* sink)
      : text_(text), tree_(tree), options_(options), sink_(sink), steps_left_(options.max_steps),
        bytes_left_(options.max_bytes) {}

  std::string out;
  std::vector<std::pair<std::string, Value>> vars;

  // Hands what is left in out to the sink (when there is one).
  void Flush() {
    if (!sink_ || out.empty()) return;
    Status st = (*sink_)(out);
    out.clear();
    if (!st.ok()) throw SinkError{st.error()};
  }

  Flow Walk(const Value& dot, const Node& n) {
    Step(n);
    switch (n.type) {
      case NodeType::kList:
        for (const auto& k : n.kids) {
          Flow f = Walk(dot, *k);
          if (f != Flow::kNormal) return f;
        }
        return Flow::kNormal;
      case NodeType::kText:
        Emit(n, n.text);
        return Flow::kNormal;
      case NodeType::kAction: {
        Value v = EvalPipeline(dot, *n.pipe);
        if (n.pipe->decl.empty()) {
          if (v.typed()) {
            std::string text;
            tmpl::AppendPrintable(v, text);
            Emit(n, text);
          } else if (!v.valid() || v.json().is_null()) {
            Emit(n, "<no value>");
          } else if (v.json().is_string()) {
            Emit(n, v.json().get_ref<const std::string&>());
          } else {
            std::string text;
            tmpl::AppendV(v.json(), text);
            Emit(n, text);
          }
        }
        return Flow::kNormal;
      }
      case NodeType::kIf:
      case NodeType::kWith: {
        DepthGuard guard(*this, n);
        size_t mark = vars.size();
        Value v = EvalPipeline(dot, *n.pipe);
        Flow f = Flow::kNormal;
        if (tmpl::IsTrue(v)) {
          f = Walk(n.type == NodeType::kWith ? v : dot, *n.list);
        } else if (n.else_list) {
          f = Walk(dot, *n.else_list);
        }
        vars.resize(mark);
        return f;
      }
      case NodeType::kRange: {
        DepthGuard guard(*this, n);
        return WalkRange(dot, n);
      }
      case NodeType::kTemplate:
        WalkTemplate(dot, n);
        return Flow::kNormal;
      case NodeType::kBreak:
        return Flow::kBreak;
      case NodeType::kContinue:
        return Flow::kContinue;
      default:
        Fail(n, "unknown node: " + n.String());
    }
  }

 private:
  // Counts one level of execution nesting for its lifetime (kMaxExecDepth).
  class DepthGuard {
   public:
    DepthGuard(Exec& e, const Node& at) : e_(e) {
      uintptr_t here = FrameAddress();
      bool deep = here < e_.stack_base_ && e_.stack_base_ - here > tmpl::StackBudget();
      if (++e_.depth_ > kMaxExecDepth || deep) {
        e_.Fail(at, "exceeded maximum template depth (" + std::to_string(kMaxExecDepth) + ")");
      }
    }
    ~DepthGuard() { e_.depth_--; }

   private:
    Exec& e_;
  };

  // Go's walkTemplate: the callee sees only $, set to the pipeline's value.
  void WalkTemplate(const Value& dot, const Node& n) {
    const Node* body = tree_.Find(n.text);
    if (!body) Fail(n, "template " + tmpl::GoQuote(n.text) + " not defined");
    DepthGuard guard(*this, n);
    Value d = n.pipe ? EvalPipeline(dot, *n.pipe) : Value();
    std::vector<std::pair<std::string, Value>> saved{{"$", d}};
    std::swap(saved, vars);
    std::string caller = std::exchange(name_, n.text);
    Walk(d, *body);
    name_ = std::move(caller);
    vars = std::move(saved);
  }

  // One unit of work: a node walked or a command evaluated.
  void Step(const Node& at) { Steps(at, 1); }

  void Steps(const Node& at, size_t n) {
    if (n > steps_left_) {
      Fail(at, "template execution takes more than " + std::to_string(options_.max_steps) +
                   " steps (berth's limit)");
    }
    steps_left_ -= n;
  }

  // Counts bytes made (output or function results) against the budget.
  void Spend(const Node& at, size_t n) {
    if (n > bytes_left_) {
      Fail(at, "template output is larger than " + std::to_string(options_.max_bytes) +
                   " bytes (berth's limit)");
    }
    bytes_left_ -= n;
  }

  void Emit(const Node& at, std::string_view text) {
    Spend(at, text.size());
    out += text;
    if (out.size() >= kFlushBytes) Flush();
  }

  [[noreturn]] void Fail(const Node& at, const std::string& msg) {
    size_t pos = std::min(at.pos, text_.size());
    std::string_view before = text_.substr(0, pos);
    size_t nl = before.rfind('\n');
    size_t col = nl == std::string_view::npos ? pos : pos - nl - 1;
    size_t line = 1 + static_cast<size_t>(std::count(before.begin(), before.end(), '\n'));
    // The whole node, as docker 20.10 and 28 print it (Go's 20-character
    // cut of the context is gone from the Go versions they are built with).
    std::string context = at.String();
    throw ExecError{"template: :" + std::to_string(line) + ":" + std::to_string(col) +
                    ": executing " + tmpl::GoQuote(name_) + " at <" + context + ">: " + msg};
  }

  // The node Go's executor last stood at after evaluating pipe (its
  // s.node), which names errors raised after the evaluation: the last
  // argument of the last command, looking into parentheses.
  static const Node& LastEvaluated(const Node& pipe) {
    if (pipe.kids.empty() || pipe.kids.back()->kids.empty()) return pipe;
    const Node& last = *pipe.kids.back()->kids.back();
    if (last.type == NodeType::kPipe) return LastEvaluated(last);
    if (last.type == NodeType::kChain && !last.kids.empty()) {
      const Node& operand = *last.kids[0];
      return operand.type == NodeType::kPipe ? LastEvaluated(operand) : operand;
    }
    return last;
  }

  Flow WalkRange(const Value& dot, const Node& n) {
    size_t outer = vars.size();
    Value v = EvalPipeline(dot, *n.pipe);
    size_t mark = vars.size();
    auto one = [&](const Value& index, const Value& elem) {
      if (!n.pipe->decl.empty()) {
        if (n.pipe->is_assign) {
          SetVar(*n.pipe, n.pipe->decl[0]->ident[0], n.pipe->decl.size() > 1 ? index : elem);
          if (n.pipe->decl.size() > 1) SetVar(*n.pipe, n.pipe->decl[1]->ident[0], elem);
        } else {
          vars[mark - 1].second = elem;
          if (n.pipe->decl.size() > 1) vars[mark - 2].second = index;
        }
      }
      Flow f = Walk(elem, *n.list);
      vars.resize(mark);
      return f;
    };
    bool any = false;
    if (v.typed()) {
      tmpl::RangeItems r = tmpl::TypedRange(v);
      if (!r.error.empty()) Fail(LastEvaluated(*n.pipe), r.error);
      for (const auto& [index, elem] : r.items) {
        any = true;
        if (one(index, elem) == Flow::kBreak) break;
      }
    } else if (v.valid() && v.json().is_array()) {
      const Json& j = v.json();
      for (size_t i = 0; i < j.size(); i++) {
        any = true;
        if (one(Value::Own(static_cast<int64_t>(i)), v.Child(j[i])) == Flow::kBreak) break;
      }
    } else if (v.valid() && v.json().is_object()) {
      const Json& j = v.json();
      std::vector<std::string> keys;
      for (const auto& [k, e] : j.items()) keys.push_back(k);
      std::sort(keys.begin(), keys.end());
      for (const auto& k : keys) {
        any = true;
        if (one(Value::Own(k), v.Child(*j.find(k))) == Flow::kBreak) break;
      }
    } else if (v.valid() && !v.json().is_null()) {
      Fail(LastEvaluated(*n.pipe), "range can't iterate over " + tmpl::FormatV(v.json()));
    }
    if (!any && n.else_list) {
      Flow f = Walk(dot, *n.else_list);
      vars.resize(outer);
      return f;
    }
    vars.resize(outer);
    return Flow::kNormal;
  }

  void SetVar(const Node& at, const std::string& name, const Value& v) {
    for (size_t i = vars.size(); i-- > 0;) {
      if (vars[i].first == name) {
        vars[i].second = v;
        return;
      }
    }
    Fail(at, "undefined variable: " + name);
  }

  Value VarValue(const Node& at, const std::string& name) {
    for (size_t i = vars.size(); i-- > 0;) {
      if (vars[i].first == name) return vars[i].second;
    }
    Fail(at, "undefined variable: " + name);
  }

  Value EvalPipeline(const Value& dot, const Node& pipe) {
    Value value;
    bool have = false;
    for (const auto& cmd : pipe.kids) {
      value = EvalCommand(dot, *cmd, have ? &value : nullptr);
      have = true;
      // Go unwraps interface values here; a JSON null becomes "no value".
      if (value.valid() && !value.typed() && value.json().is_null()) value = Value();
      if (value.boxed()) value = value.Unboxed();
    }
    for (const auto& d : pipe.decl) {
      if (pipe.is_assign) {
        SetVar(*d, d->ident[0], value);
      } else {
        vars.emplace_back(d->ident[0], value);
      }
    }
    return value;
  }

  void NotAFunction(const Node& at, const Args& args, const Value* final) {
    if (args.size() > 1 || final) Fail(at, "can't give argument to non-function " + args[0]->String());
  }

  Value EvalCommand(const Value& dot, const Node& cmd, const Value* final) {
    Step(cmd);
    const Node& first = *cmd.kids[0];
    switch (first.type) {
      case NodeType::kField:
        if (cmd.kids.size() > 1 || final) return EvalFieldCall(dot, cmd, final);
        return EvalFieldChain(first, dot, first.ident, 0, false);
      case NodeType::kChain:
        return EvalChain(dot, first, cmd.kids.size() > 1 || final);
      case NodeType::kIdentifier:
        return EvalFunction(dot, first, cmd, cmd.kids, final);
      case NodeType::kPipe:
        NotAFunction(cmd, cmd.kids, final);
        return EvalPipeline(dot, first);
      case NodeType::kVariable:
        if (first.ident.size() == 1) {
          NotAFunction(first, cmd.kids, final);
          return VarValue(first, first.ident[0]);
        }
        return EvalFieldChain(first, VarValue(first, first.ident[0]), first.ident, 1,
                              cmd.kids.size() > 1 || final);
      default:
        break;
    }
    NotAFunction(first, cmd.kids, final);
    switch (first.type) {
      case NodeType::kBool:
      case NodeType::kNumber:
      case NodeType::kString:
        return Value::Own(first.constant);
      case NodeType::kDot:
        return dot;
      case NodeType::kNil:
        Fail(first, "nil is not a command");
      default:
        Fail(first, "can't evaluate command " + first.String());
    }
  }

  Value EvalChain(const Value& dot, const Node& chain, bool has_args) {
    const Node& operand = *chain.kids[0];
    if (operand.type == NodeType::kNil) Fail(chain, "indirection through explicit nil in " + chain.String());
    Value v = EvalArg(dot, operand);
    return EvalFieldChain(chain, v, chain.ident, 0, has_args);
  }

  Value EvalFieldChain(const Node& at, Value receiver, const std::vector<std::string>& ident,
                       size_t from, bool has_args) {
    for (size_t i = from; i < ident.size(); i++) {
      receiver = EvalField(at, ident[i], has_args && i + 1 == ident.size(), receiver);
    }
    return receiver;
  }

  // A field node given arguments (`{{.Label "x"}}`, `{{"x" | .Label}}`):
  // a typed receiver's method is called as Go's evalCall calls it (the
  // count checked first, then each argument as a string); anything else is
  // a field that cannot take arguments.
  Value EvalFieldCall(const Value& dot, const Node& cmd, const Value* final) {
    const Node& field = *cmd.kids[0];
    const std::vector<std::string>& ident = field.ident;
    Value receiver = dot;
    for (size_t i = 0; i + 1 < ident.size(); i++) receiver = EvalField(field, ident[i], false, receiver);
    const std::string& name = ident.back();
    size_t given = cmd.kids.size() - 1 + (final ? 1 : 0);
    const GoMethod* m = receiver.valid() ? tmpl::FindMethod(receiver, name) : nullptr;
    if (m == nullptr && receiver.valid() && tmpl::IsFieldMethod(receiver, name)) {
      Fail(field, "wrong number of args for " + name + ": want 0 got " + std::to_string(given));
    }
    if (m == nullptr) return EvalField(field, name, true, receiver);
    if (given != m->params) {
      Fail(field, "wrong number of args for " + name + ": want " + std::to_string(m->params) +
                      " got " + std::to_string(given));
    }
    std::vector<std::string> args;
    for (size_t i = 1; i < cmd.kids.size(); i++) {
      args.push_back(EvalTypedArg(dot, *cmd.kids[i], 's').json().get<std::string>());
    }
    if (final) args.push_back(ValidateType(field, *final, 's', "string").json().get<std::string>());
    return tmpl::CallMethod(receiver, *m, args);
  }

  Value EvalField(const Node& at, const std::string& name, bool has_args, const Value& receiver) {
    if (!receiver.valid()) {
      if (options_.missing_key_error) Fail(at, "nil data; no entry for key " + tmpl::GoQuote(name));
      return Value();
    }
    if (receiver.typed()) {
      tmpl::Lookup r = tmpl::TypedField(receiver, name, has_args, options_.missing_key_error);
      if (!r.error.empty()) Fail(at, r.error);
      return r.value;
    }
    const Json& j = receiver.json();
    if (j.is_null()) Fail(at, "nil pointer evaluating interface {}." + name);
    if (j.is_object()) {
      if (has_args) Fail(at, name + " is not a method but has arguments");
      auto it = j.find(name);
      if (it != j.end()) return receiver.Child(*it);
      if (options_.missing_key_error) Fail(at, "map has no entry for key " + tmpl::GoQuote(name));
      return Value();
    }
    Fail(at, "can't evaluate field " + name + " in type " +
                 (receiver.boxed() ? "interface {}" : tmpl::TypeName(j)));
  }

  Value EvalArg(const Value& dot, const Node& n) {
    switch (n.type) {
      case NodeType::kDot:
        return dot;
      case NodeType::kNil:
        return Value();  // an untyped nil: no value at all
      case NodeType::kField:
        return EvalFieldChain(n, dot, n.ident, 0, false);
      case NodeType::kVariable:
        return EvalFieldChain(n, VarValue(n, n.ident[0]), n.ident, 1, false);
      case NodeType::kPipe: {
        DepthGuard guard(*this, n);
        return EvalPipeline(dot, n);
      }
      case NodeType::kIdentifier: {
        Args none;
        return EvalFunction(dot, n, n, none, nullptr);
      }
      case NodeType::kChain:
        return EvalChain(dot, n, false);
      case NodeType::kBool:
      case NodeType::kNumber:
      case NodeType::kString:
        return Value::Own(n.constant);
      default:
        Fail(n, "can't handle " + n.String() + " for arg");
    }
  }

  // Go's evalArg for a parameter of a concrete type (kind as in
  // tmpl::ParamKinds): literals must be of that kind, other operands are
  // evaluated and then checked (validateType).
  Value EvalTypedArg(const Value& dot, const Node& n, char kind) {
    const char* type = kind == 's' ? "string" : kind == 'i' ? "int" : "[]string";
    switch (n.type) {
      case NodeType::kNil:
        if (kind == 'L') return Value();
        Fail(n, std::string("cannot assign nil to ") + type);
      case NodeType::kBool:
      case NodeType::kNumber:
      case NodeType::kString:
        if (kind == 's' && n.type == NodeType::kString) return Value::Own(n.constant);
        if (kind == 'i' && n.type == NodeType::kNumber) {
          const Json& c = n.constant;
          if (c.is_number_integer()) return Value::Own(c);
          double f = c.get<double>();
          if (f == std::trunc(f) && std::fabs(f) < 9.2e18) return Value::Own(static_cast<int64_t>(f));
        }
        if (kind == 'L') Fail(n, "can't handle " + n.String() + " for arg of type []string");
        Fail(n, std::string(kind == 's' ? "expected string" : "expected integer") + "; found " + n.String());
      case NodeType::kDot:
        return ValidateType(n, dot, kind, type);
      default:
        return ValidateType(n, EvalArg(dot, n), kind, type);
    }
  }

  Value ValidateType(const Node& n, const Value& v, char kind, const char* type) {
    if (!v.valid() || v.json().is_null()) {
      if (kind == 'L') return Value();
      Fail(n, std::string("invalid value; expected ") + type);
    }
    const Json& j = v.json();
    bool ok = kind == 's' ? j.is_string() : kind == 'i' ? j.is_number_integer() : false;
    if (kind == 'L' && j.is_array()) {
      ok = std::all_of(j.begin(), j.end(), [](const Json& e) { return e.is_string(); });
      if (!ok) Fail(n, "wrong type for value; expected []string; got " + tmpl::TypeName(j));
    }
    if (!ok) Fail(n, std::string("wrong type for value; expected ") + type + "; got " + tmpl::TypeName(j));
    return v;
  }

  // args[0] is the function's own node (absent when called as a bare
  // argument); final is the value piped in, passed last.
  Value EvalFunction(const Value& dot, const Node& ident, const Node& cmd, const Args& args,
                     const Value* final) {
    const std::string& name = ident.text;
    size_t first = args.empty() ? 0 : 1;
    if (name == "and" || name == "or") {
      size_t count = args.size() - first + (final ? 1 : 0);
      if (count < 1) {
        Fail(ident, "wrong number of args for " + name + ": want at least 1 got 0");
      }
      Value v;
      for (size_t i = first; i < args.size(); i++) {
        v = EvalArg(dot, *args[i]);
        if (tmpl::IsTrue(v) == (name == "or")) return v;
      }
      if (final) v = *final;
      return v;
    }
    std::vector<Value> argv;
    std::string_view kinds = options_.header_functions ? "" : tmpl::ParamKinds(name);
    for (size_t i = first; i < args.size(); i++) {
      size_t k = i - first;
      argv.push_back(k < kinds.size() ? EvalTypedArg(dot, *args[i], kinds[k]) : EvalArg(dot, *args[i]));
    }
    if (final) argv.push_back(*final);
    if (name == "call") Call(ident, cmd, args, first, argv);
    // Functions read their string and list arguments through: that costs
    // steps, so that comparing or slicing large values in a loop ends too.
    for (const auto& a : argv) {
      if (!a.valid()) continue;
      const Json& j = a.json();
      if (j.is_string()) Steps(cmd, j.get_ref<const std::string&>().size() / 256);
      if (j.is_array() || j.is_object()) Steps(cmd, j.size() / 16);
    }
    auto result = tmpl::CallFunction(name, argv, options_.header_functions, bytes_left_);
    if (!result.ok()) {
      if (result.error().code == Code::kInvalidArgument) Fail(ident, result.error().message);
      Fail(cmd, "error calling " + name + ": " + result.error().message);
    }
    // What the function made counts against the byte budget: a string, or
    // the list slice and split build.
    Value v = std::move(result).value();
    if (v.valid() && v.json().is_string()) Spend(cmd, v.json().get_ref<const std::string&>().size());
    if (v.valid() && v.json().is_array() && (name == "slice" || name == "split")) {
      Spend(cmd, tmpl::Weight(v.json(), bytes_left_));
    }
    return v;
  }

  // Go's call builtin. Template data holds no functions, so every call
  // fails, naming the callee as Go does: the argument's source text, or the
  // piped value.
  [[noreturn]] void Call(const Node& ident, const Node& cmd, const Args& args, size_t first,
                         const std::vector<Value>& argv) {
    if (argv.empty()) Fail(ident, "wrong number of args for call: want at least 1 got 0");
    const Value& fn = argv[0];
    if (!fn.valid() || fn.json().is_null()) Fail(cmd, "error calling call: call of nil");
    std::string callee;
    if (first < args.size()) {
      callee = args[first]->String();
    } else if (fn.json().is_string() || fn.json().is_number()) {
      callee = tmpl::FormatV(fn.json());  // reflect.Value.String of a string kind
    } else {
      callee = "<" + tmpl::TypeName(fn.json()) + " Value>";
    }
    Fail(cmd, "error calling call: non-function " + callee + " of type " + tmpl::TypeName(fn.json()));
  }

  std::string_view text_;
  const tmpl::Tree& tree_;
  const ExecuteOptions& options_;
  const TemplateSink* sink_;
  std::string name_;  // the template being executed ("" for the main one)
  size_t depth_ = 0;
  uintptr_t stack_base_ = FrameAddress();  // the stack grows down from here
  size_t steps_left_;
  size_t bytes_left_;
};

}  // namespace

Result<Template> Template::Parse(std::string_view text) {
  auto tree = TRY(tmpl::ParseTree(text, tmpl::IsFunction));
  return Template(std::string(text), std::move(tree));
}

Status Template::Run(const nlohmann::ordered_json& data, const ExecuteOptions& options,
                     const TemplateSink* sink, std::string* out) const {
  Exec exec(text_, *tree_, options, sink);
  Value dot = data.is_null() && !options.type ? Value() : Value::Borrow(data, options.type);
  exec.vars.emplace_back("$", dot);
  try {
    if (const Node* root = tree_->Find("")) exec.Walk(dot, *root);
    exec.Flush();
  } catch (const ExecError& e) {
    return MakeError(Code::kInvalidArgument, e.message);
  } catch (const SinkError& e) {
    return e.error;
  } catch (const nlohmann::json::exception& e) {
    return MakeError(Code::kInternal, std::string("template: executing: ") + e.what());
  }
  if (out) *out = std::move(exec.out);
  return {};
}

Result<std::string> Template::Execute(const nlohmann::ordered_json& data,
                                      const ExecuteOptions& options) const {
  std::string out;
  TRY(Run(data, options, nullptr, &out));
  return out;
}

Status Template::Execute(const nlohmann::ordered_json& data, const TemplateSink& sink,
                         const ExecuteOptions& options) const {
  return Run(data, options, &sink, nullptr);
}

bool IsTableFormat(std::string_view format) { return format.starts_with("table"); }

std::string StripTablePrefix(std::string_view format) {
  if (IsTableFormat(format)) format.remove_prefix(5);
  size_t b = format.find_first_not_of(' ');
  if (b == std::string_view::npos) return "";
  size_t e = format.find_last_not_of(' ');
  return std::string(format.substr(b, e - b + 1));
}

std::string ExpandEscapes(std::string_view format) {
  std::string out;
  out.reserve(format.size());
  for (size_t i = 0; i < format.size(); i++) {
    if (format[i] == '\\' && i + 1 < format.size() && (format[i + 1] == 't' || format[i + 1] == 'n')) {
      out += format[i + 1] == 't' ? '\t' : '\n';
      i++;
    } else {
      out += format[i];
    }
  }
  return out;
}

}  // namespace berth
