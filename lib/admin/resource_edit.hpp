// SPDX-License-Identifier: GPL-2.0-or-later
// Private to lib/admin: the primitive editing that `resource` and `stonith`
// commands share (resource.cpp).
#pragma once

#include <libxml/tree.h>

#include <string>
#include <string_view>
#include <vector>

#include "vigil/admin/cib_edit.hpp"
#include "vigil/admin/commands.hpp"

namespace vigil::admin {

// A resource element (primitive, group, clone ...) with this id inside
// <resources>, or nullptr.
xmlNode* find_resource(xmlDoc* doc, std::string_view id);

// An error of pcs's library layer: the message, then its summary line.
Status lib_error(const std::string& msg);

// 'a', 'b', 'c'
std::string quoted_list(const std::vector<std::string>& items);

// Forceable errors (ending ", use --force to override"): into `problems`,
// or with --force into warnings on ctx.notes, without the tail.
void note_forceable(Context& ctx, const std::vector<std::string>& errors,
                    std::vector<std::string>& problems);

// <element id=set_id> with one nvpair per pair, sorted by name, under
// `parent` (nothing when `pairs` is empty).
void append_nvset(xmlDoc* doc, xmlNode* parent, const char* element, const std::string& set_id,
                  std::vector<KeyValue> pairs);

// `resource create` (stonith false) or `stonith create` (the agent is a
// bare fence agent name, class stonith, options checked as the fencer's).
Status create_primitive(Context& ctx, const std::vector<std::string>& args, bool stonith);

// `resource delete|remove ID`: the resource, its constraints, pcs's notes.
Status delete_resource(Context& ctx, const std::vector<std::string>& args);

}  // namespace vigil::admin
