// SPDX-License-Identifier: GPL-2.0-or-later
// The scheduler's working set: nodes, resources and actions with the state the
// policy engine derives from a Cib. Plain C++; the Cib it points into must
// outlive it. Resources, nodes and actions are owned here and addressed by
// stable pointers; indexes by id make lookups O(1).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <iterator>
#include <map>
#include <memory>
#include <new>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "vigil/cib/cib.hpp"
#include "vigil/common/score.hpp"
#include "vigil/common/time.hpp"
#include "vigil/pengine/provenance.hpp"

namespace vigil::pengine {

using rules::AttrMap;

enum class Role { kUnknown = 0, kStopped, kStarted, kUnpromoted, kPromoted };
const char* role_text(Role r);
Role role_from_text(const std::string& s);  // kUnknown when not a role

enum class OnFail {
  kIgnore,
  kDemote,
  kRecover,
  kMigrate,
  kBlock,
  kStop,
  kStandby,
  kFence,
  kResetRemote,
  kRestartContainer
};

enum class NoQuorumPolicy { kFreeze, kStop, kIgnore, kDemote, kSuicide };
enum class Recovery { kStopStart, kStopOnly, kBlock, kStopUnexpected };

struct Resource;
struct Action;
struct RscTicket;
struct UtilizationState;  // utilization.cpp
struct CloneData;         // lib/pengine/clone.hpp
struct BundleData;        // lib/pengine/bundle.hpp

struct Node {
  int index = 0;
  std::string id, uname, type = "member";
  AttrMap attrs;
  AttrMap utilization;
  bool online = false, unclean = false, shutdown = false, standby = false, standby_onfail = false,
       maintenance = false, pending = false, expected_up = false, is_dc = false, unseen = true,
       has_state = false, fixed = false;
  int weight = 0;  // node health / base weight
  // The priorities of the resources active here (a promoted one counts one
  // more): which side of a split priority-fencing-delay favours.
  int priority = 0;
  int num_resources = 0;  // assigned so far (tie-breaker)
  std::vector<Resource*> running_rsc;
  // Whether any fail-count/last-failure attribute exists (-1: not yet known);
  // most nodes have none, and then no resource needs looking up.
  mutable int has_fail_attrs = -1;
  // Fail counts by resource id, built on first use: (count, last failure).
  mutable std::unordered_map<std::string, std::pair<int, EpochSeconds>> fail_index;
  mutable bool fail_index_legacy = false;
  // Pacemaker Remote (remote.cpp): a remote or guest node's connection
  // resource, and what the status section says of the node.
  Resource* remote_rsc = nullptr;
  bool remote_requires_reset = false, remote_was_fenced = false, remote_maintenance = false,
       rsc_discovery_enabled = true, unpacked = false;
  // The node of an orphaned connection whose history is not unpacked yet: no
  // default (all-nodes) location reaches it (remote.cpp).
  bool orphan_connection_pending = false;
  // A bundle replica's guest node (bundle.hpp): no resource gets it by
  // default (symmetric-cluster), only its replica's instance.
  bool bundle_guest = false;
  bool is_ping() const { return type == "ping"; }
  // A remote or a guest node (type "remote").
  bool is_pcmk_remote() const { return type == "remote"; }
};

struct Colocation {
  int index = 0;  // in WorkingSet::colocations
  std::string id, node_attribute;
  // The group whose members it chains (each with the one before), if any.
  const Resource* group = nullptr;
  Resource* dependent = nullptr;
  Resource* primary = nullptr;
  Role dependent_role = Role::kUnknown, primary_role = Role::kUnknown;
  int score = 0;
  bool influence = true;
};

enum RscFlag : std::uint32_t {
  kRscManaged = 1u << 0,
  kRscFailed = 1u << 1,
  kRscOrphan = 1u << 2,
  kRscBlock = 1u << 3,
  kRscStartPending = 1u << 4,
  kRscNeedsFencing = 1u << 5,
  kRscNeedsQuorum = 1u << 6,
  kRscAllowMigrate = 1u << 7,
  kRscMaintenance = 1u << 8,
  kRscProvisional = 1u << 9,
  kRscAllocating = 1u << 10,
  kRscFenceDevice = 1u << 11,
  kRscStop = 1u << 12,
  kRscStopping = 1u << 13,
  kRscStarting = 1u << 14,
  kRscCritical = 1u << 15,
  kRscMerging = 1u << 16,
  kRscRestarting = 1u << 17,
  kRscStopUnexpected = 1u << 18,
  kRscUnique = 1u << 19,
  kRscReload = 1u << 20,
  kRscFailureIgnored = 1u << 21,
  kRscExclusiveDiscover = 1u << 22,
  kRscNeedsUnfencing = 1u << 23,
  kRscAllowRemoteRemotes = 1u << 24  // a bundle's connection may run on a remote node
};

// What an operation's configuration makes of an action (meta-attributes,
// failure handling), computed once per resource and operation key.
// Action meta attributes, shared copy-on-write: every action of a resource
// with the same key starts from one template (a probe on each of 64 nodes),
// and most never change it.
class SharedAttrs {
 public:
  const AttrMap& map() const { return p_ ? *p_ : empty_map(); }
  operator const AttrMap&() const { return map(); }  // NOLINT: reads as a map
  auto begin() const { return map().begin(); }
  auto end() const { return map().end(); }
  size_t size() const { return map().size(); }
  bool empty() const { return map().empty(); }
  size_t count(std::string_view k) const { return map().count(k); }

