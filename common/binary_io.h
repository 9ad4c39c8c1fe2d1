// Little-endian binary writer/reader for state that is saved and loaded back: the sidecar's state
// files, the models' Save/Load and the analysis library's serialised detectors. Pure (bytes in a
// string, no I/O). The reader never reads past its buffer: every getter reports failure instead,
// and a length prefix larger than the bytes left is a failure, never an allocation. Not
// thread-safe.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace streamlens {

class StateWriter {
 public:
  explicit StateWriter(std::string* out) : out_(out) {}
  void U8(uint8_t v) { out_->push_back(static_cast<char>(v)); }
  void U32(uint32_t v) { Raw(&v, 4); }
  void I64(int64_t v) { Raw(&v, 8); }
  void U64(uint64_t v) { Raw(&v, 8); }
  void F64(double v) { Raw(&v, 8); }
  void Str(std::string_view s) {
    U64(s.size());
    out_->append(s.data(), s.size());
  }
  void F64s(const std::vector<double>& v) {
    U64(v.size());
    if (!v.empty()) Raw(v.data(), v.size() * 8);
  }
  void F32s(const std::vector<float>& v) {
    U64(v.size());
    if (!v.empty()) Raw(v.data(), v.size() * 4);
  }
  void U16s(const std::vector<uint16_t>& v) {
    U64(v.size());
    if (!v.empty()) Raw(v.data(), v.size() * 2);
  }

 private:
  void Raw(const void* p, size_t n) { out_->append(static_cast<const char*>(p), n); }
  std::string* out_;
};

class StateReader {
 public:
  explicit StateReader(std::string_view in) : in_(in) {}
  bool U8(uint8_t* v) { return Raw(v, 1); }
  bool U32(uint32_t* v) { return Raw(v, 4); }
  bool I64(int64_t* v) { return Raw(v, 8); }
  bool U64(uint64_t* v) { return Raw(v, 8); }
  bool F64(double* v) { return Raw(v, 8); }
  bool Str(std::string* s) {
    uint64_t n;
    if (!U64(&n) || n > in_.size() - pos_) return false;
    s->assign(in_.data() + pos_, n);
    pos_ += n;
    return true;
  }
  bool F64s(std::vector<double>* v) {
    uint64_t n;
    if (!U64(&n) || n > (in_.size() - pos_) / 8) return false;
    v->resize(n);
    return n == 0 || Raw(v->data(), n * 8);
  }
  bool F32s(std::vector<float>* v) { return Array(v); }
  bool U16s(std::vector<uint16_t>* v) { return Array(v); }
  bool done() const { return pos_ == in_.size(); }

 private:
  template <typename T>
  bool Array(std::vector<T>* v) {
    uint64_t n;
    if (!U64(&n) || n > (in_.size() - pos_) / sizeof(T)) return false;
    v->resize(n);
    return n == 0 || Raw(v->data(), n * sizeof(T));
  }
  bool Raw(void* p, size_t n) {
    if (n > in_.size() - pos_) return false;
    std::memcpy(p, in_.data() + pos_, n);
    pos_ += n;
    return true;
  }
  std::string_view in_;
  size_t pos_ = 0;
};

}  // namespace streamlens
