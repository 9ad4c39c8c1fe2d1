#include "sidecar/remote_read/matcher.h"

#include <cstdint>

#include "common/utf8.h"
#include "sidecar/remote_read/series_set.h"

namespace streamlens::remote_read {

namespace {

bool IsNameStart(char c, bool metric) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (metric && c == ':');
}
bool IsNameChar(char c, bool metric) { return IsNameStart(c, metric) || (c >= '0' && c <= '9'); }

class Parser {
 public:
  explicit Parser(std::string_view s) : s_(s) {}

  Result<std::vector<Matcher>> Parse() {
    std::vector<Matcher> out;
    SkipSpace();
    if (pos_ < s_.size() && IsNameStart(s_[pos_], true)) {
      size_t start = pos_;
      while (pos_ < s_.size() && IsNameChar(s_[pos_], true)) ++pos_;
      out.push_back({MatchType::kEqual, "__name__", std::string(s_.substr(start, pos_ - start))});
      SkipSpace();
    }
    if (pos_ < s_.size() && s_[pos_] == '{') {
      ++pos_;
      for (;;) {
        SkipSpace();
        if (pos_ < s_.size() && s_[pos_] == '}') {
          ++pos_;
          break;
        }
        if (pos_ >= s_.size() || !IsNameStart(s_[pos_], false)) {
          return Error(pos_ >= s_.size() ? "unexpected end, expected a label name or '}'"
                                         : "expected a label name or '}'");
        }
        size_t start = pos_;
        while (pos_ < s_.size() && IsNameChar(s_[pos_], false)) ++pos_;
        Matcher m;
        m.name = std::string(s_.substr(start, pos_ - start));
        SkipSpace();
        size_t op_pos = pos_;
        if (s_.substr(pos_, 2) == "=~") {
          m.type = MatchType::kRegexMatch;
          pos_ += 2;
        } else if (s_.substr(pos_, 2) == "!~") {
          m.type = MatchType::kRegexNoMatch;
          pos_ += 2;
        } else if (s_.substr(pos_, 2) == "!=") {
          m.type = MatchType::kNotEqual;
          pos_ += 2;
        } else if (s_.substr(pos_, 1) == "=") {
          m.type = MatchType::kEqual;
          pos_ += 1;
        } else {
          pos_ = op_pos;
          return Error("expected one of = != =~ !~ after label name \"" + m.name + "\"");
        }
        SkipSpace();
        auto v = ParseString();
        if (!v.ok()) return v.status();
        m.value = std::move(*v);
        out.push_back(std::move(m));
        SkipSpace();
        if (pos_ < s_.size() && s_[pos_] == ',') {
          ++pos_;
          continue;
        }
        if (pos_ < s_.size() && s_[pos_] == '}') {
          ++pos_;
          break;
        }
        return Error(pos_ >= s_.size() ? "unexpected end, expected ',' or '}'"
                                       : "expected ',' or '}' after a matcher");
      }
      SkipSpace();
    }
    if (pos_ < s_.size()) {
      if (s_[pos_] == '[')
        return Error("range selectors are not accepted here; give --start/--end");
      return Error("unexpected character '" + std::string(1, s_[pos_]) + "'");
    }
    if (out.empty()) {
      pos_ = 0;
      return Error("expected a metric name or '{'");
    }
    bool non_empty = false;
    for (const Matcher& m : out) {
      bool matches_empty;
      switch (m.type) {
        case MatchType::kEqual:
          matches_empty = m.value.empty();
          break;
        case MatchType::kNotEqual:
          matches_empty = !m.value.empty();
          break;
        case MatchType::kRegexMatch:
          matches_empty =
              m.value.empty() || m.value == ".*" || m.value == ".*?" || m.value == "^.*$";
          break;
        default:
          matches_empty = !(m.value.empty() || m.value == ".*");
          break;
      }
      // A regex we cannot judge (e.g. "a|") is left to the server, which gives a clear error.
      if (!matches_empty) non_empty = true;
    }
    if (!non_empty) {
      pos_ = 0;
      return Error(
          "selector must contain at least one matcher that does not match the empty "
          "string (e.g. a metric name)");
    }
    return out;
  }

