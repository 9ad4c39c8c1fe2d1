// FlagSet: command-line flags in the Prometheus style (--group.name=value or --group.name value).
//
// Each flag binds to a caller-owned variable whose current value is the default shown by --help.
// Parse() fills the variables; an unknown flag or a bad value is an error naming the flag and
// what was expected. Booleans accept --name, --name=true|false and --no-name. List flags are
// repeatable. Not thread-safe; used once at start-up (and the same definitions can be re-parsed).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/duration.h"
#include "common/status.h"

namespace streamlens {

class FlagSet {
 public:
  FlagSet(std::string program, std::string description);

  void String(std::string name, std::string* target, std::string help);
  void Int(std::string name, int64_t* target, std::string help);
  void Double(std::string name, double* target, std::string help);
  void Bool(std::string name, bool* target, std::string help);
  void Duration(std::string name, std::chrono::milliseconds* target, std::string help);
  // Repeatable; each occurrence appends. The default list is replaced on the first occurrence.
  void StringList(std::string name, std::vector<std::string>* target, std::string help);

  // Parses argv[start..argc). Non-flag arguments are collected in positional(); "--" ends flags.
  // "--help"/"-h" sets help_requested() and stops parsing.
  Status Parse(int argc, const char* const* argv, int start = 1);

  bool help_requested() const { return help_requested_; }
  const std::vector<std::string>& positional() const { return positional_; }
  // Usage text listing every flag with its type, default and help.
  std::string Usage() const;

 private:
  struct Flag {
    std::string name;
    std::string type;
    std::string help;
    std::string default_text;
    bool is_bool = false;
    bool is_list = false;
    bool seen = false;
    std::function<Status(std::string_view)> set;
  };
  Flag* Find(std::string_view name);
  void Add(Flag flag);

  std::string program_;
  std::string description_;
  std::vector<Flag> flags_;
  std::vector<std::string> positional_;
  bool help_requested_ = false;
};

// For mains: parses; on --help prints Usage() to stdout and exits 0; on error prints the error
// and a hint to stderr and exits 2.
void ParseFlagsOrExit(FlagSet& flags, int argc, const char* const* argv, int start = 1);

}  // namespace streamlens
