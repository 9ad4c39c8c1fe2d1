// `streamlens-sidecar export`: writes the raw history a selector matches to stdout, read with
// the same remote_read code the daemon uses.
//
//   streamlens-sidecar export --source http://prom:9090/api/v1/read \
//       --match 'kafka_consumergroup_lag{consumergroup=~"pay.*"}' --start now-7d --end now
//
// CSV (default): header `series,timestamp_ms,value`, `series` the canonical label set
// (CSV-quoted), values in shortest round-trip form (NaN, +Inf, -Inf as Prometheus prints them).
// JSON: {"series":[{"labels":{...},"values":[[timestamp_ms,"value"],...]},...]}.
// stderr gets one summary line: `export: series=N samples=M fetch_seconds=X decode_seconds=Y`.
// Exit codes: 0 ok, 1 fetch/decode failure, 2 usage error.
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "common/flags.h"
#include "common/status.h"
#include "sidecar/remote_read/matcher.h"
#include "sidecar/remote_read/query_range_client.h"
#include "sidecar/remote_read/remote_read_client.h"
#include "sidecar/remote_read/series_set.h"
#include "sidecar/remote_read/time_spec.h"
#include "sidecar/remote_read/victoria_export_client.h"

namespace streamlens::sidecar {

namespace {

namespace rr = streamlens::remote_read;

// Buffered stdout writer: millions of lines, so no iostream per field.
class Out {
 public:
  ~Out() { Flush(); }
  void Append(std::string_view s) {
    buf_.append(s);
    if (buf_.size() > (1 << 20)) Flush();
  }
  void Char(char c) { buf_.push_back(c); }
  void Int(int64_t v) {
    char tmp[24];
    auto r = std::to_chars(tmp, tmp + sizeof(tmp), v);
    buf_.append(tmp, r.ptr);
  }
  void Value(double v) {
    if (std::isnan(v)) {
      buf_.append("NaN");
    } else if (std::isinf(v)) {
      buf_.append(v > 0 ? "+Inf" : "-Inf");
    } else {
      char tmp[32];
      auto r = std::to_chars(tmp, tmp + sizeof(tmp), v);
      buf_.append(tmp, r.ptr);
    }
  }
  bool Flush() {
    if (!buf_.empty() && std::fwrite(buf_.data(), 1, buf_.size(), stdout) != buf_.size()) {
      failed_ = true;
    }
    buf_.clear();
    return !failed_ && std::fflush(stdout) == 0;
  }

 private:
  std::string buf_;
  bool failed_ = false;
};

void JsonString(Out& out, std::string_view s) {
  out.Char('"');
  static constexpr char kHex[] = "0123456789abcdef";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') {
      out.Char('\\');
      out.Char(static_cast<char>(c));
    } else if (c < 0x20) {
      out.Append("\\u00");
      out.Char(kHex[c >> 4]);
      out.Char(kHex[c & 15]);
    } else {
      out.Char(static_cast<char>(c));
    }
  }
  out.Char('"');
}

void WriteCsv(const rr::SeriesSet& set, Out& out) {
  out.Append("series,timestamp_ms,value\n");
  for (size_t i = 0; i < set.size(); ++i) {
    std::string quoted;
    quoted.push_back('"');
    for (char c : set.SeriesName(i)) {
      if (c == '"') quoted.push_back('"');
      quoted.push_back(c);
    }
    quoted.append("\",");
    auto ts = set.timestamps(i);
    auto vs = set.values(i);
    for (size_t k = 0; k < ts.size(); ++k) {
      out.Append(quoted);
      out.Int(ts[k]);
      out.Char(',');
      out.Value(vs[k]);
      out.Char('\n');
    }
  }
}

void WriteJson(const rr::SeriesSet& set, Out& out) {
  out.Append("{\"series\":[");
  for (size_t i = 0; i < set.size(); ++i) {
    if (i) out.Char(',');
    out.Append("\n{\"labels\":{");
    bool first = true;
    for (const rr::LabelRef& l : set.labels(i)) {
      if (!first) out.Char(',');
      first = false;
      JsonString(out, set.symbol(l.name));
      out.Char(':');
      JsonString(out, set.symbol(l.value));
    }
    out.Append("},\"values\":[");
    auto ts = set.timestamps(i);
    auto vs = set.values(i);
    for (size_t k = 0; k < ts.size(); ++k) {
      if (k) out.Char(',');
      out.Char('[');
      out.Int(ts[k]);
      out.Append(",\"");
      out.Value(vs[k]);
      out.Append("\"]");
    }
    out.Append("]}");
  }
  out.Append("\n]}\n");
}

