// SPDX-License-Identifier: GPL-2.0-or-later
// Tests' in-memory CIB with commands run on it, and agent metadata from the
// test's own table (`Agents`, a MetadataSource).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "vigil/admin/cib_edit.hpp"
#include "vigil/admin/commands.hpp"
#include "vigil/common/xml.hpp"

namespace vigil::admin {

template <class Agents>
struct CommandCib {
  explicit CommandCib(const char* text) : doc(xml::parse_string(text).value()) {}

  xml::DocPtr doc;
  Agents agents;
  std::vector<std::string> notes;  // of the last command
  int extra_writes = 0;            // of the last command
  std::string output;              // stdout of the last command

  Status run(std::vector<std::string> args, Flags flags = {}) {
    Context ctx;
    ctx.doc = doc.get();
    ctx.agents = &agents;
    ctx.flags = std::move(flags);
    Status st = run_command(ctx, args);
    notes = ctx.notes;
    extra_writes = ctx.extra_writes;
    output = ctx.out;
    return st;
  }
  // The command's error message, "" when it succeeded.
  std::string error(std::vector<std::string> args, Flags flags = {}) {
    Status st = run(std::move(args), std::move(flags));
    return st ? "" : st.error().message();
  }
  // The element with that id as compact XML, "" when there is none.
  std::string xml_of(const std::string& id) {
    xmlNode* n = find_by_id(doc.get(), id);
    return n ? xml::to_string(n, false) : "";
  }
};

}  // namespace vigil::admin
