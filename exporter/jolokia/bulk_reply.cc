#include "exporter/jolokia/bulk_reply.h"

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <string_view>

#include "exporter/jolokia/object_name.h"

namespace streamlens::exporter::jolokia {
namespace {

using Allocator = rapidjson::MemoryPoolAllocator<rapidjson::CrtAllocator>;
using Document = rapidjson::GenericDocument<rapidjson::UTF8<>, Allocator, rapidjson::CrtAllocator>;
using Value = rapidjson::GenericValue<rapidjson::UTF8<>, Allocator>;

// Iterative parsing: the parser's own stack is on the heap, so no reply can overflow the thread's
// stack (the recursive parser does at a few hundred thousand nested brackets).
constexpr unsigned kParseFlags = rapidjson::kParseFullPrecisionFlag |
                                 rapidjson::kParseNanAndInfFlag | rapidjson::kParseIterativeFlag;

// Deeper than any Jolokia reply (reply/element/value/mbean/attribute/composite levels) by far;
// a reply nested deeper is refused before a DOM is built for it.
constexpr int kMaxNesting = 64;

// True when brackets and braces outside strings nest at most `limit` deep. One pass, no memory.
bool NestingWithin(std::string_view json, int limit) {
  int depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < json.size(); ++i) {
    const char c = json[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > limit) return false;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return true;
}

std::string_view View(const Value& v) {
  return std::string_view(v.GetString(), v.GetStringLength());
}

struct Walker {
  const ReadSpec* spec;
  MetricMapper* mapper;
  BulkReplyStats* stats;
  std::string* match;

  void NoteError(std::string_view what, std::string_view message) {
    if (stats->first_error.empty()) {
      stats->first_error.assign(what);
      stats->first_error += ": ";
      stats->first_error.append(message.substr(0, 300));
    }
  }

  // `match` holds "domain<props>" of length `prefix`; `keys` is the composite path so far.
  void Attribute(size_t prefix, std::string_view keys, std::string_view attr, const Value& v,
                 int depth) {
    if (v.IsNumber()) {
      match->resize(prefix);
      match->push_back('<');
      match->append(keys);
      match->push_back('>');
      match->append(attr);
      mapper->Record(*match, v.GetDouble());
      ++stats->values;
    } else if (v.IsBool()) {
      match->resize(prefix);
      match->push_back('<');
      match->append(keys);
      match->push_back('>');
      match->append(attr);
      mapper->Record(*match, v.GetBool() ? 1.0 : 0.0);
      ++stats->values;
    } else if (v.IsObject() && depth < kMaxCompositeDepth) {
      // Composite data: the attribute name joins the key path, jmx_exporter-style.
      std::string path(keys);
      if (!path.empty()) path += ", ";
      path.append(attr);
      for (auto it = v.MemberBegin(); it != v.MemberEnd(); ++it) {
        Attribute(prefix, path, View(it->name), it->value, depth + 1);
      }
    } else if (v.IsString() && View(v).rfind("ERROR", 0) == 0) {
      ++stats->failed_values;
      NoteError(std::string(match->data(), prefix) + " " + std::string(attr), View(v));
    } else {
      mapper->Skip(SkipReason::kType);
    }
  }

  // One MBean's {attribute: value} map (or, for a single-attribute read, its bare value).
  void MBean(std::string_view object_name, const Value& attrs) {
    match->clear();
    if (!AppendMatchPrefix(object_name, match)) {
      mapper->Skip(SkipReason::kInvalid);
      return;
    }
    const size_t prefix = match->size();
    if (spec->attributes.size() == 1 &&
        !(attrs.IsObject() && attrs.HasMember(spec->attributes[0].c_str()))) {
      Attribute(prefix, {}, spec->attributes[0], attrs, 0);
      return;
    }
    if (!attrs.IsObject()) {
      mapper->Skip(SkipReason::kType);
      return;
    }
    for (auto it = attrs.MemberBegin(); it != attrs.MemberEnd(); ++it) {
      Attribute(prefix, {}, View(it->name), it->value, 0);
    }
  }
};

}  // namespace

std::string BuildBulkRequest(const JolokiaConfig& config) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  w.StartArray();
  for (const ReadSpec& spec : config.mbeans) {
    w.StartObject();
    w.Key("type");
    w.String("read");
    w.Key("mbean");
    w.String(spec.mbean.c_str(), static_cast<rapidjson::SizeType>(spec.mbean.size()));
    if (!spec.attributes.empty()) {
      w.Key("attribute");
      w.StartArray();
      for (const auto& a : spec.attributes) {
        w.String(a.c_str(), static_cast<rapidjson::SizeType>(a.size()));
      }
      w.EndArray();
    }
    w.Key("config");
    w.StartObject();
    w.Key("ignoreErrors");
    w.Bool(true);
    w.Key("canonicalNaming");
    w.Bool(false);
    w.EndObject();
    w.EndObject();
  }
  w.EndArray();
  return std::string(buf.GetString(), buf.GetSize());
}

