// SPDX-License-Identifier: GPL-2.0-or-later
// Small editing helpers over a CIB document, shared by every pcs-style
// command: id checks and generation the way pcs does them, lookups by id,
// element creation with a fixed attribute order (pcs's order, so diffs
// against files pcs wrote stay clean).
#pragma once

#include <libxml/tree.h>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "vigil/common/result.hpp"

namespace vigil::admin {

// The summary line pcs's library layer adds after its errors.
inline constexpr const char* kErrorsOccurred =
    "\nError: Errors have occurred, therefore vigil is unable to continue";

// pcs's NCName check: "" when `id` is valid, else the message, e.g.
// "invalid resource name '1bad', '1' is not a valid first character for a
// resource name". `description` is "resource name", "group name" ...
std::string id_problem(std::string_view id, std::string_view description);

// Generated ids: a bad first character is dropped (repeatedly), bad later
// characters are removed ("location-VIP-node1--INFINITY" keeps its dashes).
std::string sanitize_id(std::string_view candidate);

// The element with this id anywhere in the document (pcs looks at the
// whole CIB, status included), or nullptr.
xmlNode* find_by_id(xmlDoc* doc, std::string_view id);

// `candidate` if free, else candidate-1, candidate-2 ... (pcs's find_unique_id).
std::string unique_id(xmlDoc* doc, std::string_view candidate);

// /cib/configuration/<name>, created (appended) when missing only if `create`.
xmlNode* config_section(xmlDoc* doc, const char* name, bool create = false);

// Appends <name a1="v1" .../> under `parent`, attributes in the given order.
xmlNode* append_element(xmlNode* parent, const char* name,
                        const std::vector<std::pair<std::string, std::string>>& attrs);

// Unlinks and frees a node (a node belongs to its document until unlinked).
void remove_node(xmlNode* n);

// The value of validate-with as major*100+minor ("pacemaker-3.9" -> 309),
// or 0 when it has no pacemaker-X.Y form.
int schema_version(xmlDoc* doc);

// Role names as the CIB's schema wants them: Promoted/Unpromoted from 3.7,
// Master/Slave below (pcs's PCMK_NEW_ROLES_CIB_VERSION).
std::string role_for_cib(xmlDoc* doc, std::string_view role);

// epoch += by, as every pcs write adds 1 (num_updates stays as it is).
Status bump_epoch(xmlDoc* doc, int by = 1);

// "k=v" split at the first '='; nullopt-like empty key means malformed.
struct KeyValue {
  std::string key;
  std::string value;
};
// Fails with pcs's "missing value of 'x' option" / "missing key in '=x' option".
Result<KeyValue> split_key_value(std::string_view arg);

// The same key twice with different values is pcs's "duplicate option 'k'
// with different values 'a' and 'b'"; the same pair twice is kept once.
Result<std::vector<KeyValue>> dedupe_options(const std::vector<KeyValue>& pairs);

// pcs's score syntax: [+-]INFINITY or [+-]digits.
bool is_score(std::string_view s);

}  // namespace vigil::admin
