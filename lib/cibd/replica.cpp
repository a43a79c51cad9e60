// SPDX-License-Identifier: GPL-2.0-or-later
// CibNode: the replication protocol (lib/cibd/README.md describes it).
//
// Every member's replica is a function of the agreed message stream, with
// one exception: the master applies a request when it is delivered (to
// validate it and number the result) and multicasts the diff, so its own
// document runs ahead of the stream by the diffs still in flight. Those
// diffs carry the master as sender and the master skips them on delivery.
#include "vigil/cibd/replica.hpp"

#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include "vigil/cibd/wire.hpp"
#include "vigil/common/number.hpp"
#include "vigil/common/xml.hpp"
#include "vigil/log/log.hpp"

namespace vigil::cibd {
namespace {

using cluster::GroupMember;

std::string member_text(const GroupMember& m) {
  return std::to_string(m.node) + ":" + std::to_string(m.pid);
}

void add_attr(std::string& out, const char* name, std::string_view value) {
  out += ' ';
  out += name;
  out += "=\"";
  xml::append_escaped(out, value);
  out += '"';
}

// A number in a peer's message: absent, junk or out of range is no number
// (the message is then ignored). Node ids and pids are 32-bit.
std::optional<std::uint64_t> read_u64(const xmlNode* n, const char* name,
                                      std::int64_t max = INT64_MAX) {
  const std::optional<std::string> v = xml::attr(n, name);
  if (!v) return std::nullopt;
  const auto parsed = parse_int_field(*v, name, 0, max);
  if (!parsed) return std::nullopt;
  return static_cast<std::uint64_t>(*parsed);
}

const char* code_name(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidInput:
      return "invalid-input";
    case ErrorCode::kNotFound:
      return "not-found";
    case ErrorCode::kUnsupported:
      return "unsupported";
    case ErrorCode::kIo:
      return "io";
    case ErrorCode::kInternal:
      return "internal";
    case ErrorCode::kFailed:
      return "failed";
    case ErrorCode::kPermissionDenied:
      return "permission-denied";
  }
  return "internal";
}

ErrorCode code_from(std::string_view name) {
  for (ErrorCode c :
       {ErrorCode::kInvalidInput, ErrorCode::kNotFound, ErrorCode::kUnsupported, ErrorCode::kIo,
        ErrorCode::kInternal, ErrorCode::kFailed, ErrorCode::kPermissionDenied}) {
    if (name == code_name(c)) return c;
  }
  return ErrorCode::kInternal;
}

// What became of one request: applied (with the version that includes it)
// or refused.
struct Outcome {
  bool ok = false;
  CibVersion version;
  ErrorCode code = ErrorCode::kInternal;
  std::string message;
};

using Records = std::map<GroupMember, std::map<std::uint64_t, Outcome>>;

std::string encode_records(const Records& records) {
  std::string out = "<records>";
  for (const auto& [member, byid] : records) {
    for (const auto& [id, o] : byid) {
      out += "<r";
      add_attr(out, "node", std::to_string(member.node));
      add_attr(out, "pid", std::to_string(member.pid));
      add_attr(out, "id", std::to_string(id));
      add_attr(out, "ok", o.ok ? "1" : "0");
      add_attr(out, "version", o.version.to_string());
      if (!o.ok) {
        add_attr(out, "code", code_name(o.code));
        add_attr(out, "msg", o.message);
      }
      out += "/>";
    }
  }
  return out + "</records>";
}

Records decode_records(const xmlNode* n) {
  Records out;
  if (n == nullptr) return out;
  for (const xmlNode* r : xml::children(n, "r")) {
    const auto node = read_u64(r, "node", UINT32_MAX);
    const auto pid = read_u64(r, "pid", UINT32_MAX);
    const auto id = read_u64(r, "id");
    auto v = CibVersion::parse(xml::attr_or(r, "version"));
    if (!node || !pid || !id || !v) continue;
    Outcome o;
    o.ok = xml::attr_or(r, "ok") == "1";
    o.version = *v;
    o.code = code_from(xml::attr_or(r, "code"));
    o.message = xml::attr_or(r, "msg");
    out[GroupMember{static_cast<cluster::NodeId>(*node), static_cast<std::uint32_t>(*pid)}][*id] =
        o;
  }
  return out;
}

}  // namespace

class CibNode::Impl {
 public:
  Impl(cluster::Messaging& messaging, Clock& clock, Store initial, CibNodeOptions options)
      : messaging_(messaging),
        clock_(clock),
        store_(std::move(initial)),
        options_(std::move(options)) {
    self_ = messaging_.self();
    if (options_.node_name.empty()) options_.node_name = "node " + std::to_string(self_.node);
  }

