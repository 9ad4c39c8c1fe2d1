#include "common/http_parser.h"

#include <cctype>
#include <charconv>

namespace streamlens {
namespace {

std::string_view Trim(std::string_view v) {
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t' || v.back() == '\r'))
    v.remove_suffix(1);
  return v;
}

std::string Lower(std::string_view v) {
  std::string out(v);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool IsTokenChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) ||
         std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

// "GET /path?x=1 HTTP/1.1"
Status ParseRequestLine(std::string_view line, HttpRequestHead* out) {
  const size_t sp1 = line.find(' ');
  const size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || line.find(' ', sp2 + 1) != std::string_view::npos) {
    return Status::Error("malformed request line");
  }
  const std::string_view method = line.substr(0, sp1);
  const std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  const std::string_view version = line.substr(sp2 + 1);
  if (method.empty()) return Status::Error("empty method");
  for (char c : method) {
    if (!IsTokenChar(c)) return Status::Error("invalid method");
  }
  if (target.empty() || target[0] != '/') return Status::Error("request target must be a path");
  if (version == "HTTP/1.1") {
    out->http11 = true;
  } else if (version == "HTTP/1.0") {
    out->http11 = false;
  } else {
    return Status::Error("unsupported HTTP version");
  }
  out->method = std::string(method);
  const size_t q = target.find('?');
  out->path = PercentDecode(target.substr(0, q), false);
  if (out->path.find('\0') != std::string::npos) return Status::Error("NUL in path");
  if (q != std::string_view::npos) out->params = ParseQuery(target.substr(q + 1));
  return Status::Ok();
}

// Connection, Content-Length and Transfer-Encoding decide how the body is read and whether the
// connection stays open.
Status ApplyFramingHeaders(HttpRequestHead* out) {
  bool has_length = false;
  out->keep_alive = out->http11;
  for (const auto& [name, value] : out->headers) {
    if (name == "content-length") {
      size_t n = 0;
      const char* end = value.data() + value.size();
      auto [p, ec] = std::from_chars(value.data(), end, n);
      if (ec != std::errc() || p != end || value.empty()) {
        return Status::Error("invalid Content-Length");
      }
      if (has_length && n != out->content_length) {
        return Status::Error("conflicting Content-Length headers");
      }
      has_length = true;
      out->content_length = n;
    } else if (name == "transfer-encoding") {
      if (Lower(value) != "identity") out->chunked = true;
    } else if (name == "connection") {
      const std::string v = Lower(value);
      if (v.find("close") != std::string::npos) out->keep_alive = false;
      if (v.find("keep-alive") != std::string::npos && !out->http11) out->keep_alive = true;
    }
  }
  if (out->chunked && has_length) {
    return Status::Error("both Content-Length and Transfer-Encoding");
  }
  return Status::Ok();
}

}  // namespace

std::string HttpRequestHead::Header(std::string_view lower_name) const {
  for (const auto& [n, v] : headers) {
    if (n == lower_name) return v;
  }
  return std::string();
}

size_t FindHeadEnd(std::string_view buf) {
  for (size_t i = buf.find('\n'); i != std::string_view::npos; i = buf.find('\n', i + 1)) {
    if (i + 1 < buf.size() && buf[i + 1] == '\n') return i + 2;
    if (i + 2 < buf.size() && buf[i + 1] == '\r' && buf[i + 2] == '\n') return i + 3;
  }
  return std::string_view::npos;
}

Result<HttpRequestHead> ParseRequestHead(std::string_view head) {
  HttpRequestHead out;
  // RFC 9112 section 2.2: ignore at least one empty line before the request line.
  while (!head.empty() && (head.front() == '\r' || head.front() == '\n')) head.remove_prefix(1);
  size_t eol = head.find('\n');
  STREAMLENS_RETURN_IF_ERROR(ParseRequestLine(Trim(head.substr(0, eol)), &out));
  while (eol != std::string_view::npos) {
    head.remove_prefix(eol + 1);
    eol = head.find('\n');
    std::string_view line = head.substr(0, eol);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) break;
    if (line.front() == ' ' || line.front() == '\t') {
      return Status::Error("obsolete header line folding");
    }
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) return Status::Error("malformed header");
    const std::string_view name = line.substr(0, colon);
    for (char c : name) {
      if (!IsTokenChar(c)) return Status::Error("invalid header name");
    }
    out.headers.emplace_back(Lower(name), std::string(Trim(line.substr(colon + 1))));
  }
  STREAMLENS_RETURN_IF_ERROR(ApplyFramingHeaders(&out));
  return out;
}

std::string PercentDecode(std::string_view in, bool plus_is_space) {
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    const char c = in[i];
    if (c == '%' && i + 2 < in.size() && HexValue(in[i + 1]) >= 0 && HexValue(in[i + 2]) >= 0) {
      out.push_back(static_cast<char>(HexValue(in[i + 1]) * 16 + HexValue(in[i + 2])));
      i += 2;
    } else if (c == '+' && plus_is_space) {
      out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

HttpFields ParseQuery(std::string_view query) {
  HttpFields out;
  while (!query.empty()) {
    const size_t amp = query.find('&');
    std::string_view item = query.substr(0, amp);
    query.remove_prefix(amp == std::string_view::npos ? query.size() : amp + 1);
    if (item.empty()) continue;
    const size_t eq = item.find('=');
    std::string_view key = item.substr(0, eq);
    std::string_view value =
        eq == std::string_view::npos ? std::string_view() : item.substr(eq + 1);
    out.emplace_back(PercentDecode(key, true), PercentDecode(value, true));
  }
  return out;
}

}  // namespace streamlens
