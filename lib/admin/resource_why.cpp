// SPDX-License-Identifier: GPL-2.0-or-later
// `vigil resource why RSC [NODE]`: the scheduler runs on the CIB and its
// score records say why RSC is where it is (lib/pengine/why.cpp); nothing
// is recomputed here.
#include "resource_edit.hpp"
#include "vigil/cib/cib.hpp"
#include "vigil/common/xml.hpp"
#include "vigil/pengine/output.hpp"
#include "vigil/pengine/working_set.hpp"

namespace vigil::admin {

Status resource_why(Context& ctx, const std::vector<std::string>& args) {
  if (args.empty() || args.size() > 2) {
    return Error(ErrorCode::kInvalidInput, "usage: resource why <resource id> [<node>]");
  }
  xml::DocPtr copy(xmlCopyDoc(ctx.doc, 1));
  if (!copy) return Error(ErrorCode::kInternal, "cannot copy the CIB document");
  auto model = cib::Cib::from_doc(std::move(copy), "CIB");
  if (!model) return model.error();
  pengine::Options options;
  options.now = ctx.now;
  pengine::WorkingSet ws(**model, options);
  if (auto st = pengine::schedule(ws); !st) return st.error();
  auto text = pengine::why_text(ws, args[0], args.size() > 1 ? args[1] : std::string());
  if (!text) return text.error();
  ctx.out += *text;
  return ok_status();
}

}  // namespace vigil::admin
