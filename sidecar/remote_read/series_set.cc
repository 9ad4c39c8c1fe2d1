#include "sidecar/remote_read/series_set.h"

#include <algorithm>
#include <cstring>
#include <unordered_map>

namespace streamlens::remote_read {

namespace {

void AppendHex(std::string* out, unsigned c, int digits) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (int i = digits - 1; i >= 0; --i) out->push_back(kHex[(c >> (4 * i)) & 0xf]);
}

// Length of a valid UTF-8 sequence starting at s[i], or 0 if invalid.
size_t Utf8Len(std::string_view s, size_t i, uint32_t* cp) {
  unsigned char c = s[i];
  size_t n;
  uint32_t v;
  if (c < 0x80) {
    *cp = c;
    return 1;
  } else if ((c & 0xe0) == 0xc0) {
    n = 2;
    v = c & 0x1f;
  } else if ((c & 0xf0) == 0xe0) {
    n = 3;
    v = c & 0x0f;
  } else if ((c & 0xf8) == 0xf0) {
    n = 4;
    v = c & 0x07;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    unsigned char d = s[i + k];
    if ((d & 0xc0) != 0x80) return 0;
    v = (v << 6) | (d & 0x3f);
  }
  if ((n == 2 && v < 0x80) || (n == 3 && v < 0x800) || (n == 4 && (v < 0x10000 || v > 0x10ffff)) ||
      (v >= 0xd800 && v <= 0xdfff)) {
    return 0;
  }
  *cp = v;
  return n;
}

// Prometheus' order of label sets (each sorted by name): label by label, byte-wise on the name,
// then on the value; a set that is a prefix of another comes first.
bool LabelSetLess(std::span<const std::string> symbols, std::span<const LabelRef> a,
                  std::span<const LabelRef> b) {
  const size_t n = std::min(a.size(), b.size());
  for (size_t k = 0; k < n; ++k) {
    if (a[k].name != b[k].name) return symbols[a[k].name] < symbols[b[k].name];
    if (a[k].value != b[k].value) return symbols[a[k].value] < symbols[b[k].value];
  }
  return a.size() < b.size();
}

}  // namespace

void AppendQuoted(std::string* out, std::string_view text) {
  out->push_back('"');
  for (size_t i = 0; i < text.size();) {
    unsigned char c = text[i];
    switch (c) {
      case '"':
        out->append("\\\"");
        ++i;
        continue;
      case '\\':
        out->append("\\\\");
        ++i;
        continue;
      case '\n':
        out->append("\\n");
        ++i;
        continue;
      case '\t':
        out->append("\\t");
        ++i;
        continue;
      case '\r':
        out->append("\\r");
        ++i;
        continue;
      default:
        break;
    }
    if (c < 0x20 || c == 0x7f) {
      out->append("\\x");
      AppendHex(out, c, 2);
      ++i;
      continue;
    }
    uint32_t cp;
    size_t n = Utf8Len(text, i, &cp);
    if (n == 0) {
      out->append("\\x");
      AppendHex(out, c, 2);
      ++i;
      continue;
    }
    out->append(text.substr(i, n));
    i += n;
  }
  out->push_back('"');
}

std::string_view SeriesSet::label_value(size_t i, std::string_view name) const {
  for (const LabelRef& l : labels(i)) {
    if (symbols_[l.name] == name) return symbols_[l.value];
  }
  return {};
}

std::vector<Label> SeriesSet::label_set(size_t i) const {
  std::vector<Label> out;
  for (const LabelRef& l : labels(i)) out.push_back({symbols_[l.name], symbols_[l.value]});
  return out;
}

std::string SeriesSet::SeriesName(size_t i) const {
  std::string out;
  std::string_view metric = label_value(i, "__name__");
  out.append(metric);
  out.push_back('{');
  bool first = true;
  for (const LabelRef& l : labels(i)) {
    if (symbols_[l.name] == "__name__") continue;
    if (!first) out.push_back(',');
    first = false;
    out.append(symbols_[l.name]);
    out.push_back('=');
    AppendQuoted(&out, symbols_[l.value]);
  }
  out.push_back('}');
  return out;
}

ptrdiff_t SeriesSet::Find(const std::vector<Label>& want) const {
  std::vector<Label> sorted = want;
  std::sort(sorted.begin(), sorted.end(),
            [](const Label& a, const Label& b) { return a.name < b.name; });
  for (size_t i = 0; i < size(); ++i) {
    auto ls = labels(i);
    if (ls.size() != sorted.size()) continue;
    bool eq = true;
    for (size_t k = 0; k < ls.size() && eq; ++k) {
      eq = symbols_[ls[k].name] == sorted[k].name && symbols_[ls[k].value] == sorted[k].value;
    }
    if (eq) return static_cast<ptrdiff_t>(i);
  }
  return -1;
}