  // Writing makes the map this action's own first.
  AttrMap& mut() {
    if (!p_) {
      p_ = std::make_shared<AttrMap>();
    } else if (p_.use_count() > 1) {
      p_ = std::make_shared<AttrMap>(*p_);
    }
    return *p_;
  }
  std::string& operator[](const std::string& k) { return mut()[k]; }
  template <class... Args>
  auto emplace(Args&&... args) {
    return mut().emplace(std::forward<Args>(args)...);
  }
  size_t erase(std::string_view k) {
    if (!count(k)) return 0;
    auto& m = mut();
    auto it = m.find(k);
    m.erase(it);
    return 1;
  }
  // Whether both hold the very same map (not merely equal ones).
  bool same_as(const SharedAttrs& o) const { return p_ && p_ == o.p_; }

 private:
  static const AttrMap& empty_map() {
    static const AttrMap kEmpty;
    return kEmpty;
  }
  std::shared_ptr<AttrMap> p_;
};

struct OpTemplate {
  std::string task;
  const cib::OpConfig* op = nullptr;
  SharedAttrs meta;
  OnFail on_fail = OnFail::kRecover;
  Role fail_role = Role::kUnknown;
  int needs = 0;
};

// A resource's actions sharing one key, also by node index; all in creation
// order. Actions without a node yet are kept apart.
struct KeyedActions {
  std::vector<Action*> all;
  std::vector<Action*> nodeless;
  // Shortcuts for creating more actions with this key (a probe per node):
  // the key's operation template and the task list its last action joined.
  std::shared_ptr<const OpTemplate> tmpl;
  const std::string* task_list_name = nullptr;
  std::vector<Action*>* task_list = nullptr;

