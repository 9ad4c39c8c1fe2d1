#include "sidecar/engine/fuzz/fuzz_targets.h"

#include <memory>
#include <string>
#include <vector>

#include "common/binary_io.h"
#include "sidecar/engine/config.h"
#include "sidecar/engine/persistence.h"
#include "sidecar/remote_read/crc32c.h"

namespace streamlens::engine::fuzz {
namespace {

class DoublesModel final : public SeriesModel {
 public:
  explicit DoublesModel(std::vector<double> v) : v_(std::move(v)) {}
  void Describe(SeriesOutput* out) const override { out->anomaly_model = "doubles"; }
  Status Update(const DenseSeries&, SeriesOutput*) override { return Status::Ok(); }
  void Save(std::string* out) const override { StateWriter(out).F64s(v_); }
  size_t MemoryBytes() const override { return v_.size() * 8; }

 private:
  std::vector<double> v_;
};

class DoublesAnalysis final : public SeriesAnalysis {
 public:
  explicit DoublesAnalysis(std::string_view kind) : kind_(kind) {}
  std::string_view kind() const override { return kind_; }
  size_t MinHistory() const override { return 1; }
  Result<std::unique_ptr<SeriesModel>> Fit(const DenseSeries&, SeriesOutput*) const override {
    return Status::Error("not used");
  }
  Result<std::unique_ptr<SeriesModel>> Load(std::string_view bytes) const override {
    StateReader r(bytes);
    std::vector<double> v;
    if (!r.F64s(&v) || !r.done()) return Status::Error("bad model");
    return std::unique_ptr<SeriesModel>(std::make_unique<DoublesModel>(std::move(v)));
  }

 private:
  std::string_view kind_;
};

}  // namespace

void FuzzSidecarConfig(const uint8_t* data, size_t size) {
  auto c = ParseConfig(std::string(reinterpret_cast<const char*>(data), size), "fuzz.yaml",
                       "/nonexistent");
  if (c.ok()) (void)ValidateConfig(*c);
}

void FuzzStateFile(const uint8_t* data, size_t size) {
  static const AnalysisList* analyses = [] {
    auto* list = new AnalysisList();
    list->push_back(std::make_unique<DoublesAnalysis>("anomaly"));
    list->push_back(std::make_unique<DoublesAnalysis>("forecast"));
    return list;
  }();
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  (void)DecodeJobState(in, "fp", *analyses);
  // The same bytes behind a valid header: "fp" as the fingerprint, then the input.
  std::string payload;
  StateWriter(&payload).Str("fp");
  payload.append(in);
  // Without the per-series refit schedule, with it, and with the drift refit spacing too.
  for (uint32_t version : {2u, 3u, 4u}) {
    std::string file("SLSTATE", 8);
    StateWriter w(&file);
    w.U32(version);
    w.U64(payload.size());
    w.U32(remote_read::Crc32c(payload));
    file += payload;
    (void)DecodeJobState(file, "fp", *analyses);
  }
}

}  // namespace streamlens::engine::fuzz
