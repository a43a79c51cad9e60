// SPDX-License-Identifier: GPL-2.0-or-later
// pcs constraint colocation|order|ticket set, ticket add|remove,
// colocation|order remove, location add|remove, rule add|remove.
#include "constraint_common.hpp"
#include "pcs_usage.hpp"
#include "resource_edit.hpp"
#include "vigil/admin/cib_edit.hpp"
#include "vigil/common/xml.hpp"

namespace vigil::admin {

Status constraint_set(Context& ctx, const std::string& family,
                      const std::vector<std::string>&) {
  return Error(ErrorCode::kUnsupported, "'constraint " + family + " set' is not supported by vigil yet");
}
Status ticket_add(Context&, const std::vector<std::string>&) {
  return Error(ErrorCode::kUnsupported, "'constraint ticket add' is not supported by vigil yet");
}
Status ticket_remove(Context&, const std::vector<std::string>&) {
  return Error(ErrorCode::kUnsupported, "'constraint ticket remove' is not supported by vigil yet");
}
Status pair_remove(Context&, const std::string& family, const std::vector<std::string>&) {
  return Error(ErrorCode::kUnsupported, "'constraint " + family + " remove' is not supported by vigil yet");
}
Status location_add(Context&, const std::vector<std::string>&) {
  return Error(ErrorCode::kUnsupported, "'constraint location add' is not supported by vigil yet");
}
Status location_remove(Context&, const std::vector<std::string>&) {
  return Error(ErrorCode::kUnsupported, "'constraint location remove' is not supported by vigil yet");
}
Status rule_add(Context&, const std::vector<std::string>&) {
  return Error(ErrorCode::kUnsupported, "'constraint rule add' is not supported by vigil yet");
}
Status rule_remove(Context&, const std::vector<std::string>&) {
  return Error(ErrorCode::kUnsupported, "'constraint rule remove' is not supported by vigil yet");
}

}  // namespace vigil::admin