  // The actions on one node, oldest first. Almost every key has at most one
  // per node (a probe on each of 64 nodes), so that one is kept inline and
  // only a second one moves the node's list aside.
  Action* first_on(int node_index) const {
    return static_cast<size_t>(node_index) < first_.size() ? first_[static_cast<size_t>(node_index)]
                                                           : nullptr;
  }
  // Calls f(action) on the node's actions, oldest first.
  template <class F>
  void each_on(int node_index, F&& f) const {
    Action* one = first_on(node_index);
    if (!one) return;
    if (auto it = more_.find(node_index); it != more_.end()) {
      for (Action* a : it->second) f(a);
    } else {
      f(one);
    }
  }
  std::vector<Action*> list_on(int node_index) const {
    std::vector<Action*> out;
    each_on(node_index, [&](Action* a) { out.push_back(a); });
    return out;
  }
  // Newest first, the first action of the node's that pred accepts.
  template <class F>
  Action* newest_on(int node_index, F&& pred) const {
    Action* one = first_on(node_index);
    if (!one) return nullptr;
    if (auto it = more_.find(node_index); it != more_.end()) {
      for (auto a = it->second.rbegin(); a != it->second.rend(); ++a) {
        if (pred(*a)) return *a;
      }
      return nullptr;
    }
    return pred(one) ? one : nullptr;
  }
  void add_on(int node_index, Action* a) {
    auto i = static_cast<size_t>(node_index);
    if (i >= first_.size()) {
      // Grown geometrically: probes arrive node by node for every resource.
      first_.resize(std::max(i + 1, first_.size() * 2), nullptr);
    }
    if (!first_[i]) {
      first_[i] = a;
      return;
    }
    auto [it, fresh] = more_.try_emplace(node_index);
    if (fresh) it->second.push_back(first_[i]);
    it->second.push_back(a);
  }
  // Replaces the node's list (non-empty, oldest first).
  void set_on(int node_index, std::vector<Action*> list) {
    auto i = static_cast<size_t>(node_index);
    if (i >= first_.size()) first_.resize(std::max(i + 1, first_.size() * 2), nullptr);
    first_[i] = list.front();
    if (list.size() == 1) {
      more_.erase(node_index);
    } else {
      more_[node_index] = std::move(list);
    }
  }

 private:
  std::vector<Action*> first_;  // by node index
  std::unordered_map<int, std::vector<Action*>> more_;
};

struct Resource {
  int index = 0;
  std::string id;
  cib::RscKind kind = cib::RscKind::kPrimitive;
  const cib::ResourceConfig* config = nullptr;  // null for orphans
  Resource* parent = nullptr;
  std::vector<Resource*> children;
  std::string cls, provider, type;
  AttrMap meta;
  std::uint32_t flags = 0;
  int priority = 0, stickiness = 0, migration_threshold = kInfinity;
  std::int64_t failure_timeout_s = 0;
  Recovery recovery = Recovery::kStopStart;
  bool restart_type_restart = false;
  bool group_ordered = true, group_colocated = true;
  Role role = Role::kStopped, next_role = Role::kUnknown;
  std::vector<Node*> running_on;
  std::vector<char> known_on;  // by node index
  ScoreTable allowed;          // by node index; written only through WorkingSet::scores
  Node* allocated_to = nullptr;
  // shutdown-lock: the node a cleanly stopped resource stays tied to, and when
  // the lock began (epoch seconds).
  Node* lock_node = nullptr;
  std::int64_t lock_time = 0;
  Node* partial_migration_source = nullptr;
  Node* partial_migration_target = nullptr;
  std::vector<Node*> dangling_migrations;
  std::vector<Colocation*> this_with;  // rsc_cons: this is dependent
  std::vector<Colocation*> with_this;  // rsc_cons_lhs: this is primary
  std::vector<Action*> actions;        // creation order (Pacemaker walks it newest first)
  // Indexes over `actions` (creation order), so lookups never scan.
  std::unordered_map<std::string, KeyedActions> actions_by_key;
  std::unordered_map<std::string, std::vector<Action*>> actions_by_task;
  std::unordered_map<std::string, std::shared_ptr<const OpTemplate>> op_templates;
  std::string pending_task;
  Node* pending_node = nullptr;
  // Pacemaker Remote (remote.cpp): whether this is a node's connection
  // (ocf:pacemaker:remote), its reconnect_interval, the resource it runs
  // inside (meta "container") and the resources inside it.
  bool is_remote_node = false, orphan_container_filler = false;
  std::int64_t remote_reconnect_ms = 0;
  Resource* container = nullptr;
  std::vector<Resource*> fillers;
  std::vector<const RscTicket*> tickets;  // rsc_ticket constraints naming it (tickets.cpp)
  // Clones (clone.hpp): a clone's own settings, and on an instance of an
  // anonymous clone the name its history was recorded under.
  std::shared_ptr<CloneData> clone;
  std::string clone_name;
  // Bundles (bundle.hpp): the replicas and the clone of the primitive.
  std::shared_ptr<BundleData> bundle;
  // How many score records existed when its score lines were last shown
  // (a bundle shows its clone's again after the promotion weights).
  std::size_t scores_shown_upto = 0;
  // Bumped whenever an action of this resource or of a resource under it is
  // created, or changes flags, task or node (Action::touch): what a
  // summary of those actions (clone_action_flags) may be memoised against.
  std::uint64_t actions_epoch = 0;

