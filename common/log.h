// Logger: structured, one line per event, logfmt (default) or JSON.
//
//   ts=2026-11-26T03:30:00.123Z level=info msg="collection finished" collector=kafka
//   duration_seconds=0.41
//
// A Logger is a cheap value: copies share one sink (an output stream guarded by a mutex), so
// every method is thread-safe. With() returns a child logger that adds context keys to every line.
// Values are quoted when they contain spaces, quotes, '=' or are empty; secrets must never be
// passed in fields (callers' responsibility; flag parsing never logs values of *-file flags).
#pragma once

#include <cstdint>
#include <iosfwd>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace streamlens {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };
enum class LogFormat { kLogfmt, kJson };

// "debug|info|warn|error" -> level; error names the accepted values.
Result<LogLevel> ParseLogLevel(std::string_view text);
// "logfmt|json" -> format.
Result<LogFormat> ParseLogFormat(std::string_view text);

struct LogField {
  LogField(std::string_view k, std::string_view v) : key(k), value(v) {}
  LogField(std::string_view k, const char* v) : key(k), value(v) {}
  LogField(std::string_view k, const std::string& v) : key(k), value(v) {}
  LogField(std::string_view k, double v);
  LogField(std::string_view k, int v) : key(k), value(std::to_string(v)) {}
  LogField(std::string_view k, long v) : key(k), value(std::to_string(v)) {}
  LogField(std::string_view k, long long v) : key(k), value(std::to_string(v)) {}
  LogField(std::string_view k, unsigned v) : key(k), value(std::to_string(v)) {}
  LogField(std::string_view k, unsigned long v) : key(k), value(std::to_string(v)) {}
  LogField(std::string_view k, unsigned long long v) : key(k), value(std::to_string(v)) {}
  LogField(std::string_view k, bool v) : key(k), value(v ? "true" : "false") {}
  std::string key;
  std::string value;
};

class Logger {
 public:
  // Logs to stderr at info level in logfmt.
  Logger();
  // Logs to `out`, which must outlive every copy of this logger.
  Logger(std::ostream* out, LogLevel level, LogFormat format);

  // A logger whose lines carry `fields` in addition to this logger's context.
  Logger With(std::vector<LogField> fields) const;

  bool Enabled(LogLevel level) const;
  void Log(LogLevel level, std::string_view msg, const std::vector<LogField>& fields = {}) const;
  void Debug(std::string_view msg, const std::vector<LogField>& fields = {}) const {
    Log(LogLevel::kDebug, msg, fields);
  }
  void Info(std::string_view msg, const std::vector<LogField>& fields = {}) const {
    Log(LogLevel::kInfo, msg, fields);
  }
  void Warn(std::string_view msg, const std::vector<LogField>& fields = {}) const {
    Log(LogLevel::kWarn, msg, fields);
  }
  void Error(std::string_view msg, const std::vector<LogField>& fields = {}) const {
    Log(LogLevel::kError, msg, fields);
  }

 private:
  struct Sink;
  std::shared_ptr<Sink> sink_;
  std::vector<LogField> context_;
};

}  // namespace streamlens
