// AppendJsonString: appends `s` to `out` as a quoted JSON string (RFC 8259 escaping: quote,
// backslash, \n \r \t, other control characters as \u00XX; bytes >= 0x20 pass through, so UTF-8
// stays UTF-8). Header-only and std-only, so the pure analysis code can use it too. Thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace streamlens {

// The escaped characters of `s` without the surrounding quotes (also logfmt's quoted values).
inline void AppendJsonEscaped(std::string* out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        out->append("\\\"");
        break;
      case '\\':
        out->append("\\\\");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      case '\t':
        out->append("\\t");
        break;
      default:
        if (c < 0x20) {
          out->append("\\u00");
          out->push_back(kHex[c >> 4]);
          out->push_back(kHex[c & 15]);
        } else {
          out->push_back(static_cast<char>(c));
        }
    }
  }
}

inline void AppendJsonString(std::string* out, std::string_view s) {
  out->push_back('"');
  AppendJsonEscaped(out, s);
  out->push_back('"');
}

}  // namespace streamlens
