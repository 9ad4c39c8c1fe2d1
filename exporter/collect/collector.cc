#include "exporter/collect/collector.h"

#include "common/exposition.h"

namespace streamlens::exporter {

Status Collector::Collect(std::vector<prometheus::MetricFamily>*) {
  return Status::Error("collector " + Name() + " renders exposition text only (CollectText)");
}

Status Collector::CollectText(std::string_view help_suffix, std::string* out) {
  std::vector<prometheus::MetricFamily> families;
  STREAMLENS_RETURN_IF_ERROR(Collect(&families));
  // Family by family, freeing each once rendered, so the peak is not the families plus the
  // whole text.
  for (auto& f : families) {
    f.help.append(help_suffix);
    AppendExposition(std::span<const prometheus::MetricFamily>(&f, 1), out);
    f = prometheus::MetricFamily();
  }
  return Status::Ok();
}

}  // namespace streamlens::exporter