  bool is(std::uint32_t f) const { return (flags & f) != 0; }
  void set(std::uint32_t f) { flags |= f; }
  void clear(std::uint32_t f) { flags &= ~f; }
  bool is_primitive() const { return kind == cib::RscKind::kPrimitive; }
  bool is_group() const { return kind == cib::RscKind::kGroup; }
  bool is_clone() const { return kind == cib::RscKind::kClone; }
  // The resource's topmost parent below a bundle (Pacemaker's uber_parent):
  // a bundle's implicit resources and its clone are their own tops.
  Resource* top() {
    Resource* r = this;
    while (r->parent && r->parent->kind != cib::RscKind::kBundle) r = r->parent;
    return r;
  }
  // Where it is active (Pacemaker's pe__current_node): a partial
  // migration's source, else (without needs-fencing) the first node that is
  // online and clean, else the first node.
  Node* current_node() const;
};

enum ActionFlag : std::uint32_t {
  kActPseudo = 1u << 0,
  kActRunnable = 1u << 1,
  kActOptional = 1u << 2,
  kActPrintAlways = 1u << 3,
  kActHaveNodeAttrs = 1u << 4,
  kActMigrateRunnable = 1u << 7,
  kActDc = 1u << 8,
  kActDumped = 1u << 9,
  kActDedup = 1u << 10,
  kActTracking = 1u << 11,
  kActRequiresAny = 1u << 12,
  kActDangle = 1u << 13,
  kActReschedule = 1u << 14
};

// Ordering types, as Pacemaker's pe_ordering bits.
enum OrderFlag : std::uint32_t {
  kOrderNone = 0,
  kOrderOptional = 1u << 0,
  kOrderApplyFirstNonMigratable = 1u << 1,
  kOrderImpliesFirst = 1u << 4,
  kOrderImpliesThen = 1u << 5,
  kOrderPromotedImpliesFirst = 1u << 6,
  kOrderImpliesFirstMigratable = 1u << 7,
  kOrderRunnableLeft = 1u << 8,
  kOrderPseudoLeft = 1u << 9,
  kOrderImpliesThenOnNode = 1u << 10,
  kOrderProbe = 1u << 11,
  kOrderRestart = 1u << 12,
  kOrderStonithStop = 1u << 13,
  kOrderSerializeOnly = 1u << 14,
  kOrderSameNode = 1u << 15,
  kOrderImpliesFirstPrinted = 1u << 16,
  kOrderImpliesThenPrinted = 1u << 17,
  kOrderAsymmetrical = 1u << 20,
  kOrderLoad = 1u << 21,
  kOrderOneOrMore = 1u << 22,
  kOrderAntiColocation = 1u << 23,
  kOrderPreserve = 1u << 24,
  kOrderThenCancelsFirst = 1u << 25
};

// An append-only store with stable addresses, filled in chunks: a deque
// allocates one block per element once elements are big (Action is), and
// the scheduler makes hundreds of thousands of them.
template <class T, size_t kChunk>
class StableStore {
 public:
  template <class... Args>
  T& emplace_back(Args&&... args) {
    if (size_ % kChunk == 0) chunks_.emplace_back(new Slot[kChunk]);  // uninitialised on purpose
    T* t = new (chunks_.back()[size_ % kChunk].bytes) T{std::forward<Args>(args)...};
    ++size_;
    return *t;
  }
  T& back() { return (*this)[size_ - 1]; }
  T& operator[](size_t i) { return *slot(i); }
  const T& operator[](size_t i) const { return *slot(i); }
  size_t size() const { return size_; }
  StableStore() = default;
  StableStore(const StableStore&) = delete;
  StableStore& operator=(const StableStore&) = delete;
  ~StableStore() {
    for (size_t i = 0; i < size_; ++i) slot(i)->~T();
  }

