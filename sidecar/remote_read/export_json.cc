#include "sidecar/remote_read/export_json.h"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <limits>

#include "sidecar/remote_read/fetch_limits.h"
#include "sidecar/remote_read/json_reader.h"

namespace streamlens::remote_read {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// One element of "values": a bare number or literal, or a quoted one.
Status ParseValue(JsonReader& j, std::string* text, double* v) {
  if (j.Peek('"')) {
    STREAMLENS_RETURN_IF_ERROR(j.String(text));
    if (*text == "Infinity") {
      *v = kInf;
    } else if (*text == "-Infinity") {
      *v = -kInf;
    } else if (!ParseSampleValue(*text, v)) {
      return j.Fail("bad sample value \"" + *text + "\"");
    }
    return Status::Ok();
  }
  std::string_view tok;
  STREAMLENS_RETURN_IF_ERROR(j.Token(&tok));
  if (tok == "null") {
    *v = std::numeric_limits<double>::quiet_NaN();
    return Status::Ok();
  }
  const char* first = tok.data();
  if (tok.size() > 1 && tok[0] == '+' && tok[1] != '-' && tok[1] != '+') ++first;
  auto r = std::from_chars(first, tok.data() + tok.size(), *v);
  if (r.ec != std::errc() || r.ptr != tok.data() + tok.size()) {
    if (r.ec == std::errc::result_out_of_range && r.ptr == tok.data() + tok.size()) {
      // Beyond double's range or below its smallest subnormal: +-Inf or 0, as strtod rounds.
      *v = std::strtod(std::string(tok).c_str(), nullptr);
      return Status::Ok();
    }
    return j.Fail("bad sample value \"" + std::string(tok.substr(0, 64)) + "\"");
  }
  return Status::Ok();
}

Status ParseTimestamp(JsonReader& j, int64_t* t) {
  std::string_view tok;
  STREAMLENS_RETURN_IF_ERROR(j.Token(&tok));
  auto r = std::from_chars(tok.data(), tok.data() + tok.size(), *t);
  if (r.ec != std::errc() || r.ptr != tok.data() + tok.size()) {
    return j.Fail("bad timestamp \"" + std::string(tok.substr(0, 64)) +
                  "\" (expected integer milliseconds)");
  }
  return Status::Ok();
}

// [e, e, ...] read by `elem` into `out` (cleared first).
template <typename T, typename F>
Status ParseArray(JsonReader& j, std::vector<T>* out, F elem) {
  out->clear();
  STREAMLENS_RETURN_IF_ERROR(j.Expect('['));
  if (j.Eat(']')) return Status::Ok();
  for (;;) {
    T x;
    STREAMLENS_RETURN_IF_ERROR(elem(&x));
    out->push_back(x);
    if (j.Eat(',')) continue;
    return j.Expect(']');
  }
}

}  // namespace

ExportJsonDecoder::ExportJsonDecoder(int64_t start_ms, int64_t end_ms, SeriesSetBuilder* out,
                                     const ExportDecodeLimits& limits)
    : start_ms_(start_ms), end_ms_(end_ms), out_(out), limits_(limits) {}

Status ExportJsonDecoder::LineTooLong(size_t bytes) const {
  return LimitExceeded("max_frame_bytes", limits_.max_line_bytes,
                       "export reply line " + std::to_string(line_no_ + 1) + " is longer (" +
                           std::to_string(bytes) + " bytes so far)");
}

Status ExportJsonDecoder::Feed(std::string_view piece) {
  while (!piece.empty()) {
    const size_t nl = piece.find('\n');
    const std::string_view head = piece.substr(0, nl);
    if (partial_.size() + head.size() > limits_.max_line_bytes) {
      return LineTooLong(partial_.size() + head.size());
    }
    if (nl == std::string_view::npos) {
      partial_.append(piece);
      return Status::Ok();
    }
    piece.remove_prefix(nl + 1);
    if (partial_.empty()) {
      STREAMLENS_RETURN_IF_ERROR(Line(head));
    } else {
      partial_.append(head);
      Status st = Line(partial_);
      partial_.clear();
      STREAMLENS_RETURN_IF_ERROR(st);
    }
  }
  return Status::Ok();
}

Status ExportJsonDecoder::Finish() {
  if (partial_.empty()) return Status::Ok();
  Status st = Line(partial_);
  partial_.clear();
  return st;
}