size_t SeriesSet::MemoryBytes() const {
  size_t b =
      timestamps_.capacity() * sizeof(int64_t) + values_.capacity() * sizeof(double) +
      sample_offsets_.capacity() * sizeof(size_t) + label_refs_.capacity() * sizeof(LabelRef) +
      label_offsets_.capacity() * sizeof(uint32_t) + symbols_.capacity() * sizeof(std::string);
  for (const std::string& s : symbols_) b += s.capacity() > 15 ? s.capacity() + 1 : 0;
  return b;
}

void SeriesSetBuilder::CloseRun() {
  if (!in_series_) return;
  if (timestamps_.size() > run_begin_) {
    series_[current_].runs.push_back(static_cast<uint32_t>(runs_.size()));
    runs_.push_back({current_, run_begin_, timestamps_.size()});
  }
  in_series_ = false;
}

Status SeriesSetBuilder::BeginSeries(
    std::span<const std::pair<std::string_view, std::string_view>> labels) {
  CloseRun();
  auto interned = labels_.Intern(labels);
  if (!interned.ok()) return interned.status();
  if (interned->is_new) series_.emplace_back();
  current_ = interned->series;
  in_series_ = true;
  run_begin_ = timestamps_.size();
  return Status::Ok();
}

Status SeriesSetBuilder::BeginSeries(const std::vector<Label>& labels) {
  std::vector<std::pair<std::string_view, std::string_view>> v;
  v.reserve(labels.size());
  for (const Label& l : labels) v.emplace_back(l.name, l.value);
  return BeginSeries(v);
}

Status SeriesSetBuilder::AppendSet(const SeriesSet& set) {
  for (size_t i = 0; i < set.size(); ++i) {
    std::vector<std::pair<std::string_view, std::string_view>> v;
    for (const LabelRef& l : set.labels(i)) v.emplace_back(set.symbol(l.name), set.symbol(l.value));
    STREAMLENS_RETURN_IF_ERROR(BeginSeries(v));
    auto ts = set.timestamps(i);
    auto vs = set.values(i);
    timestamps_.insert(timestamps_.end(), ts.begin(), ts.end());
    values_.insert(values_.end(), vs.begin(), vs.end());
  }
  return Status::Ok();
}

Result<SeriesSet> SeriesSetBuilder::Finish() {
  CloseRun();
  // Order series by label text, the way Prometheus compares label sets.
  std::vector<uint32_t> order(series_.size());
  for (uint32_t i = 0; i < order.size(); ++i) order[i] = i;
  const std::span<const std::string> symbols = labels_.symbols();
  std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
    return LabelSetLess(symbols, labels_.labels(a), labels_.labels(b));
  });

  SeriesSet out;
  // Fast path: series already in order, one run each, runs laid out back to back.
  bool in_place = true;
  size_t expect = 0;
  for (uint32_t k = 0; k < order.size() && in_place; ++k) {
    const PendingSeries& s = series_[order[k]];
    if (s.runs.size() > 1) in_place = false;
    if (s.runs.size() == 1) {
      const Run& r = runs_[s.runs[0]];
      if (r.begin != expect) in_place = false;
      expect = r.end;
    }
  }
  if (in_place && expect != timestamps_.size()) in_place = false;

  out.sample_offsets_.reserve(order.size() + 1);
  out.label_offsets_.reserve(order.size() + 1);
  out.sample_offsets_.push_back(0);
  out.label_offsets_.push_back(0);
  std::vector<int64_t> ts;
  std::vector<double> vs;
  if (!in_place) {
    ts.reserve(timestamps_.size());
    vs.reserve(values_.size());
  }
  size_t total = 0;
  for (uint32_t idx : order) {
    const PendingSeries& s = series_[idx];
    if (s.runs.empty()) continue;  // no samples in range: absent, as in a PromQL answer
    int64_t last = INT64_MIN;
    bool first_run = true;
    for (uint32_t r : s.runs) {
      const Run& run = runs_[r];
      if (!first_run && timestamps_[run.begin] <= last) {
        std::string name;
        for (const LabelRef& l : labels_.labels(idx)) {
          name += symbols[l.name] + "=" + symbols[l.value] + " ";
        }
        return Status::Error("series {" + name + "}: samples from different parts of the reply " +
                             "overlap in time (timestamp " +
                             std::to_string(timestamps_[run.begin]) + " after " +
                             std::to_string(last) + ")");
      }
      first_run = false;
      last = timestamps_[run.end - 1];
      if (!in_place) {
        ts.insert(ts.end(), timestamps_.begin() + run.begin, timestamps_.begin() + run.end);
        vs.insert(vs.end(), values_.begin() + run.begin, values_.begin() + run.end);
      }
      total += run.end - run.begin;
    }
    out.sample_offsets_.push_back(total);
    const auto ls = labels_.labels(idx);
    out.label_refs_.insert(out.label_refs_.end(), ls.begin(), ls.end());
    out.label_offsets_.push_back(static_cast<uint32_t>(out.label_refs_.size()));
  }
  if (in_place) {
    out.timestamps_ = std::move(timestamps_);
    out.values_ = std::move(values_);
  } else {
    out.timestamps_ = std::move(ts);
    out.values_ = std::move(vs);
  }
  if (out.sample_offsets_.size() == 1) {
    out.sample_offsets_.clear();
    out.label_offsets_.clear();
  }
  out.symbols_ = labels_.TakeSymbols();
  *this = SeriesSetBuilder();
  return out;
}

