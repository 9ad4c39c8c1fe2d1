#include "sidecar/remote_read/time_spec.h"

#include <charconv>
#include <cmath>
#include <string>

#include "common/flags.h"

namespace streamlens::remote_read {

namespace {

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

bool Digits(std::string_view s, size_t pos, size_t n, int* out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = 0; i < n; ++i) {
    char c = s[pos + i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *out = v;
  return true;
}

bool ParseRfc3339(std::string_view s, int64_t* ms) {
  int y, mo, d, h, mi, se;
  if (!Digits(s, 0, 4, &y) || s.size() < 20 || s[4] != '-' || !Digits(s, 5, 2, &mo) ||
      s[7] != '-' || !Digits(s, 8, 2, &d) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
      !Digits(s, 11, 2, &h) || s[13] != ':' || !Digits(s, 14, 2, &mi) || s[16] != ':' ||
      !Digits(s, 17, 2, &se)) {
    return false;
  }
  static constexpr int kDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (mo < 1 || mo > 12 || d < 1 || d > kDays[mo - 1] || h > 23 || mi > 59 || se > 60) return false;
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  if (mo == 2 && d == 29 && !leap) return false;
  size_t p = 19;
  int64_t frac_ms = 0;
  if (p < s.size() && s[p] == '.') {
    ++p;
    size_t start = p;
    int scale = 100;
    while (p < s.size() && s[p] >= '0' && s[p] <= '9') {
      frac_ms += (s[p] - '0') * scale;
      scale /= 10;
      ++p;
    }
    if (p == start) return false;
  }
  int64_t offset_min = 0;
  if (p < s.size() && (s[p] == 'Z' || s[p] == 'z')) {
    ++p;
  } else if (p < s.size() && (s[p] == '+' || s[p] == '-')) {
    int oh, om;
    if (!Digits(s, p + 1, 2, &oh) || p + 3 >= s.size() || s[p + 3] != ':' ||
        !Digits(s, p + 4, 2, &om) || oh > 23 || om > 59) {
      return false;
    }
    offset_min = (s[p] == '+' ? 1 : -1) * (oh * 60 + om);
    p += 6;
  } else {
    return false;
  }
  if (p != s.size()) return false;
  int64_t secs = DaysFromCivil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se - offset_min * 60;
  *ms = secs * 1000 + frac_ms;
  return true;
}

}  // namespace

Result<int64_t> ParseTimeSpec(std::string_view text, int64_t now_ms) {
  auto bad = [&](const std::string& why) {
    return Status::Error("time \"" + std::string(text) + "\": " + why +
                         "; expected RFC 3339 (2026-11-20T00:00:00Z), Unix seconds, or now[-+]D "
                         "(now-7d)");
  };
  if (text.empty()) return bad("empty");
  if (text.substr(0, 3) == "now") {
    std::string_view rest = text.substr(3);
    if (rest.empty()) return now_ms;
    if (rest[0] != '-' && rest[0] != '+') return bad("expected '-' or '+' after now");
    auto d = ParseDuration(rest.substr(1));
    if (!d.ok()) return bad(d.status().message());
    return rest[0] == '-' ? now_ms - d->count() : now_ms + d->count();
  }
  int64_t ms;
  if (ParseRfc3339(text, &ms)) return ms;
  if (text.find_first_not_of("0123456789.-") == std::string_view::npos) {
    double secs;
    auto r = std::from_chars(text.data(), text.data() + text.size(), secs);
    if (r.ec == std::errc() && r.ptr == text.data() + text.size() && std::isfinite(secs) &&
        std::fabs(secs) < 9.2e12) {
      return static_cast<int64_t>(std::llround(secs * 1000.0));
    }
  }
  return bad("not a time");
}

}  // namespace streamlens::remote_read
