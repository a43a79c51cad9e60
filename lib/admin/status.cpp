// SPDX-License-Identifier: GPL-2.0-or-later
#include "vigil/admin/status.hpp"

#include <sstream>

#include "vigil/cib/cib.hpp"
#include "vigil/pengine/output.hpp"
#include "vigil/pengine/working_set.hpp"

namespace vigil::admin {

Result<std::string> resource_status_text(xmlDoc* doc, EpochSeconds now) {
  xml::DocPtr copy(xmlCopyDoc(doc, 1));
  if (!copy) return Error(ErrorCode::kInternal, "cannot copy the CIB document");
  auto model = cib::Cib::from_doc(std::move(copy), "CIB");
  if (!model) return model.error();
  pengine::Options options;
  options.now = now;
  pengine::WorkingSet ws(**model, options);
  if (auto st = pengine::unpack(ws); !st) return st.error();

  // crm_simulate's layout nests the sections one level deeper than crm_mon:
  // take the lines after "Full List of Resources:" and drop two spaces.
  std::istringstream in(pengine::cluster_status_text(ws));
  std::string line, out;
  bool in_resources = false;
  bool any = false;
  int stonith_indent = -1;  // skipping a stonith line (and nothing under it)
  while (std::getline(in, line)) {
    if (line == "  * Full List of Resources:") {
      in_resources = true;
      continue;
    }
    if (!in_resources || line.empty()) continue;
    if (line.rfind("  * ", 0) == 0) break;  // the next top-level section
    if (line == "    * No resources") continue;
    const int indent = static_cast<int>(line.find_first_not_of(' '));
    if (stonith_indent >= 0 && indent > stonith_indent) continue;
    stonith_indent = -1;
    if (line.find("\t(stonith:") != std::string::npos) {
      stonith_indent = indent;
      continue;
    }
    out += line.substr(2) + "\n";
    any = true;
  }
  return any ? out : std::string("NO resources configured\n");
}

}  // namespace vigil::admin
