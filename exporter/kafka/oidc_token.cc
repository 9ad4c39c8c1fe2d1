#include "exporter/kafka/oidc_token.h"

#include <httplib.h>
#include <rapidjson/document.h>

#include <cmath>

namespace streamlens::exporter::kafka {

namespace {

// base64url (JWT segments, no padding) to bytes; empty on invalid input.
std::string Base64UrlDecode(std::string_view in) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '-' || c == '+') return 62;
    if (c == '_' || c == '/') return 63;
    return -1;
  };
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    if (c == '=') break;
    const int v = value(c);
    if (v < 0) return "";
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  return out;
}

std::string Base64Encode(std::string_view in) {
  static const char* kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const uint32_t n = (static_cast<uint8_t>(in[i]) << 16) |
                       (static_cast<uint8_t>(in[i + 1]) << 8) | static_cast<uint8_t>(in[i + 2]);
    for (int s = 18; s >= 0; s -= 6) out.push_back(kAlphabet[(n >> s) & 63]);
  }
  if (i < in.size()) {
    uint32_t n = static_cast<uint8_t>(in[i]) << 16;
    if (i + 1 < in.size()) n |= static_cast<uint8_t>(in[i + 1]) << 8;
    out.push_back(kAlphabet[(n >> 18) & 63]);
    out.push_back(kAlphabet[(n >> 12) & 63]);
    out.push_back(i + 1 < in.size() ? kAlphabet[(n >> 6) & 63] : '=');
    out.push_back('=');
  }
  return out;
}

std::string FormEscape(std::string_view in) {
  std::string out;
  for (unsigned char c : in) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      char buf[4];
      std::snprintf(buf, sizeof(buf), "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

}  // namespace

Result<OAuthToken> ParseTokenReply(std::string_view body, int64_t now_ms) {
  rapidjson::Document reply;
  reply.Parse(body.data(), body.size());
  if (reply.HasParseError() || !reply.IsObject()) {
    return Status::Error("OIDC token endpoint: the reply is not a JSON object");
  }
  auto it = reply.FindMember("access_token");
  if (it == reply.MemberEnd() || !it->value.IsString()) {
    return Status::Error("OIDC token endpoint: the reply has no access_token");
  }
  OAuthToken t;
  t.value = it->value.GetString();
  // JWT: header.payload.signature; the claims are in the payload.
  const size_t d1 = t.value.find('.');
  const size_t d2 = d1 == std::string::npos ? d1 : t.value.find('.', d1 + 1);
  if (d2 == std::string::npos) {
    return Status::Error("OIDC token endpoint: access_token is not a JWT");
  }
  rapidjson::Document claims;
  const std::string payload =
      Base64UrlDecode(std::string_view(t.value).substr(d1 + 1, d2 - d1 - 1));
  claims.Parse(payload.data(), payload.size());
  if (claims.HasParseError() || !claims.IsObject()) {
    return Status::Error("OIDC token endpoint: the JWT payload is not a JSON object");
  }
  auto sub = claims.FindMember("sub");
  if (sub == claims.MemberEnd() || !sub->value.IsString() || sub->value.GetStringLength() == 0) {
    return Status::Error("OIDC token endpoint: the JWT has no `sub` claim (the principal)");
  }
  t.principal = sub->value.GetString();
  auto exp = claims.FindMember("exp");
  auto expires_in = reply.FindMember("expires_in");
  if (exp != claims.MemberEnd() && exp->value.IsNumber()) {
    t.expiry_ms = static_cast<int64_t>(std::llround(exp->value.GetDouble() * 1000));
  } else if (expires_in != reply.MemberEnd() && expires_in->value.IsNumber()) {
    t.expiry_ms = now_ms + static_cast<int64_t>(std::llround(expires_in->value.GetDouble() * 1000));
  } else {
    return Status::Error("OIDC token endpoint: neither an `exp` claim nor `expires_in`");
  }
  if (t.expiry_ms <= now_ms) return Status::Error("OIDC token endpoint: the token has expired");
  return t;
}

bool TakeOidcOptions(std::vector<std::pair<std::string, std::string>>* config, OidcOptions* out) {
  bool oidc = false;
  for (const auto& [k, v] : *config) {
    if (k == "sasl.oauthbearer.method") oidc = v == "oidc" || v == "OIDC";
  }
  if (!oidc) return false;
  std::vector<std::pair<std::string, std::string>> rest;
  for (auto& [k, v] : *config) {
    if (k == "sasl.oauthbearer.method") continue;
    if (k == "sasl.oauthbearer.client.id") {
      out->client_id = v;
    } else if (k == "sasl.oauthbearer.client.secret") {
      out->client_secret = v;
    } else if (k == "sasl.oauthbearer.token.endpoint.url") {
      out->token_endpoint_url = v;
    } else if (k == "sasl.oauthbearer.scope") {
      out->scope = v;
    } else if (k == "sasl.oauthbearer.extensions") {
      size_t start = 0;
      while (start < v.size()) {
        size_t end = v.find(',', start);
        if (end == std::string::npos) end = v.size();
        const std::string kv = v.substr(start, end - start);
        const size_t eq = kv.find('=');
        if (eq != std::string::npos)
          out->extensions.emplace_back(kv.substr(0, eq), kv.substr(eq + 1));
        start = end + 1;
      }
    } else {
      if (k == "ssl.ca.location") out->ca_file = v;
      rest.emplace_back(std::move(k), std::move(v));
    }
  }
  *config = std::move(rest);
  return true;
}

Result<OAuthToken> OidcTokenSource::Fetch(int64_t now_ms) const {
  const std::string& url = options_.token_endpoint_url;
  const size_t scheme_end = url.find("://");
  if (scheme_end == std::string::npos) {
    return Status::Error("sasl.oauthbearer.token.endpoint.url: expected http(s)://host/path");
  }
  const size_t path_start = url.find('/', scheme_end + 3);
  const std::string base = url.substr(0, path_start);
  const std::string path = path_start == std::string::npos ? "/" : url.substr(path_start);
  httplib::Client client(base);
  if (!client.is_valid()) return Status::Error("OIDC token endpoint " + base + ": unusable URL");
  client.set_connection_timeout(options_.timeout);
  client.set_read_timeout(options_.timeout);
  client.set_write_timeout(options_.timeout);
  if (url.rfind("https", 0) == 0) {
    if (!options_.ca_file.empty()) client.set_ca_cert_path(options_.ca_file);
    client.enable_server_certificate_verification(true);
  }
  std::string body = "grant_type=client_credentials";
  if (!options_.scope.empty()) body += "&scope=" + FormEscape(options_.scope);
  const httplib::Headers headers = {
      {"Authorization", "Basic " + Base64Encode(options_.client_id + ":" + options_.client_secret)},
      {"Accept", "application/json"}};
  auto res = client.Post(path, headers, body, "application/x-www-form-urlencoded");
  if (!res) {
    return Status::Error("OIDC token endpoint " + base + ": " + httplib::to_string(res.error()));
  }
  if (res->status != 200) {
    return Status::Error("OIDC token endpoint " + base + ": HTTP " + std::to_string(res->status));
  }
  return ParseTokenReply(res->body, now_ms);
}

}  // namespace streamlens::exporter::kafka
