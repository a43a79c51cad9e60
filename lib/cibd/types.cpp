// SPDX-License-Identifier: GPL-2.0-or-later
#include "vigil/cibd/types.hpp"

#include <charconv>
#include <vector>

namespace vigil::cibd {
namespace {

// Splits "a:b:c" into exactly `count` non-negative integers.
bool parse_fields(std::string_view text, std::size_t count, std::vector<std::int64_t>& out) {
  out.clear();
  std::size_t start = 0;
  while (true) {
    const std::size_t colon = text.find(':', start);
    const std::string_view field = text.substr(
        start, colon == std::string_view::npos ? std::string_view::npos : colon - start);
    std::int64_t value = 0;
    const auto [end, ec] = std::from_chars(field.data(), field.data() + field.size(), value);
    if (field.empty() || ec != std::errc() || end != field.data() + field.size() || value < 0) {
      return false;
    }
    out.push_back(value);
    if (colon == std::string_view::npos) break;
    start = colon + 1;
  }
  return out.size() == count;
}

}  // namespace

std::string ConfigVersion::to_string() const {
  return std::to_string(admin_epoch) + ":" + std::to_string(epoch);
}

Result<ConfigVersion> ConfigVersion::parse(std::string_view text) {
  std::vector<std::int64_t> f;
  if (!parse_fields(text, 2, f)) {
    return Error(ErrorCode::kInvalidInput, "bad configuration version '" + std::string(text) +
                                               "' (expected admin_epoch:epoch)");
  }
  return ConfigVersion{f[0], f[1]};
}

std::string CibVersion::to_string() const {
  return std::to_string(admin_epoch) + ":" + std::to_string(epoch) + ":" +
         std::to_string(num_updates);
}

Result<CibVersion> CibVersion::parse(std::string_view text) {
  std::vector<std::int64_t> f;
  if (!parse_fields(text, 3, f)) {
    return Error(ErrorCode::kInvalidInput, "bad CIB version '" + std::string(text) +
                                               "' (expected admin_epoch:epoch:num_updates)");
  }
  return CibVersion{f[0], f[1], f[2]};
}

const char* to_string(CibOp op) {
  switch (op) {
    case CibOp::kQuery:
      return "query";
    case CibOp::kCreate:
      return "create";
    case CibOp::kModify:
      return "modify";
    case CibOp::kReplace:
      return "replace";
    case CibOp::kDelete:
      return "delete";
  }
  return "unknown";
}

Result<CibOp> parse_op(std::string_view text) {
  for (CibOp op :
       {CibOp::kQuery, CibOp::kCreate, CibOp::kModify, CibOp::kReplace, CibOp::kDelete}) {
    if (text == to_string(op)) return op;
  }
  return Error(ErrorCode::kInvalidInput,
               "unknown CIB operation '" + std::string(text) +
                   "' (expected query, create, modify, replace or delete)");
}

}  // namespace vigil::cibd