 private:
  struct Slot {
    alignas(T) unsigned char bytes[sizeof(T)];
  };
  T* slot(size_t i) const {
    return std::launder(reinterpret_cast<T*>(chunks_[i / kChunk][i % kChunk].bytes));
  }
  std::vector<std::unique_ptr<Slot[]>> chunks_;
  size_t size_ = 0;
};

struct ActionLink {
  Action* action = nullptr;
  std::uint32_t type = 0;
  bool dumped = false;
  ActionLink* next = nullptr;  // the next (older) link of the same list
};

// An action's inputs or outputs: an intrusive list, newest first, as
// Pacemaker's prepended lists. Links are owned by the working set, so adding
// one allocates nothing (hundreds of thousands of probes each have a few), and
// a link prepended while a loop walks the list is not visited by that loop.
class LinkList {
 public:
  class iterator {
   public:
    using iterator_category = std::forward_iterator_tag;
    using value_type = ActionLink*;
    using difference_type = std::ptrdiff_t;
    using pointer = ActionLink**;
    using reference = ActionLink*;
    iterator() = default;
    explicit iterator(ActionLink* l) : l_(l) {}
    ActionLink* operator*() const { return l_; }
    iterator& operator++() {
      l_ = l_->next;
      return *this;
    }
    iterator operator++(int) {
      iterator old = *this;
      l_ = l_->next;
      return old;
    }
    bool operator==(const iterator& o) const { return l_ == o.l_; }

   private:
    ActionLink* l_ = nullptr;
  };

  void push_front(ActionLink* l) {
    l->next = head_;
    head_ = l;
    ++size_;
  }
  iterator begin() const { return iterator(head_); }
  iterator end() const { return iterator(); }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  // Replaces the contents with links of this list, `in_order` being the new
  // iteration order.
  void assign(const std::vector<ActionLink*>& in_order) {
    head_ = nullptr;
    for (auto it = in_order.rbegin(); it != in_order.rend(); ++it) {
      (*it)->next = head_;
      head_ = *it;
    }
    size_ = in_order.size();
  }

 private:
  ActionLink* head_ = nullptr;
  size_t size_ = 0;
};

enum class Needs { kNothing, kQuorum, kFencing };

// A string most actions leave empty (a cancel's task, a fencing reason): one
// pointer in the action instead of a whole std::string, as a large cluster
// has hundreds of thousands of actions.
class RareString {
 public:
  RareString() = default;
  RareString(const RareString& o) : p_(o.p_ ? std::make_unique<std::string>(*o.p_) : nullptr) {}
  RareString& operator=(const RareString& o) {
    if (this != &o) *this = o.str();
    return *this;
  }
  RareString& operator=(std::string_view v) {
    if (v.empty()) {
      p_.reset();
    } else if (p_) {
      p_->assign(v);
    } else {
      p_ = std::make_unique<std::string>(v);
    }
    return *this;
  }
  RareString& operator=(const std::string& v) { return *this = std::string_view(v); }
  RareString& operator=(const char* v) { return *this = std::string_view(v); }
  const std::string& str() const { return p_ ? *p_ : empty_string(); }
  operator const std::string&() const { return str(); }  // NOLINT: reads as a string
  bool empty() const { return !p_ || p_->empty(); }
  void clear() { p_.reset(); }
  friend bool operator==(const RareString& a, std::string_view b) { return a.str() == b; }
  friend std::string operator+(std::string a, const RareString& b) { return a += b.str(); }
  friend std::string operator+(const char* a, const RareString& b) { return a + b.str(); }

