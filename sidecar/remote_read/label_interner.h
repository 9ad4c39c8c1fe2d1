// LabelInterner: the distinct label sets of the series of one reply (or one SeriesSetBuilder),
// numbered 0, 1, ... in the order first seen, with every label name and value stored once in a
// symbol table. SeriesSetBuilder and ChunkIndex keep their series' samples or chunks under these
// numbers, so a series continued later in a reply (or in another sub-query) finds its number
// again.
//
// Owns its symbols and label sets. Not thread-safe; copyable and movable.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/status.h"

namespace streamlens::remote_read {

// One label as stored: indices into a symbol table.
struct LabelRef {
  uint32_t name;
  uint32_t value;
};

// Checks a series' labels and puts them in the stored form: fails for an empty or repeated
// name; drops labels with empty values (Prometheus treats them as absent); sorts by name.
Status NormalizeLabels(std::span<const std::pair<std::string_view, std::string_view>> labels,
                       std::vector<std::pair<std::string_view, std::string_view>>* sorted);

class LabelInterner {
 public:
  struct Interned {
    uint32_t series;  // the label set's number
    bool is_new;      // first time this label set is seen (series == num_series() - 1)
  };

  // Checks and normalizes `labels` (NormalizeLabels: any order, empty values dropped) and
  // returns the number of that label set, adding it when new. Fails for an empty or repeated
  // label name, adding nothing.
  Result<Interned> Intern(std::span<const std::pair<std::string_view, std::string_view>> labels);

  size_t num_series() const { return label_offsets_.size() - 1; }
  // Labels of label set `series` (< num_series()), sorted by name text, as symbol ids.
  std::span<const LabelRef> labels(uint32_t series) const {
    return {label_refs_.data() + label_offsets_[series],
            label_refs_.data() + label_offsets_[series + 1]};
  }
  // The symbol table: LabelRef ids index it.
  std::span<const std::string> symbols() const { return symbols_; }
  // Moves the symbol table out (for a finished SeriesSet); the interner is left empty.
  std::vector<std::string> TakeSymbols();

 private:
  struct StringHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
  };
  using StringMap = std::unordered_map<std::string, uint32_t, StringHash, std::equal_to<>>;
  uint32_t InternSymbol(std::string_view s);

  std::vector<std::string> symbols_;
  StringMap symbol_ids_;
  StringMap series_ids_;                     // key: the label set's LabelRef bytes
  std::vector<LabelRef> label_refs_;         // every label set, back to back
  std::vector<size_t> label_offsets_ = {0};  // num_series() + 1 entries
  // Scratch reused across calls (no allocation for a label set seen before).
  std::vector<std::pair<std::string_view, std::string_view>> sorted_;
  std::string key_;
};

}  // namespace streamlens::remote_read
