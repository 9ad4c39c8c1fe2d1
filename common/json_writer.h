// The one JSON writer of the tree. AppendJsonString appends `s` as a quoted JSON string (RFC 8259
// escaping: quote, backslash, \n \r \t, other control characters as \u00XX; bytes >= 0x20 pass
// through, so UTF-8 stays UTF-8). json::Num writes a number in its shortest form that reads back
// to the same double (std::to_chars; whole numbers below 1e15 in plain digits), or null when it
// is not finite; json::Key and friends write `"key":` with the separating comma. Header-only and
// std-only, so the pure analysis code can use it too. Thread-safe.
#pragma once

#include <charconv>
#include <cmath>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

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

namespace json {

// A number in its shortest round-trip form, or null when not finite.
inline void Num(std::string* out, double v) {
  if (!std::isfinite(v)) {
    out->append("null");
    return;
  }
  char buf[32];
  // Whole numbers (timestamps, counts) in plain digits, not 1.7e+09.
  auto r = v == std::trunc(v) && std::fabs(v) < 1e15
               ? std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed)
               : std::to_chars(buf, buf + sizeof buf, v);
  out->append(buf, r.ptr);
}
// `"key":`, preceded by a comma unless `first`.
inline void Key(std::string* out, std::string_view key, bool first = false) {
  if (!first) out->push_back(',');
  AppendJsonString(out, key);
  out->push_back(':');
}
inline void KeyNum(std::string* out, std::string_view key, double v, bool first = false) {
  Key(out, key, first);
  Num(out, v);
}
inline void KeyStr(std::string* out, std::string_view key, std::string_view v, bool first = false) {
  Key(out, key, first);
  AppendJsonString(out, v);
}
inline void KeyBool(std::string* out, std::string_view key, bool v, bool first = false) {
  Key(out, key, first);
  out->append(v ? "true" : "false");
}
// A label set as an object {"name":"value",...}.
inline void Labels(std::string* out, const std::vector<std::pair<std::string, std::string>>& l) {
  out->push_back('{');
  for (size_t i = 0; i < l.size(); ++i) {
    if (i) out->push_back(',');
    AppendJsonString(out, l[i].first);
    out->push_back(':');
    AppendJsonString(out, l[i].second);
  }
  out->push_back('}');
}

}  // namespace json
}  // namespace streamlens
