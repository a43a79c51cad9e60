// SPDX-License-Identifier: GPL-2.0-or-later
// What fencers tell each other over CPG, one XML element each:
//
//   <fencing t="query" op= origin= target= action=/>        origin -> all
//   <fencing t="query-reply" op= origin= target= action=>   member -> origin
//     <device id="..."/>...                                (devices that can)
//   <fencing t="fence" op= origin= target= action= device= delay-ms=/>
//                                                          origin -> executor
//   <fencing t="fence-result" op= origin= device= ok= reason=/>
//                                                          executor -> origin
//   <fencing t="done" op= origin=><entry .../></fencing>   origin -> all
//   <fencing t="history"><entry .../>...</fencing>         member -> all
//   <fencing t="cleanup" [target=]/>                       member -> all
//                                   (finished entries of target, or of all)
//
// decode() refuses anything malformed: a daemon logs and drops it.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "vigil/common/clock.hpp"
#include "vigil/common/result.hpp"
#include "vigil/fencing/history.hpp"

struct _xmlNode;

namespace vigil::fencing {

enum class MsgType { kQuery, kQueryReply, kFence, kFenceResult, kDone, kHistory, kCleanup };
const char* to_string(MsgType type);

struct PeerMessage {
  MsgType type = MsgType::kQuery;
  std::string op{};      // operation id (all but history)
  std::string origin{};  // the node that took the request
  std::string target{};
  std::string action{};
  std::string device{};                 // fence, fence-result
  std::vector<std::string> devices{};   // query-reply
  Duration delay{0};                    // fence: delay asked by the client
  bool ok = false;                      // fence-result
  std::string reason{};                 // fence-result
  std::vector<HistoryEntry> history{};  // done (one entry), history
};

std::string encode(const PeerMessage& m);
Result<PeerMessage> decode(std::string_view payload);

// One history entry as <entry .../> (shared with lib/fencerd's client
// protocol, so both speak the same entry).
void append_entry(std::string& out, const HistoryEntry& e);
Result<HistoryEntry> read_entry(const _xmlNode* n);

}  // namespace vigil::fencing
