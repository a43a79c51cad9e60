// SPDX-License-Identifier: GPL-2.0-or-later
// The option parser and the output helpers every tool shares.
#include "internal.hpp"

namespace vigil::agenttools {

namespace {

// Options every Pacemaker tool takes.
const std::vector<OptionSpec> kCommonOptions = {
    {'h', "help", Arg::kNone, "help"},
    {0, "help-all", Arg::kNone, "help"},
    {0, "version", Arg::kNone, "version"},
    {'V', "verbose", Arg::kNone, "verbose"},
    {0, "output-as", Arg::kRequired, "output-as"},
    {0, "output-to", Arg::kRequired, "output-to"},
};

const OptionSpec* find_short(const std::vector<OptionSpec>& specs, char c) {
  for (const auto* list : {&specs, &kCommonOptions}) {
    for (const auto& s : *list) {
      if (s.short_name == c) return &s;
    }
  }
  return nullptr;
}

const OptionSpec* find_long(const std::vector<OptionSpec>& specs, std::string_view name) {
  for (const auto* list : {&specs, &kCommonOptions}) {
    for (const auto& s : *list) {
      if (s.long_name != nullptr && name == s.long_name) return &s;
    }
  }
  return nullptr;
}

Error usage(const std::string& message) {
  return Error(ErrorCode::kInvalidInput, message);
}

}  // namespace

Result<ParsedArgs> parse_options(const std::vector<std::string>& args,
                                 const std::vector<OptionSpec>& specs) {
  ParsedArgs out;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& word = args[i];
    // The word after an option, when it may serve as the option's argument.
    auto next_word = [&](bool optional) -> std::optional<std::string> {
      if (i + 1 >= args.size()) return std::nullopt;
      if (optional && !args[i + 1].empty() && args[i + 1][0] == '-') return std::nullopt;
      return args[++i];
    };
    if (word == "--") {
      out.operands.insert(out.operands.end(), args.begin() + i + 1, args.end());
      break;
    }
    if (word.rfind("--", 0) == 0) {
      const auto eq = word.find('=');
      const std::string name = word.substr(2, eq == std::string::npos ? eq : eq - 2);
      const OptionSpec* spec = find_long(specs, name);
      if (!spec) return usage("Unknown option --" + name);
      ParsedOption opt{spec->key, std::nullopt};
      if (eq != std::string::npos) {
        if (spec->arg == Arg::kNone) return usage("Option --" + name + " does not take a value");
        opt.value = word.substr(eq + 1);
      } else if (spec->arg != Arg::kNone) {
        opt.value = next_word(spec->arg == Arg::kOptional);
        if (!opt.value && spec->arg == Arg::kRequired) {
          return usage("Missing argument for --" + name);
        }
      }
      out.options.push_back(std::move(opt));
      continue;
    }
    if (word.size() < 2 || word[0] != '-') {
      out.operands.push_back(word);
      continue;
    }
    for (std::size_t k = 1; k < word.size(); ++k) {
      const OptionSpec* spec = find_short(specs, word[k]);
      if (!spec) return usage(std::string("Unknown option -") + word[k]);
      ParsedOption opt{spec->key, std::nullopt};
      if (spec->arg != Arg::kNone) {
        if (k + 1 < word.size()) {
          opt.value = word.substr(k + 1);
        } else {
          opt.value = next_word(spec->arg == Arg::kOptional);
          if (!opt.value && spec->arg == Arg::kRequired) {
            return usage(std::string("Missing argument for -") + word[k]);
          }
        }
        out.options.push_back(std::move(opt));
        break;
      }
      out.options.push_back(std::move(opt));
    }
  }
  for (const auto& o : out.options) {
    if (o.key == std::string("output-as") && *o.value != "text") {
      return usage("only --output-as=text is supported, not '" + *o.value + "'");
    }
    if (o.key == std::string("output-to") && *o.value != "-") {
      return usage("Vigil's agent tools only write to stdout (--output-to=-)");
    }
  }
  return out;
}

std::optional<ToolRun> help_or_version(const ParsedArgs& parsed, const std::string& help) {
  for (const auto& o : parsed.options) {
    if (o.key == "help") return ToolRun{help, "", kExitOk};
    if (o.key == "version") return version_text();
  }
  return std::nullopt;
}

ToolRun usage_error(const std::string& tool, const std::string& message) {
  return {"", tool + ": " + message + "\nTry '" + tool + " --help' for the options.\n", kExitUsage};
}

ToolRun failure(const std::string& tool, int code, const std::string& message) {
  return {"", tool + ": " + message + "\n", code};
}

ToolRun version_text() {
  // Agents compare the first line's version with Pacemaker's.
  return {"Pacemaker 2.1.5\nVigil agent tools 0.1.0 (Pacemaker 2.1.5 compatible)\n", "", kExitOk};
}

std::string reach_hint(const Error& e) {
  return e.code() == ErrorCode::kIo ? e.message() + " (is the cluster running on this node?)"
                                    : e.message();
}

int code_of(const Error& e) {
  return e.code() == ErrorCode::kIo ? kExitDisconnect : kExitError;
}

}  // namespace vigil::agenttools