  Status start() {
    if (started_) return Error(ErrorCode::kInvalidInput, "the CIB replica is already started");
    cluster::MessagingHandlers h;
    h.on_message = [this](const GroupMember& sender, std::string_view payload) {
      on_message(sender, payload);
    };
    h.on_view = [this](const cluster::GroupView& view) { on_view(view); };
    messaging_.set_handlers(std::move(h));
    self_ = messaging_.self();
    syncing_ = true;  // until the first view's sync is over
    if (Status s = messaging_.join(options_.group); !s) {
      return s.error().with_context("joining CPG group " + options_.group);
    }
    started_ = true;
    return ok_status();
  }

  void stop() {
    if (!started_) return;
    commit_.flush();  // held updates are settled (and multicast) before we leave
    started_ = false;
    (void)messaging_.leave();
    messaging_.set_handlers({});
    sync_timer_.reset();
    retry_timer_.reset();
    fail_all_pending(Error(ErrorCode::kIo, "the CIB service is stopping"));
    auto held = std::move(held_queries_);
    held_queries_.clear();
    for (auto& [request, done] : held) {
      if (done) done(Error(ErrorCode::kIo, "the CIB service is stopping"));
    }
  }

  Result<CibReply> query(std::string_view scope) const {
    auto text = store_.query(scope);
    if (!text) return text.error();
    return CibReply{store_.version(), std::move(text).value()};
  }

  acl::Access access_for(const std::string& user) const {
    return acl::access_for(store_.doc(), user, options_.user_groups);
  }

  // A client's query: a user the ACLs restrict queries the part of the CIB
  // they may read (nothing readable at all: Permission denied).
  Result<CibReply> query_as(const CibRequest& request) const {
    const acl::Access access = access_for(request.user);
    if (!access.enforced || acl::reads_everything(store_.doc(), access.rules)) {
      return query(request.scope);
    }
    auto filtered = acl::filtered_copy(store_.doc(), access.rules);
    if (!filtered) return acl::permission_denied();
    auto text = query_document(filtered->get(), request.scope);
    if (!text) return text.error();
    return CibReply{store_.version(), std::move(text).value()};
  }

  void submit(CibRequest request, ReplyHandler done) {
    if (request.op == CibOp::kQuery) {
      // Before the first sync our copy may be an empty or stale one that
      // the group is about to replace: hold queries until then.
      if (started_ && !synced_once_ && options_.hold_queries_until_synced) {
        held_queries_.emplace_back(std::move(request), std::move(done));
        return;
      }
      done(query_as(request));
      return;
    }
    if (!started_) {
      done(Error(ErrorCode::kIo, "the CIB replica is not running"));
      return;
    }
    if (const auto& failed = commit_.failure()) {
      done(Error(ErrorCode::kIo, "the CIB cannot be written to disk on " + options_.node_name +
                                     " (" + failed->message() +
                                     "): updates are refused until a write succeeds"));
      return;
    }
    // The payload travels inside our own XML: it must be one well-formed
    // element, re-serialised canonically.
    if (!request.payload.empty()) {
      auto doc = xml::parse_string(request.payload, "request payload");
      if (!doc) {
        done(doc.error());
        return;
      }
      request.payload = xml::to_string(doc->get(), false);
    }
    if (request.client.empty()) request.client = "unknown";
    // Leave room for the envelope and the diff that will carry it.
    constexpr std::size_t kEnvelope = 4096;
    const std::size_t limit = messaging_.max_message_size();
    if (request.payload.size() + kEnvelope > limit) {
      done(Error(ErrorCode::kInvalidInput, "update of " + std::to_string(request.payload.size()) +
                                               " bytes exceeds the cluster's message limit of " +
                                               std::to_string(limit)));
      return;
    }
    const std::uint64_t id = next_request_id_++;
    pending_.emplace(id, Pending{std::move(request), std::move(done)});
    if (!syncing_) send_request(id);
  }

  std::uint64_t subscribe(ChangeHandler handler) {
    const std::uint64_t id = next_subscription_++;
    subscribers_.emplace(id, std::move(handler));
    return id;
  }
  void unsubscribe(std::uint64_t id) { subscribers_.erase(id); }

  cluster::Messaging& messaging_;
  Clock& clock_;
  Store store_;
  CibNodeOptions options_;
  CommitQueue commit_{clock_, store_};
  GroupMember self_;
  PersistHook persist_;
  std::function<void(const Error&)> fatal_;
  bool started_ = false;

  std::vector<GroupMember> members_;
  bool syncing_ = false;
  std::string sync_tag_;
  std::map<GroupMember, std::pair<CibVersion, std::string>> announces_;
  bool needs_resync_ = false;
  std::uint64_t adoptions_ = 0;
  std::unique_ptr<Timer> sync_timer_;
  // Asking again for a sync or resync that did not complete, whatever
  // stopped it (see arm_retry): the one retry rule of this replica.
  std::unique_ptr<Timer> retry_timer_;
  Duration retry_wait_{0};
  int sync_attempts_ = 0;
  std::size_t incoming_seen_ = 0;
  bool decided_ = false;
  std::uint64_t sync_requests_ = 0;
  std::uint64_t refused_copies_ = 0;
  bool synced_once_ = false;
  std::vector<std::pair<CibRequest, ReplyHandler>> held_queries_;

