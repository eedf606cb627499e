// UTF-8 encoding of one code point, shared by the template engine (escapes,
// %c, case mapping) and the Dockerfile lexer.
#pragma once

#include <string>

namespace berth {

// Appends r encoded as UTF-8 (1 to 4 bytes; r must be below 0x110000).
void AppendUtf8(std::string& out, char32_t r);

}  // namespace berth
