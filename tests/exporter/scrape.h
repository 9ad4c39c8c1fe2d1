// Test helpers for cross-process exporter tests: scrape /metrics and look up samples (processes,
// ports and commands: tests/support/subprocess.h).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <utility>

namespace streamlens::testing {

// GET http://127.0.0.1:port/path; status 0 when unreachable.
std::pair<int, std::string> HttpGet(int port, const std::string& path);

using Labels = std::map<std::string, std::string>;
// Value of the sample `name{labels}` (labels must match exactly) in exposition text.
std::optional<double> Sample(const std::string& text, const std::string& name,
                             const Labels& labels);
// Number of samples of `name`.
size_t CountSamples(const std::string& text, const std::string& name);

}  // namespace streamlens::testing
