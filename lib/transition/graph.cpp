// SPDX-License-Identifier: GPL-2.0-or-later
// Graph XML to the plain model.
#include "vigil/transition/graph.hpp"

#include <libxml/tree.h>

#include <charconv>
#include <limits>
#include <optional>

#include "vigil/common/time.hpp"
#include "vigil/common/xml.hpp"

namespace vigil::transition {

const char* to_string(ActionKind k) {
  switch (k) {
    case ActionKind::kRscOp:
      return "rsc_op";
    case ActionKind::kPseudo:
      return "pseudo_event";
    case ActionKind::kClusterEvent:
      return "crm_event";
    case ActionKind::kFence:
      return "fence";
  }
  return "unknown";
}

const std::string* GraphAction::attr(std::string_view name) const {
  auto it = attributes.find(name);
  return it == attributes.end() ? nullptr : &it->second;
}

const std::string* GraphAction::meta(std::string_view name) const {
  std::string key = "CRM_meta_";
  key.append(name);
  return attr(key);
}

std::map<std::string, std::string, std::less<>> GraphAction::parameters() const {
  std::map<std::string, std::string, std::less<>> out;
  for (const auto& [k, v] : attributes) {
    if (k.rfind("CRM_meta_", 0) != 0) out.emplace(k, v);
  }
  return out;
}

const std::string& GraphAction::rsc_id() const {
  static const std::string kEmpty;
  return primitive ? primitive->id : kEmpty;
}

const GraphAction* Graph::find(int action_id) const {
  auto it = by_id_.find(action_id);
  return it == by_id_.end() ? nullptr : &actions[it->second];
}

namespace {

Error invalid(const std::string& msg) {
  return Error(ErrorCode::kInvalidInput, msg);
}

// A whole decimal integer in [lo, hi].
std::optional<std::int64_t> parse_int(std::string_view s, std::int64_t lo, std::int64_t hi) {
  if (s.empty()) return std::nullopt;
  std::int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || v < lo || v > hi) return std::nullopt;
  return v;
}

constexpr std::int64_t kIntMax = std::numeric_limits<int>::max();

std::string describe(const xmlNode* n) {
  std::string s(xml::name(n));
  if (auto id = xml::attr(n, "id")) s += " " + *id;
  return s;
}

Result<int> int_attr(const xmlNode* n, const char* name, std::int64_t lo, std::int64_t hi,
                     const std::string& where) {
  auto v = xml::attr(n, name);
  if (!v) return invalid(where + ": missing " + name);
  auto i = parse_int(*v, lo, hi);
  if (!i) return invalid(where + ": bad " + name + " '" + *v + "'");
  return static_cast<int>(*i);
}

// Sets the values Pacemaker derives from an action's attributes.
Status derive(GraphAction& a, const std::string& where) {
  auto number = [&](const char* meta, std::int64_t hi) -> Result<std::int64_t> {
    const std::string* v = a.meta(meta);
    if (!v || v->empty()) return std::int64_t{0};
    auto i = parse_int(*v, std::numeric_limits<int>::min(), hi);
    if (!i) return invalid(where + ": bad CRM_meta_" + std::string(meta) + " '" + *v + "'");
    return *i;
  };
  auto timeout = number("timeout", kIntMax);
  if (!timeout) return timeout.error();
  auto delay = number("start_delay", kIntMax);
  if (!delay) return delay.error();
  std::int64_t t = std::max<std::int64_t>(*timeout, 0) + std::max<std::int64_t>(*delay, 0);
  a.timeout_ms = static_cast<int>(std::min(t, kIntMax));
  auto interval = number("interval", std::numeric_limits<std::int64_t>::max());
  if (!interval) return interval.error();
  if (*interval < 0) return invalid(where + ": negative CRM_meta_interval");
  a.interval_ms = *interval;
  if (const std::string* rc = a.meta("op_target_rc")) {
    auto i = parse_int(*rc, 0, 255);
    if (!i) return invalid(where + ": bad CRM_meta_op_target_rc '" + *rc + "'");
    a.target_rc = static_cast<int>(*i);
  }
  auto boolean = [](const std::string* v) {
    if (!v) return false;
    std::string s;
    for (char c : *v) s += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s == "true" || s == "yes" || s == "on" || s == "1" || s == "y";
  };
  a.can_fail = boolean(a.meta("can_fail"));
  a.no_wait = boolean(a.meta("op_no_wait"));
  return ok_status();
}

// The reference form of an action inside <trigger>: its id is all we keep.
Result<int> input_id(const xmlNode* n, const std::string& where) {
  std::string_view el = xml::name(n);
  if (el != "rsc_op" && el != "pseudo_event" && el != "crm_event") {
    return invalid(where + ": unknown input element <" + std::string(el) + ">");
  }
  return int_attr(n, "id", 0, kIntMax, where + ": input " + std::string(el));
}

Result<GraphAction> parse_action(const xmlNode* n, const std::string& where) {
  GraphAction a;
  std::string_view el = xml::name(n);
  std::string here = where + ": " + describe(n);
  if (el == "rsc_op") {
    a.kind = ActionKind::kRscOp;
  } else if (el == "pseudo_event") {
    a.kind = ActionKind::kPseudo;
  } else if (el == "crm_event") {
    a.kind = ActionKind::kClusterEvent;
  } else {
    return invalid(where + ": unknown action element <" + std::string(el) + ">");
  }
  auto id = int_attr(n, "id", 0, kIntMax, where + ": <" + std::string(el) + ">");
  if (!id) return id.error();
  a.id = *id;
  a.operation = xml::attr_or(n, "operation");
  if (a.operation.empty()) return invalid(here + ": missing operation");
  if (a.kind == ActionKind::kClusterEvent && a.operation == "stonith") a.kind = ActionKind::kFence;
  a.operation_key = xml::attr_or(n, "operation_key");
  a.internal_operation_key = xml::attr_or(n, "internal_operation_key");
  a.on_node = xml::attr_or(n, "on_node");
  a.on_node_uuid = xml::attr_or(n, "on_node_uuid");
  a.router_node = xml::attr_or(n, "router_node");
  a.mode = xml::attr_or(n, "mode");
  if (auto lock = xml::attr(n, "shutdown-lock")) {
    auto v = parse_int(*lock, 0, std::numeric_limits<std::int64_t>::max());
    if (!v) return invalid(here + ": bad shutdown-lock '" + *lock + "'");
    a.shutdown_lock = *v;
  }
  if (a.kind != ActionKind::kPseudo && a.on_node.empty()) {
    return invalid(here + ": missing on_node");
  }
  for (const xmlNode* c : xml::children(n)) {
    std::string_view cn = xml::name(c);
    if (cn == "primitive") {
      GraphPrimitive p;
      p.id = xml::attr_or(c, "id");
      if (p.id.empty()) return invalid(here + ": <primitive> without id");
      p.long_id = xml::attr_or(c, "long-id");
      p.cls = xml::attr_or(c, "class");
      p.provider = xml::attr_or(c, "provider");
      p.type = xml::attr_or(c, "type");
      a.primitive = std::move(p);
    } else if (cn == "attributes") {
      for (const xmlAttr* at = c->properties; at; at = at->next) {
        std::string key = reinterpret_cast<const char*>(at->name);
        a.attributes[key] = xml::attr_or(c, key.c_str());
      }
      // A parameter whose name cannot be an XML attribute (a leading digit)
      // comes as <param name= value=/>.
      for (const xmlNode* p : xml::children(c, "param")) {
        auto name = xml::attr(p, "name");
        auto value = xml::attr(p, "value");
        if (name && value) a.attributes[*name] = *value;
      }
    } else if (cn == "downed") {
      for (const xmlNode* d : xml::children(c, "node")) {
        auto nid = xml::attr(d, "id");
        if (!nid || nid->empty()) return invalid(here + ": <downed> <node> without id");
        a.downed.push_back(*nid);
      }
    }
  }
  if (auto st = derive(a, here); !st) return st.error();
  return a;
}

}  // namespace

