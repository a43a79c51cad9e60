// SPDX-License-Identifier: GPL-2.0-or-later
#include "vigil/admin/resource_args.hpp"

namespace vigil::admin {
namespace {

// The options after the id (and agent) word: [k=v...] [op ...] [meta ...].
Status parse_sections(const std::vector<std::string>& args, std::size_t first,
                      ResourceCreateArgs& out) {
  enum class Section { kInstance, kOp, kMeta } section = Section::kInstance;
  const std::string op_error =
      "When using 'op' you must specify an operation name and at least one option";
  for (std::size_t i = first; i < args.size(); ++i) {
    const std::string& w = args[i];
    if (w == "clone" || w == "promotable" || w == "bundle") {
      return Error(ErrorCode::kUnsupported,
                   "resource create ... " + w + " is not supported by vigil yet");
    }
    if (w == "op") {
      if (section == Section::kOp && (out.ops.empty() || out.ops.back().options.empty())) {
        return Error(ErrorCode::kInvalidInput, op_error);
      }
      section = Section::kOp;
      out.ops.push_back({});
      continue;
    }
    if (w == "meta") {
      if (section == Section::kOp && (out.ops.empty() || out.ops.back().options.empty())) {
        return Error(ErrorCode::kInvalidInput, op_error);
      }
      section = Section::kMeta;
      continue;
    }
    if (section == Section::kOp) {
      OpArgs& op = out.ops.back();
      if (w.find('=') == std::string::npos) {
        // A bare word names the next action; the previous one needs options.
        if (!op.action.empty()) {
          if (op.options.empty()) return Error(ErrorCode::kInvalidInput, op_error);
          out.ops.push_back({w, {}});
        } else {
          op.action = w;
        }
        continue;
      }
      if (op.action.empty()) return Error(ErrorCode::kInvalidInput, op_error);
      auto kv = split_key_value(w);
      if (!kv) return kv.error();
      op.options.push_back(*kv);
      continue;
    }
    auto kv = split_key_value(w);
    if (!kv) return kv.error();
    (section == Section::kMeta ? out.meta : out.instance).push_back(*kv);
  }
  if (section == Section::kOp && (out.ops.empty() || out.ops.back().options.empty())) {
    return Error(ErrorCode::kInvalidInput, op_error);
  }
  for (auto* list : {&out.instance, &out.meta}) {
    auto unique = dedupe_options(*list);
    if (!unique) return unique.error();
    *list = std::move(*unique);
  }
  for (auto& op : out.ops) {
    auto unique = dedupe_options(op.options);
    if (!unique) return unique.error();
    op.options = std::move(*unique);
  }
  return ok_status();
}

}  // namespace

Result<ResourceCreateArgs> parse_resource_create(const std::vector<std::string>& args) {
  if (args.size() < 2) {
    return Error(
        ErrorCode::kInvalidInput,
        "usage: vigil -f FILE resource create <resource id> <standard>:[<provider>:]<type> "
        "[options] [op <action> <options>...] [meta <options>...] [--group <group>] [--disabled]");
  }
  ResourceCreateArgs out;
  out.id = args[0];
  out.agent = args[1];
  if (auto st = parse_sections(args, 2, out); !st) return st.error();
  return out;
}

Result<ResourceCreateArgs> parse_resource_update(const std::vector<std::string>& args) {
  if (args.empty()) {
    return Error(ErrorCode::kInvalidInput,
                 "usage: vigil stonith update <stonith id> [options] [op <action> "
                 "<options>...] [meta <options>...]");
  }
  ResourceCreateArgs out;
  out.id = args[0];
  if (auto st = parse_sections(args, 1, out); !st) return st.error();
  return out;
}

}  // namespace vigil::admin
