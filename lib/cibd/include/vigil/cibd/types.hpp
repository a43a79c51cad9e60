// SPDX-License-Identifier: GPL-2.0-or-later
// Plain values of the CIB service, shared by the daemon's logic (lib/cibd),
// its clients (lib/cibclient) and the wire format: versions, requests,
// replies and change notifications. No I/O, no libxml2 here.
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "vigil/common/result.hpp"

namespace vigil::cibd {

// The configuration part of a CIB version (admin_epoch, epoch): what a
// read-modify-write client checks with expect_version.
struct ConfigVersion {
  std::int64_t admin_epoch = 0;
  std::int64_t epoch = 0;
  friend auto operator<=>(const ConfigVersion&, const ConfigVersion&) = default;
  std::string to_string() const;  // "0:12"
  // "A:E"; kInvalidInput otherwise.
  static Result<ConfigVersion> parse(std::string_view text);
};

// A CIB's version as Pacemaker orders it: admin_epoch, then epoch, then
// num_updates. epoch counts configuration changes, num_updates counts
// status-only changes since the last configuration change.
struct CibVersion {
  std::int64_t admin_epoch = 0;
  std::int64_t epoch = 0;
  std::int64_t num_updates = 0;
  friend auto operator<=>(const CibVersion&, const CibVersion&) = default;
  ConfigVersion config() const { return {admin_epoch, epoch}; }
  std::string to_string() const;  // "0:12:3"
  // "A:E:N"; kInvalidInput otherwise.
  static Result<CibVersion> parse(std::string_view text);
};

// cibadmin's operations.
enum class CibOp {
  kQuery,    // -Q: the element(s) the scope names
  kCreate,   // -C: add the payload as a child of the scope's element
  kModify,   // -M: merge the payload into the matching element
  kReplace,  // -R: the matching element is replaced whole
  kDelete,   // -D: remove every element the scope (xpath) matches
};
const char* to_string(CibOp op);
Result<CibOp> parse_op(std::string_view text);

// One request. `scope` selects what the operation works on:
//  - empty: the whole CIB (<cib>);
//  - a section name: "configuration", "status", "crm_config", "nodes",
//    "resources", "constraints", "rsc_defaults", "op_defaults", "alerts",
//    "fencing-topology", "tags", "acls" (or "cib");
//  - anything starting with '/': an XPath 1.0 expression over the CIB.
struct CibRequest {
  CibOp op = CibOp::kQuery;
  std::string scope;
  // One XML element: what to create, merge or put in place (create, modify,
  // replace); unused by query and delete.
  std::string payload;
  // Refuse the update unless the CIB's (admin_epoch, epoch) is this one.
  std::optional<ConfigVersion> expect_version;
  // modify: create the payload under the scope when no element matches
  // (cibadmin -M -c) instead of failing with kNotFound.
  bool allow_create = false;
  // replace of the whole CIB: accept a copy whose version is not newer.
  bool force = false;
  // Who asks (for update-client / update-user and the logs).
  std::string client;
  std::string user;
};

// The answer to a request: the CIB's version after it (for an update, the
// version that includes it) and, for a query, the XML found.
struct CibReply {
  CibVersion version;
  std::string xml;
};

// One change applied to a replica, as subscribers see it.
struct CibChange {
  CibVersion previous;
  CibVersion current;
  bool config_changed = false;  // anything outside status (epoch bumped)
  CibOp op = CibOp::kModify;
  // The change as it travelled: <cib-diff ...><cib-request .../></cib-diff>,
  // or <cib-diff ... full="true"> when the whole CIB was replaced by a sync.
  std::string diff;
  std::string origin;  // the node (uname, or "node N") the request came from
  std::string client;
};

}  // namespace vigil::cibd
