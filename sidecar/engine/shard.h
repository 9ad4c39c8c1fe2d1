// Sharding of series across sidecars (--shard.count N --shard.index i).
//
// A series belongs to shard `ShardOf(labels, N)`: the MD5 of its label VALUES, taken in label
// name order and joined with ";", read as a big-endian uint64 from bytes 8..15 of the digest,
// modulo N. That is exactly Prometheus's `hashmod` relabel action
//
//   - source_labels: [<every label name of the series, sorted>]   # including __name__
//     separator: ";"
//     modulus: N
//     action: hashmod
//
// so the partition can be reproduced in PromQL-land (and is stable across restarts, hosts and
// versions: it depends on nothing but the label set). Every series lands in exactly one shard.
// Label sets are expected sorted by name (as SeriesSet returns them). Thread-safe (pure).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace streamlens::engine {

// The hashmod value (before the modulo) of `values` joined with ';'.
uint64_t HashModKey(const std::vector<std::string_view>& values);
// Shard of a series given its label values in label-name order; `count` >= 1.
uint32_t ShardOf(const std::vector<std::string_view>& values_in_name_order, uint32_t count);

struct ShardSpec {
  uint32_t count = 1;
  uint32_t index = 0;
  bool Owns(const std::vector<std::string_view>& values_in_name_order) const {
    return count <= 1 || ShardOf(values_in_name_order, count) == index;
  }
};

}  // namespace streamlens::engine
