// MetricMapper: turns (match string, value) pairs from one broker's Jolokia reply into
// Prometheus series, using the ordered rules of a JolokiaConfig.
//
// Rule evaluation (regex search, template rendering, sanitising) runs once per distinct match
// string; the outcome is cached, so a steady-state cycle costs one hash lookup and a store per
// value and allocates nothing per value. The cache is dropped and rebuilt when it grows past twice
// the number of distinct values seen in the last cycle (MBeans came and went), bounding memory.
//
// Usage per collection cycle: BeginCycle(); Record()/Skip() for every value; AppendFamilies().
// Series not recorded in a cycle are not emitted in it. A Record() that would write a series part
// already written this cycle (two MBeans rendering to the same series) is skipped as `duplicate`;
// a rule rendering a name already used with another type is skipped as `conflict`.
//
// One instance per broker; not thread-safe (each broker is collected by one thread at a time).
#pragma once

#include <prometheus/client_metric.h>
#include <prometheus/metric_family.h>

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "exporter/jolokia/config.h"

namespace streamlens::exporter::jolokia {

enum class SkipReason { kUnmatched = 0, kType, kDuplicate, kConflict, kInvalid };
inline constexpr int kNumSkipReasons = 5;
// Label value for streamlens_exporter_jolokia_skipped_attributes_total{reason}.
std::string_view SkipReasonName(SkipReason reason);

// Accumulates families from several brokers, merging families with the same name.
class FamilyMerger {
 public:
  explicit FamilyMerger(std::vector<prometheus::MetricFamily>* out) : out_(out) {}
  // Index in the output vector of the family named `name`, created with `help` and `type` if new.
  // Returns -1 when a family of that name exists with a different type. (Indices, not pointers:
  // creating a family may reallocate the vector.)
  long Index(const std::string& name, const std::string& help, prometheus::MetricType type);
  prometheus::MetricFamily& at(long index) { return (*out_)[index]; }

 private:
  std::vector<prometheus::MetricFamily>* out_;
  std::unordered_map<std::string, size_t> index_;
};

class MetricMapper {
 public:
  explicit MetricMapper(std::shared_ptr<const JolokiaConfig> config);

  void BeginCycle();
  // Forgets everything recorded since BeginCycle() (the reply turned out to be broken); the next
  // AppendFamilies() emits nothing until the next BeginCycle() and Record()s.
  void DiscardCycle() {
    ++cycle_;
    records_this_cycle_ = 0;
  }
  // Maps `match` (see object_name.h) through the rules and stores `value` for this cycle.
  void Record(const std::string& match, double value);
  // Counts a value that cannot be mapped (non-numeric, malformed name, ...).
  void Skip(SkipReason reason) { ++skipped_[static_cast<int>(reason)]; }

  // Appends this cycle's series to `out`, each with a first label broker=`broker`.
  // Returns the number of series appended.
  size_t AppendFamilies(const std::string& broker, FamilyMerger* out) const;

  // Cumulative since construction, indexed by SkipReason.
  const std::array<uint64_t, kNumSkipReasons>& skipped() const { return skipped_; }
  // Cumulative number of values each rule mapped, indexed like config->rules.
  const std::vector<uint64_t>& rule_hits() const { return rule_hits_; }
  size_t cache_size() const { return cache_.size(); }

 private:
  struct Mapping {
    int32_t series = -1;  // -1: skipped with `reason`
    SkipReason reason = SkipReason::kUnmatched;
    SummaryPart part = SummaryPart::kNone;
    int32_t quantile_slot = -1;
    int32_t rule = -1;
    double factor = 1.0;
  };
  struct Family {
    std::string name;
    std::string help;
    MetricType type;
  };
  struct Quantile {
    double q;
    double value = 0;
    uint64_t cycle = 0;
  };
  struct Series {
    uint32_t family;
    std::vector<prometheus::ClientMetric::Label> labels;
    double value = 0, count = 0, sum = 0, mean = 0;
    uint64_t value_cycle = 0, count_cycle = 0, sum_cycle = 0, mean_cycle = 0;
    std::vector<Quantile> quantiles;
  };

  Mapping Resolve(const std::string& match);
  void Clear();

  std::shared_ptr<const JolokiaConfig> config_;
  std::unordered_map<std::string, Mapping> cache_;
  std::vector<Family> families_;
  std::unordered_map<std::string, uint32_t> family_index_;
  std::vector<Series> series_;
  std::unordered_map<std::string, uint32_t> series_index_;
  uint64_t cycle_ = 0;
  size_t records_this_cycle_ = 0;
  size_t records_last_cycle_ = 0;
  std::array<uint64_t, kNumSkipReasons> skipped_{};
  std::vector<uint64_t> rule_hits_;
};

// Sanitises a rendered metric or label name the way jmx_exporter does: characters outside
// [a-zA-Z0-9_:] become '_', runs of '_' collapse to one, and a leading digit gets a '_' prefix.
std::string SafeName(std::string_view name, bool allow_colon);
// camelCase -> snake_case ("clientId" -> "client_id", "delayedOperation" -> "delayed_operation").
std::string SnakeCase(std::string_view name);

}  // namespace streamlens::exporter::jolokia
