// SPDX-License-Identifier: GPL-2.0-or-later
// Score provenance: every change to a resource's score on a node, with what
// caused it, in the order the scheduler made it. ScoreLog is the only writer
// of a score (a ScoreTable gives everyone else read access), so no change can
// go unrecorded. crm_simulate's score lines and `vigil-simulate --explain`
// both read the records; replaying a node's records with the saturating score
// arithmetic gives its score.
//
// Records are small and fixed-size (no strings): what a cause names is an
// index into tables the working set already has (locations, colocations,
// nodes) or into the log's own list of history entries.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace vigil::cib {
struct OpHistory;
}

namespace vigil::pengine {

struct Resource;
struct Node;

enum class Discover { kAlways, kNever, kExclusive };

// What changed a score. `ref` and `aux` of a record mean, by source:
enum class ScoreSource : std::uint8_t {
  kNodeWeight,          // the node's own weight as the resource first gets it; aux: NodeWeightWhy
  kSymmetric,           // symmetric-cluster=true: every node allowed at 0
  kLocation,            // rsc_location score or rule; ref: WorkingSet::locations index,
                        // aux: 1 when applied through the group it names (members follow)
  kColocation,          // placed relative to a resource assigned first; ref: colocation index,
                        // aux: index of the node that resource is on, -1 when it is not placed
  kColocationUndo,      // that colocation left no node available and was undone; ref: colocation
  kColocatedPrefs,      // preferences of a resource colocated with this one; ref: colocation
  kStickiness,          // active here: resource-stickiness
  kFailLimit,           // fail count reached migration-threshold; aux: the fail count
  kStopFailure,         // a stop failed here; ref: history entry
  kProbeFailure,        // a probe found it in an unexpected state here; ref: history entry
  kHardError,           // hard error here (not installed, not configured ...); ref: history entry
  kFatalError,          // fatal error: banned from every node; ref: history entry
  kOnFailMigrate,       // on-fail=migrate (or a not-installed agent): banned from this node
  kOnFailStop,          // a failure whose on-fail leaves it stopped: banned everywhere; ref: entry
  kMultipleActive,      // active on several nodes with multiple-active=stop_only
  kUnmanaged,           // unmanaged: stays where it is active; aux: UnmanagedWhy
  kStopping,            // its next role is Stopped; aux: 1 when target-role says so
  kOrphan,              // no longer configured
  kShutdownLock,        // locked to the node it was stopped on by a clean shutdown
  kExclusiveDiscovery,  // resource-discovery=exclusive and no such location names the node
  kNodeHealth,          // the node's #health-* attributes under node-health-strategy
  kRemoteConnection,    // Pacemaker Remote rules; aux: 0 a guest connection opts in anywhere,
                        // 1 no remote connection, fence device or guest on a remote node,
                        // 2 container=<remote node>: only that node
  kTicket,              // a ticket not granted or in standby; ref: WorkingSet::rsc_tickets
                        // index, aux: TicketBanWhy
  kUtilization,         // not enough free capacity here (placement-strategy); aux: 1 when
                        // for it and the resources colocated with it, 0 for it alone
  kCloneLimit,          // clone-max instances are placed already: this one stays stopped
  kCloneInstance,       // a clone instance may not run here; aux: CloneBanWhy
  kCloneColocation,     // mandatory colocation with a clone none of whose instances is here;
                        // ref: colocation index
  kCloneUndo,           // an instance placed elsewhere than its current node: scores restored
  kPromotionScore,      // a promotable clone instance's promotion score here (master-<name>
                        // node attribute); aux: the score
  kPromotionPriority,   // a promotable clone's node weighed for choosing the promoted
                        // instances; aux 0: an instance's promotion priority (ref: its
                        // resource index), aux 1: a colocation with the promoted role (ref)
  kBundle,              // bundle rules; aux: BundleWhy
};

enum class ScoreOp : std::uint8_t { kAdd, kSet };

enum class CloneBanWhy : std::int32_t {
  kUnavailable,  // the node cannot run resources, or the instance is an orphan
  kNotAllowed,   // the clone itself may not run there
  kParentScore,  // the clone's own score there is negative
  kFull,         // clone-node-max instances are there already
};
enum class BundleWhy : std::int32_t {
  kReplicaNode,    // a replica's instance runs on the replica's guest node (500)
  kNotTheClone,    // the bundle's clone itself never runs on a guest node of its own
  kOtherNode,      // a replica's instance runs only on its guest node
  kThreshold,      // ... where it is wanted (migration-threshold not reached)
  kCloneOnGuests,  // the bundle's clone is placed among its guest nodes only
  kGuestNode,      // a bundle guest node runs nothing but its replica's instance
};
enum class NodeWeightWhy : std::int32_t { kConfigured, kOffline, kShuttingDown };
enum class TicketBanWhy : std::int32_t {
  kLost,              // not granted while the resource is active (loss-policy)
  kNotGranted,        // not granted
  kStandby,           // granted but in standby
  kPromotionNeedsIt,  // a promotable clone whose promoted role needs it
};
enum class UnmanagedWhy : std::int32_t {
  kIsManaged,            // is-managed=false
  kResourceMaintenance,  // maintenance=true on the resource
  kClusterMaintenance,   // maintenance-mode=true
  kNodeMaintenance,      // the node is in maintenance
  kBlocked,              // a failure with on-fail=block (or multiple-active=block)
};

// Why a score changed: the source and what it names (see ScoreSource).
struct Cause {
  ScoreSource source;
  std::int32_t ref = -1;
  std::int32_t aux = 0;
};

struct ScoreRecord {
  std::int32_t value = 0;   // added (kAdd) or assigned (kSet)
  std::int32_t result = 0;  // the score afterwards
  std::int32_t prev = -1;   // the previous record of the same resource and node
  std::int32_t ref = -1;
  std::int32_t aux = 0;
  ScoreSource source = ScoreSource::kSymmetric;
  ScoreOp op = ScoreOp::kAdd;
};

// A node's entry in a resource's allowed-node table.
struct NodeScore {
  int weight = 0;
  Discover discover = Discover::kAlways;
  bool present = false;    // in the table at all
  std::int32_t last = -1;  // the newest ScoreRecord of this entry
};

// A scratch copy of a table for what-if arithmetic (colocations); it changes
// the resource only through ScoreLog::commit.
struct DraftScore {
  int weight = 0;
  bool present = false;
};
using ScoreDraft = std::vector<DraftScore>;

// A resource's allowed-node table, by node index. Read by everyone, written
// only by ScoreLog; not copyable, so it cannot be replaced behind its back.
class ScoreTable {
 public:
  ScoreTable() = default;
  ScoreTable(const ScoreTable&) = delete;
  ScoreTable& operator=(const ScoreTable&) = delete;