 private:
  void SkipSpace() {
    while (pos_ < s_.size() &&
           (s_[pos_] == ' ' || s_[pos_] == '\t' || s_[pos_] == '\n' || s_[pos_] == '\r')) {
      ++pos_;
    }
  }
  Status Error(const std::string& msg) const {
    return Status::Error("selector column " + std::to_string(pos_ + 1) + ": " + msg + " in `" +
                         std::string(s_) + "`");
  }
  Result<std::string> ParseString() {
    if (pos_ >= s_.size()) return Error("unexpected end, expected a quoted label value");
    char q = s_[pos_];
    if (q != '"' && q != '\'' && q != '`') return Error("expected a quoted label value");
    ++pos_;
    std::string out;
    while (pos_ < s_.size()) {
      char c = s_[pos_];
      if (c == q) {
        ++pos_;
        return out;
      }
      if (q != '`' && c == '\n') return Error("newline in quoted string");
      if (q == '`' || c != '\\') {
        out.push_back(c);
        ++pos_;
        continue;
      }
      size_t esc = pos_;
      if (++pos_ >= s_.size()) break;
      char e = s_[pos_++];
      switch (e) {
        case 'a':
          out.push_back('\a');
          break;
        case 'b':
          out.push_back('\b');
          break;
        case 'f':
          out.push_back('\f');
          break;
        case 'n':
          out.push_back('\n');
          break;
        case 'r':
          out.push_back('\r');
          break;
        case 't':
          out.push_back('\t');
          break;
        case 'v':
          out.push_back('\v');
          break;
        case '\\':
          out.push_back('\\');
          break;
        case '"':
        case '\'':
          if (e != q) {
            pos_ = esc;
            return Error("unknown escape sequence");
          }
          out.push_back(e);
          break;
        case 'x':
        case 'u':
        case 'U':
        case '0':
        case '1':
        case '2':
        case '3':
        case '4':
        case '5':
        case '6':
        case '7': {
          int digits = e == 'x' ? 2 : e == 'u' ? 4 : e == 'U' ? 8 : 3;
          int base = (e >= '0' && e <= '7') ? 8 : 16;
          if (base == 8) --pos_;
          uint32_t v = 0;
          for (int k = 0; k < digits; ++k) {
            if (pos_ >= s_.size()) {
              pos_ = esc;
              return Error("truncated escape sequence");
            }
            char d = s_[pos_++];
            int dv = (d >= '0' && d <= '9')   ? d - '0'
                     : (d >= 'a' && d <= 'f') ? d - 'a' + 10
                     : (d >= 'A' && d <= 'F') ? d - 'A' + 10
                                              : 99;
            if (dv >= base) {
              pos_ = esc;
              return Error("invalid escape sequence");
            }
            v = v * base + dv;
          }
          if (e == 'u' || e == 'U') {
            if (v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff)) {
              pos_ = esc;
              return Error("escape sequence is an invalid Unicode code point");
            }
            AppendUtf8(&out, v);
          } else {
            if (v > 255) {
              pos_ = esc;
              return Error("octal escape value > 255");
            }
            out.push_back(static_cast<char>(v));
          }
          break;
        }
        default:
          pos_ = esc;
          return Error("unknown escape sequence");
      }
    }
    return Error("unterminated quoted string");
  }

  std::string_view s_;
  size_t pos_ = 0;
};

}  // namespace

Result<std::vector<Matcher>> ParseSelector(std::string_view text) { return Parser(text).Parse(); }

std::string FormatSelector(const std::vector<Matcher>& matchers) {
  static constexpr const char* kOps[] = {"=", "!=", "=~", "!~"};
  std::string out = "{";
  for (size_t i = 0; i < matchers.size(); ++i) {
    if (i) out += ",";
    out += matchers[i].name;
    out += kOps[static_cast<int>(matchers[i].type)];
    AppendQuoted(&out, matchers[i].value);
  }
  return out + "}";
}

}  // namespace streamlens::remote_read