 private:
  static const std::string& empty_string() {
    static const std::string kEmpty;
    return kEmpty;
  }
  std::unique_ptr<std::string> p_;
};

struct Action {
  // What ordering propagation reads for every link comes first, in as few
  // cache lines as possible: a large cluster has hundreds of thousands.
  std::uint32_t flags = 0;
  int id = 0;
  Resource* rsc = nullptr;
  Node* node = nullptr;
  LinkList before, after;
  std::string task, uuid;
  int priority = 0, runnable_before = 0, required_runnable_before = 0;
  Needs needs = Needs::kNothing;
  std::int64_t interval_ms = 0;
  SharedAttrs meta;
  SharedAttrs extra;  // the operation's node-specific parameters; mostly none
  const cib::OpConfig* op = nullptr;
  OnFail on_fail = OnFail::kRecover;
  Role fail_role = Role::kUnknown;
  RareString cancel_task, reason;

  bool is(std::uint32_t f) const { return (flags & f) != 0; }
  void set(std::uint32_t f) {
    if ((flags & f) == f) return;
    flags |= f;
    touch();
  }
  void clear(std::uint32_t f) {
    if (!(flags & f)) return;
    flags &= ~f;
    touch();
  }
  // Tells the top resource above this action's that one of its actions
  // changed (Resource::actions_epoch).
  void touch() {
    if (rsc) ++rsc->top()->actions_epoch;
  }
};

// A scheduled ordering before it is resolved to actions.
struct Ordering {
  int id = 0;
  std::uint32_t flags = 0;
  Resource* first_rsc = nullptr;
  Action* first_action = nullptr;
  std::string first_task;  // operation key
  Resource* then_rsc = nullptr;
  Action* then_action = nullptr;
  std::string then_task;
};

// A location constraint resolved to node scores (rules already evaluated).
struct Location {
  std::string id;       // the rsc_location
  std::string rule_id;  // the rule that gave the scores, "" for the constraint's own
  Resource* rsc = nullptr;
  Role role_filter = Role::kUnknown;
  Discover discover = Discover::kAlways;
  std::vector<std::pair<Node*, int>> nodes;
};

// --- Tickets (tickets.cpp) ---
// A ticket as the status section grants it; a ticket no ticket_state names
// exists too, neither granted nor in standby.
struct Ticket {
  std::string id;
  bool granted = false, standby = false;
  std::int64_t last_granted = -1;
  AttrMap state;  // every attribute of its ticket_state but the id
};

enum class LossPolicy { kStop, kDemote, kFence, kFreeze };

// One resource's dependency on a ticket (an rsc_ticket, or one resource of
// its sets).
struct RscTicket {
  int index = 0;   // in WorkingSet::rsc_tickets
  std::string id;  // the rsc_ticket, or the resource set that named the resource
  Resource* rsc = nullptr;
  Ticket* ticket = nullptr;
  LossPolicy loss_policy = LossPolicy::kStop;
  Role role = Role::kUnknown;  // the role it constrains (Unknown: any)
};
// --- end of tickets ---

// One score line, as crm_simulate -s prints it.
struct ScoreLine {
  std::string text;
};

struct Options {
  EpochSeconds now = 0;
  bool show_scores = false;
  // crm_simulate -U: node capacities and assigned utilization, among the
  // score lines (WorkingSet::score_lines).
  bool show_utilization = false;
  // Record how long each scheduler stage took (WorkingSet::stage_seconds).
  bool profile = false;
  // Simulation of a sanitized CIB (crm_simulate's default): a change of only
  // secret parameters does not count as a definition change.
  bool sanitized = false;
};

struct Config {
  bool stonith_enabled = true, symmetric = true, startup_probes = true,
       stop_orphan_resources = true, stop_orphan_actions = true, maintenance_mode = false,
       start_failure_is_fatal = true, concurrent_fencing = false, stop_all = false,
       startup_fencing = true, have_stonith_resource = false, enable_unfencing = false,
       shutdown_lock = false, remove_after_stop = false;
  NoQuorumPolicy no_quorum = NoQuorumPolicy::kStop;
  std::string stonith_action = "reboot", placement_strategy = "default";
  std::string cluster_delay = "60s", stonith_timeout = "60s", batch_limit = "0",
              migration_limit = "-1";
  std::int64_t shutdown_lock_s = 0;
  int priority_fencing_delay_s = 0;
  std::string node_health_strategy = "none";
  HealthScores health;
  AttrMap raw;
};

class WorkingSet {
 public:
  WorkingSet(const cib::Cib& cib, Options options);
  WorkingSet(const WorkingSet&) = delete;
  WorkingSet& operator=(const WorkingSet&) = delete;