SeriesJoin JoinSeries(std::span<const PartLabels> parts) {
  // 1. One symbol table; each part's symbol ids mapped into it.
  SeriesJoin out;
  std::unordered_map<std::string_view, uint32_t> symbol_ids;
  std::vector<std::vector<uint32_t>> remap(parts.size());
  for (size_t p = 0; p < parts.size(); ++p) {
    remap[p].resize(parts[p].symbols.size());
    for (size_t k = 0; k < parts[p].symbols.size(); ++k) {
      // Keys point into the parts' strings, which outlive this function.
      auto it = symbol_ids.try_emplace(parts[p].symbols[k], symbol_ids.size()).first;
      remap[p][k] = it->second;
    }
  }
  out.symbols.resize(symbol_ids.size());
  for (const auto& [text, id] : symbol_ids) out.symbols[id] = std::string(text);

  // 2. Distinct series (labels in a part are sorted by name text, so mapped ids keep that
  //    order) and, per series, its slices in part order.
  std::vector<JoinedSeries> joined;
  std::unordered_map<std::string, uint32_t> series_ids;
  std::string key;
  for (size_t p = 0; p < parts.size(); ++p) {
    for (size_t i = 0; i < parts[p].series.size(); ++i) {
      key.clear();
      std::vector<LabelRef> refs;
      refs.reserve(parts[p].series[i].size());
      for (const LabelRef& l : parts[p].series[i]) {
        LabelRef r{remap[p][l.name], remap[p][l.value]};
        refs.push_back(r);
        key.append(reinterpret_cast<const char*>(&r), sizeof(r));
      }
      auto [it, inserted] = series_ids.emplace(key, static_cast<uint32_t>(joined.size()));
      if (inserted) joined.push_back({std::move(refs), {}});
      joined[it->second].slices.emplace_back(static_cast<uint32_t>(p), static_cast<uint32_t>(i));
    }
  }

  // 3. Series in label order.
  std::vector<uint32_t> order(joined.size());
  for (uint32_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
    return LabelSetLess(out.symbols, joined[a].labels, joined[b].labels);
  });
  out.series.reserve(joined.size());
  for (uint32_t idx : order) out.series.push_back(std::move(joined[idx]));
  return out;
}

Result<SeriesSet> ConcatenateInTime(std::vector<SeriesSet> parts) {
  if (parts.size() == 1) return std::move(parts[0]);
  std::vector<PartLabels> labels(parts.size());
  for (size_t p = 0; p < parts.size(); ++p) {
    labels[p].symbols = parts[p].symbols_;
    for (size_t i = 0; i < parts[p].size(); ++i) labels[p].series.push_back(parts[p].labels(i));
  }
  SeriesJoin join = JoinSeries(labels);
  SeriesSet out;
  out.symbols_ = std::move(join.symbols);
  if (join.series.empty()) return out;
  size_t total = 0, total_labels = 0;
  for (const JoinedSeries& j : join.series) {
    for (const auto& [p, i] : j.slices) total += parts[p].timestamps(i).size();
    total_labels += j.labels.size();
  }
  // Exact-size columns, reserved rather than resized: pages are touched once, by the copy,
  // never zero-filled first; one copy per sample.
  out.timestamps_.reserve(total);
  out.values_.reserve(total);
  out.label_refs_.reserve(total_labels);
  out.sample_offsets_.reserve(join.series.size() + 1);
  out.label_offsets_.reserve(join.series.size() + 1);
  out.sample_offsets_.push_back(0);
  out.label_offsets_.push_back(0);
  for (const JoinedSeries& j : join.series) {
    int64_t last = INT64_MIN;
    for (const auto& [p, i] : j.slices) {
      auto ts = parts[p].timestamps(i);
      auto vs = parts[p].values(i);
      if (ts.front() <= last) {
        return Status::Error("series " + parts[p].SeriesName(i) +
                             ": samples of consecutive sub-queries overlap in time (timestamp " +
                             std::to_string(ts.front()) + " after " + std::to_string(last) + ")");
      }
      last = ts.back();
      out.timestamps_.insert(out.timestamps_.end(), ts.begin(), ts.end());
      out.values_.insert(out.values_.end(), vs.begin(), vs.end());
    }
    out.sample_offsets_.push_back(out.timestamps_.size());
    out.label_refs_.insert(out.label_refs_.end(), j.labels.begin(), j.labels.end());
    out.label_offsets_.push_back(static_cast<uint32_t>(out.label_refs_.size()));
  }
  return out;
}

}  // namespace streamlens::remote_read
