#include "common/log.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <iostream>
#include <mutex>
#include <ostream>

#include "common/json_writer.h"

namespace streamlens {

struct Logger::Sink {
  std::ostream* out;
  LogLevel level;
  LogFormat format;
  std::mutex mu;
};

namespace {

const char* LevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarn:
      return "warn";
    case LogLevel::kError:
      return "error";
  }
  return "info";
}

std::string Timestamp() {
  auto now = std::chrono::system_clock::now();
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[40];
  std::snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(ms % 1000));
  return buf;
}

bool NeedsQuoting(std::string_view v) {
  if (v.empty()) return true;
  for (char c : v) {
    if (c == ' ' || c == '"' || c == '=' || c == '\\' || static_cast<unsigned char>(c) < 0x20) {
      return true;
    }
  }
  return false;
}

void AppendLogfmt(std::string* line, std::string_view key, std::string_view value) {
  if (!line->empty()) line->push_back(' ');
  line->append(key);
  line->push_back('=');
  if (NeedsQuoting(value)) {
    line->push_back('"');
    AppendJsonEscaped(line, value);
    line->push_back('"');
  } else {
    line->append(value);
  }
}

void AppendJson(std::string* line, std::string_view key, std::string_view value) {
  line->append(line->size() > 1 ? ",\"" : "\"");
  AppendJsonEscaped(line, key);
  line->append("\":\"");
  AppendJsonEscaped(line, value);
  line->push_back('"');
}

}  // namespace

LogField::LogField(std::string_view k, double v) : key(k) {
  if (std::isnan(v)) {
    value = "NaN";
  } else if (std::isinf(v)) {
    value = v > 0 ? "+Inf" : "-Inf";
  } else {
    char buf[32];
    std::snprintf(buf, sizeof(buf), "%.6g", v);
    value = buf;
  }
}

Result<LogLevel> ParseLogLevel(std::string_view text) {
  if (text == "debug") return LogLevel::kDebug;
  if (text == "info") return LogLevel::kInfo;
  if (text == "warn") return LogLevel::kWarn;
  if (text == "error") return LogLevel::kError;
  return Status::Error("expected one of debug, info, warn, error; got \"" + std::string(text) +
                       "\"");
}

Result<LogFormat> ParseLogFormat(std::string_view text) {
  if (text == "logfmt") return LogFormat::kLogfmt;
  if (text == "json") return LogFormat::kJson;
  return Status::Error("expected one of logfmt, json; got \"" + std::string(text) + "\"");
}

Logger::Logger() : Logger(&std::cerr, LogLevel::kInfo, LogFormat::kLogfmt) {}

Logger::Logger(std::ostream* out, LogLevel level, LogFormat format)
    : sink_(std::make_shared<Sink>()) {
  sink_->out = out;
  sink_->level = level;
  sink_->format = format;
}

Logger Logger::With(std::vector<LogField> fields) const {
  Logger child = *this;
  child.context_.insert(child.context_.end(), fields.begin(), fields.end());
  return child;
}

bool Logger::Enabled(LogLevel level) const { return level >= sink_->level; }

void Logger::Log(LogLevel level, std::string_view msg, const std::vector<LogField>& fields) const {
  if (!Enabled(level)) return;
  std::string line;
  line.reserve(128);
  if (sink_->format == LogFormat::kLogfmt) {
    AppendLogfmt(&line, "ts", Timestamp());
    AppendLogfmt(&line, "level", LevelName(level));
    AppendLogfmt(&line, "msg", msg);
    for (const auto& f : context_) AppendLogfmt(&line, f.key, f.value);
    for (const auto& f : fields) AppendLogfmt(&line, f.key, f.value);
  } else {
    line.push_back('{');
    AppendJson(&line, "ts", Timestamp());
    AppendJson(&line, "level", LevelName(level));
    AppendJson(&line, "msg", msg);
    for (const auto& f : context_) AppendJson(&line, f.key, f.value);
    for (const auto& f : fields) AppendJson(&line, f.key, f.value);
    line.push_back('}');
  }
  line.push_back('\n');
  std::lock_guard<std::mutex> lock(sink_->mu);
  sink_->out->write(line.data(), static_cast<std::streamsize>(line.size()));
  sink_->out->flush();
}

}  // namespace streamlens
