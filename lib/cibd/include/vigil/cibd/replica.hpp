// SPDX-License-Identifier: GPL-2.0-or-later
// CibNode: one node's replica of the CIB, kept identical on every member of
// the CPG group "vigil-cib" (see lib/cibd/README.md for the protocol).
//
// In short: the master is the lowest (node id, pid) member of the current
// view. Updates submitted on any node are multicast as requests; the master
// applies them in agreed order (validation, versioning), writes the result
// to its disk (commit.hpp: a failed write refuses it) and multicasts it as
// a diff; every member applies diffs in delivery order and checks
// its digest against the master's. An update is answered on its origin when
// the origin has applied the diff from the agreed stream (or received the
// master's refusal): by virtual synchrony every surviving member has it
// then. A view change that brings new members runs a sync: every member
// announces its version and digest, the newest CIB (ties: the master's) is
// multicast whole and adopted by all, then updates resume. Requests whose
// answer was lost with a master are re-sent to the next one and
// deduplicated by (origin member, request id).
//
// Single-threaded: call everything from the thread that delivers the
// Messaging callbacks and the Clock's timers.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "vigil/cibd/acl.hpp"
#include "vigil/cibd/commit.hpp"
#include "vigil/cibd/store.hpp"
#include "vigil/cibd/types.hpp"
#include "vigil/cluster/messaging.hpp"
#include "vigil/common/clock.hpp"
#include "vigil/common/result.hpp"

namespace vigil::cibd {

inline constexpr const char* kCibGroup = "vigil-cib";

struct CibNodeOptions {
  std::string group = kCibGroup;
  // update-origin for requests submitted here ("node N" when empty).
  std::string node_name;
  // Request ids remembered per origin for deduplication.
  std::size_t max_remembered_requests = 4096;
  // Origins whose records are kept once they left the group (partitions
  // heal with the same members; crashed processes never come back).
  std::size_t max_remembered_origins = 1024;
  // How long a sync waits for every member's announcement before the master
  // closes it with those in (a hung member must not block the group).
  Duration sync_timeout{5'000};
  // A sync round or resync not over after sync_retry (the whole CIB lost
  // with a view change, refused here, or never sent) is asked for again,
  // the wait doubling up to sync_retry_max; after max_sync_attempts the
  // fatal handler runs (the daemon exits and its supervisor restarts it).
  Duration sync_retry{10'000};
  Duration sync_retry_max{120'000};
  int max_sync_attempts = 8;
  // Hold queries submitted before this node's first sync is over (its copy
  // may be an empty or stale one the group is about to replace). vigil-cib
  // turns it on; in-process users choose.
  bool hold_queries_until_synced = false;
  // The Unix groups of a user the CIB's ACLs name in an <acl_group>
  // (vigil-cib: acl::system_groups(); none when unset).
  acl::GroupLookup user_groups;
};

// Called after every change of the local replica (diff applied, or a whole
// CIB adopted), before the update is acknowledged. It cannot refuse: a
// node that keeps files sets a CibWriter (set_writer) instead.
using PersistHook = std::function<void(const Store& store, const CibChange& change)>;

class CibNode {
 public:
  using ReplyHandler = std::function<void(Result<CibReply>)>;
  using ChangeHandler = std::function<void(const CibChange&)>;

  CibNode(cluster::Messaging& messaging, Clock& clock, Store initial, CibNodeOptions options = {});
  ~CibNode();
  CibNode(const CibNode&) = delete;
  CibNode& operator=(const CibNode&) = delete;

  // Installs the Messaging handlers and joins the group. Updates are held
  // until the first sync is over.
  Status start();
  // Leaves the group; pending requests fail with kIo.
  void stop();

  // A query of the local replica, at once (synchronously), whatever its state.
  Result<CibReply> query(std::string_view scope) const;
  // What the CIB's ACLs let `user` do on the local replica now.
  acl::Access access_for(const std::string& user) const;
  // Any request. Queries are answered from the local replica at once (with
  // hold_queries_until_synced: once the first sync is over); updates once
  // replicated (or refused). `done` may run inside submit() (queries, and
  // requests refused before they are sent: malformed payload, not started).
  void submit(CibRequest request, ReplyHandler done);

  std::uint64_t subscribe(ChangeHandler handler);
  void unsubscribe(std::uint64_t id);
  void set_persist_hook(PersistHook hook);
  // Where the CIB goes on disk (commit.hpp): the master writes an update
  // before its diff leaves and refuses it when the write fails; the others
  // write behind. While this node's writes fail, its clients' updates are
  // refused with the error. Without a writer nothing waits for a disk.
  void set_writer(CibWriter writer, CommitOptions options = {});
  // The error of this node's last write while writes fail.
  const std::optional<Error>& disk_failure() const;
  // Called when the Messaging fails (send error): the daemon exits.
  void set_fatal_handler(std::function<void(const Error&)> handler);

  const Store& store() const;
  bool is_master() const;
  bool syncing() const;
  bool started() const;
  cluster::GroupMember self() const;
  std::size_t pending_requests() const;
  // Syncs and resyncs this replica went through (tests, diagnostics).
  std::uint64_t adoptions() const;
  // Full copies from peers refused (no digest, digest mismatch, not valid).
  std::uint64_t refused_copies() const;

  // Tests only: change the local document without replication (to inject a
  // divergence that the next diff's digest check must catch).
  Store& mutable_store_for_test();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace vigil::cibd
