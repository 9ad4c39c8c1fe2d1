#include "exporter/loadgen/jolokia_agent.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <map>

namespace streamlens::exporter::loadgen {
namespace {

// Glob with * (any run) and ? (one character).
bool Glob(std::string_view pat, std::string_view s) {
  size_t p = 0, i = 0, star = std::string_view::npos, mark = 0;
  while (i < s.size()) {
    if (p < pat.size() && (pat[p] == '?' || pat[p] == s[i])) {
      ++p;
      ++i;
    } else if (p < pat.size() && pat[p] == '*') {
      star = p++;
      mark = i;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      i = ++mark;
    } else {
      return false;
    }
  }
  while (p < pat.size() && pat[p] == '*') ++p;
  return p == pat.size();
}

struct ParsedName {
  std::string_view domain;
  std::map<std::string_view, std::string_view> props;
  bool wildcard = false;  // a "*" property
  bool ok = false;
};

ParsedName Parse(std::string_view name) {
  ParsedName out;
  const size_t colon = name.find(':');
  if (colon == std::string_view::npos) return out;
  out.domain = name.substr(0, colon);
  std::string_view rest = name.substr(colon + 1);
  while (!rest.empty()) {
    const size_t comma = rest.find(',');
    const std::string_view prop = rest.substr(0, comma);
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    if (prop == "*") {
      out.wildcard = true;
      continue;
    }
    const size_t eq = prop.find('=');
    if (eq == std::string_view::npos) return out;
    out.props[prop.substr(0, eq)] = prop.substr(eq + 1);
  }
  out.ok = true;
  return out;
}

bool IsPattern(std::string_view mbean) {
  return mbean.find_first_of("*?") != std::string_view::npos;
}

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

void WriteAttributes(Writer& w, const MBean& bean, const std::vector<std::string>& wanted) {
  w.StartObject();
  for (const auto& [attr, value] : bean.attributes) {
    if (!wanted.empty() && std::find(wanted.begin(), wanted.end(), attr) == wanted.end()) continue;
    w.Key(attr.c_str(), static_cast<rapidjson::SizeType>(attr.size()));
    w.Double(value);
  }
  w.EndObject();
}

bool HasAny(const MBean& bean, const std::vector<std::string>& wanted) {
  if (wanted.empty()) return true;
  for (const auto& [attr, value] : bean.attributes) {
    if (std::find(wanted.begin(), wanted.end(), attr) != wanted.end()) return true;
  }
  return false;
}

void WriteError(Writer& w, int status, const char* type, const std::string& message) {
  w.Key("status");
  w.Int(status);
  w.Key("error_type");
  w.String(type);
  w.Key("error");
  w.String(message.c_str(), static_cast<rapidjson::SizeType>(message.size()));
}

// One element of the reply for `req`.
void AnswerOne(Writer& w, const rapidjson::Value& req, const std::vector<MBean>& beans,
               double timestamp) {
  w.StartObject();
  w.Key("request");
  req.Accept(w);
  w.Key("timestamp");
  w.Int64(static_cast<int64_t>(timestamp));
  const bool is_read = req.IsObject() && req.HasMember("type") && req["type"].IsString() &&
                       std::string_view(req["type"].GetString()) == "read";
  if (!is_read || !req.HasMember("mbean") || !req["mbean"].IsString()) {
    WriteError(w, 400, "java.lang.IllegalArgumentException",
               "only read requests with an mbean are supported");
    w.EndObject();
    return;
  }
  const std::string_view mbean = req["mbean"].GetString();
  std::vector<std::string> wanted;
  if (req.HasMember("attribute")) {
    const auto& a = req["attribute"];
    if (a.IsString()) wanted.emplace_back(a.GetString());
    if (a.IsArray()) {
      for (const auto& x : a.GetArray()) {
        if (x.IsString()) wanted.emplace_back(x.GetString());
      }
    }
  }
  std::vector<const MBean*> hits;
  for (const auto& b : beans) {
    if (ObjectNameMatches(mbean, b.name) && HasAny(b, wanted)) hits.push_back(&b);
  }
  if (hits.empty()) {
    WriteError(w, 404, "javax.management.InstanceNotFoundException", std::string(mbean));
  } else {
    w.Key("value");
    if (IsPattern(mbean)) {
      w.StartObject();
      for (const MBean* b : hits) {
        w.Key(b->name.c_str(), static_cast<rapidjson::SizeType>(b->name.size()));
        WriteAttributes(w, *b, wanted);
      }
      w.EndObject();
    } else {
      WriteAttributes(w, *hits.front(), wanted);
    }
    w.Key("status");
    w.Int(200);
  }
  w.EndObject();
}

}  // namespace

bool ObjectNameMatches(std::string_view pattern, std::string_view name) {
  const ParsedName pat = Parse(pattern);
  const ParsedName n = Parse(name);
  if (!pat.ok || !n.ok || !Glob(pat.domain, n.domain)) return false;
  for (const auto& [key, value] : pat.props) {
    auto it = n.props.find(key);
    if (it == n.props.end() || !Glob(value, it->second)) return false;
  }
  return pat.wildcard || pat.props.size() == n.props.size();
}

Result<std::string> AnswerJolokiaRead(std::string_view body, const std::vector<MBean>& beans,
                                      double timestamp) {
  rapidjson::Document doc;
  doc.Parse(body.data(), body.size());
  if (doc.HasParseError() || !(doc.IsArray() || doc.IsObject())) {
    return Status::Error("expected a JSON array of read requests");
  }
  rapidjson::StringBuffer buf;
  Writer w(buf);
  if (doc.IsObject()) {
    AnswerOne(w, doc, beans, timestamp);
  } else {
    w.StartArray();
    for (const auto& req : doc.GetArray()) AnswerOne(w, req, beans, timestamp);
    w.EndArray();
  }
  return std::string(buf.GetString(), buf.GetSize());
}

}  // namespace streamlens::exporter::loadgen
