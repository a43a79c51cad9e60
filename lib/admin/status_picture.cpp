// SPDX-License-Identifier: GPL-2.0-or-later
// `vigil status --png FILE`: the cluster as nodes holding their resources,
// drawn by lib/picture from the scheduler's view of the CIB.
#include <ctime>

#include "vigil/admin/commands.hpp"
#include "vigil/cib/cib.hpp"
#include "vigil/common/xml.hpp"
#include "vigil/pengine/working_set.hpp"
#include "vigil/picture/picture.hpp"

namespace vigil::admin {

Status status_picture(Context& ctx) {
  xml::DocPtr copy(xmlCopyDoc(ctx.doc, 1));
  if (!copy) return Error(ErrorCode::kInternal, "cannot copy the CIB document");
  auto model = cib::Cib::from_doc(std::move(copy), "CIB");
  if (!model) return model.error();
  pengine::Options options;
  options.now = ctx.now;
  pengine::WorkingSet ws(**model, options);
  if (auto st = pengine::unpack(ws); !st) return st.error();

  std::time_t t = static_cast<std::time_t>(ctx.now);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char when[32];
  std::strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S UTC", &tm);
  const std::string title =
      (ctx.cluster_name.empty() ? std::string("Cluster") : "Cluster " + ctx.cluster_name) +
      (ws.have_quorum ? "" : " (WITHOUT quorum)") + ", " + when;
  return picture::render_png(picture::cluster_dot(ws, title), *ctx.flags.png);
}

}  // namespace vigil::admin