Result<BulkReplyStats> BulkReplyParser::Parse(std::string* body, const JolokiaConfig& config,
                                              MetricMapper* mapper) {
  // DOM memory: a reused buffer sized from the previous reply; overflow goes to extra chunks.
  // (Grown here, never while a DOM points into it.)
  if (pool_.size() < std::max<size_t>(64 * 1024, next_pool_size_)) {
    pool_.resize(std::max<size_t>(64 * 1024, next_pool_size_));
  }
  if (!NestingWithin(*body, kMaxNesting)) {
    return Status::Error("reply is not valid JSON for Jolokia: nested deeper than " +
                         std::to_string(kMaxNesting) + " levels");
  }
  Allocator allocator(pool_.data(), pool_.size(), 256 * 1024);
  Document doc(&allocator);
  doc.ParseInsitu<kParseFlags>(body->data());
  const size_t used = allocator.Size();
  if (used > pool_.size()) next_pool_size_ = used + used / 4;
  if (doc.HasParseError()) {
    return Status::Error("reply is not valid JSON: " +
                         std::string(rapidjson::GetParseError_En(doc.GetParseError())) +
                         " at byte " + std::to_string(doc.GetErrorOffset()));
  }
  if (!doc.IsArray()) {
    std::string detail;
    if (doc.IsObject() && doc.HasMember("error") && doc["error"].IsString()) {
      detail = ": " + std::string(View(doc["error"])).substr(0, 300);
    }
    return Status::Error("reply is not a JSON array of read results" + detail);
  }
  if (doc.Size() != config.mbeans.size()) {
    return Status::Error("reply has " + std::to_string(doc.Size()) + " results for " +
                         std::to_string(config.mbeans.size()) + " reads");
  }
  BulkReplyStats stats;
  for (rapidjson::SizeType i = 0; i < doc.Size(); ++i) {
    const ReadSpec& spec = config.mbeans[i];
    const Value& elem = doc[i];
    Walker walker{&spec, mapper, &stats, &match_};
    if (!elem.IsObject() || !elem.HasMember("status") || !elem["status"].IsInt()) {
      ++stats.failed_reads;
      walker.NoteError(spec.mbean, "result without a status");
      continue;
    }
    if (elem["status"].GetInt() != 200) {
      ++stats.failed_reads;
      std::string text = "status " + std::to_string(elem["status"].GetInt());
      if (elem.HasMember("error") && elem["error"].IsString()) {
        text += " ";
        text.append(View(elem["error"]));
      }
      walker.NoteError(spec.mbean, text);
      continue;
    }
    auto value = elem.FindMember("value");
    if (value == elem.MemberEnd()) {
      ++stats.failed_reads;
      walker.NoteError(spec.mbean, "result without a value");
      continue;
    }
    if (IsObjectNamePattern(spec.mbean)) {
      if (!value->value.IsObject()) {
        mapper->Skip(SkipReason::kType);
        continue;
      }
      for (auto it = value->value.MemberBegin(); it != value->value.MemberEnd(); ++it) {
        walker.MBean(View(it->name), it->value);
      }
    } else {
      walker.MBean(spec.mbean, value->value);
    }
  }
  return stats;
}

}  // namespace streamlens::exporter::jolokia
