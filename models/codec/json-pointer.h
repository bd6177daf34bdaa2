/*
 * JSON Pointer (RFC 6901) paths for error messages that name a place in a JSON document.
 * Only text is built here, so the codec needs no JSON library.
 *
 * Limitations:
 * - Builds pointers only; nothing here parses a pointer or resolves it against a document.
 * - Tokens are escaped byte by byte, so they are taken as already valid UTF-8.
 */
#ifndef TUNNELSIM_CODEC_JSON_POINTER_H
#define TUNNELSIM_CODEC_JSON_POINTER_H

#include <initializer_list>
#include <string>
#include <string_view>

namespace tunnelsim
{

/// Escape @p token as one reference token (RFC 6901 s3): "~" becomes "~0" and "/" becomes
/// "~1", e.g. "a/b~c" -> "a~1b~0c".
std::string EscapePointerToken(std::string_view token);

/// The JSON pointer made of @p tokens, each escaped, e.g. {"suites", "a/b"} ->
/// "/suites/a~1b". No tokens give "", the pointer to the whole document (RFC 6901 s5).
std::string MakeJsonPointer(std::initializer_list<std::string_view> tokens);

} // namespace tunnelsim

#endif
