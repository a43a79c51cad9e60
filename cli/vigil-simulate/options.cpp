// SPDX-License-Identifier: GPL-2.0-or-later
#include "options.hpp"

#include <cstring>
#include <map>

namespace vigil::simulate {

namespace {

enum class Arg { kNone, kRequired };

struct Spec {
  char short_name;
  const char* long_name;
  Arg arg;
};

const Spec kSpecs[] = {
    {'x', "xml-file", Arg::kRequired},
    {'L', "live-check", Arg::kNone},
    {'p', "xml-pipe", Arg::kNone},
    {'R', "run", Arg::kNone},
    {'S', "simulate", Arg::kNone},
    {'X', "in-place", Arg::kNone},
    {'s', "show-scores", Arg::kNone},
    {'U', "show-utilization", Arg::kNone},
    {'A', "show-attrs", Arg::kNone},
    {'c', "show-failcounts", Arg::kNone},
    {'Q', "quiet", Arg::kNone},
    {'G', "save-graph", Arg::kRequired},
    {'D', "save-dotfile", Arg::kRequired},
    {'a', "all-actions", Arg::kNone},
    {'I', "save-input", Arg::kRequired},
    {'O', "save-output", Arg::kRequired},
    {'t', "set-datetime", Arg::kRequired},
    {'u', "node-up", Arg::kRequired},
    {'d', "node-down", Arg::kRequired},
    {'f', "node-fail", Arg::kRequired},
    {'i', "op-inject", Arg::kRequired},
    {'F', "op-fail", Arg::kRequired},
    {'q', "quorum", Arg::kRequired},
    {'w', "watchdog", Arg::kRequired},
    {'g', "ticket-grant", Arg::kRequired},
    {'r', "ticket-revoke", Arg::kRequired},
    {'b', "ticket-standby", Arg::kRequired},
    {'e', "ticket-activate", Arg::kRequired},
    {'P', "profile", Arg::kRequired},
    {'N', "repeat", Arg::kRequired},
    {'V', "verbose", Arg::kNone},
    {'$', "version", Arg::kNone},
    {'h', "help", Arg::kNone},
    {'j', "pending", Arg::kNone},
    {0, "text-fancy", Arg::kNone},
    {0, "output-as", Arg::kRequired},
    {0, "output-to", Arg::kRequired},
    {0, "save-output", Arg::kRequired},
    {0, "help-all", Arg::kNone},
    {0, "explain", Arg::kRequired},
    {0, "png", Arg::kRequired},
};

const Spec* by_short(char c) {
  for (const auto& s : kSpecs) {
    if (s.short_name == c) return &s;
  }
  return nullptr;
}

const Spec* by_long(const std::string& name) {
  for (const auto& s : kSpecs) {
    if (name == s.long_name) return &s;
  }
  return nullptr;
}

// The list a ticket option adds its ticket to, null for other options.
std::vector<std::string>* ticket_injection(pengine::Injections& inj, const std::string& name) {
  if (name == "ticket-grant") return &inj.ticket_grant;
  if (name == "ticket-revoke") return &inj.ticket_revoke;
  if (name == "ticket-standby") return &inj.ticket_standby;
  if (name == "ticket-activate") return &inj.ticket_activate;
  return nullptr;
}

Status apply(Options& o, const Spec& s, const std::string& v) {
  std::string n = s.long_name;
  if (n == "xml-file")
    o.xml_file = v;
  else if (n == "live-check")
    o.live = true;
  else if (n == "xml-pipe")
    o.xml_pipe = true;
  else if (n == "run")
    o.run = true;
  else if (n == "simulate") {
    o.simulate = true;
    o.run = true;
  } else if (n == "in-place") {
    o.in_place = true;
    o.simulate = true;
    o.run = true;
  } else if (n == "show-scores") {
    o.show_scores = true;
    o.run = true;
  } else if (n == "show-utilization") {
    o.show_utilization = true;
    o.run = true;
  } else if (n == "show-attrs")
    o.show_attrs = true;
  else if (n == "show-failcounts")
    o.show_failcounts = true;
  else if (n == "quiet")
    o.quiet = true;
  else if (n == "save-graph") {
    o.graph_file = v;
    o.run = true;
  } else if (n == "save-dotfile") {
    o.dot_file = v;
    o.run = true;
  } else if (n == "png") {
    o.png_file = v;
    o.run = true;
  } else if (n == "all-actions")
    o.all_actions = true;
  else if (n == "save-input")
    o.save_input = v;
  else if (n == "save-output")
    o.save_output = v;
  else if (n == "set-datetime")
    o.date = v;
  else if (n == "node-up")
    o.injections.node_up.push_back(v);
  else if (n == "node-down")
    o.injections.node_down.push_back(v);
  else if (n == "node-fail")
    o.injections.node_fail.push_back(v);
  else if (n == "op-inject")
    o.injections.op_inject.push_back(v);
  else if (n == "op-fail") {
    o.injections.op_fail.push_back(v);
    o.simulate = true;
    o.run = true;
  } else if (n == "quorum")
    o.injections.quorum = v;
  else if (n == "watchdog")
    o.injections.watchdog = v;
  else if (auto* tickets = ticket_injection(o.injections, n))
    tickets->push_back(v);
  else if (n == "profile")
    o.profile_dir = v;
  else if (n == "repeat")
    o.repeat = std::atol(v.c_str());
  else if (n == "verbose")
    ++o.verbose;
  else if (n == "version")
    o.version = true;
  else if (n == "help" || n == "help-all")
    o.help = true;
  else if (n == "pending")
    o.show_pending = true;
  else if (n == "text-fancy")
    o.text_fancy = true;
  else if (n == "output-as")
    o.output_as = v;
  else if (n == "output-to") { /* stdout only */
  } else if (n == "explain") {
    o.explain.push_back(v);
    o.run = true;
  }
  return ok_status();
}

}  // namespace

Result<Options> parse_options(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a.size() > 2 && a[0] == '-' && a[1] == '-') {
      std::string name = a.substr(2), value;
      auto eq = name.find('=');
      bool has_value = eq != std::string::npos;
      if (has_value) {
        value = name.substr(eq + 1);
        name = name.substr(0, eq);
      }
      const Spec* s = by_long(name);
      if (!s) return Error(ErrorCode::kInvalidInput, "Unknown option --" + name);
      if (s->arg == Arg::kRequired && !has_value) {
        if (i + 1 >= argc) return Error(ErrorCode::kInvalidInput, "Missing argument for --" + name);
        value = argv[++i];
      }
      if (auto st = apply(o, *s, value); !st) return st.error();
    } else if (a.size() > 1 && a[0] == '-') {
      for (size_t k = 1; k < a.size(); ++k) {
        const Spec* s = by_short(a[k]);
        if (!s) return Error(ErrorCode::kInvalidInput, std::string("Unknown option -") + a[k]);
        std::string value;
        if (s->arg == Arg::kRequired) {
          if (k + 1 < a.size()) {
            value = a.substr(k + 1);
          } else if (i + 1 < argc) {
            value = argv[++i];
          } else {
            return Error(ErrorCode::kInvalidInput, std::string("Missing argument for -") + a[k]);
          }
          if (auto st = apply(o, *s, value); !st) return st.error();
          break;
        }
        if (auto st = apply(o, *s, value); !st) return st.error();
      }
    } else {
      return Error(ErrorCode::kInvalidInput, "Unexpected argument '" + a + "'");
    }
  }
  return o;
}