  struct Pending {
    CibRequest request;
    ReplyHandler done;
  };
  std::map<std::uint64_t, Pending> pending_;
  std::uint64_t next_request_id_ = 1;
  Records records_;

  std::map<std::uint64_t, ChangeHandler> subscribers_;
  std::uint64_t next_subscription_ = 1;

  bool is_master() const { return !members_.empty() && members_.front() == self_; }

  // --- sending -------------------------------------------------------------

  void send(const std::string& payload) {
    if (Status s = messaging_.send(payload); !s) {
      log::error("cib: cannot multicast " + std::to_string(payload.size()) + " bytes to group " +
                 options_.group + ": " + s.error().message());
      // Only a lost group is fatal; a message the group refuses is not.
      if (s.error().code() == ErrorCode::kIo && fatal_) fatal_(s.error());
    }
  }

  void send_request(std::uint64_t id) {
    const Pending& p = pending_.at(id);
    std::string out = "<cibd";
    add_attr(out, "t", "req");
    add_attr(out, "id", std::to_string(id));
    add_attr(out, "low", std::to_string(pending_.begin()->first));
    add_attr(out, "origin-name", options_.node_name);
    out += '>';
    out += encode_request(p.request);
    out += "</cibd>";
    send(out);
  }

  void resend_all_pending() {
    for (const auto& [id, p] : pending_) send_request(id);
  }

  void send_outcome(const GroupMember& origin, std::uint64_t id, const Outcome& o) {
    std::string out = "<cibd";
    add_attr(out, "t", o.ok ? "ack" : "nack");
    add_attr(out, "on", std::to_string(origin.node));
    add_attr(out, "op", std::to_string(origin.pid));
    add_attr(out, "id", std::to_string(id));
    add_attr(out, "version", o.version.to_string());
    if (!o.ok) {
      add_attr(out, "code", code_name(o.code));
      add_attr(out, "msg", o.message);
    }
    send(out + "/>");
  }

  void send_full(const std::string& tag) {
    std::string out = "<cibd";
    add_attr(out, "t", "full");
    add_attr(out, "tag", tag);
    add_attr(out, "version", store_.version().to_string());
    add_attr(out, "digest", store_.digest());
    out += '>';
    out += store_.to_xml(false);
    out += encode_records(records_);
    send(out + "</cibd>");
  }

  // --- answering local clients ----------------------------------------------

  void answer(std::uint64_t id, Result<CibReply> result) {
    auto it = pending_.find(id);
    if (it == pending_.end()) return;
    ReplyHandler done = std::move(it->second.done);
    pending_.erase(it);
    if (done) done(std::move(result));
  }

  void answer_from(std::uint64_t id, const Outcome& o) {
    if (o.ok) {
      answer(id, CibReply{o.version, {}});
    } else {
      answer(id, Error(o.code, o.message));
    }
  }

  void fail_all_pending(const Error& e) {
    auto pending = std::move(pending_);
    pending_.clear();
    for (auto& [id, p] : pending) {
      if (p.done) p.done(e);
    }
  }

  void record(const GroupMember& origin, std::uint64_t id, Outcome o) {
    auto& byid = records_[origin];
    byid[id] = std::move(o);
    while (byid.size() > options_.max_remembered_requests) byid.erase(byid.begin());
  }

  const Outcome* find_record(const GroupMember& origin, std::uint64_t id) const {
    auto it = records_.find(origin);
    if (it == records_.end()) return nullptr;
    auto jt = it->second.find(id);
    return jt == it->second.end() ? nullptr : &jt->second;
  }

  // --- changes -----------------------------------------------------------------

  void changed(const CibChange& change) {
    if (persist_) persist_(store_, change);
    // Handlers may unsubscribe themselves: iterate over a copy of the ids.
    std::vector<std::uint64_t> ids;
    for (const auto& [id, h] : subscribers_) ids.push_back(id);
    for (std::uint64_t id : ids) {
      auto it = subscribers_.find(id);
      if (it != subscribers_.end() && it->second) it->second(change);
    }
  }

  // --- the stream ----------------------------------------------------------------

  void on_view(const cluster::GroupView& view) {
    if (!started_) return;
    commit_.flush();  // what the master applied is settled before the view counts
    const bool had_master = !members_.empty();
    const GroupMember old_master = had_master ? members_.front() : GroupMember{};
    members_ = view.members;
    std::sort(members_.begin(), members_.end());
    if (std::find(members_.begin(), members_.end(), self_) == members_.end()) {
      return;  // our own leave
    }
    // Departed origins' records are kept: a member on the other side of a
    // partition comes back with the same identity and re-sends what it got
    // no answer for, which may have been applied here. Only beyond a bound
    // are departed origins forgotten (a crashed process never returns).
    if (records_.size() > options_.max_remembered_origins) {
      for (auto it = records_.begin();
           it != records_.end() && records_.size() > options_.max_remembered_origins;) {
        if (!std::binary_search(members_.begin(), members_.end(), it->first)) {
          it = records_.erase(it);
        } else {
          ++it;
        }
      }
    }
    if (!view.joined.empty() || syncing_) {
      start_sync("");
      return;
    }
    if (!had_master || old_master != members_.front()) {
      log::info("cib: master is now " + member_text(members_.front()) +
                (is_master() ? " (this node)" : ""));
      if (needs_resync_) ask_for_copy();
      resend_all_pending();
    }
  }

