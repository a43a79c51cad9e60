// SPDX-License-Identifier: GPL-2.0-or-later
// Data-driven tests of the controller's state machine, in etcd raft's
// style: each file under testdata/machine/ is a script of inputs, each
// followed by the effects the machine queued ("> " lines). Expectations are
// reviewed by hand against Pacemaker's controller; VIGIL_REWRITE=1 rewrites
// the files with what the machine did, to be read as a diff, never accepted
// blindly. The scripts together must enter every state and use every input
// kind (checked at the end).
//
// Inputs (node N is "nodeN"; a CPG member is N, or N:PID after a restart):
//   start self=N nodes=1,2 [members=1,2] [quorate=no]
//   option NAME=VALUE           ControllerOptions before start (alerts=1, respawn_grace,
//                               dc_deadtime, recheck_interval: milliseconds)
//   view MEMBERS [joined=..] [left=..]     the vigil-crmd group
//   membership MEMBERS [joined=..] [left=..]
//   quorum yes|no
//   recv FROM <crmd .../>       a CPG message (recv FROM raw TEXT: anything)
//   recv FROM history [fresh] [OP ...]     OP: rsc:task:interval:rc
//   recv FROM result OP [action=ID]        ID: the graph action it answers
//   recv FROM attr NODE NAME [VALUE] | recv FROM cleanup RSC [NODE]
//   cib-changed config|replace|status ORIGIN [from=A:E:N to=A:E:N]   (status: as notified)
//   exec-event OP [action=ID]   a local executor result
//   advance MS                  fires the timers that fall due
//   send-failed TYPE            the driver could not send the last such message
//   deliver TYPE                the last such message sent, back to this node
//   fence-event TARGET ACTION ok|failed [by=N] [client=C] [origin=N] [created=S]
//               [completed=S] [reason=TEXT]   (wall seconds, default now)
//                               the fencer tells of a fencing operation that ended
//   shutdown | attr NODE NAME [VALUE] | cleanup RSC [NODE]
//   cib-answer [#T] FILE [version=A:E:N]|error MESSAGE     (FILE under testdata/machine/)
//   written [#T] [error MESSAGE]
//   exec-answer [#T] [error MESSAGE] | executor-answer [#T] [error MESSAGE]
//   history-answer [#T] [OP ...]
//   fencer-answer [#T] [error io|invalid|unsupported MESSAGE]
//   scheduler-answer [#T] FILE [recheck_by=S] [holds=A:E:N]   (holds: the CIB it keeps)
//   scheduler-answer [#T] error io|invalid|not-found MSG
//   status                      prints the ControllerStatus
// Without #T an answer goes to the oldest outstanding request of its kind.
#include "machine_script.hpp"

#include <catch2/catch.hpp>

#include "golden_files.hpp"

using namespace vigil;
using namespace vigil::controller;
using namespace vigil::controller::script;

TEST_CASE("controller state machine scripts") {
  std::set<State> states;
  std::set<std::size_t> inputs;
  vigil::testing::check_golden_files(data_dir(), 8, [&](const std::string& text) {
    Script script;
    std::string transcript = script.run(text);
    states.insert(script.states_seen.begin(), script.states_seen.end());
    inputs.insert(script.inputs_seen.begin(), script.inputs_seen.end());
    return transcript;
  });
  if (std::getenv("VIGIL_SCRIPT")) return;  // a selection need not cover everything
  // Every state entered and every input kind taken by some script.
  for (int s = 0; s < kStateCount; ++s) {
    INFO("state " << to_string(static_cast<State>(s)));
    CHECK(states.count(static_cast<State>(s)) == 1);
  }
  for (std::size_t i = 0; i < kInputKinds; ++i) {
    INFO("input kind " << input_kind_name(i));
    CHECK(inputs.count(i) == 1);
  }
}
