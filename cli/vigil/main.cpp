// SPDX-License-Identifier: GPL-2.0-or-later
// vigil: the pcs 0.11 command line on a CIB file (-f). Everything but
// loading, saving and printing lives in lib/admin.
#include <cstdio>
#include <ctime>
#include <iostream>
#include <string>
#include <vector>

#include "vigil/admin/agent.hpp"
#include "vigil/admin/cib_file.hpp"
#include "vigil/admin/commands.hpp"
#include "vigil/common/xml.hpp"

namespace {

constexpr const char* kUsage =
    "Usage: vigil -f FILE <command>\n"
    "  property [config [<name>]] | property set <name>=[<value>]... | property unset <name>...\n"
    "  resource create <id> <class>:[<provider>:]<type> [k=v...] [op <action> k=v...]... [meta "
    "k=v...]\n"
    "                  [--group <group>] [--disabled] [--no-default-ops]\n"
    "  resource group add <group> <resource>... | resource delete <id>\n"
    "  constraint location <rsc> prefers|avoids <node>[=<score>]...\n"
    "  constraint colocation add [<role>] <rsc> with [<role>] <rsc> [<score>] [id=<id>]\n"
    "  constraint order [<action>] <rsc> then [<action>] <rsc> [kind=..] [symmetrical=..] [id=..]\n"
    "  constraint delete <id>...\n"
    "  resource [status] | status resources\n";

int fail(const std::string& message) {
  std::cerr << "Error: " << message << "\n";
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  vigil::xml::init();
  const std::vector<std::string> words(argv + 1, argv + argc);
  auto inv = vigil::admin::parse_invocation(words);
  if (!inv) return fail(inv.error().message());
  if (inv->help) {
    std::cout << kUsage;
    return 0;
  }
  if (!inv->file) {
    std::cerr
        << "vigil: the vigil-cib daemon is not available yet; use -f FILE to edit a CIB file\n";
    return 1;
  }
  auto doc = vigil::admin::load_cib_file(*inv->file);
  if (!doc) return fail(doc.error().message());

  vigil::admin::OcfMetadataSource agents;
  vigil::admin::Context ctx;
  ctx.doc = doc->get();
  ctx.agents = &agents;
  ctx.flags = inv->flags;
  ctx.now = std::time(nullptr);
  const vigil::Status st = vigil::admin::run_command(ctx, inv->args);
  for (const auto& line : ctx.notes) std::cerr << line << "\n";
  std::cout << ctx.out;
  if (!st) return fail(st.error().message());
  if (ctx.changed) {
    if (auto w = vigil::admin::commit_cib_file(ctx.doc, *inv->file, ctx.extra_writes); !w)
      return fail(w.error().message());
  }
  return 0;
}