  // `round` tells apart the rounds of one view (a "sync" message's sender
  // and number): every member derives the same tag at the same point of the
  // stream, and a stale round's messages do not count in the next.
  void start_sync(const std::string& round) {
    syncing_ = true;
    needs_resync_ = false;
    announces_.clear();
    decided_ = false;
    sync_tag_.clear();
    for (const GroupMember& m : members_) sync_tag_ += member_text(m) + ",";
    sync_tag_ += round;
    arm_retry();
    // A member that never announces (hung, or not a vigil-cib) must not hold
    // the group forever: after sync_timeout the master closes the round with
    // the announcements in, through the stream so that all decide alike.
    const std::string tag = sync_tag_;
    sync_timer_ = clock_.start_timer(options_.sync_timeout, [this, tag] {
      if (started_ && syncing_ && sync_tag_ == tag && is_master() && !decided_) {
        log::warning("cib: sync: not every member announced within the timeout; deciding");
        std::string m = "<cibd";
        add_attr(m, "t", "decide");
        add_attr(m, "tag", tag);
        send(m + "/>");
      }
    });
    std::string out = "<cibd";
    add_attr(out, "t", "announce");
    add_attr(out, "tag", sync_tag_);
    add_attr(out, "version", store_.version().to_string());
    add_attr(out, "digest", store_.digest());
    send(out + "/>");
  }

  void on_message(const GroupMember& sender, std::string_view payload) {
    if (!started_) return;
    // Our own whole CIB coming back: only its start tag matters (the round's
    // tag), and parsing tens of megabytes again would double the peak memory.
    constexpr std::string_view kFullStart = "<cibd t=\"full\"";
    if (sender == self_ && payload.substr(0, kFullStart.size()) == kFullStart) {
      const std::size_t gt = payload.find('>');  // '>' is escaped in attribute values
      if (gt != std::string_view::npos) {
        std::string head(payload.substr(0, gt));
        if (head.back() == '/') head.pop_back();
        auto header = xml::parse_string(head + "/>", "CIB message header");
        if (header) {
          on_full(sender, xmlDocGetRootElement(header->get()));
          return;
        }
      }
    }
    auto doc = xml::parse_string(payload, "CIB message");
    if (!doc) {
      log::warning("cib: ignoring a malformed message from " + member_text(sender) + ": " +
                   doc.error().message());
      return;
    }
    const xmlNode* msg = xmlDocGetRootElement(doc->get());
    if (!xml::is(msg, "cibd")) {
      log::warning("cib: ignoring an unknown message <" + std::string(xml::name(msg)) + "> from " +
                   member_text(sender));
      return;
    }
    const std::string type = xml::attr_or(msg, "t");
    // A sync or a resync reads the whole replica: held updates settle first.
    if (type == "announce" || type == "decide" || type == "full" || type == "sync" ||
        type == "resync") {
      commit_.flush();
    }
    if (type == "req") {
      on_request(sender, msg);
    } else if (type == "diff") {
      on_diff(sender, msg);
    } else if (type == "ack" || type == "nack") {
      on_outcome(msg, type == "ack");
    } else if (type == "announce") {
      on_announce(sender, msg);
    } else if (type == "decide") {
      if (syncing_ && xml::attr_or(msg, "tag") == sync_tag_ && !announces_.empty()) decide();
    } else if (type == "full") {
      on_full(sender, msg);
    } else if (type == "sync") {
      // A retry names the round it gives up on: once one member restarted
      // it, the same request from the others is moot.
      const auto retry = xml::attr(msg, "retry");
      if (retry && *retry != sync_tag_) return;
      log::info("cib: " + member_text(sender) + " asked the group for a sync");
      start_sync("/" + member_text(sender) + "#" + xml::attr_or(msg, "n"));
    } else if (type == "resync") {
      if (is_master() && !syncing_) {
        log::info("cib: " + member_text(sender) + " asked for a resync");
        send_full("resync");
      }
    } else {
      log::warning("cib: ignoring a message of unknown type '" + type + "' from " +
                   member_text(sender));
    }
  }

