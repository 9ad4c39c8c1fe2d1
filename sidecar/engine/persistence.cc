#include "sidecar/engine/persistence.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>

#include "common/binary_io.h"
#include "sidecar/remote_read/crc32c.h"

namespace streamlens::engine {
namespace {

constexpr char kStateMagic[] = "SLSTATE";
constexpr uint32_t kLegacyVersion = 1;  // payload without length and checksum
constexpr uint32_t kV2 = 2;             // no per-series refit schedule
constexpr uint32_t kV3 = 3;             // no drift refit spacing (drift_refits.h)
constexpr uint32_t kStateVersion = 4;

// Distinguishes temporary files of concurrent writers within this process.
std::atomic<uint64_t> g_temp_counter{0};

std::string SanitizeFileName(const std::string& name) {
  std::string out;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-' || c == '.';
    out.push_back(ok ? c : '_');
  }
  if (out.empty() || out[0] == '.') out.insert(out.begin(), '_');
  return out;
}

void EncodeSeries(const SeriesState& st, const AnalysisList& analyses, StateWriter& w) {
  w.Str(st.key);
  w.U32(static_cast<uint32_t>(st.input_labels.size()));
  for (const auto& [ln, lv] : st.input_labels) {
    w.Str(ln);
    w.Str(lv);
  }
  w.I64(st.last_t);
  w.F64(st.last_value);
  w.I64(st.last_seen_ms);
  w.I64(st.next_fit_ms);
  w.I64(st.last_fit_ms);
  w.U8(st.full_fit);
  st.drift.Save(w);
  w.U32(static_cast<uint32_t>(st.models.size()));
  std::string blob;
  for (size_t a = 0; a < st.models.size(); ++a) {
    w.Str(analyses[a]->kind());
    blob.clear();
    st.models[a]->Save(&blob);
    w.Str(blob);
  }
  w.U8(st.has_anomaly);
  const AnomalyPoint& p = st.anomaly;
  w.I64(p.t_ms);
  w.F64(p.y);
  w.F64(p.yhat);
  w.F64(p.yhat_lower);
  w.F64(p.yhat_upper);
  w.F64(p.score);
  w.U64(st.score_history.size());
  for (const auto& [t, s] : st.score_history) {
    w.I64(t);
    w.F64(s);
  }
  w.U8(st.has_forecast);
  const SeriesForecast& f = st.forecast;
  w.I64(f.origin_ms);
  w.U64(f.horizons.size());
  for (const auto& h : f.horizons) {
    w.Str(h.horizon);
    w.I64(h.horizon_ms);
    w.F64(h.yhat);
    w.F64(h.yhat_lower);
    w.F64(h.yhat_upper);
  }
  w.U64(f.thresholds.size());
  for (const auto& t : f.thresholds) {
    w.Str(t.threshold);
    w.F64(t.value);
    w.U8(t.crosses);
    w.F64(t.seconds);
    w.F64s(t.probability);
  }
  w.Str(st.anomaly_model);
  w.Str(st.forecast_model);
}

// The series' identity and models. An error names what is wrong.
// A version 2 file has no refit schedule per series: the job's next fit time stands for every
// series, as a full fit; a version 3 file has no drift refit spacing: it starts at an hour.
Status DecodeSeriesModels(StateReader& r, uint32_t version, int64_t job_next_fit_ms,
                          const AnalysisList& analyses, SeriesState* st) {
  uint32_t nl;
  if (!r.Str(&st->key) || !r.U32(&nl)) return Status::Error("truncated series");
  for (uint32_t l = 0; l < nl; ++l) {
    std::string a, b;
    if (!r.Str(&a) || !r.Str(&b)) return Status::Error("truncated labels");
    st->input_labels.emplace_back(std::move(a), std::move(b));
  }
  if (!r.I64(&st->last_t) || !r.F64(&st->last_value) || !r.I64(&st->last_seen_ms)) {
    return Status::Error("truncated series state");
  }
  st->next_fit_ms = job_next_fit_ms;
  st->full_fit = true;
  uint8_t full = 1;
  if (version >= kV3 && (!r.I64(&st->next_fit_ms) || !r.I64(&st->last_fit_ms) || !r.U8(&full))) {
    return Status::Error("truncated refit schedule");
  }
  st->full_fit = full != 0;
  if (version >= kStateVersion && !st->drift.Load(r)) {
    return Status::Error("truncated or invalid drift refit spacing");
  }
  uint32_t nm;
  if (!r.U32(&nm) || nm != analyses.size()) {
    return Status::Error("truncated or mismatched series state");
  }
  for (uint32_t a = 0; a < nm; ++a) {
    std::string kind, blob;
    if (!r.Str(&kind) || !r.Str(&blob)) return Status::Error("truncated model");
    if (kind != analyses[a]->kind()) return Status::Error("analysis order changed");
    auto m = analyses[a]->Load(blob);
    if (!m.ok()) return m.status();
    st->models.push_back(std::move(*m));
  }
  return Status::Ok();
}

// The series' latest outputs (anomaly point, score history, forecast).
Status DecodeSeriesOutputs(StateReader& r, SeriesState* st) {
  uint8_t ha, hf;
  uint64_t nh, nhz, nt;
  AnomalyPoint& p = st->anomaly;
  if (!r.U8(&ha) || !r.I64(&p.t_ms) || !r.F64(&p.y) || !r.F64(&p.yhat) || !r.F64(&p.yhat_lower) ||
      !r.F64(&p.yhat_upper) || !r.F64(&p.score) || !r.U64(&nh)) {
    return Status::Error("truncated anomaly state");
  }
  st->has_anomaly = ha != 0;
  for (uint64_t h = 0; h < nh; ++h) {
    int64_t t;
    double s;
    if (!r.I64(&t) || !r.F64(&s)) return Status::Error("truncated score history");
    st->score_history.emplace_back(t, static_cast<float>(s));
  }
  SeriesForecast& f = st->forecast;
  if (!r.U8(&hf) || !r.I64(&f.origin_ms) || !r.U64(&nhz)) {
    return Status::Error("truncated forecast");
  }
  st->has_forecast = hf != 0;
  for (uint64_t h = 0; h < nhz; ++h) {
    HorizonForecast hz;
    if (!r.Str(&hz.horizon) || !r.I64(&hz.horizon_ms) || !r.F64(&hz.yhat) ||
        !r.F64(&hz.yhat_lower) || !r.F64(&hz.yhat_upper)) {
      return Status::Error("truncated forecast");
    }
    f.horizons.push_back(std::move(hz));
  }
  if (!r.U64(&nt)) return Status::Error("truncated thresholds");
  for (uint64_t t = 0; t < nt; ++t) {
    ThresholdForecast th;
    uint8_t c;
    if (!r.Str(&th.threshold) || !r.F64(&th.value) || !r.U8(&c) || !r.F64(&th.seconds) ||
        !r.F64s(&th.probability)) {
      return Status::Error("truncated thresholds");
    }
    th.crosses = c != 0;
    f.thresholds.push_back(std::move(th));
  }
  if (!r.Str(&st->anomaly_model) || !r.Str(&st->forecast_model)) {
    return Status::Error("truncated");
  }
  return Status::Ok();
}

}  // namespace