Result<std::pair<std::string, std::string>> ParseHeader(const std::string& h) {
  size_t colon = h.find(':');
  if (colon == std::string::npos || colon == 0) {
    return Status::Error("--remote-read.header: expected \"Name: value\", got \"" + h + "\"");
  }
  std::string value = h.substr(colon + 1);
  while (!value.empty() && value.front() == ' ') value.erase(value.begin());
  return std::make_pair(h.substr(0, colon), value);
}

struct ExportFlags {
  std::string source, source_type = "remote-read", start_text, end_text = "now", format = "csv";
  std::string response_type = "auto";
  std::string selector;
  std::vector<std::string> header_list;
  std::chrono::milliseconds step{0};
  rr::ClientOptions options;
  int64_t concurrency = options.max_concurrency, retries = options.max_retries;
  int64_t max_samples = 0, max_frame_bytes = static_cast<int64_t>(options.max_frame_bytes);
};

void RegisterExportFlags(FlagSet& flags, ExportFlags* f) {
  rr::ClientOptions& options = f->options;
  flags.String("source", &f->source,
               "remote-read endpoint (http://host:9090/api/v1/read), or for query-range and "
               "victoriametrics-export the server's base URL (http://host:9090, http://vm:8428)");
  flags.String("source-type", &f->source_type,
               "remote-read | query-range | victoriametrics-export (VictoriaMetrics' "
               "/api/v1/export: raw samples, faster than query-range)");
  flags.String("match", &f->selector,
               "series selector, e.g. 'kafka_consumergroup_lag{topic!=\"x\"}'");
  flags.String("start", &f->start_text, "start time: RFC 3339, Unix seconds, or now-7d");
  flags.String("end", &f->end_text, "end time (inclusive), same forms as --start");
  flags.Duration("step", &f->step,
                 "query-range only: evaluate at this step via /api/v1/query_range; 0 reads the "
                 "raw samples via /api/v1/query");
  flags.String("format", &f->format, "csv | json");
  flags.String("remote-read.response-type", &f->response_type,
               "auto (streamed chunks, else samples) | streamed | samples");
  flags.Duration("remote-read.max-range", &options.max_range,
                 "split longer ranges into sub-queries of at most this span (0 = no split)");
  flags.Int("remote-read.max-samples-per-query", &f->max_samples,
            "size sub-queries to stay under this many samples (0 = no limit)");
  flags.Int("remote-read.concurrency", &f->concurrency, "sub-queries in flight at once");
  flags.Duration("remote-read.timeout", &options.timeout,
                 "connect timeout and longest wait for reply bytes, per attempt");
  flags.Int("remote-read.retries", &f->retries, "retries after connection errors and 5xx replies");
  flags.Int("remote-read.max-frame-bytes", &f->max_frame_bytes,
            "largest streamed frame (remote read) or JSON line (export API) accepted");
  flags.String("remote-read.basic-auth-username", &options.basic_auth_username,
               "basic auth user name");
  flags.String("remote-read.basic-auth-password-file", &options.basic_auth_password_file,
               "file holding the basic auth password");
  flags.String("remote-read.bearer-token-file", &options.bearer_token_file,
               "file holding a bearer token (re-read for every request)");
  flags.String("remote-read.tls-ca-file", &options.tls_ca_file, "CA bundle to verify the server");
  flags.String("remote-read.tls-cert-file", &options.tls_cert_file, "client certificate");
  flags.String("remote-read.tls-key-file", &options.tls_key_file, "client certificate key");
  flags.Bool("remote-read.tls-insecure-skip-verify", &options.tls_insecure_skip_verify,
             "do not verify the server certificate");
  flags.StringList("remote-read.header", &f->header_list,
                   "extra request header \"Name: value\" (repeatable)");
  flags.Bool("remote-read.keep-stale-markers", &options.keep_stale_markers,
             "keep Prometheus staleness markers (dropped by default, as PromQL does)");
}

// What to fetch: the selector and the range.
struct ExportQuery {
  std::vector<rr::Matcher> matchers;
  int64_t start_ms = 0, end_ms = 0;
};

