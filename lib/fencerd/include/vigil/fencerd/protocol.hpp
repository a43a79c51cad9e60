// SPDX-License-Identifier: GPL-2.0-or-later
// What local clients (the controller, the executor, the command line) ask
// vigil-stonithd on $run/stonithd.sock, one XML element per frame:
//
//   request                                        reply
//   <fence target= action=reboot|off|on            <fence-reply delegate= id=/>
//      [timeout-ms=] [delay-ms=] [client=]/>       (a failure: the call fails
//                                                   with kFailed and the reason)
//   <fence-confirm target= [client=]/>             <ok/>   a human says the node is
//                                                   off: recorded as a done "off" by
//                                                   "a human", on every node, notified
//   <fence-query target= [action=]/>               <devices><device id=/>...</devices>
//   <fence-monitor device= [timeout-ms=]/>         <ok/>   (or the agent's failure);
//                                                   refused unless registered by
//                                                   fence-register (a started device)
//   <fence-register device= agent=>                <ok/>   the executor's start of a
//     <param name= value=/>...                      stonith resource: used here
//   </fence-register>                               whatever the CIB's placement
//   <fence-unregister device=/>                    <ok/>   its stop: the registration
//                                                   goes (ok when there was none)
//   <fence-history [target=]/>                     <history><entry .../>...</history>
//   <fence-history-cleanup [target=]/>             <ok/>   (on every node; finished
//                                                   entries only, no event)
//   <fence-devices/>                               <devices><device id= agent=/>...
//   <fence-subscribe/>                             <ok/>, then events:
//     <fence-event><entry .../></fence-event>      each operation that ends (or is
//                                                   learnt from a peer), as Pacemaker's
//                                                   st_notify_fence
//
// <entry> carries HistoryEntry's fields as attributes (id, target, action,
// origin, client, delegate, state=pending|done|failed, created, completed,
// reason). Every decoder refuses malformed input with kInvalidInput and the
// reason: a daemon logs it and answers an error, never aborts.
//
// Errors are lib/ipc error frames: kNotFound, refused at once (an unknown
// node or device); kFailed, carried out and failed (the reason: devices
// that failed, a timeout); kInvalidInput or kUnsupported, a malformed or
// unknown request; kIo, the transport (a fence may still be carried out).
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "vigil/common/clock.hpp"
#include "vigil/common/result.hpp"
#include "vigil/fencing/history.hpp"

namespace vigil::fencerd {

struct FenceCall {
  std::string target;
  std::string action = "reboot";  // reboot, off, on
  Duration timeout{0};            // 0: stonith-timeout
  Duration delay{0};              // added before the first device (priority-fencing-delay)
  std::string client{};           // who asks, for the history ("vigil-crmd.1234")
  bool operator==(const FenceCall&) const = default;
};
struct ConfirmCall {
  std::string target;
  std::string client{};
  bool operator==(const ConfirmCall&) const = default;
};
struct QueryCall {
  std::string target;
  std::string action = "reboot";
  bool operator==(const QueryCall&) const = default;
};
struct MonitorCall {
  std::string device;
  Duration timeout{0};  // 0: the device's pcmk_monitor_timeout (else stonith-timeout)
  bool operator==(const MonitorCall&) const = default;
};
// A stonith resource started by the executor (Pacemaker's register_device):
// its instance attributes as the start got them, CRM_meta_* left out.
struct RegisterCall {
  std::string device;
  std::string agent;  // "fence_ipmilan"
  std::map<std::string, std::string> params{};
  bool operator==(const RegisterCall&) const = default;
};
struct UnregisterCall {
  std::string device;
  bool operator==(const UnregisterCall&) const = default;
};
struct HistoryCall {
  std::string target{};  // empty: every node
  bool operator==(const HistoryCall&) const = default;
};
struct HistoryCleanupCall {
  std::string target{};  // empty: every node
  bool operator==(const HistoryCleanupCall&) const = default;
};
struct DevicesCall {
  bool operator==(const DevicesCall&) const = default;
};
struct SubscribeCall {
  bool operator==(const SubscribeCall&) const = default;
};

using Call =
    std::variant<FenceCall, ConfirmCall, QueryCall, MonitorCall, RegisterCall, UnregisterCall,
                 HistoryCall, HistoryCleanupCall, DevicesCall, SubscribeCall>;

struct FenceReply {
  std::string delegate;  // the node that fenced
  std::string id;        // the history entry's id
  bool operator==(const FenceReply&) const = default;
};
struct DeviceInfo {
  std::string id;
  std::string agent;  // "fence_ipmilan"
  bool operator==(const DeviceInfo&) const = default;
};

std::string encode_call(const Call& call);
Result<Call> decode_call(std::string_view payload);

std::string encode_ok();
Status decode_ok(std::string_view payload);
std::string encode_fence_reply(const FenceReply& reply);
Result<FenceReply> decode_fence_reply(std::string_view payload);
std::string encode_device_ids(const std::vector<std::string>& ids);  // query
Result<std::vector<std::string>> decode_device_ids(std::string_view payload);
std::string encode_devices(const std::vector<DeviceInfo>& devices);
Result<std::vector<DeviceInfo>> decode_devices(std::string_view payload);
std::string encode_history(const std::vector<fencing::HistoryEntry>& entries);
Result<std::vector<fencing::HistoryEntry>> decode_history(std::string_view payload);
std::string encode_event(const fencing::HistoryEntry& entry);
Result<fencing::HistoryEntry> decode_event(std::string_view payload);

}  // namespace vigil::fencerd
