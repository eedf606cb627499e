// Functions callable from templates: Go's builtins and docker's additions
// (internal to format/).
#pragma once

#include <string_view>
#include <vector>

#include "base/result.h"
#include "format/template_value.h"

namespace berth::tmpl {

// True for every name CallFunction accepts, plus "and" and "or", which the
// executor evaluates itself because they short-circuit, and "call".
bool IsFunction(std::string_view name);

// The Go parameter types of a function's leading parameters, one letter
// each: 's' string, 'i' int, 'L' []string; empty when every parameter
// takes any value. The executor checks arguments against them as Go's
// evalArg does, so that errors name the argument ("expected string; found
// 1").
std::string_view ParamKinds(std::string_view name);

// Roughly the bytes a copy of j takes (16 a value plus string bytes); stops
// counting once past limit.
size_t Weight(const Json& j, size_t limit);

// Calls the named function with evaluated arguments (invalid values are
// Go's nil). header_mode gives docker's HeaderFunctions: json, split, join,
// title, lower, upper, pad and truncate return their first argument.
// Errors: kInvalidArgument for wrong arity or argument types (the message is
// reported as is, e.g. "wrong number of args for join: want 2 got 1");
// kInternal for failures inside the call, which the executor reports as
// "error calling <name>: <message>", among them a string result that would
// pass max_bytes (checked before it is made). "call" is the executor's too:
// it needs the argument's node for its message.
Result<Value> CallFunction(std::string_view name, const std::vector<Value>& args,
                           bool header_mode, size_t max_bytes);

}  // namespace berth::tmpl
