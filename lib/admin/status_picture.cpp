// SPDX-License-Identifier: GPL-2.0-or-later
// `vigil status --png FILE`: the cluster as nodes holding their resources,
// drawn by lib/picture from the scheduler's view of the CIB.
#include <ctime>

#include "status_view.hpp"
#include "vigil/admin/commands.hpp"
#include "vigil/pengine/working_set.hpp"
#include "vigil/picture/picture.hpp"

namespace vigil::admin {

Status status_picture(Context& ctx) {
  auto unpacked = status_view::unpack_copy(ctx.doc, ctx.now);
  if (!unpacked) return unpacked.error();
  const pengine::WorkingSet& ws = *unpacked->ws;
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
