// Parsing of HTTP/1.x request heads and query strings for the daemons' HTTP server.
//
// Pure functions over bytes already read; they never read past their input, allocate at most in
// proportion to it, and report malformed input as an error (the server answers 400). Fuzzed by
// common/fuzz/fuzz_http_request.cc. Thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"

namespace streamlens {

using HttpFields = std::vector<std::pair<std::string, std::string>>;

struct HttpRequestHead {
  std::string method;  // as sent, e.g. "GET"
  std::string path;    // percent-decoded, without the query
  HttpFields params;   // query parameters, percent-decoded, in order
  HttpFields headers;  // names lower-cased, values trimmed, in order
  bool http11 = true;  // HTTP/1.1 (false: HTTP/1.0)
  bool keep_alive = true;
  bool chunked = false;  // Transfer-Encoding other than identity (bodies are read by length only)
  size_t content_length = 0;
  // First value of header `lower_name`, or empty.
  std::string Header(std::string_view lower_name) const;
};

// Offset just past the blank line that ends a request head ("\r\n\r\n", or "\n\n" as RFC 9112
// allows), or npos when `buf` does not contain one yet.
size_t FindHeadEnd(std::string_view buf);

// Parses a request head (request line and header fields, with or without the blank line).
// Errors name what is malformed: request line, version, header syntax, Content-Length.
Result<HttpRequestHead> ParseRequestHead(std::string_view head);

// "a=1&b=x%20y&c" -> {{"a","1"},{"b","x y"},{"c",""}}; '+' is a space. Invalid escapes are kept
// as they are.
HttpFields ParseQuery(std::string_view query);

// Decodes %XX escapes (and '+' as space when `plus_is_space`); invalid escapes are kept.
std::string PercentDecode(std::string_view in, bool plus_is_space);

}  // namespace streamlens