  const cib::Cib& cib;
  Options options;
  Config config;
  bool have_quorum = false;
  Node* dc_node = nullptr;

  std::vector<std::unique_ptr<Node>> nodes;         // configuration order
  std::vector<std::unique_ptr<Resource>> all_rscs;  // every resource, parents first
  std::vector<Resource*> resources;                 // top level, priority order
  std::vector<std::unique_ptr<Colocation>> colocations;
  StableStore<Action, 1024> action_store;                           // owns every action
  std::vector<Action*> actions;                                     // creation order (id order)
  StableStore<Ordering, 4096> orderings;                            // creation order
  StableStore<ActionLink, 8192> links;                              // owns every ActionLink
  std::vector<std::unique_ptr<Location>> locations;                 // creation order
  std::vector<std::pair<Node*, const cib::OpHistory*>> failed_ops;  // for status output
  // Failed monitors whose failure expired: they must be rescheduled.
  std::vector<const cib::OpHistory*> failure_expired_monitors;
  std::vector<std::string> score_lines;  // -s (and -U) output
  // Every change to a placement score, with its cause (always recorded).
  ScoreLog scores;
  std::vector<std::pair<const char*, double>> stage_seconds;  // with Options::profile
  std::vector<std::string> warnings;                          // config errors for stderr/log
  int disabled_resources = 0, blocked_resources = 0, ninstances = 0;
  // Fence devices that unfence, in Pacemaker's order (unfencing.cpp; found
  // at the first unfencing action).
  std::optional<std::vector<Resource*>> unfencing_devices;
  EpochSeconds recheck_by = 0;
  // Pacemaker Remote (remote.cpp): whether any remote or guest node exists,
  // and the connection resources made for guest nodes (remote-node meta).
  bool have_remote_nodes = false;
  std::vector<std::unique_ptr<cib::ResourceConfig>> guest_connections;
  std::vector<std::unique_ptr<cib::NodeConfig>> remote_node_configs;
  // The configurations of bundles' implicit resources and clones (bundle.hpp).
  std::vector<std::unique_ptr<cib::ResourceConfig>> bundle_configs;
  std::vector<std::string> bundle_node_names;  // their replicas' guest nodes
  // History entries of bundle connections to "#uname", checked for a changed
  // definition once their container's host is known (after assignment).
  struct ParamCheck {
    Resource* rsc;
    Node* node;
    const cib::OpHistory* op;
    bool last_failure;  // the entry is the last failure (else an active operation)
  };
  std::vector<ParamCheck> param_checks;
  // Earliest time a date rule evaluated so far would change (0: none).
  EpochSeconds rules_change = 0;
  // Tickets by id (stable addresses) and the resources' dependencies on them,
  // in unpack order (tickets.cpp).
  std::map<std::string, Ticket> tickets;
  std::vector<std::unique_ptr<RscTicket>> rsc_tickets;
  // Placement strategy, utilization and free capacities (utilization.cpp);
  // made when assignment begins.
  std::shared_ptr<UtilizationState> utilization;

  Node* find_node(const std::string& uname) const;
  Node* find_node_by_id(const std::string& id) const;
  Resource* find_rsc(const std::string& id) const;

  // Resource lookup index (id -> resource), filled by unpack.
  std::unordered_map<std::string, Resource*> rsc_index;
  std::unordered_map<std::string, Node*> node_by_uname, node_by_id;
  std::unordered_map<std::string, Action*> singletons;  // node/cluster actions by key
  int next_action_id = 1;
};

// The pipeline stages (schedule.cpp calls them in order).
Status unpack(WorkingSet& ws);    // config, nodes, resources, status
Status schedule(WorkingSet& ws);  // unpack + everything up to the graph

}  // namespace vigil::pengine