  void on_request(const GroupMember& origin, const xmlNode* msg) {
    const auto id = read_u64(msg, "id");
    if (!id) return;
    if (const auto low = read_u64(msg, "low")) {
      auto it = records_.find(origin);
      if (it != records_.end()) it->second.erase(it->second.begin(), it->second.lower_bound(*low));
    }
    if (!is_master() || syncing_) return;  // the origin re-sends after a sync / master change
    if (const Outcome* done = find_record(origin, *id)) {
      send_outcome(origin, *id, *done);
      return;
    }
    const xmlNode* req_node = xml::first_child(msg, "cib-request");
    Result<CibRequest> req =
        req_node != nullptr
            ? request_from_node(req_node)
            : Result<CibRequest>(Error(ErrorCode::kInvalidInput, "request without <cib-request>"));
    if (!req) {
      refuse(origin, *id, req.error());
      return;
    }
    if (req->op == CibOp::kQuery) {
      refuse(origin, *id, Error(ErrorCode::kInvalidInput, "queries are answered locally"));
      return;
    }
    UpdateMeta meta;
    meta.origin = xml::attr_or(msg, "origin-name");
    if (meta.origin.empty()) meta.origin = "node " + std::to_string(origin.node);
    meta.client = req->client;
    meta.user = req->user;
    meta.wall_seconds = clock_.wall_seconds();
    const CibVersion before = store_.version();
    // The CIB's ACLs are checked here, by the master, for the user the
    // origin vouched for (its client's SO_PEERCRED). Members re-applying the
    // master's diff below do not check again: as in Pacemaker, the node that
    // performs an update checks it, and the others follow its outcome.
    const acl::Access access = access_for(req->user);
    StoreUndo undo;
    auto outcome = store_.apply(*req, meta, true, undo, &access);
    if (!outcome) {
      log::info("cib: refused " + std::string(to_string(req->op)) + " from " + meta.origin + "/" +
                meta.client + ": " + outcome.error().message());
      refuse(origin, *id, outcome.error());
      return;
    }
    Outcome o;
    o.ok = true;
    o.version = outcome->current;
    const std::string diff = diff_text(origin, *id, *req, meta, before, *outcome);
    std::optional<CibChange> change;
    if (outcome->changed) change = change_of(*req, meta, before, *outcome, diff);
    std::string out = "<cibd";
    add_attr(out, "t", "diff");
    add_attr(out, "on", std::to_string(origin.node));
    add_attr(out, "op", std::to_string(origin.pid));
    add_attr(out, "id", std::to_string(*id));
    out += '>';
    out += diff;
    out += "</cibd>";
    // On our disk before anyone hears of it: recorded, announced and
    // multicast once written; undone and refused when the write fails.
    commit_.hold(
        std::move(undo), outcome->config_changed,
        [this, origin, id = *id, o, change = std::move(change), out = std::move(out)] {
          record(origin, id, o);
          if (change) changed(*change);
          send(out);
        },
        [this, origin, id = *id](const Error& e) {
          refuse(origin, id,
                 Error(ErrorCode::kIo,
                       "the update is not applied: the CIB could not be written "
                       "to disk on " +
                           options_.node_name + ": " + e.message()));
        });
  }

  void refuse(const GroupMember& origin, std::uint64_t id, const Error& e) {
    Outcome o;
    o.ok = false;
    o.version = store_.version();
    o.code = e.code();
    o.message = e.message();
    record(origin, id, o);
    send_outcome(origin, id, o);
  }

  std::string diff_text(const GroupMember& origin, std::uint64_t id, const CibRequest& req,
                        const UpdateMeta& meta, const CibVersion& before,
                        const UpdateOutcome& outcome) const {
    std::string out = "<cib-diff";
    add_attr(out, "from", before.to_string());
    add_attr(out, "to", outcome.current.to_string());
    add_attr(out, "digest", store_.digest());
    add_attr(out, "changed", outcome.changed ? "1" : "0");
    add_attr(out, "config-changed", outcome.config_changed ? "1" : "0");
    add_attr(out, "written", std::to_string(meta.wall_seconds));
    add_attr(out, "origin", meta.origin);
    add_attr(out, "origin-member", member_text(origin));
    add_attr(out, "request-id", std::to_string(id));
    out += '>';
    out += encode_request(req);
    return out + "</cib-diff>";
  }

  static CibChange change_of(const CibRequest& req, const UpdateMeta& meta,
                             const CibVersion& before, const UpdateOutcome& outcome,
                             std::string diff) {
    CibChange c;
    c.previous = before;
    c.current = outcome.current;
    c.config_changed = outcome.config_changed;
    c.op = req.op;
    c.diff = std::move(diff);
    c.origin = meta.origin;
    c.client = req.client;
    return c;
  }

