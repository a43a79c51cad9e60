// SPDX-License-Identifier: GPL-2.0-or-later
#include "vigil/cibd/service.hpp"

#include <vector>

#include "vigil/cibd/acl.hpp"
#include "vigil/cibd/store.hpp"
#include "vigil/cibd/wire.hpp"

namespace vigil::cibd {

CibService::CibService(CibNode& node, EventSink events) : node_(node), events_(std::move(events)) {
  subscription_ = node_.subscribe([this](const CibChange& change) {
    if (subscribers_.empty()) return;
    const std::string payload = encode_event(change);
    std::vector<ConnectionId> gone;
    for (auto& [c, who] : subscribers_) {
      const auto event = event_for(who, change, payload);
      if (event && (!events_ || !events_(c, *event))) gone.push_back(c);
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
    subscribers_[connection] = Subscriber{user, readable_digest(user)};
    reply(encode_reply(CibReply{node_.store().version(), {}}));
    return;
  }
  CibRequest request = std::move(decoded->request);
  if (request.user.empty() || acl::required(user)) {
    // Only root and hacluster may speak for another user (as Pacemaker's
    // CIB_user); everyone else is who they are.
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

std::optional<std::string> CibService::readable_digest(const std::string& user) const {
  const acl::Access access = node_.access_for(user);
  if (!access.enforced) return std::nullopt;
  // All readable: the store's own digest, kept up to date without a walk.
  if (acl::reads_everything(node_.store().doc(), access.rules)) return node_.store().digest();
  auto filtered = acl::filtered_copy(node_.store().doc(), access.rules);
  if (!filtered) return std::nullopt;
  return cib_digest(filtered->get());
}

std::optional<std::string> CibService::event_for(Subscriber& who, const CibChange& change,
                                                 const std::string& full) {
  if (!node_.access_for(who.user).enforced) {
    who.readable.reset();
    return full;
  }
  auto now = readable_digest(who.user);
  if (now == who.readable) return std::nullopt;
  who.readable = std::move(now);
  CibChange versions_only = change;
  versions_only.diff.clear();
  versions_only.origin.clear();
  versions_only.client.clear();
  return encode_event(versions_only);
}

void CibService::disconnected(ConnectionId connection) {
  subscribers_.erase(connection);
}

}  // namespace vigil::cibd