std::string usage_text() {
  return R"(Usage:
  vigil-simulate [OPTION?]

Predict the cluster's response to events (crm_simulate compatible).

Operations:
  -R, --run                  Process the supplied input and show what actions the cluster will take
  -S, --simulate             Like --run, then simulate the transition and show the revised status
  -X, --in-place             Like --simulate, and store the results back to the input file
  -s, --show-scores          Show allocation scores
  -U, --show-utilization     Show utilization information
  -A, --show-attrs           Show node attributes
  -c, --show-failcounts      Show resource fail counts
  --explain=RSC              (Vigil) Explain why RSC is placed where it is (repeatable;
                             see "Explaining a placement" below)

Synthetic Cluster Events:
  -u, --node-up=NODE         Simulate bringing a node online
  -d, --node-down=NODE       Simulate taking a node offline
  -f, --node-fail=NODE       Simulate a node failing
  -i, --op-inject=OPSPEC     ${resource}_${task}_${interval_in_ms}@${node}=${rc}
  -F, --op-fail=OPSPEC       Make the specified action fail while simulating
  -t, --set-datetime=DATE    Set date/time (ISO 8601 format)
  -q, --quorum=1|0           Set quorum
  -w, --watchdog=1|0         Assume a watchdog device is active
  -g, --ticket-grant=TICKET  Simulate granting a ticket
  -r, --ticket-revoke=TICKET Simulate revoking a ticket
  -b, --ticket-standby=TICKET
                             Simulate making a ticket standby
  -e, --ticket-activate=TICKET
                             Simulate activating a ticket

Output Options:
  -I, --save-input=FILE      Save the input configuration to FILE
  -O, --save-output=FILE     Save the output configuration to FILE
  -G, --save-graph=FILE      Save the transition graph (XML) to FILE
  -D, --save-dotfile=FILE    Save the transition graph (DOT) to FILE
  --png=FILE                 (Vigil) Draw the transition graph as a PNG picture in FILE
                             (through Graphviz's dot: apt-get install graphviz)
  -a, --all-actions          Display all possible actions in the DOT graph
  --text-fancy               Fancy text output even with --show-scores

Data Source:
  -L, --live-check           Connect to the CIB manager and use the current CIB
  -x, --xml-file=FILE        Retrieve XML from the named file
  -p, --xml-pipe             Retrieve XML from stdin

Application Options:
  -$, --version              Display software version and exit
  -V, --verbose              Increase debug output (may be specified multiple times)
  -Q, --quiet                Display only essential output

Explaining a placement (--explain=RSC):
  For each node, the resource's final score on it, then every change the
  scheduler made to that score, oldest first, one per line:

    Placement of web (primitive): assigned to node2
      node1: -INFINITY (not a candidate: negative score)
        +0          symmetric            symmetric-cluster=true allows every node
        -INFINITY   migration-threshold  fail count 3 here reached migration-threshold=3
      node2: 100
        +0          symmetric            symmetric-cluster=true allows every node
        +100        stickiness           active here, resource-stickiness=100
      node3: not allowed (no constraint or default gives it this node)

  "+N"/"-N" adds N, "=N" sets the score to N. Scores saturate at +/-INFINITY
  and -INFINITY wins over +INFINITY, so applying the lines in order to 0 gives
  the score, which is the one -s prints. The second column says what made the
  change: node-weight, symmetric, location (constraint and rule ids; "resource
  ban/move" for cli-ban-*/cli-prefer-* constraints), colocation (this resource
  placed with or against one assigned first), colocated (where a resource
  colocated with this one wants to run), stickiness, migration-threshold,
  stop-failure, probe-failure, hard-error, fatal-error, on-fail=migrate,
  on-fail=stop, multiple-active, unmanaged, stopping (target-role or failure
  handling), orphan, shutdown-lock, discovery (resource-discovery=exclusive),
  node-health and ticket (an rsc_ticket whose ticket is not granted or in
  standby). A node that is offline, unclean, shutting down, in standby
  or in maintenance keeps its score but is not a candidate, as the node line
  says.
)";
}

}  // namespace vigil::simulate