  void on_diff(const GroupMember& sender, const xmlNode* msg) {
    const auto on = read_u64(msg, "on", UINT32_MAX);
    const auto op = read_u64(msg, "op", UINT32_MAX);
    const auto id = read_u64(msg, "id");
    const xmlNode* diff = xml::first_child(msg, "cib-diff");
    if (!on || !op || !id || diff == nullptr) return;
    const GroupMember origin{static_cast<cluster::NodeId>(*on), static_cast<std::uint32_t>(*op)};
    auto from = CibVersion::parse(xml::attr_or(diff, "from"));
    auto to = CibVersion::parse(xml::attr_or(diff, "to"));
    if (!from || !to) return;
    if (syncing_) return;  // discarded everywhere alike; the origin re-sends after the sync
    Outcome o;
    o.ok = true;
    o.version = *to;
    if (sender != self_) {
      if (needs_resync_) return;
      if (find_record(origin, *id) != nullptr) return;  // a duplicate
      if (store_.version() != *from) {
        log::warning("cib: diff " + from->to_string() + " -> " + to->to_string() +
                     " does not follow our version " + store_.version().to_string() +
                     "; asking for a resync");
        send_resync();
        return;
      }
      const xmlNode* req_node = xml::first_child(diff, "cib-request");
      Result<CibRequest> req = req_node != nullptr
                                   ? request_from_node(req_node)
                                   : Result<CibRequest>(Error(ErrorCode::kInvalidInput, "empty"));
      if (!req) {
        send_resync();
        return;
      }
      UpdateMeta meta;
      meta.origin = xml::attr_or(diff, "origin");
      meta.client = req->client;
      meta.user = req->user;
      meta.wall_seconds =
          static_cast<std::int64_t>(read_u64(diff, "written").value_or(clock_.wall_seconds()));
      const CibVersion before = store_.version();
      auto outcome = store_.apply(*req, meta, false);
      if (!outcome) {
        log::warning("cib: cannot re-apply the master's change " + to->to_string() + ": " +
                     outcome.error().message() + "; asking for a resync");
        send_resync();
        return;
      }
      if (store_.version() != *to) store_.set_version(*to);
      if (store_.digest() != xml::attr_or(diff, "digest")) {
        log::warning("cib: digest mismatch after " + to->to_string() + " (ours " + store_.digest() +
                     ", master's " + xml::attr_or(diff, "digest") + "); asking for a resync");
        send_resync();
        return;
      }
      record(origin, *id, o);
      UpdateOutcome uo = *outcome;
      uo.current = *to;
      if (uo.changed) {
        changed(change_of(*req, meta, before, uo, xml::to_string(diff, false)));
        commit_.behind(uo.config_changed);
      }
    }
    if (origin == self_) answer(*id, CibReply{*to, {}});
  }

  void on_outcome(const xmlNode* msg, bool ok) {
    const auto on = read_u64(msg, "on", UINT32_MAX);
    const auto op = read_u64(msg, "op", UINT32_MAX);
    const auto id = read_u64(msg, "id");
    auto version = CibVersion::parse(xml::attr_or(msg, "version"));
    if (!on || !op || !id || !version) return;
    const GroupMember origin{static_cast<cluster::NodeId>(*on), static_cast<std::uint32_t>(*op)};
    Outcome o;
    o.ok = ok;
    o.version = *version;
    o.code = code_from(xml::attr_or(msg, "code"));
    o.message = xml::attr_or(msg, "msg");
    if (!ok) record(origin, *id, o);
    if (origin == self_) answer_from(*id, o);
  }

  void send_resync() {
    if (needs_resync_) return;
    needs_resync_ = true;
    ask_for_copy();
    arm_retry();
  }

  // The retry rule. A sync or resync can fail to complete without any view
  // change to start it again: the whole CIB was dropped (a view change cut
  // its chunks), its sender could not send it, or this replica refused it
  // (refuse_copy: forged, corrupt, invalid). The group would hold its
  // updates (or this replica drop every diff) forever; instead, whatever the
  // cause, the replica asks again after sync_retry, the wait doubling up to
  // sync_retry_max; a large copy still arriving is progress and is waited
  // for; after max_sync_attempts it gives up (fatal: vigil-cib exits, its
  // supervisor restarts it and it joins afresh). One timer, armed when a
  // round starts or a resync is asked for, cleared when either completes.
  void arm_retry() {
    if (retry_wait_ <= Duration{0}) retry_wait_ = options_.sync_retry;
    const std::string tag = sync_tag_;
    retry_timer_ = clock_.start_timer(retry_wait_, [this, tag] { on_retry(tag); });
  }