std::string StateFilePath(const std::string& storage_path, const std::string& job_name) {
  return storage_path + "/" + SanitizeFileName(job_name) + ".state";
}

std::string EncodeJobState(const std::string& fingerprint, int64_t next_fit_ms, int64_t last_end_ms,
                           const SeriesMap& series, const AnalysisList& analyses) {
  std::string payload;
  StateWriter w(&payload);
  w.Str(fingerprint);
  w.I64(next_fit_ms);
  w.I64(last_end_ms);
  uint64_t n = 0;
  for (const auto& [k, st] : series) n += st->fitted ? 1 : 0;
  w.U64(n);
  for (const auto& [k, st] : series) {
    if (st->fitted) EncodeSeries(*st, analyses, w);
  }
  std::string data;
  data.append(kStateMagic, sizeof kStateMagic);
  StateWriter h(&data);
  h.U32(kStateVersion);
  h.U64(payload.size());
  h.U32(remote_read::Crc32c(payload));
  data += payload;
  return data;
}

namespace {

// The payload of a state file after its header checks out, and its version.
Result<std::string_view> Payload(std::string_view data, StateProblem* problem, uint32_t* version) {
  *problem = StateProblem::kCorrupt;
  if (data.size() < sizeof kStateMagic ||
      std::memcmp(data.data(), kStateMagic, sizeof kStateMagic) != 0) {
    return Status::Error("not a streamlens state file");
  }
  data.remove_prefix(sizeof kStateMagic);
  StateReader h(data);
  if (!h.U32(version)) return Status::Error("truncated header");
  if (*version == kLegacyVersion) return data.substr(4);
  if (*version != kStateVersion && *version != kV3 && *version != kV2) {
    // A slightly newer version was written by a newer streamlens; anything else is garbage.
    if (*version > kStateVersion && *version < 1000) *problem = StateProblem::kStale;
    return Status::Error("unsupported version " + std::to_string(*version));
  }
  uint64_t length;
  uint32_t crc;
  if (!h.U64(&length) || !h.U32(&crc)) return Status::Error("truncated header");
  std::string_view payload = data.substr(4 + 8 + 4);
  if (payload.size() != length) {
    return Status::Error("length mismatch: header says " + std::to_string(length) +
                         " bytes, file has " + std::to_string(payload.size()));
  }
  if (remote_read::Crc32c(payload) != crc) return Status::Error("checksum mismatch");
  *problem = StateProblem::kNone;
  return payload;
}

}  // namespace

