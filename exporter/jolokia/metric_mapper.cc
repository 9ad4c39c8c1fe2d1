#include "exporter/jolokia/metric_mapper.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>

namespace streamlens::exporter::jolokia {
namespace {

// Match strings longer than this are not mapped (bounds regex work); no real object name comes
// close.
constexpr size_t kMaxMatchLength = 2048;

// Expands $N (and ${N}) in `tmpl` with capture groups of `m`. Like Java's Matcher, "$12" means
// group 12 when it exists, else group 1 followed by '2'.
std::string Expand(const std::string& tmpl, const std::vector<std::string_view>& m) {
  std::string out;
  out.reserve(tmpl.size() + 16);
  const size_t groups = m.size();
  for (size_t i = 0; i < tmpl.size(); ++i) {
    char c = tmpl[i];
    if (c != '$' || i + 1 == tmpl.size()) {
      out.push_back(c);
      continue;
    }
    if (tmpl[i + 1] == '{') {
      size_t close = tmpl.find('}', i + 2);
      if (close != std::string::npos) {
        size_t g = std::strtoul(tmpl.c_str() + i + 2, nullptr, 10);
        if (g < groups) out.append(m[g]);
        i = close;
        continue;
      }
    }
    if (!std::isdigit(static_cast<unsigned char>(tmpl[i + 1]))) {
      out.push_back(c);
      continue;
    }
    size_t g = tmpl[i + 1] - '0';
    size_t j = i + 2;
    while (j < tmpl.size() && std::isdigit(static_cast<unsigned char>(tmpl[j]))) {
      size_t next = g * 10 + (tmpl[j] - '0');
      if (next >= groups) break;
      g = next;
      ++j;
    }
    if (g < groups) out.append(m[g]);
    i = j - 1;
  }
  return out;
}

void Lower(std::string* s) {
  std::transform(s->begin(), s->end(), s->begin(), [](unsigned char c) { return std::tolower(c); });
}

}  // namespace

std::string SnakeCase(std::string_view name) {
  std::string out;
  out.reserve(name.size() + 4);
  for (size_t i = 0; i < name.size(); ++i) {
    const unsigned char c = name[i];
    if (std::isupper(c)) {
      const unsigned char prev = i ? name[i - 1] : 0;
      if (i > 0 && (std::islower(prev) || std::isdigit(prev))) out.push_back('_');
      out.push_back(static_cast<char>(std::tolower(c)));
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  return out;
}

namespace {

prometheus::MetricType ToPrometheus(MetricType t) {
  switch (t) {
    case MetricType::kCounter:
      return prometheus::MetricType::Counter;
    case MetricType::kGauge:
      return prometheus::MetricType::Gauge;
    case MetricType::kSummary:
      return prometheus::MetricType::Summary;
    case MetricType::kUntyped:
      break;
  }
  return prometheus::MetricType::Untyped;
}

bool ParseQuantile(const std::string& text, double* q) {
  if (text.empty()) return false;
  char* end = nullptr;
  *q = std::strtod(text.c_str(), &end);
  return end == text.c_str() + text.size() && *q >= 0 && *q <= 1;
}

}  // namespace

std::string_view SkipReasonName(SkipReason reason) {
  switch (reason) {
    case SkipReason::kUnmatched:
      return "unmatched";
    case SkipReason::kType:
      return "type";
    case SkipReason::kDuplicate:
      return "duplicate";
    case SkipReason::kConflict:
      return "conflict";
    case SkipReason::kInvalid:
      return "invalid";
  }
  return "invalid";
}

std::string SafeName(std::string_view name, bool allow_colon) {
  std::string out;
  out.reserve(name.size() + 1);
  if (!name.empty() && std::isdigit(static_cast<unsigned char>(name[0]))) out.push_back('_');
  for (char c : name) {
    bool ok = std::isalnum(static_cast<unsigned char>(c)) || c == '_' || (allow_colon && c == ':');
    char w = ok ? c : '_';
    if (w == '_' && !out.empty() && out.back() == '_') continue;
    out.push_back(w);
  }
  return out;
}

long FamilyMerger::Index(const std::string& name, const std::string& help,
                         prometheus::MetricType type) {
  auto [it, inserted] = index_.try_emplace(name, out_->size());
  if (inserted) {
    prometheus::MetricFamily f;
    f.name = name;
    f.help = help;
    f.type = type;
    out_->push_back(std::move(f));
  }
  return (*out_)[it->second].type == type ? static_cast<long>(it->second) : -1;
}

MetricMapper::MetricMapper(std::shared_ptr<const JolokiaConfig> config)
    : config_(std::move(config)), rule_hits_(config_->rules.size(), 0) {}

void MetricMapper::Clear() {
  cache_.clear();
  families_.clear();
  family_index_.clear();
  series_.clear();
  series_index_.clear();
}

void MetricMapper::BeginCycle() {
  ++cycle_;
  // A failed cycle records nothing; it says nothing about how many MBeans the broker has.
  if (records_this_cycle_ > 0) records_last_cycle_ = records_this_cycle_;
  records_this_cycle_ = 0;
  if (cache_.size() > 2 * records_last_cycle_ + 4096) Clear();
}

MetricMapper::Mapping MetricMapper::Resolve(const std::string& match) {
  Mapping m;
  if (match.size() > kMaxMatchLength) {
    m.reason = SkipReason::kInvalid;
    return m;
  }
  const auto& rules = config_->rules;
  std::vector<std::string_view> groups;
  size_t r = 0;
  for (; r < rules.size(); ++r) {
    if (rules[r].pattern.Search(match, &groups)) break;
  }
  if (r == rules.size()) return m;  // unmatched
  const Rule& rule = rules[r];
  m.rule = static_cast<int32_t>(r);

  std::string name = SafeName(Expand(rule.name, groups), true);
  if (config_->lowercase_output_name) Lower(&name);
  if (name.empty() || name == "_") {
    m.reason = SkipReason::kInvalid;
    return m;
  }
  std::vector<prometheus::ClientMetric::Label> labels;
  labels.reserve(rule.labels.size());
  double quantile = -1;
  for (const auto& [ktmpl, vtmpl] : rule.labels) {
    std::string k = SafeName(Expand(ktmpl, groups), false);
    if (config_->snake_case_output_label_names) k = SnakeCase(k);
    if (config_->lowercase_output_label_names) Lower(&k);
    std::string v = Expand(vtmpl, groups);
    if (k.empty() || k == "_" || k.rfind("__", 0) == 0) {
      m.reason = SkipReason::kInvalid;
      return m;
    }
    if (k == "broker") k = "exported_broker";
    if (rule.type == MetricType::kSummary && k == "quantile") {
      if (!ParseQuantile(v, &quantile)) {
        m.reason = SkipReason::kInvalid;
        return m;
      }
      continue;
    }
    for (const auto& l : labels) {
      if (l.name == k) {
        m.reason = SkipReason::kInvalid;
        return m;
      }
    }
    labels.push_back({std::move(k), std::move(v)});
  }
  if (rule.type == MetricType::kSummary && rule.summary_part == SummaryPart::kQuantile &&
      quantile < 0) {
    m.reason = SkipReason::kInvalid;
    return m;
  }

  // Family. (The collection scheduler appends the "may be up to one interval old" note.)
  auto [fit, fnew] = family_index_.try_emplace(name, static_cast<uint32_t>(families_.size()));
  if (fnew) {
    std::string help = rule.help.empty() ? "Jolokia " + match : Expand(rule.help, groups);
    families_.push_back(Family{name, std::move(help), rule.type});
  } else if (families_[fit->second].type != rule.type) {
    m.reason = SkipReason::kConflict;
    return m;
  }
  const uint32_t family = fit->second;

  // Series: family + labels (without quantile).
  std::string key = std::to_string(family);
  for (const auto& l : labels) {
    key.push_back('\0');
    key += l.name;
    key.push_back('\0');
    key += l.value;
  }
  auto [sit, snew] =
      series_index_.try_emplace(std::move(key), static_cast<uint32_t>(series_.size()));
  if (snew) {
    Series s;
    s.family = family;
    s.labels = std::move(labels);
    series_.push_back(std::move(s));
  }
  m.series = static_cast<int32_t>(sit->second);
  m.part = rule.type == MetricType::kSummary ? rule.summary_part : SummaryPart::kNone;
  m.factor = rule.value_factor;
  if (m.part == SummaryPart::kQuantile) {
    auto& qs = series_[m.series].quantiles;
    size_t slot = 0;
    while (slot < qs.size() && qs[slot].q != quantile) ++slot;
    if (slot == qs.size()) qs.push_back(Quantile{quantile});
    m.quantile_slot = static_cast<int32_t>(slot);
  }
  return m;
}

void MetricMapper::Record(const std::string& match, double value) {
  ++records_this_cycle_;
  auto it = cache_.find(match);
  if (it == cache_.end()) it = cache_.emplace(match, Resolve(match)).first;
  const Mapping& m = it->second;
  if (m.series < 0) {
    Skip(m.reason);
    return;
  }
  Series& s = series_[m.series];
  value *= m.factor;
  uint64_t* stamp = nullptr;
  double* slot = nullptr;
  switch (m.part) {
    case SummaryPart::kNone:
      stamp = &s.value_cycle;
      slot = &s.value;
      break;
    case SummaryPart::kCount:
      stamp = &s.count_cycle;
      slot = &s.count;
      break;
    case SummaryPart::kSum:
      stamp = &s.sum_cycle;
      slot = &s.sum;
      break;
    case SummaryPart::kMean:
      stamp = &s.mean_cycle;
      slot = &s.mean;
      break;
    case SummaryPart::kQuantile:
      stamp = &s.quantiles[m.quantile_slot].cycle;
      slot = &s.quantiles[m.quantile_slot].value;
      break;
  }
  if (*stamp == cycle_) {
    Skip(SkipReason::kDuplicate);
    return;
  }
  *stamp = cycle_;
  *slot = value;
  ++rule_hits_[m.rule];
}

size_t MetricMapper::AppendFamilies(const std::string& broker, FamilyMerger* out) const {
  constexpr long kUnresolved = -2;
  std::vector<long> targets(families_.size(), kUnresolved);
  size_t appended = 0;
  for (const Series& s : series_) {
    const Family& fam = families_[s.family];
    prometheus::ClientMetric metric;
    if (fam.type == MetricType::kSummary) {
      if (s.count_cycle != cycle_) continue;  // a summary needs its count
      metric.summary.sample_count =
          s.count > 0 ? static_cast<uint64_t>(std::llround(s.count)) : uint64_t{0};
      if (s.sum_cycle == cycle_) {
        metric.summary.sample_sum = s.sum;
      } else if (s.mean_cycle == cycle_) {
        metric.summary.sample_sum = s.mean * s.count;
      } else {
        metric.summary.sample_sum = std::nan("");
      }
      for (const Quantile& q : s.quantiles) {
        if (q.cycle == cycle_) metric.summary.quantile.push_back({q.q, q.value});
      }
      std::sort(metric.summary.quantile.begin(), metric.summary.quantile.end(),
                [](const auto& a, const auto& b) { return a.quantile < b.quantile; });
    } else {
      if (s.value_cycle != cycle_) continue;
      switch (fam.type) {
        case MetricType::kCounter:
          metric.counter.value = s.value;
          break;
        case MetricType::kGauge:
          metric.gauge.value = s.value;
          break;
        default:
          metric.untyped.value = s.value;
          break;
      }
    }
    if (targets[s.family] == kUnresolved) {
      targets[s.family] = out->Index(fam.name, fam.help, ToPrometheus(fam.type));
    }
    if (targets[s.family] < 0) continue;  // same name with another type from another source
    prometheus::MetricFamily* target = &out->at(targets[s.family]);
    metric.label.reserve(s.labels.size() + 1);
    metric.label.push_back({"broker", broker});
    metric.label.insert(metric.label.end(), s.labels.begin(), s.labels.end());
    target->metric.push_back(std::move(metric));
    ++appended;
  }
  return appended;
}

}  // namespace streamlens::exporter::jolokia
