// SPDX-License-Identifier: GPL-2.0-or-later
#include "vigil/cibd/service.hpp"

#include <vector>

#include "vigil/cibd/wire.hpp"

namespace vigil::cibd {

CibService::CibService(CibNode& node, EventSink events) : node_(node), events_(std::move(events)) {
  subscription_ = node_.subscribe([this](const CibChange& change) {
    if (subscribers_.empty()) return;
    const std::string payload = encode_event(change);
    std::vector<ConnectionId> gone;
    for (ConnectionId c : subscribers_) {
      if (!events_ || !events_(c, payload)) gone.push_back(c);
    }
    for (ConnectionId c : gone) subscribers_.erase(c);
  });
}

CibService::~CibService() {
  node_.unsubscribe(subscription_);
}

void CibService::handle(ConnectionId connection, std::string_view payload, const std::string& user,
                        Reply reply) {
  auto decoded = decode_request(payload);
  if (!decoded) {
    reply(decoded.error());
    return;
  }
  if (decoded->subscribe) {
    subscribers_.insert(connection);
    reply(encode_reply(CibReply{node_.store().version(), {}}));
    return;
  }
  CibRequest request = std::move(decoded->request);
  if (request.user.empty() || user == "root") {
    // Only root may speak for another user; everyone else is who they are.
    if (request.user.empty()) request.user = user;
  } else {
    request.user = user;
  }
  node_.submit(std::move(request), [reply = std::move(reply)](Result<CibReply> r) {
    if (!r) {
      reply(r.error());
    } else {
      reply(encode_reply(*r));
    }
  });
}

void CibService::disconnected(ConnectionId connection) {
  subscribers_.erase(connection);
}

}  // namespace vigil::cibd
