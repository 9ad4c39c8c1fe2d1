#include "sidecar/remote_read/query_json.h"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <string>
#include <vector>

#include "sidecar/remote_read/fetch_limits.h"
#include "sidecar/remote_read/json_reader.h"

namespace streamlens::remote_read {

namespace {

// "1700000000.123" (seconds) -> milliseconds, exactly for up to 3 decimals.
bool ParseSecondsToMs(std::string_view text, int64_t* ms) {
  bool neg = !text.empty() && text[0] == '-';
  std::string_view t = neg ? text.substr(1) : text;
  size_t dot = t.find('.');
  std::string_view ip = t.substr(0, dot);
  std::string_view fp = dot == std::string_view::npos ? std::string_view() : t.substr(dot + 1);
  bool simple = !ip.empty() && ip.size() <= 15 && fp.size() <= 3;
  for (char c : ip) simple = simple && c >= '0' && c <= '9';
  for (char c : fp) simple = simple && c >= '0' && c <= '9';
  if (simple) {
    int64_t v = 0;
    for (char c : ip) v = v * 10 + (c - '0');
    int64_t f = 0;
    for (size_t i = 0; i < 3; ++i) f = f * 10 + (i < fp.size() ? fp[i] - '0' : 0);
    *ms = (neg ? -1 : 1) * (v * 1000 + f);
    return true;
  }
  double d;
  auto r = std::from_chars(text.data(), text.data() + text.size(), d);
  if (r.ec != std::errc() || r.ptr != text.data() + text.size() || !std::isfinite(d) ||
      std::fabs(d) > 9.2e15) {
    return false;
  }
  *ms = static_cast<int64_t>(std::llround(d * 1000.0));
  return true;
}

// [ts, "value"]
Status ParsePoint(JsonReader& j, std::string* scratch, int64_t* t, double* v) {
  STREAMLENS_RETURN_IF_ERROR(j.Expect('['));
  std::string_view num;
  STREAMLENS_RETURN_IF_ERROR(j.Number(&num));
  if (!ParseSecondsToMs(num, t)) return j.Fail("bad timestamp \"" + std::string(num) + "\"");
  STREAMLENS_RETURN_IF_ERROR(j.Expect(','));
  STREAMLENS_RETURN_IF_ERROR(j.String(scratch));
  if (!ParseSampleValue(*scratch, v)) return j.Fail("bad sample value \"" + *scratch + "\"");
  return j.Expect(']');
}

Status ParseSeries(JsonReader& j, int64_t start_ms, int64_t end_ms, SeriesSetBuilder* out) {
  STREAMLENS_RETURN_IF_ERROR(j.Expect('{'));
  std::vector<Label> labels;
  bool have_metric = false;
  size_t values_pos = 0, value_pos = 0;
  std::string key;
  if (!j.Eat('}')) {
    for (;;) {
      STREAMLENS_RETURN_IF_ERROR(j.String(&key));
      STREAMLENS_RETURN_IF_ERROR(j.Expect(':'));
      if (key == "metric") {
        have_metric = true;
        STREAMLENS_RETURN_IF_ERROR(j.Expect('{'));
        if (!j.Eat('}')) {
          for (;;) {
            Label l;
            STREAMLENS_RETURN_IF_ERROR(j.String(&l.name));
            STREAMLENS_RETURN_IF_ERROR(j.Expect(':'));
            STREAMLENS_RETURN_IF_ERROR(j.String(&l.value));
            labels.push_back(std::move(l));
            if (j.Eat(',')) continue;
            STREAMLENS_RETURN_IF_ERROR(j.Expect('}'));
            break;
          }
        }
      } else if (key == "values") {
        j.Ws();
        values_pos = j.pos() + 1;
        STREAMLENS_RETURN_IF_ERROR(j.Skip());
      } else if (key == "value") {
        j.Ws();
        value_pos = j.pos() + 1;
        STREAMLENS_RETURN_IF_ERROR(j.Skip());
      } else {
        STREAMLENS_RETURN_IF_ERROR(j.Skip());  // e.g. "histograms": float-only reader
      }
      if (j.Eat(',')) continue;
      STREAMLENS_RETURN_IF_ERROR(j.Expect('}'));
      break;
    }
  }
  if (!have_metric) return j.Fail("series without \"metric\"");
  Status st = out->BeginSeries(labels);
  if (!st.ok()) return j.Fail(st.message());
  size_t resume = j.pos();
  std::string scratch;
  int64_t last = INT64_MIN;
  auto add = [&](int64_t t, double v) -> Status {
    if (t <= last) return j.Fail("sample timestamps do not increase");
    last = t;
    if (t >= start_ms && t <= end_ms) out->Append(t, v);
    return Status::Ok();
  };
  if (values_pos) {
    j.set_pos(values_pos - 1);
    STREAMLENS_RETURN_IF_ERROR(j.Expect('['));
    if (!j.Eat(']')) {
      for (;;) {
        int64_t t;
        double v;
        STREAMLENS_RETURN_IF_ERROR(ParsePoint(j, &scratch, &t, &v));
        STREAMLENS_RETURN_IF_ERROR(add(t, v));
        if (j.Eat(',')) continue;
        STREAMLENS_RETURN_IF_ERROR(j.Expect(']'));
        break;
      }
    }
  }
  if (value_pos) {
    j.set_pos(value_pos - 1);
    int64_t t;
    double v;
    STREAMLENS_RETURN_IF_ERROR(ParsePoint(j, &scratch, &t, &v));
    STREAMLENS_RETURN_IF_ERROR(add(t, v));
  }
  j.set_pos(resume);
  return Status::Ok();
}

}  // namespace

Status DecodeQueryJson(std::string_view body, int64_t start_ms, int64_t end_ms,
                       SeriesSetBuilder* out, size_t max_series, size_t max_samples) {
  JsonReader j(body);
  STREAMLENS_RETURN_IF_ERROR(j.Expect('{'));
  std::string key, status, error_type, error, result_type;
  bool have_result = false;
  size_t result_pos = 0;
  if (!j.Eat('}')) {
    for (;;) {
      STREAMLENS_RETURN_IF_ERROR(j.String(&key));
      STREAMLENS_RETURN_IF_ERROR(j.Expect(':'));
      if (key == "status") {
        STREAMLENS_RETURN_IF_ERROR(j.String(&status));
      } else if (key == "errorType") {
        STREAMLENS_RETURN_IF_ERROR(j.String(&error_type));
      } else if (key == "error") {
        STREAMLENS_RETURN_IF_ERROR(j.String(&error));
      } else if (key == "data") {
        STREAMLENS_RETURN_IF_ERROR(j.Expect('{'));
        if (!j.Eat('}')) {
          for (;;) {
            STREAMLENS_RETURN_IF_ERROR(j.String(&key));
            STREAMLENS_RETURN_IF_ERROR(j.Expect(':'));
            if (key == "resultType") {
              STREAMLENS_RETURN_IF_ERROR(j.String(&result_type));
            } else if (key == "result") {
              have_result = true;
              j.Ws();
              result_pos = j.pos() + 1;
              STREAMLENS_RETURN_IF_ERROR(j.Skip());
            } else {
              STREAMLENS_RETURN_IF_ERROR(j.Skip());
            }
            if (j.Eat(',')) continue;
            STREAMLENS_RETURN_IF_ERROR(j.Expect('}'));
            break;
          }
        }
      } else {
        STREAMLENS_RETURN_IF_ERROR(j.Skip());
      }
      if (j.Eat(',')) continue;
      STREAMLENS_RETURN_IF_ERROR(j.Expect('}'));
      break;
    }
  }
  if (!j.at_end()) return j.Fail("trailing data after the reply object");
  if (status == "error") {
    return Status::Error("query failed: " + (error_type.empty() ? "" : error_type + ": ") + error);
  }
  if (status != "success")
    return Status::Error("reply status is \"" + status + "\", expected \"success\"");
  if (!have_result) return Status::Error("reply has no data.result");
  if (result_type != "matrix" && result_type != "vector") {
    return Status::Error("reply resultType is \"" + result_type +
                         "\", expected \"matrix\" (is the query a series selector?)");
  }
  j.set_pos(result_pos - 1);
  STREAMLENS_RETURN_IF_ERROR(j.Expect('['));
  if (j.Eat(']')) return Status::Ok();
  for (;;) {
    STREAMLENS_RETURN_IF_ERROR(ParseSeries(j, start_ms, end_ms, out));
    if (out->num_series() > max_series) {
      return LimitExceeded("max_series", max_series, "the reply has more series");
    }
    if (out->num_samples() > max_samples) {
      return LimitExceeded("max_samples", max_samples, "the reply has more samples");
    }
    if (j.Eat(',')) continue;
    return j.Expect(']');
  }
}

}  // namespace streamlens::remote_read