  const NodeScore& operator[](std::size_t node_index) const { return slots_[node_index]; }
  std::size_t size() const { return slots_.size(); }
  // Sizes an empty table (every node absent); refuses once scores exist.
  void size_for(std::size_t nodes);
  // Which probes the node gets (resource-discovery); not a score.
  void set_discover(std::size_t node_index, Discover d) { slots_[node_index].discover = d; }
  ScoreDraft draft() const;

 private:
  friend class ScoreLog;
  std::vector<NodeScore> slots_;
};

// Applies `op` as the scheduler does (lib/common score.hpp arithmetic).
int apply_score_op(ScoreOp op, int score, int value);
// The score a sequence of records gives, starting from a node not in the table.
int replay_scores(const std::vector<const ScoreRecord*>& records);

class ScoreLog {
 public:
  // The only ways a score changes. A node not in the table enters it first
  // (at 0). Adding 0 to a node already there changes nothing and is recorded
  // only for configured constraints, which an explanation lists anyway.
  void add(Resource& rsc, const Node& node, int delta, Cause why);
  void set(Resource& rsc, const Node& node, int value, Cause why);
  // Makes the draft's scores the resource's: one record per node whose score
  // differs (an addition when adding can give the new score, else a set).
  void commit(Resource& rsc, const ScoreDraft& draft, Cause why);

  // A history entry a failure record names; the index goes into Cause::ref.
  std::int32_t remember(const cib::OpHistory* op);
  const cib::OpHistory* op(std::int32_t ref) const;

  const std::vector<ScoreRecord>& records() const { return records_; }
  // The records of one table entry, oldest first.
  std::vector<const ScoreRecord*> history(const NodeScore& entry) const;
  // The score the records give an entry (its newest record's result).
  int score(const NodeScore& entry) const;
  void reserve(std::size_t records) { records_.reserve(records); }

 private:
  void append(const Resource& rsc, std::size_t node, NodeScore& slot, ScoreOp op, int value,
              const Cause& why);
  std::vector<ScoreRecord> records_;
  std::vector<const cib::OpHistory*> ops_;
};

}  // namespace vigil::pengine