  void on_retry(const std::string& tag) {
    if (!started_) return;
    const bool stuck_sync = syncing_ && sync_tag_ == tag;
    const bool stuck_resync = !syncing_ && needs_resync_;
    if (!stuck_sync && !stuck_resync) return;
    // A large copy still arriving in chunks is progress, not a failure:
    // wait again (bounded: the bytes can only grow up to the message limit).
    const std::size_t incoming = messaging_.incoming_bytes();
    if (incoming > 0 && incoming != incoming_seen_) {
      incoming_seen_ = incoming;
      log::info("cib: still receiving a large message (" + std::to_string(incoming) +
                " bytes so far); waiting for the copy");
      arm_retry();
      return;
    }
    const Duration waited = retry_wait_;
    if (++sync_attempts_ >= options_.max_sync_attempts) {
      const Error e(ErrorCode::kFailed,
                    std::string(stuck_sync ? "sync" : "resync") + " did not complete after " +
                        std::to_string(sync_attempts_) + " attempts; restarting this replica");
      log::error("cib: " + e.message());
      if (fatal_) fatal_(e);
      return;
    }
    retry_wait_ = std::min(retry_wait_ * 2, options_.sync_retry_max);
    log::warning("cib: " + std::string(stuck_sync ? "sync" : "resync") + " not complete after " +
                 std::to_string(waited.count()) + " ms; asking again (attempt " +
                 std::to_string(sync_attempts_ + 1) + " of " +
                 std::to_string(options_.max_sync_attempts) + ")");
    if (stuck_sync) {
      std::string out = "<cibd";
      add_attr(out, "t", "sync");
      add_attr(out, "retry", tag);
      add_attr(out, "n", std::to_string(++sync_requests_));
      send(out + "/>");
    } else {
      ask_for_copy();
    }
    arm_retry();  // in case this request is lost too
  }

  void sync_done() {
    retry_timer_.reset();
    retry_wait_ = Duration{0};
    sync_attempts_ = 0;
    incoming_seen_ = 0;
  }

  // The master serves copies; a master that itself lost track asks the
  // whole group for a sync instead (the newest copy, or the master's on a
  // tie, wins as at a join).
  void ask_for_copy() {
    std::string out = "<cibd";
    add_attr(out, "t", is_master() ? "sync" : "resync");
    if (is_master()) add_attr(out, "n", std::to_string(++sync_requests_));
    send(out + "/>");
  }

  void on_announce(const GroupMember& sender, const xmlNode* msg) {
    if (!syncing_ || xml::attr_or(msg, "tag") != sync_tag_) return;
    auto v = CibVersion::parse(xml::attr_or(msg, "version"));
    if (!v) return;
    announces_[sender] = {*v, xml::attr_or(msg, "digest")};
    for (const GroupMember& m : members_) {
      if (announces_.count(m) == 0) return;
    }
    decide();
  }

  // Every member decides the same from the same announcements (all of them,
  // or those in when the master's "decide" came).
  void decide() {
    // Once per round: the master's timeout may close a round whose
    // announcements all came in, and the whole CIB must go out only once.
    if (decided_) return;
    decided_ = true;
    const auto& first = announces_.begin()->second;
    bool all_same = true;
    GroupMember winner = announces_.begin()->first;  // the lowest: the master when it announced
    CibVersion best = first.first;
    for (const auto& [m, a] : announces_) {
      all_same = all_same && a == first;
      if (a.first > best) {
        best = a.first;
        winner = m;
      }
    }
    if (all_same) {
      finish_sync();
      return;
    }
    if (winner == self_) {
      log::info("cib: sync: this node has the newest CIB (" + best.to_string() + "), sending it");
      send_full(sync_tag_);
    }
  }

  void on_full(const GroupMember& sender, const xmlNode* msg) {
    const std::string tag = xml::attr_or(msg, "tag");
    const bool for_sync = syncing_ && tag == sync_tag_;
    const bool for_resync = !syncing_ && needs_resync_ && tag == "resync";
    if (!for_sync && !for_resync) return;
    if (sender != self_) {
      auto store = checked_copy(msg);
      if (!store) {
        refuse_copy(sender, store.error());
        return;
      }
      const CibVersion before = store_.version();
      const std::string before_digest = store_.digest();
      store_ = std::move(store).value();
      records_ = decode_records(xml::first_child(msg, "records"));
      ++adoptions_;
      log::info("cib: adopted the CIB " + store_.version().to_string() + " of " +
                member_text(sender) + " (ours was " + before.to_string() + ")");
      if (store_.digest() != before_digest) {
        CibChange c;
        c.previous = before;
        c.current = store_.version();
        c.config_changed = true;
        c.op = CibOp::kReplace;
        c.origin = "node " + std::to_string(sender.node);
        c.client = "vigil-cib sync";
        c.diff = "<cib-diff from=\"" + before.to_string() + "\" to=\"" +
                 store_.version().to_string() + "\" full=\"true\"/>";
        changed(c);
        commit_.behind(true);
      }
    }
    needs_resync_ = false;
    if (for_sync) {
      finish_sync();
    } else {
      sync_done();
      settle_pending();
    }
  }