namespace {

// The root's attributes.
Status read_header(const xmlNode* root, Graph& g) {
  if (!root || !xml::is(root, "transition_graph")) {
    return invalid("transition graph: root element is not <transition_graph>");
  }
  const std::string where = "transition_graph";
  auto tid = int_attr(root, "transition_id", -1, kIntMax, where);
  if (!tid) return tid.error();
  g.transition_id = *tid;
  auto delay = xml::attr(root, "cluster-delay");
  if (!delay) return invalid(where + ": missing cluster-delay");
  auto delay_ms = parse_interval_ms(*delay);
  if (!delay_ms || *delay_ms < 0) return invalid(where + ": bad cluster-delay '" + *delay + "'");
  g.cluster_delay = Duration(*delay_ms);
  g.stonith_timeout = g.cluster_delay;
  if (auto st = xml::attr(root, "stonith-timeout")) {
    auto ms = parse_interval_ms(*st);
    if (!ms || *ms < 0) return invalid(where + ": bad stonith-timeout '" + *st + "'");
    g.stonith_timeout = Duration(*ms);
  }
  g.failed_stop_offset = xml::attr_or(root, "failed-stop-offset", "INFINITY");
  g.failed_start_offset = xml::attr_or(root, "failed-start-offset", "INFINITY");
  // As Pacemaker: an unparsable batch-limit means no cap; -1 is the minimum.
  if (auto bl = xml::attr(root, "batch-limit")) {
    auto v = parse_int(*bl, std::numeric_limits<int>::min(), kIntMax);
    g.batch_limit = v ? static_cast<int>(std::max<std::int64_t>(*v, -1)) : 0;
    if (g.batch_limit < 0) g.batch_limit = 0;
  }
  if (auto ml = xml::attr(root, "migration-limit")) {
    auto v = parse_int(*ml, std::numeric_limits<int>::min(), kIntMax);
    if (!v) return invalid(where + ": bad migration-limit '" + *ml + "'");
    g.migration_limit = static_cast<int>(std::max<std::int64_t>(*v, -1));
  }
  if (auto rb = xml::attr(root, "recheck-by")) {
    auto v = parse_int(*rb, 0, std::numeric_limits<std::int64_t>::max());
    if (!v) return invalid(where + ": bad recheck-by '" + *rb + "'");
    g.recheck_by = *v;
  }
  return ok_status();
}

// One child of the root (a <synapse>), added to `g`; `by_id` is g's index.
Status read_synapse(const xmlNode* s, Graph& g, std::unordered_map<int, std::size_t>& by_id) {
  if (!xml::is(s, "synapse")) {
    return invalid("transition_graph: unexpected element <" + std::string(xml::name(s)) + ">");
  }
  Synapse syn;
  auto sid = int_attr(s, "id", 0, kIntMax, "synapse");
  if (!sid) return sid.error();
  syn.id = *sid;
  std::string swhere = "synapse " + std::to_string(syn.id);
  if (xml::has_attr(s, "priority")) {
    auto pr = int_attr(s, "priority", -kIntMax, kIntMax, swhere);
    if (!pr) return pr.error();
    syn.priority = *pr;
  }
  for (const xmlNode* set : xml::children(s, "action_set")) {
    for (const xmlNode* an : xml::children(set)) {
      auto a = parse_action(an, swhere);
      if (!a) return a.error();
      a->synapse = g.synapses.size();
      if (!by_id.emplace(a->id, g.actions.size()).second) {
        return invalid(swhere + ": duplicate action id " + std::to_string(a->id));
      }
      syn.actions.push_back(a->id);
      g.actions.push_back(std::move(a).value());
    }
  }
  if (syn.actions.empty()) return invalid(swhere + ": no action");
  for (const xmlNode* in : xml::children(s, "inputs")) {
    for (const xmlNode* tr : xml::children(in, "trigger")) {
      for (const xmlNode* ref : xml::children(tr)) {
        auto id = input_id(ref, swhere);
        if (!id) return id.error();
        syn.inputs.push_back(*id);
      }
    }
  }
  g.synapses.push_back(std::move(syn));
  return ok_status();
}

// The checks on the whole graph, once every synapse is read.
Status check_graph(const Graph& g, const ParseOptions& options) {
  // Inputs must name actions of this graph (a synapse waiting on another
  // never fires), and never the synapse itself.
  for (const Synapse& syn : g.synapses) {
    for (int in : syn.inputs) {
      const GraphAction* a = g.find(in);
      if (!a && options.allow_stuck) continue;
      if (!a) {
        return invalid("synapse " + std::to_string(syn.id) + ": input " + std::to_string(in) +
                       " is not an action of the graph");
      }
      if (&g.synapses[a->synapse] == &syn) {
        return invalid("synapse " + std::to_string(syn.id) + ": depends on its own action " +
                       std::to_string(in));
      }
    }
  }
  // A cycle would leave its synapses waiting forever: refuse it.
  std::vector<int> waiting(g.synapses.size());
  std::vector<std::vector<std::size_t>> after(g.synapses.size());
  std::vector<std::size_t> queue;
  for (std::size_t i = 0; i < g.synapses.size(); ++i) {
    waiting[i] = static_cast<int>(g.synapses[i].inputs.size());
    for (int in : g.synapses[i].inputs) {
      if (const GraphAction* a = g.find(in)) after[a->synapse].push_back(i);
    }
    if (waiting[i] == 0) queue.push_back(i);
  }
  std::size_t done = 0;
  while (done < queue.size()) {
    for (std::size_t next : after[queue[done++]]) {
      if (--waiting[next] == 0) queue.push_back(next);
    }
  }
  if (queue.size() != g.synapses.size() && !options.allow_stuck) {
    for (std::size_t i = 0; i < g.synapses.size(); ++i) {
      if (waiting[i] > 0) {
        return invalid("synapse " + std::to_string(g.synapses[i].id) +
                       ": waits on a dependency cycle (it could never fire)");
      }
    }
  }
  return ok_status();
}

}  // namespace

