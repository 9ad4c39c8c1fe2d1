#include "sidecar/remote_read/label_interner.h"

#include <algorithm>

namespace streamlens::remote_read {

Status NormalizeLabels(std::span<const std::pair<std::string_view, std::string_view>> labels,
                       std::vector<std::pair<std::string_view, std::string_view>>* sorted) {
  sorted->clear();
  sorted->reserve(labels.size());
  for (const auto& l : labels) {
    if (l.first.empty()) return Status::Error("series has a label with an empty name");
    if (!l.second.empty()) sorted->push_back(l);
  }
  std::sort(sorted->begin(), sorted->end());
  for (size_t k = 1; k < sorted->size(); ++k) {
    if ((*sorted)[k].first == (*sorted)[k - 1].first) {
      return Status::Error("series has label \"" + std::string((*sorted)[k].first) + "\" twice");
    }
  }
  return Status::Ok();
}

uint32_t LabelInterner::InternSymbol(std::string_view s) {
  auto it = symbol_ids_.find(s);
  if (it != symbol_ids_.end()) return it->second;
  uint32_t id = static_cast<uint32_t>(symbols_.size());
  symbols_.emplace_back(s);
  symbol_ids_.emplace(std::string(s), id);
  return id;
}

Result<LabelInterner::Interned> LabelInterner::Intern(
    std::span<const std::pair<std::string_view, std::string_view>> labels) {
  STREAMLENS_RETURN_IF_ERROR(NormalizeLabels(labels, &sorted_));
  // The label set is appended tentatively and its ids' bytes are its key; a repeated set is
  // taken back off.
  const size_t begin = label_refs_.size();
  key_.clear();
  for (const auto& l : sorted_) {
    LabelRef r{InternSymbol(l.first), InternSymbol(l.second)};
    label_refs_.push_back(r);
    key_.append(reinterpret_cast<const char*>(&r), sizeof(r));
  }
  auto it = series_ids_.find(key_);
  if (it != series_ids_.end()) {
    label_refs_.resize(begin);
    return Interned{it->second, false};
  }
  const auto id = static_cast<uint32_t>(num_series());
  series_ids_.emplace(key_, id);
  label_offsets_.push_back(label_refs_.size());
  return Interned{id, true};
}

std::vector<std::string> LabelInterner::TakeSymbols() {
  std::vector<std::string> out = std::move(symbols_);
  *this = LabelInterner();
  return out;
}

}  // namespace streamlens::remote_read