  // A full copy from a peer is adopted only when it is one <cib> that
  // validates against the schema, carries the version the message names,
  // and whose digest, computed here, is the one its sender computed (as
  // pacemaker-based checks a replace's digest): anything else is a forged,
  // truncated or incompatible copy.
  Result<Store> checked_copy(const xmlNode* msg) const {
    const std::vector<xmlNode*> cibs = xml::children(msg, "cib");
    if (cibs.size() != 1) {
      return Error(ErrorCode::kInvalidInput,
                   "it carries " + std::to_string(cibs.size()) + " <cib> elements");
    }
    const std::optional<std::string> digest = xml::attr(msg, "digest");
    auto version = CibVersion::parse(xml::attr_or(msg, "version"));
    if (!digest || digest->empty()) return Error(ErrorCode::kInvalidInput, "it has no digest");
    if (!version) return version.error().with_context("its version");
    // The <cib> moves from the message's document (freed after this call)
    // to its own, rather than being copied: a copy of a large CIB costs as
    // much memory again. Both documents share the parser's dictionary, so
    // the names the nodes point into stay valid and are freed once.
    xml::DocPtr doc(xmlNewDoc(reinterpret_cast<const xmlChar*>("1.0")));
    if (msg->doc != nullptr && msg->doc->dict != nullptr) {
      doc->dict = msg->doc->dict;
      xmlDictReference(doc->dict);
    }
    xmlNode* moved = cibs.front();
    xmlUnlinkNode(moved);
    xmlDocSetRootElement(doc.get(), moved);
    auto store = Store::from_doc(std::move(doc), true);
    if (!store) return store.error().with_context("it does not validate");
    if (store->version() != *version) {
      return Error(ErrorCode::kInvalidInput, "its CIB is version " + store->version().to_string() +
                                                 ", the message says " + version->to_string());
    }
    if (store->digest() != *digest) {
      return Error(ErrorCode::kInvalidInput,
                   "digest mismatch (computed " + store->digest() + ", sent " + *digest + ")");
    }
    return store;
  }

  // A refused copy changes nothing here, and starts nothing: the genuine
  // copy may still follow (a forged one can come first), and when none does
  // the round or resync stays incomplete and the retry rule asks again.
  void refuse_copy(const GroupMember& sender, const Error& why) {
    log::error("cib: refusing the full CIB from " + member_text(sender) + ": " + why.message() +
               "; keeping ours (" + store_.version().to_string() + ")");
    ++refused_copies_;
  }

  void finish_sync() {
    syncing_ = false;
    sync_timer_.reset();
    sync_done();
    announces_.clear();
    synced_once_ = true;
    auto held = std::move(held_queries_);
    held_queries_.clear();
    for (auto& [request, done] : held) {
      if (done) done(query_as(request));
    }
    settle_pending();
  }

  // After adopting a CIB: answer what it already records, re-send the rest.
  void settle_pending() {
    std::vector<std::uint64_t> ids;
    for (const auto& [id, p] : pending_) ids.push_back(id);
    for (std::uint64_t id : ids) {
      if (const Outcome* o = find_record(self_, id)) {
        const Outcome copy = *o;
        answer_from(id, copy);
      }
    }
    resend_all_pending();
  }
};

CibNode::CibNode(cluster::Messaging& messaging, Clock& clock, Store initial, CibNodeOptions options)
    : impl_(std::make_unique<Impl>(messaging, clock, std::move(initial), std::move(options))) {}
CibNode::~CibNode() {
  if (impl_->started_) impl_->messaging_.set_handlers({});
}
Status CibNode::start() {
  return impl_->start();
}
void CibNode::stop() {
  impl_->stop();
}
Result<CibReply> CibNode::query(std::string_view scope) const {
  return impl_->query(scope);
}
acl::Access CibNode::access_for(const std::string& user) const {
  return impl_->access_for(user);
}
void CibNode::submit(CibRequest request, ReplyHandler done) {
  impl_->submit(std::move(request), std::move(done));
}
std::uint64_t CibNode::subscribe(ChangeHandler handler) {
  return impl_->subscribe(std::move(handler));
}
void CibNode::unsubscribe(std::uint64_t id) {
  impl_->unsubscribe(id);
}
void CibNode::set_persist_hook(PersistHook hook) {
  impl_->persist_ = std::move(hook);
}
void CibNode::set_writer(CibWriter writer, CommitOptions options) {
  impl_->commit_.set_writer(std::move(writer), options);
}
const std::optional<Error>& CibNode::disk_failure() const {
  return impl_->commit_.failure();
}
void CibNode::set_fatal_handler(std::function<void(const Error&)> handler) {
  impl_->fatal_ = std::move(handler);
}
const Store& CibNode::store() const {
  return impl_->store_;
}
bool CibNode::is_master() const {
  return impl_->is_master();
}
bool CibNode::syncing() const {
  return impl_->syncing_;
}
bool CibNode::started() const {
  return impl_->started_;
}
cluster::GroupMember CibNode::self() const {
  return impl_->self_;
}
std::size_t CibNode::pending_requests() const {
  return impl_->pending_.size();
}
std::uint64_t CibNode::adoptions() const {
  return impl_->adoptions_;
}
std::uint64_t CibNode::refused_copies() const {
  return impl_->refused_copies_;
}
Store& CibNode::mutable_store_for_test() {
  return impl_->store_;
}

}  // namespace vigil::cibd
