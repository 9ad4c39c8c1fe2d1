// Internal to remote_read: a cursor over one JSON text for the decoders of the query API
// (query_json.cc) and of VictoriaMetrics' export API (export_json.cc). Reads strings (with every
// escape, as UTF-8), raw number text and skips values, without building a tree; errors name the
// byte offset. Holds a view of the text (the caller keeps it alive). Not thread-safe.
#pragma once

#include <cctype>
#include <charconv>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

#include "common/status.h"
#include "common/utf8.h"

namespace streamlens::remote_read {

class JsonReader {
 public:
  explicit JsonReader(std::string_view s) : s_(s) {}

  void Ws() {
    while (p_ < s_.size() &&
           (s_[p_] == ' ' || s_[p_] == '\n' || s_[p_] == '\t' || s_[p_] == '\r')) {
      ++p_;
    }
  }
  bool Peek(char c) {
    Ws();
    return p_ < s_.size() && s_[p_] == c;
  }
  bool Eat(char c) {
    if (!Peek(c)) return false;
    ++p_;
    return true;
  }
  Status Expect(char c) {
    if (Eat(c)) return Status::Ok();
    return Fail(std::string("expected '") + c + "'");
  }
  Status Fail(const std::string& what) const {
    return Status::Error("malformed JSON reply at byte " + std::to_string(p_) + ": " + what);
  }
  size_t pos() const { return p_; }
  void set_pos(size_t p) { p_ = p; }
  bool at_end() {
    Ws();
    return p_ >= s_.size();
  }

  Status String(std::string* out) {
    Ws();
    if (p_ >= s_.size() || s_[p_] != '"') return Fail("expected a string");
    ++p_;
    out->clear();
    for (;;) {
      size_t start = p_;
      while (p_ < s_.size() && s_[p_] != '"' && s_[p_] != '\\' &&
             static_cast<unsigned char>(s_[p_]) >= 0x20) {
        ++p_;
      }
      out->append(s_.substr(start, p_ - start));
      if (p_ >= s_.size()) return Fail("unterminated string");
      char c = s_[p_];
      if (c == '"') {
        ++p_;
        return Status::Ok();
      }
      if (c != '\\') return Fail("control character in string");
      if (++p_ >= s_.size()) return Fail("unterminated string");
      char e = s_[p_++];
      switch (e) {
        case '"':
          out->push_back('"');
          break;
        case '\\':
          out->push_back('\\');
          break;
        case '/':
          out->push_back('/');
          break;
        case 'b':
          out->push_back('\b');
          break;
        case 'f':
          out->push_back('\f');
          break;
        case 'n':
          out->push_back('\n');
          break;
        case 'r':
          out->push_back('\r');
          break;
        case 't':
          out->push_back('\t');
          break;
        case 'u': {
          uint32_t cp;
          STREAMLENS_RETURN_IF_ERROR(Hex4(&cp));
          if (cp >= 0xd800 && cp <= 0xdbff) {
            uint32_t lo;
            if (s_.substr(p_, 2) != "\\u") return Fail("unpaired surrogate");
            p_ += 2;
            STREAMLENS_RETURN_IF_ERROR(Hex4(&lo));
            if (lo < 0xdc00 || lo > 0xdfff) return Fail("unpaired surrogate");
            cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
          } else if (cp >= 0xdc00 && cp <= 0xdfff) {
            return Fail("unpaired surrogate");
          }
          AppendUtf8(out, cp);
          break;
        }
        default:
          return Fail("bad escape in string");
      }
    }
  }

  // Raw number text.
  Status Number(std::string_view* out) {
    Ws();
    size_t start = p_;
    while (p_ < s_.size() && (std::isdigit(static_cast<unsigned char>(s_[p_])) || s_[p_] == '-' ||
                              s_[p_] == '+' || s_[p_] == '.' || s_[p_] == 'e' || s_[p_] == 'E')) {
      ++p_;
    }
    if (p_ == start) return Fail("expected a number");
    *out = s_.substr(start, p_ - start);
    return Status::Ok();
  }

  // A bare token (number or literal, e.g. VictoriaMetrics' unquoted +Inf): the text up to the
  // next ',', ']', '}' or whitespace.
  Status Token(std::string_view* out) {
    Ws();
    size_t start = p_;
    while (p_ < s_.size() && s_[p_] != ',' && s_[p_] != ']' && s_[p_] != '}' && s_[p_] != ' ' &&
           s_[p_] != '\n' && s_[p_] != '\t' && s_[p_] != '\r') {
      ++p_;
    }
    if (p_ == start) return Fail("expected a value");
    *out = s_.substr(start, p_ - start);
    return Status::Ok();
  }

  Status Skip(int depth = 0) {
    if (depth > 200) return Fail("nesting too deep");
    Ws();
    if (p_ >= s_.size()) return Fail("unexpected end");
    char c = s_[p_];
    if (c == '"') {
      std::string tmp;
      return String(&tmp);
    }
    if (c == '{' || c == '[') {
      char close = c == '{' ? '}' : ']';
      ++p_;
      if (Eat(close)) return Status::Ok();
      for (;;) {
        if (c == '{') {
          std::string k;
          STREAMLENS_RETURN_IF_ERROR(String(&k));
          STREAMLENS_RETURN_IF_ERROR(Expect(':'));
        }
        STREAMLENS_RETURN_IF_ERROR(Skip(depth + 1));
        if (Eat(',')) continue;
        return Expect(close);
      }
    }
    for (std::string_view lit : {"true", "false", "null"}) {
      if (s_.substr(p_, lit.size()) == lit) {
        p_ += lit.size();
        return Status::Ok();
      }
    }
    std::string_view num;
    return Number(&num);
  }

 private:
  Status Hex4(uint32_t* cp) {
    if (p_ + 4 > s_.size()) return Fail("truncated \\u escape");
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) {
      char d = s_[p_++];
      int dv = (d >= '0' && d <= '9')   ? d - '0'
               : (d >= 'a' && d <= 'f') ? d - 'a' + 10
               : (d >= 'A' && d <= 'F') ? d - 'A' + 10
                                        : -1;
      if (dv < 0) return Fail("bad \\u escape");
      v = v * 16 + dv;
    }
    *cp = v;
    return Status::Ok();
  }

  std::string_view s_;
  size_t p_ = 0;
};

// A sample value as the query API writes it ("1.5", "NaN", "+Inf", "-Inf").
inline bool ParseSampleValue(std::string_view text, double* v) {
  if (text == "+Inf" || text == "Inf") {
    *v = std::numeric_limits<double>::infinity();
    return true;
  }
  if (text == "-Inf") {
    *v = -std::numeric_limits<double>::infinity();
    return true;
  }
  if (text == "NaN") {
    *v = std::numeric_limits<double>::quiet_NaN();
    return true;
  }
  auto r = std::from_chars(text.data(), text.data() + text.size(), *v);
  return r.ec == std::errc() && r.ptr == text.data() + text.size();
}

}  // namespace streamlens::remote_read