Result<RestoredJobState> DecodeJobState(std::string_view data, const std::string& fingerprint,
                                        const AnalysisList& analyses, StateProblem* problem) {
  StateProblem ignored;
  if (problem == nullptr) problem = &ignored;
  uint32_t version = 0;
  auto payload = Payload(data, problem, &version);
  if (!payload.ok()) return payload.status();
  *problem = StateProblem::kCorrupt;
  StateReader r(*payload);
  std::string fp;
  RestoredJobState out;
  uint64_t n;
  if (!r.Str(&fp) || !r.I64(&out.next_fit_ms) || !r.I64(&out.last_end_ms) || !r.U64(&n)) {
    return Status::Error("truncated header");
  }
  if (fp != fingerprint) {
    *problem = StateProblem::kStale;
    return Status::Error("the job's analysis config changed");
  }
  for (uint64_t i = 0; i < n; ++i) {
    auto st = std::make_unique<SeriesState>();
    STREAMLENS_RETURN_IF_ERROR(DecodeSeriesModels(r, version, out.next_fit_ms, analyses, st.get()));
    STREAMLENS_RETURN_IF_ERROR(DecodeSeriesOutputs(r, st.get()));
    st->fitted = true;
    st->restored = true;
    std::string k = st->key;
    out.series.emplace(std::move(k), std::move(st));
  }
  if (!r.done()) return Status::Error("trailing bytes");
  *problem = StateProblem::kNone;
  return out;
}

Status WriteFileAtomic(const std::string& path, const std::string& data) {
  const size_t slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "."
                          : slash == 0               ? "/"
                                                     : path.substr(0, slash);
  ::mkdir(dir.c_str(), 0755);
  const std::string tmp = path + ".tmp." + std::to_string(::getpid()) + "." +
                          std::to_string(g_temp_counter.fetch_add(1));
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) return Status::Error(tmp + ": cannot create state file: " + std::strerror(errno));
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::write(fd, data.data() + off, data.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      std::string err = std::strerror(errno);
      ::close(fd);
      ::unlink(tmp.c_str());
      return Status::Error(tmp + ": write failed: " + err);
    }
    off += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    ::unlink(tmp.c_str());
    return Status::Error(tmp + ": fsync/close failed: " + std::strerror(errno));
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    std::string err = std::strerror(errno);
    ::unlink(tmp.c_str());
    return Status::Error(path + ": rename failed: " + err);
  }
  // The rename is durable only once the directory entry is.
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0)
    return Status::Error(dir + ": cannot open directory to fsync: " + std::strerror(errno));
  const int rc = ::fsync(dfd);
  const int fsync_errno = errno;
  ::close(dfd);
  if (rc != 0)
    return Status::Error(dir + ": directory fsync failed: " + std::strerror(fsync_errno));
  return Status::Ok();
}

Result<std::optional<std::string>> ReadStateFile(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return std::optional<std::string>();
    return Status::Error(path + ": cannot open: " + std::strerror(errno));
  }
  std::string data;
  char buf[1 << 16];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      std::string err = std::strerror(errno);
      ::close(fd);
      return Status::Error(path + ": read failed: " + err);
    }
    if (n == 0) break;
    data.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return std::optional<std::string>(std::move(data));
}

}  // namespace streamlens::engine