Status ExportJsonDecoder::Line(std::string_view line) {
  ++line_no_;
  if (line.find_first_not_of(" \t\r") == std::string_view::npos) return Status::Ok();
  Status st = ParseLine(line);
  if (!st.ok()) {
    if (st.message().rfind("fetch stopped:", 0) == 0) return st;
    return Status::Error("export reply line " + std::to_string(line_no_) + ": " + st.message());
  }
  if (out_->num_series() > limits_.max_series) {
    return LimitExceeded("max_series", limits_.max_series, "the reply has more series");
  }
  if (out_->num_samples() > limits_.max_samples) {
    return LimitExceeded("max_samples", limits_.max_samples, "the reply has more samples");
  }
  return Status::Ok();
}

Status ExportJsonDecoder::ParseLine(std::string_view line) {
  JsonReader j(line);
  bool have_metric = false, have_values = false, have_timestamps = false;
  num_labels_ = 0;
  STREAMLENS_RETURN_IF_ERROR(j.Expect('{'));
  if (!j.Eat('}')) {
    for (;;) {
      STREAMLENS_RETURN_IF_ERROR(j.String(&key_));
      STREAMLENS_RETURN_IF_ERROR(j.Expect(':'));
      if (key_ == "metric") {
        have_metric = true;
        STREAMLENS_RETURN_IF_ERROR(j.Expect('{'));
        while (!j.Eat('}')) {
          if (num_labels_ > 0) STREAMLENS_RETURN_IF_ERROR(j.Expect(','));
          if (labels_.size() <= num_labels_) labels_.emplace_back();
          auto& [name, value] = labels_[num_labels_++];
          STREAMLENS_RETURN_IF_ERROR(j.String(&name));
          STREAMLENS_RETURN_IF_ERROR(j.Expect(':'));
          STREAMLENS_RETURN_IF_ERROR(j.String(&value));
        }
      } else if (key_ == "values") {
        have_values = true;
        STREAMLENS_RETURN_IF_ERROR(
            ParseArray(j, &values_, [&](double* v) { return ParseValue(j, &text_, v); }));
      } else if (key_ == "timestamps") {
        have_timestamps = true;
        STREAMLENS_RETURN_IF_ERROR(
            ParseArray(j, &timestamps_, [&](int64_t* t) { return ParseTimestamp(j, t); }));
      } else {
        STREAMLENS_RETURN_IF_ERROR(j.Skip());
      }
      if (j.Eat(',')) continue;
      STREAMLENS_RETURN_IF_ERROR(j.Expect('}'));
      break;
    }
  }
  if (!j.at_end()) return j.Fail("trailing data after the series object");
  if (!have_metric || !have_values || !have_timestamps) {
    return j.Fail("a series needs \"metric\", \"values\" and \"timestamps\"");
  }
  if (values_.size() != timestamps_.size()) {
    return j.Fail(std::to_string(values_.size()) + " values but " +
                  std::to_string(timestamps_.size()) + " timestamps");
  }
  size_t first = 0, last = 0;  // the samples in [start_ms, end_ms]: [first, last)
  for (size_t i = 0; i < timestamps_.size(); ++i) {
    if (i > 0 && timestamps_[i] <= timestamps_[i - 1]) {
      return j.Fail("sample timestamps do not increase (" + std::to_string(timestamps_[i - 1]) +
                    " then " + std::to_string(timestamps_[i]) + ")");
    }
    if (timestamps_[i] < start_ms_) first = i + 1;
    if (timestamps_[i] <= end_ms_) last = i + 1;
  }
  if (first >= last) return Status::Ok();
  label_views_.clear();
  for (size_t i = 0; i < num_labels_; ++i)
    label_views_.emplace_back(labels_[i].first, labels_[i].second);
  Status st = out_->BeginSeries(label_views_);
  if (!st.ok()) return j.Fail(st.message());
  for (size_t i = first; i < last; ++i) out_->Append(timestamps_[i], values_[i]);
  return Status::Ok();
}

Status DecodeExportJson(std::string_view body, int64_t start_ms, int64_t end_ms,
                        SeriesSetBuilder* out, const ExportDecodeLimits& limits) {
  ExportJsonDecoder d(start_ms, end_ms, out, limits);
  STREAMLENS_RETURN_IF_ERROR(d.Feed(body));
  return d.Finish();
}

}  // namespace streamlens::remote_read