Result<Graph> parse_graph(const _xmlNode* root, const ParseOptions& options) {
  Graph g;
  if (auto st = read_header(root, g); !st) return st.error();
  for (const xmlNode* s : xml::children(root)) {
    if (auto st = read_synapse(s, g, g.by_id_); !st) return st.error();
  }
  if (auto st = check_graph(g, options); !st) return st.error();
  return g;
}

struct GraphParser::Impl {
  explicit Impl(const ParseOptions& o) : options(o) {}
  ParseOptions options;
  xml::PushParser parser{"transition graph"};
  Graph graph;
  bool header_read = false;
  // The first error in the graph's content; an error in the XML itself,
  // found later in the text, still comes first (as a parse of the whole).
  std::optional<Error> error;

  void read_synapse_of(const xmlNode* s) {
    if (error || s->type != XML_ELEMENT_NODE) return;
    if (auto st = read_synapse(s, graph, graph.by_id_); !st) error = st.error();
  }

  // Reads the header once the root is there, and each complete synapse.
  void read_finished() {
    if (error) return;
    const xmlNode* root = parser.root();
    if (!root) return;
    if (!header_read) {
      header_read = true;
      if (auto st = read_header(root, graph); !st) {
        error = st.error();
        return;
      }
    }
    parser.take_finished([&](const xmlNode* s) { read_synapse_of(s); });
  }
};

