// SPDX-License-Identifier: GPL-2.0-or-later
// `vigil resource why RSC [NODE]`: the scheduler runs on the CIB and its
// score records say why RSC is where it is (lib/pengine/why.cpp); nothing
// is recomputed here.
#include "resource_edit.hpp"
#include "status_view.hpp"
#include "vigil/pengine/output.hpp"
#include "vigil/pengine/working_set.hpp"

namespace vigil::admin {

Status resource_why(Context& ctx, const std::vector<std::string>& args) {
  if (args.empty() || args.size() > 2) {
    return Error(ErrorCode::kInvalidInput, "usage: resource why <resource id> [<node>]");
  }
  auto scheduled = status_view::unpack_copy(ctx.doc, ctx.now, true);
  if (!scheduled) return scheduled.error();
  auto text = pengine::why_text(*scheduled->ws, args[0], args.size() > 1 ? args[1] : std::string());
  if (!text) return text.error();
  ctx.out += *text;
  return ok_status();
}

}  // namespace vigil::admin
