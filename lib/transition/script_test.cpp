// SPDX-License-Identifier: GPL-2.0-or-later
// Data-driven runner tests in etcd raft's style: each file under
// testdata/runner/ describes a graph, then a script of events, each followed
// by the effects expected ("> " lines). The expectations are written by hand
// from Pacemaker's rules; VIGIL_REWRITE=1 rewrites the files with what the
// runner did, to be reviewed as a diff, never accepted blindly.
//
// Graph lines:   ID KIND OP NODE PRIORITY INPUTS [key=value ...]
//                (KIND: rsc_op, pseudo, event, fence; INPUTS: "-" or "1,2")
//                "graph key=value ..." adds <transition_graph> attributes.
// Commands:      start | confirm ID ok|failed|timedout|cancelled |
//                advance MS | abort PRIORITY REASON... | stop
// Effects:       > fire ID KEY NODE | > lost ID | > error MESSAGE |
//                > done RESULT completed=N skipped=N incomplete=N failed=N reason=...
//                > stopped in_flight=N
#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>

#include "golden_files.hpp"
#include "vigil/transition/runner.hpp"

using namespace vigil;
using namespace vigil::transition;

namespace {

std::vector<std::string> words(const std::string& line) {
  std::istringstream in(line);
  std::vector<std::string> w;
  std::string s;
  while (in >> s) w.push_back(s);
  return w;
}

std::string graph_from(const std::vector<std::string>& lines) {
  std::string graph_attrs;
  std::string body;
  int synapse = 0;
  for (const auto& line : lines) {
    auto w = words(line);
    if (w.empty() || w[0][0] == '#') continue;
    if (w[0] == "graph") {
      for (std::size_t i = 1; i < w.size(); ++i) {
        auto eq = w[i].find('=');
        graph_attrs += " " + w[i].substr(0, eq) + "=\"" + w[i].substr(eq + 1) + "\"";
      }
      continue;
    }
    REQUIRE(w.size() >= 6);
    const std::string &id = w[0], &kind = w[1], &op = w[2], &node = w[3];
    std::string el = kind == "rsc_op" ? "rsc_op" : kind == "pseudo" ? "pseudo_event" : "crm_event";
    std::string fence_op = kind == "fence" ? "stonith" : op;
    body += "<synapse id=\"" + std::to_string(synapse++) + "\" priority=\"" + w[4] +
            "\"><action_set><" + el + " id=\"" + id + "\" operation=\"" + fence_op +
            "\" operation_key=\"r" + id + "_" + op + "_0\"";
    if (el != "pseudo_event") body += " on_node=\"" + node + "\" on_node_uuid=\"" + node + "\"";
    body += ">";
    if (el == "rsc_op") body += "<primitive id=\"r" + id + "\" class=\"ocf\" type=\"Dummy\"/>";
    body += "<attributes CRM_meta_timeout=\"20000\"";
    for (std::size_t i = 6; i < w.size(); ++i) {
      auto eq = w[i].find('=');
      body += " CRM_meta_" + w[i].substr(0, eq) + "=\"" + w[i].substr(eq + 1) + "\"";
    }
    body += "/></" + el + "></action_set><inputs>";
    if (w[5] != "-") {
      std::istringstream in(w[5]);
      std::string tok;
      while (std::getline(in, tok, ',')) body += "<trigger><rsc_op id=\"" + tok + "\"/></trigger>";
    }
    body += "</inputs></synapse>";
  }
  return "<transition_graph cluster-delay=\"10s\" stonith-timeout=\"30s\" transition_id=\"1\"" +
         graph_attrs + ">" + body + "</transition_graph>";
}

struct TraceSink : ActionSink {
  std::vector<std::string>* out = nullptr;
  Status fire(const GraphAction& a) {
    out->push_back("> fire " + std::to_string(a.id) + " " + a.operation_key + " " + a.on_node);
    return ok_status();
  }
  Status execute_rsc_op(const GraphAction& a) override { return fire(a); }
  Status execute_cluster_event(const GraphAction& a) override { return fire(a); }
  Status execute_fence(const GraphAction& a) override { return fire(a); }
  void action_timed_out(const GraphAction& a) override {
    out->push_back("> lost " + std::to_string(a.id));
  }
};

std::string done_line(const RunSummary& s) {
  return "> done " + std::string(to_string(s.result)) +
         " completed=" + std::to_string(s.completed) + " skipped=" + std::to_string(s.skipped) +
         " incomplete=" + std::to_string(s.incomplete) + " failed=" + std::to_string(s.failed) +
         " reason=" + (s.abort_reason.empty() ? "-" : s.abort_reason);
}

// Runs a script file; returns the transcript it should have been.
std::string run_script(const std::string& text) {
  std::istringstream in(text);
  std::string line;
  std::vector<std::string> graph_lines, out;
  bool in_graph = true;
  std::optional<Runner> runner;
  ManualClock clock;
  TraceSink sink;
  sink.out = &out;
  while (std::getline(in, line)) {
    if (in_graph) {
      out.push_back(line);
      if (line == "----") {
        in_graph = false;
        auto g = parse_graph(graph_from(graph_lines));
        if (!g) FAIL(g.error().message());
        runner.emplace(std::move(g).value(), clock, sink,
                       [&](const RunSummary& s) { out.push_back(done_line(s)); });
      } else {
        graph_lines.push_back(line);
      }
      continue;
    }
    if (line.rfind("> ", 0) == 0) continue;  // expectations are regenerated
    out.push_back(line);
    auto w = words(line);
    if (w.empty() || w[0][0] == '#') continue;
    if (w[0] == "start") {
      runner->start();
    } else if (w[0] == "confirm" && w.size() == 3) {
      ActionOutcome o = w[2] == "ok"         ? ActionOutcome::kOk
                        : w[2] == "failed"   ? ActionOutcome::kFailed
                        : w[2] == "timedout" ? ActionOutcome::kTimedOut
                                             : ActionOutcome::kCancelled;
      Status st = runner->confirm(std::atoi(w[1].c_str()), o);
      if (!st) out.push_back("> error " + st.error().message());
    } else if (w[0] == "advance" && w.size() == 2) {
      clock.advance(Duration(std::atoll(w[1].c_str())));
    } else if (w[0] == "abort" && w.size() >= 3) {
      std::string reason = line.substr(line.find(w[2], line.find(w[1]) + w[1].size()));
      runner->abort(std::atoi(w[1].c_str()), reason);
    } else if (w[0] == "stop") {
      out.push_back("> stopped in_flight=" + std::to_string(runner->stop().in_flight));
    } else {
      FAIL("unknown command: " << line);
    }
  }
  std::string result;
  for (const auto& l : out) result += l + "\n";
  return result;
}

}  // namespace

TEST_CASE("runner scripts") {
  vigil::testing::check_golden_files(
      std::filesystem::path(VIGIL_SOURCE_DIR) / "lib" / "transition" / "testdata" / "runner", 3,
      run_script);
}
