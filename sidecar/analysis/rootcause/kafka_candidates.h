// The domain-informed default candidate set for Kafka root-cause ranking: which series to
// consider when a consumer group's lag, a produce/fetch latency or a broker looks anomalous,
// which layer each points at, how plausible it is as a cause rather than a symptom (prior) and
// which direction of change is harmful.
//
// The PromQL selectors use the names streamlens-exporter publishes (kafka_exporter-compatible
// names for cluster state and lag, jmx_exporter-style names for broker JMX). The engine expands
// each kind into concrete series (one per broker/topic/group label set) and may append the
// user's own candidates; callers can override priors. Pure data, thread-safe.
//
// Priors encode the causal order operators use: changes in the workload (input rates, skew),
// in availability (brokers online) and in consumer processing are causes (1.0); machine
// resources are next (0.9: load explains them, unless the CPU-not-explained-by-load residual
// says otherwise); Kafka internals that mediate between load and latency (queues, idle ratios,
// ISR churn) 0.8; end-to-end symptoms (latency, lag) 0.6.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "sidecar/analysis/rootcause/rank.h"

namespace streamlens::analysis::rootcause {

struct KafkaCandidateKind {
  std::string_view key;     // stable identifier, e.g. "broker_cpu"
  std::string_view promql;  // default selector/expression; one series per label set
  Layer layer;
  double prior;                  // see the header comment
  int bad_direction;             // +1 increase hurts, -1 decrease hurts, 0 either
  std::string_view description;  // for the JSON API and docs
};

// All default kinds, in a stable order.
std::span<const KafkaCandidateKind> DefaultKafkaCandidateKinds();

// The kind with `key`, or nullptr.
const KafkaCandidateKind* FindKafkaCandidateKind(std::string_view key);

// A CandidateInfo for one concrete series of `kind` named `series_name`.
CandidateInfo MakeKafkaCandidate(const KafkaCandidateKind& kind, std::string series_name);

}  // namespace streamlens::analysis::rootcause
