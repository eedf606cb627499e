// Small string helpers used across modules.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace berth {

std::vector<std::string> Split(std::string_view s, char sep);
// Splits at the first sep: ("a=b=c", '=') -> {"a", "b=c"}; nullopt without sep.
std::optional<std::pair<std::string, std::string>> Cut(std::string_view s, char sep);
std::string_view Trim(std::string_view s);
std::string Join(const std::vector<std::string>& parts, std::string_view sep);
std::string ToLower(std::string_view s);
bool IsHex(std::string_view s);
std::optional<int64_t> ParseInt(std::string_view s);
// "a\"b" -> "\"a\\\"b\"" (JSON-style quoting for messages).
std::string Quote(std::string_view s);

}  // namespace berth
