// SPDX-License-Identifier: GPL-2.0-or-later
#include "vigil/admin/resource_args.hpp"

namespace vigil::admin {
namespace {

// The options after the id (and agent) word: [k=v...] [op ...] [meta ...].
Status parse_sections(const std::vector<std::string>& args, std::size_t first,
                      ResourceCreateArgs& out, bool clone_keywords) {
  enum class Section { kInstance, kOp, kMeta, kClone } section = Section::kInstance;
  const std::string op_error =
      "When using 'op' you must specify an operation name and at least one option";
  // Words of the clone/promotable sections (pcs joins repeated keywords).
  std::vector<std::string> clone_words, promotable_words;
  std::vector<std::string>* clone_section = nullptr;
  for (std::size_t i = first; i < args.size(); ++i) {
    const std::string& w = args[i];
    if (w == "bundle" && clone_keywords) {
      return Error(ErrorCode::kUnsupported,
                   "resource create ... bundle is not supported by vigil yet");
    }
    if (clone_keywords && (w == "clone" || w == "promotable")) {
      if (section == Section::kOp && (out.ops.empty() || out.ops.back().options.empty())) {
        return Error(ErrorCode::kInvalidInput, op_error);
      }
      section = Section::kClone;
      if (w == "clone") {
        out.clone_and_promotable = out.clone_and_promotable || out.clone == CloneKind::kPromotable;
        if (out.clone == CloneKind::kNone) out.clone = CloneKind::kClone;
        clone_section = &clone_words;
      } else {
        out.clone_and_promotable = out.clone_and_promotable || out.clone == CloneKind::kClone;
        if (out.clone == CloneKind::kNone) out.clone = CloneKind::kPromotable;
        clone_section = &promotable_words;
      }
      continue;
    }
    if (section == Section::kClone && w != "op" && w != "meta") {
      clone_section->push_back(w);
      continue;
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
  // The first word without '=' names the clone; the rest are its options.
  for (auto* words : {&clone_words, &promotable_words}) {
    if (!words->empty() && words->front().find('=') == std::string::npos) {
      out.clone_id = words->front();
      words->erase(words->begin());
    }
  }
  for (const auto* words : {&clone_words, &promotable_words}) {
    for (const auto& w : *words) {
      auto kv = split_key_value(w);
      if (!kv) return kv.error();
      out.clone_meta.push_back(*kv);
    }
  }
  for (auto* list : {&out.instance, &out.meta, &out.clone_meta}) {
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
  if (auto st = parse_sections(args, 2, out, true); !st) {
    // pcs points users of the old master/slave syntax to the new keyword.
    if (st.error().message() == "missing value of 'master' option") {
      return Error(ErrorCode::kInvalidInput,
                   st.error().message() +
                       "\nHint: Master/Slave resources have been renamed to promotable clones, "
                       "please use the 'promotable' keyword instead of 'master'. See 'man pcs' "
                       "-> Changes in pcs-0.10.");
    }
    return st.error();
  }
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
  if (auto st = parse_sections(args, 1, out, false); !st) return st.error();
  return out;
}

}  // namespace vigil::admin