// Checks the flags and completes f->options. Error: a usage error.
Result<ExportQuery> ValidateExportFlags(ExportFlags* f,
                                        const std::vector<std::string>& positional) {
  if (!positional.empty()) return Status::Error("unexpected argument \"" + positional[0] + "\"");
  if (f->source.empty()) return Status::Error("--source is required");
  if (f->selector.empty()) return Status::Error("--match is required");
  if (f->start_text.empty()) return Status::Error("--start is required");
  if (f->format != "csv" && f->format != "json")
    return Status::Error("--format: expected csv or json, got \"" + f->format + "\"");
  if (f->concurrency < 1) return Status::Error("--remote-read.concurrency must be >= 1");
  if (f->retries < 0) return Status::Error("--remote-read.retries must be >= 0");
  if (f->max_frame_bytes < 1024)
    return Status::Error("--remote-read.max-frame-bytes must be >= 1024");
  f->options.max_concurrency = static_cast<int>(f->concurrency);
  f->options.max_retries = static_cast<int>(f->retries);
  f->options.max_samples_per_query = f->max_samples;
  f->options.max_frame_bytes = static_cast<size_t>(f->max_frame_bytes);
  for (const std::string& h : f->header_list) {
    auto kv = ParseHeader(h);
    if (!kv.ok()) return kv.status();
    f->options.headers.push_back(*kv);
  }
  const int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
  ExportQuery q;
  auto start = rr::ParseTimeSpec(f->start_text, now_ms);
  if (!start.ok()) return Status::Error("--start: " + start.status().message());
  auto end = rr::ParseTimeSpec(f->end_text, now_ms);
  if (!end.ok()) return Status::Error("--end: " + end.status().message());
  if (*end < *start) return Status::Error("--end is before --start");
  auto parsed = rr::ParseSelector(f->selector);
  if (!parsed.ok()) return Status::Error("--match: " + parsed.status().message());
  q.matchers = std::move(*parsed);
  q.start_ms = *start;
  q.end_ms = *end;
  return q;
}

// The client --source-type names. Error: a usage error.
Result<std::unique_ptr<rr::Source>> MakeExportSource(const ExportFlags& f) {
  if (f.source_type == "remote-read") {
    if (f.step.count() != 0)
      return Status::Error("--step applies to --source-type=query-range only");
    rr::ResponseType type;
    if (f.response_type == "auto") {
      type = rr::ResponseType::kAuto;
    } else if (f.response_type == "streamed") {
      type = rr::ResponseType::kStreamedChunks;
    } else if (f.response_type == "samples") {
      type = rr::ResponseType::kSamples;
    } else {
      return Status::Error("--remote-read.response-type: expected auto, streamed or samples");
    }
    auto c = rr::RemoteReadClient::Create(f.source, f.options, type);
    if (!c.ok()) return c.status();
    return std::unique_ptr<rr::Source>(std::move(*c));
  }
  if (f.source_type == "query-range") {
    auto c = rr::QueryRangeClient::Create(f.source, f.options, f.step);
    if (!c.ok()) return c.status();
    return std::unique_ptr<rr::Source>(std::move(*c));
  }
  if (f.source_type == "victoriametrics-export") {
    if (f.step.count() != 0)
      return Status::Error("--step applies to --source-type=query-range only");
    auto c = rr::VictoriaExportClient::Create(f.source, f.options);
    if (!c.ok()) return c.status();
    return std::unique_ptr<rr::Source>(std::move(*c));
  }
  return Status::Error(
      "--source-type: expected remote-read, query-range or victoriametrics-export, got \"" +
      f.source_type + "\"");
}

}  // namespace

int RunExportCommand(int argc, const char* const* argv) {
  ExportFlags f;
  FlagSet flags("streamlens-sidecar export",
                "Writes the samples a selector matches in [start, end] to stdout (CSV or JSON).");
  RegisterExportFlags(flags, &f);
  auto usage_error = [&](const std::string& msg) {
    std::fprintf(stderr, "export: %s\n(see streamlens-sidecar export --help)\n", msg.c_str());
    return 2;
  };
  Status st = flags.Parse(argc, argv, 1);
  if (flags.help_requested()) {
    std::cout << flags.Usage();
    return 0;
  }
  if (!st.ok()) return usage_error(st.message());
  auto query = ValidateExportFlags(&f, flags.positional());
  if (!query.ok()) return usage_error(query.status().message());
  auto src = MakeExportSource(f);
  if (!src.ok()) return usage_error(src.status().message());

  rr::FetchStats stats;
  auto fetched = (*src)->Fetch(query->matchers, query->start_ms, query->end_ms, &stats);
  if (!fetched.ok()) {
    std::fprintf(stderr, "export: %s\n", fetched.status().message().c_str());
    return 1;
  }
  const rr::SeriesSet& all = *fetched;

  Out out;
  if (f.format == "csv") {
    WriteCsv(all, out);
  } else {
    WriteJson(all, out);
  }
  if (!out.Flush()) {
    std::fprintf(stderr, "export: writing to stdout failed\n");
    return 1;
  }
  std::fprintf(stderr, "export: series=%zu samples=%zu fetch_seconds=%.3f decode_seconds=%.3f\n",
               all.size(), all.num_samples(), stats.fetch_seconds, stats.decode_seconds);
  return 0;
}

}  // namespace streamlens::sidecar