GraphParser::GraphParser(const ParseOptions& options) : impl_(std::make_unique<Impl>(options)) {}
GraphParser::~GraphParser() = default;

void GraphParser::feed(std::string_view piece) {
  // A slice at a time, so that the tree never holds more than a slice's
  // synapses.
  constexpr std::size_t kSlice = 64 << 10;
  while (!piece.empty()) {
    const std::size_t n = std::min(piece.size(), kSlice);
    impl_->parser.feed(piece.substr(0, n));
    impl_->read_finished();
    piece.remove_prefix(n);
  }
}

Result<Graph> GraphParser::finish() {
  auto doc = impl_->parser.finish();
  if (!doc) return doc.error();
  // What is left: the header when the text came in one piece, the synapses
  // not yet read.
  const xmlNode* root = xmlDocGetRootElement(doc->get());
  if (!impl_->header_read) {
    impl_->header_read = true;
    if (auto st = read_header(root, impl_->graph); !st) return st.error();
  }
  if (impl_->error) return *impl_->error;
  for (const xmlNode* s = root->children; s; s = s->next) impl_->read_synapse_of(s);
  if (impl_->error) return *impl_->error;
  if (auto st = check_graph(impl_->graph, impl_->options); !st) return st.error();
  return std::move(impl_->graph);
}

Result<Graph> parse_graph(std::string_view xml_text, const ParseOptions& options) {
  GraphParser parser(options);
  parser.feed(xml_text);
  return parser.finish();
}

}  // namespace vigil::transition
