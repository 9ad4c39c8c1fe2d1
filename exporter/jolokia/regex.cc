#include "exporter/jolokia/regex.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

namespace streamlens::exporter::jolokia {

struct Regex::Code {
  pcre2_code* code = nullptr;
  ~Code() { pcre2_code_free(code); }
};

Result<Regex> Regex::Compile(const std::string& pattern) {
  int error = 0;
  PCRE2_SIZE offset = 0;
  pcre2_code* code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(), 0,
                                   &error, &offset, nullptr);
  if (code == nullptr) {
    PCRE2_UCHAR message[256];
    pcre2_get_error_message(error, message, sizeof message);
    return Status::Error(std::string(reinterpret_cast<const char*>(message)) + " at offset " +
                         std::to_string(offset));
  }
  // JIT is an optimisation: without it (unsupported CPU, no executable memory) matching still
  // works.
  (void)pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);
  auto holder = std::make_shared<Code>();
  holder->code = code;
  uint32_t captures = 0;
  pcre2_pattern_info(code, PCRE2_INFO_CAPTURECOUNT, &captures);
  Regex r;
  r.code_ = std::move(holder);
  r.captures_ = static_cast<int>(captures);
  return r;
}

bool Regex::Search(std::string_view subject, std::vector<std::string_view>* groups) const {
  pcre2_match_data* md = pcre2_match_data_create_from_pattern(code_->code, nullptr);
  if (md == nullptr) return false;
  int rc = pcre2_match(code_->code, reinterpret_cast<PCRE2_SPTR>(subject.data()), subject.size(), 0,
                       0, md, nullptr);
  if (rc < 0) {
    pcre2_match_data_free(md);
    return false;
  }
  const PCRE2_SIZE* ov = pcre2_get_ovector_pointer(md);
  groups->assign(static_cast<size_t>(captures_) + 1, std::string_view());
  for (int i = 0; i <= captures_ && i < rc; ++i) {
    if (ov[2 * i] != PCRE2_UNSET) {
      (*groups)[i] = subject.substr(ov[2 * i], ov[2 * i + 1] - ov[2 * i]);
    }
  }
  pcre2_match_data_free(md);
  return true;
}

}  // namespace streamlens::exporter::jolokia
