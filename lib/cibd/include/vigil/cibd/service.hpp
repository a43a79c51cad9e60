// SPDX-License-Identifier: GPL-2.0-or-later
// CibService: what vigil-cib does with a client's frame, without the socket:
// decodes the <cib-request>, runs it on the CibNode, encodes the answer, and
// pushes <cib-event>s to the connections that subscribed. The daemon wires
// it to a vigil::ipc::Server; tests call it directly.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "vigil/cibd/replica.hpp"
#include "vigil/common/result.hpp"

namespace vigil::cibd {

using ConnectionId = std::uint64_t;

class CibService {
 public:
  // Pushes one event payload to one connection; false when it is gone.
  using EventSink = std::function<bool(ConnectionId, const std::string&)>;
  using Reply = std::function<void(Result<std::string>)>;

  CibService(CibNode& node, EventSink events);
  ~CibService();
  CibService(const CibService&) = delete;
  CibService& operator=(const CibService&) = delete;

  // One request frame. `user` is the peer's user name (update-user). The
  // reply runs once: at once for queries and refusals, after replication
  // for updates. A bad frame is answered with kInvalidInput, never thrown.
  void handle(ConnectionId connection, std::string_view payload, const std::string& user,
              Reply reply);
  // The connection went away: no more events for it.
  void disconnected(ConnectionId connection);
  std::size_t subscribers() const { return subscribers_.size(); }

 private:
  struct Subscriber {
    std::string user;
    // For a user the ACLs restrict: the digest of what they could read at
    // the last event (or subscription), nullopt when nothing.
    std::optional<std::string> readable;
  };
  // The event `who` gets for `change`: everything for users the ACLs do not
  // restrict; for the others the versions alone (they query again and get
  // what they may read), and nothing when what they may read is unchanged.
  std::optional<std::string> event_for(Subscriber& who, const CibChange& change,
                                       const std::string& full);
  std::optional<std::string> readable_digest(const std::string& user) const;

  CibNode& node_;
  EventSink events_;
  std::map<ConnectionId, Subscriber> subscribers_;
  std::uint64_t subscription_ = 0;
};

}  // namespace vigil::cibd
