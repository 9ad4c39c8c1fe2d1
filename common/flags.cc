#include "common/flags.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <sstream>

namespace streamlens {

namespace {

std::string Quote(std::string_view v) { return "\"" + std::string(v) + "\""; }

}  // namespace

FlagSet::FlagSet(std::string program, std::string description)
    : program_(std::move(program)), description_(std::move(description)) {}

void FlagSet::Add(Flag flag) {
  for (const auto& f : flags_) {
    if (f.name == flag.name) {
      std::fprintf(stderr, "programming error: flag --%s defined twice\n", flag.name.c_str());
      std::abort();
    }
  }
  flags_.push_back(std::move(flag));
}

void FlagSet::String(std::string name, std::string* target, std::string help) {
  Flag f{std::move(name), "string", std::move(help), *target};
  f.set = [target](std::string_view v) {
    *target = std::string(v);
    return Status::Ok();
  };
  Add(std::move(f));
}

void FlagSet::Int(std::string name, int64_t* target, std::string help) {
  Flag f{std::move(name), "int", std::move(help), std::to_string(*target)};
  f.set = [target](std::string_view v) {
    int64_t n = 0;
    auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    if (v.empty() || ec != std::errc() || p != v.data() + v.size()) {
      return Status::Error("expected an integer; got " + Quote(v));
    }
    *target = n;
    return Status::Ok();
  };
  Add(std::move(f));
}

void FlagSet::Double(std::string name, double* target, std::string help) {
  std::ostringstream def;
  def << *target;
  Flag f{std::move(name), "float", std::move(help), def.str()};
  f.set = [target](std::string_view v) {
    std::string s(v);
    char* end = nullptr;
    double d = std::strtod(s.c_str(), &end);
    if (s.empty() || end != s.c_str() + s.size() || !std::isfinite(d)) {
      return Status::Error("expected a finite number; got " + Quote(v));
    }
    *target = d;
    return Status::Ok();
  };
  Add(std::move(f));
}

void FlagSet::Bool(std::string name, bool* target, std::string help) {
  Flag f{std::move(name), "bool", std::move(help), *target ? "true" : "false"};
  f.is_bool = true;
  f.set = [target](std::string_view v) {
    if (v == "true" || v == "1") {
      *target = true;
    } else if (v == "false" || v == "0") {
      *target = false;
    } else {
      return Status::Error("expected true or false; got " + Quote(v));
    }
    return Status::Ok();
  };
  Add(std::move(f));
}

void FlagSet::Duration(std::string name, std::chrono::milliseconds* target, std::string help) {
  Flag f{std::move(name), "duration", std::move(help), FormatDuration(*target)};
  f.set = [target](std::string_view v) {
    auto d = ParseDuration(v);
    if (!d.ok()) return d.status();
    *target = *d;
    return Status::Ok();
  };
  Add(std::move(f));
}

void FlagSet::StringList(std::string name, std::vector<std::string>* target, std::string help) {
  std::string def;
  for (const auto& s : *target) def += (def.empty() ? "" : ",") + s;
  Flag f{std::move(name), "strings", std::move(help), def};
  f.is_list = true;
  std::string flag_name = f.name;
  f.set = [this, target, flag_name](std::string_view v) {
    Flag* me = Find(flag_name);
    if (me != nullptr && !me->seen) target->clear();
    target->emplace_back(v);
    return Status::Ok();
  };
  Add(std::move(f));
}

FlagSet::Flag* FlagSet::Find(std::string_view name) {
  for (auto& f : flags_) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

Status FlagSet::Parse(int argc, const char* const* argv, int start) {
  positional_.clear();
  for (auto& f : flags_) f.seen = false;
  for (int i = start; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--") {
      for (int j = i + 1; j < argc; ++j) positional_.emplace_back(argv[j]);
      break;
    }
    if (arg == "--help" || arg == "-h") {
      help_requested_ = true;
      return Status::Ok();
    }
    if (arg.size() < 3 || arg.substr(0, 2) != "--") {
      if (!arg.empty() && arg[0] == '-' && arg.size() > 1) {
        return Status::Error("unknown flag " + Quote(arg) + " (flags start with --)");
      }
      positional_.emplace_back(arg);
      continue;
    }
    std::string_view body = arg.substr(2);
    std::string_view name = body;
    std::optional<std::string_view> value;
    if (auto eq = body.find('='); eq != std::string_view::npos) {
      name = body.substr(0, eq);
      value = body.substr(eq + 1);
    }
    Flag* flag = Find(name);
    bool negated = false;
    if (flag == nullptr && name.substr(0, 3) == "no-") {
      Flag* candidate = Find(name.substr(3));
      if (candidate != nullptr && candidate->is_bool) {
        if (value) return Status::Error("flag --" + std::string(name) + " takes no value");
        flag = candidate;
        negated = true;
      }
    }
    if (flag == nullptr) return Status::Error("unknown flag --" + std::string(name));
    Status st;
    if (flag->is_bool) {
      st = flag->set(negated ? "false" : value.value_or("true"));
    } else {
      if (!value) {
        if (i + 1 >= argc) return Status::Error("flag --" + flag->name + " needs a value");
        value = std::string_view(argv[++i]);
      }
      st = flag->set(*value);
    }
    if (!st.ok()) return Status::Error("flag --" + flag->name + ": " + st.message());
    flag->seen = true;
  }
  return Status::Ok();
}

std::string FlagSet::Usage() const {
  std::ostringstream out;
  out << "usage: " << program_ << " [flags]\n\n" << description_ << "\n\nFlags:\n";
  out << "  --help\n      Show this help and exit.\n";
  for (const auto& f : flags_) {
    out << "  --" << f.name;
    if (!f.is_bool) out << "=<" << f.type << ">";
    out << "\n      " << f.help;
    if (f.is_bool) {
      out << " (default: " << f.default_text << "; --no-" << f.name << " to disable)";
    } else if (!f.default_text.empty()) {
      out << " (default: " << f.default_text << ")";
    }
    if (f.is_list) out << " Repeatable.";
    out << "\n";
  }
  return out.str();
}

void ParseFlagsOrExit(FlagSet& flags, int argc, const char* const* argv, int start) {
  Status st = flags.Parse(argc, argv, start);
  if (flags.help_requested()) {
    std::cout << flags.Usage();
    std::exit(0);
  }
  if (!st.ok()) {
    std::cerr << "error: " << st.message() << "\nrun with --help for the list of flags\n";
    std::exit(2);
  }
}

}  // namespace streamlens
