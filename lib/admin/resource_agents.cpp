// SPDX-License-Identifier: GPL-2.0-or-later
// `resource standards`, `resource providers`, `resource agents
// [STANDARD[:PROVIDER]]` (and `resource describe AGENT`, in
// resource_describe.cpp): what pcs 0.11.5 prints from crm_resource's lists
// and an agent's meta-data. They read no CIB: cli/vigil runs them without one and
// refuses -f, as pcs does (stonith.cpp's needs_no_cib).
#include <algorithm>
#include <set>

#include "resource_describe.hpp"
#include "resource_edit.hpp"
#include "vigil/admin/agent.hpp"
#include "vigil/admin/cib_edit.hpp"

namespace vigil::admin {
namespace {

// pcs's usage for words it cannot parse (printed bare, exit code 1).
Status usage(Context& ctx, const std::string& sub) {
  static const std::map<std::string, std::string> kUsage{
      {"standards",
       "    standards\n"
       "        List available resource agent standards supported by this installation\n"
       "        (OCF, LSB, etc.).\n"},
      {"providers", "    providers\n        List available OCF resource agent providers.\n"},
      {"agents",
       "    agents [standard[:provider]]\n"
       "        List available agents optionally filtered by standard and provider.\n"},
      {"describe",
       "    describe [<standard>:[<provider>:]]<type> [--full]\n"
       "        Show options for the specified resource. If --full is specified, all\n"
       "        options including advanced and deprecated ones are shown.\n"}};
  ctx.error_bare = true;
  return Error(ErrorCode::kInvalidInput,
               "\nUsage: vigil resource " + sub + "...\n" + kUsage.at(sub));
}

// pcs sorts these lists with str.lower as the key (a stable sort).
void sort_case_insensitive(std::vector<std::string>& v) {
  auto key = [](const std::string& s) {
    std::string k = s;
    std::transform(k.begin(), k.end(), k.begin(), [](unsigned char c) { return std::tolower(c); });
    return k;
  };
  std::stable_sort(v.begin(), v.end(),
                   [&](const std::string& a, const std::string& b) { return key(a) < key(b); });
}

std::vector<std::string> unique_sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
  sort_case_insensitive(v);
  return v;
}

void print_lines(Context& ctx, const std::vector<std::string>& lines) {
  for (const auto& l : lines) ctx.out += l + "\n";
}

// crm_resource --list-agents as pcs reads it: each standard's agents once,
// sorted; fence agents pcs never offers left out.
std::vector<std::string> agents_of(const MetadataSource& src, const std::string& standard,
                                   const std::string& provider) {
  static const std::set<std::string> kIgnored{
      "fence_ack_manual", "fence_check", "fence_kdump_send",  "fence_legacy",
      "fence_na",         "fence_node",  "fence_nss_wrapper", "fence_pcmk",
      "fence_sanlockd",   "fence_tool",  "fence_virtd",       "fence_vmware_helper"};
  auto list = unique_sorted(src.list_agents(standard, provider));
  std::erase_if(list, [](const std::string& a) { return kIgnored.contains(a); });
  return list;
}

Status list_agents(Context& ctx, const std::vector<std::string>& args) {
  std::vector<std::pair<std::string, std::string>> wanted;  // standard, provider
  if (!args.empty()) {
    std::string sp = args[0];
    if (!sp.empty() && sp.back() == ':') sp.pop_back();
    const auto colon = sp.find(':');
    wanted.emplace_back(sp.substr(0, colon),
                        colon == std::string::npos ? "" : sp.substr(colon + 1));
  } else {
    for (const auto& s : ctx.agents->standards()) {
      if (s != "ocf") {
        wanted.emplace_back(s, "");
        continue;
      }
      for (const auto& p : ctx.agents->ocf_providers()) wanted.emplace_back(s, p);
    }
  }
  std::vector<std::string> agents;
  for (const auto& [standard, provider] : wanted) {
    if (standard == "stonith") continue;
    auto more = agents_of(*ctx.agents, standard, provider);
    agents.insert(agents.end(), more.begin(), more.end());
  }
  sort_case_insensitive(agents);
  if (agents.empty()) {
    return Error(ErrorCode::kNotFound, "No agents found" + (args.empty() ? "" : " for " + args[0]));
  }
  print_lines(ctx, agents);
  return ok_status();
}

}  // namespace

Status run_resource_agents(Context& ctx, const std::string& sub,
                           const std::vector<std::string>& args) {
  if (ctx.agents == nullptr) return Error(ErrorCode::kInternal, "no agent metadata source");
  if (sub == "standards" || sub == "providers") {
    if (!args.empty()) return usage(ctx, sub);
    std::vector<std::string> list;
    if (sub == "standards") {
      for (const auto& s : ctx.agents->standards()) {
        if (s != "stonith") list.push_back(s);
      }
    } else {
      list = ctx.agents->ocf_providers();
    }
    list = unique_sorted(std::move(list));
    if (list.empty()) {
      return Error(ErrorCode::kNotFound,
                   sub == "standards" ? "No standards found" : "No OCF providers found");
    }
    print_lines(ctx, list);
    return ok_status();
  }
  if (sub == "agents") {
    if (args.size() > 1) return usage(ctx, sub);
    return list_agents(ctx, args);
  }
  if (args.size() != 1) return usage(ctx, "describe");
  return resource_describe(ctx, args[0]);  // resource_describe.cpp
}

}  // namespace vigil::admin
