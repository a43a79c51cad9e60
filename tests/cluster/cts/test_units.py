#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The CTS suite's pure parts, without root or a cluster: the two-pass
double-activity rule, the executor-history reading, the local-address
parser, the crash-log reader and what it lets through, and Reattach's
reading of resource activity in the logs and of rsc_defaults."""
import os
import sys
import tempfile
import unittest
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.realpath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))
import invariants  # noqa: E402
import nodeview  # noqa: E402
import tests as cts_tests  # noqa: E402


class Doubled(unittest.TestCase):
    def test_on_two_nodes_in_both_passes(self):
        first = {1: {"VIP"}, 2: {"VIP"}, 3: set()}
        self.assertEqual(invariants.ActiveWatcher.doubled(first, dict(first)), {"VIP": [1, 2]})

    def test_a_move_between_reads_is_not_a_double(self):
        # node1 read before the move, node2 after it; the backward pass sees
        # node2 only.
        first = {1: {"VIP"}, 2: {"VIP"}, 3: set()}
        second = {3: set(), 2: {"VIP"}, 1: set()}
        self.assertEqual(invariants.ActiveWatcher.doubled(first, second), {})

    def test_one_node_is_fine(self):
        first = {1: {"VIP", "Web"}, 2: set()}
        self.assertEqual(invariants.ActiveWatcher.doubled(first, first), {})


def rsc(*results):
    xml = "<lrmd-rsc id='r'>" + "".join(
        "<last-result call-id='%d' action='%s' interval-ms='%d' rc='%d' op-status='%d'/>" % r
        for r in results) + "</lrmd-rsc>"
    return ET.fromstring(xml)


class History(unittest.TestCase):
    def test_started(self):
        self.assertTrue(nodeview.running_from_history(rsc((3, "start", 0, 0, 0))))

    def test_the_latest_result_decides(self):
        self.assertFalse(nodeview.running_from_history(
            rsc((3, "start", 0, 0, 0), (5, "stop", 0, 0, 0), (4, "monitor", 5000, 0, 0))))
        self.assertTrue(nodeview.running_from_history(
            rsc((7, "start", 0, 0, 0), (5, "stop", 0, 0, 0))))

    def test_monitors(self):
        self.assertTrue(nodeview.running_from_history(rsc((2, "monitor", 0, 0, 0))))
        self.assertTrue(nodeview.running_from_history(rsc((2, "monitor", 0, 8, 0))))
        self.assertFalse(nodeview.running_from_history(rsc((2, "monitor", 0, 7, 0))))

    def test_failed_or_unfinished_is_not_counted(self):
        self.assertFalse(nodeview.running_from_history(rsc((2, "start", 0, 1, 0))))
        self.assertFalse(nodeview.running_from_history(rsc((2, "start", 0, 0, 2))))
        self.assertFalse(nodeview.running_from_history(rsc()))


FIB = """Main:
  +-- 0.0.0.0/0 3 0 5
     +-- 10.98.4.0/24 2 0 2
        +-- 10.98.4.0/30 2 0 2
           |-- 10.98.4.0
              /24 link UNICAST
           |-- 10.98.4.2
              /32 host LOCAL
        |-- 10.98.4.100
           /32 host LOCAL
        |-- 10.98.4.255
           /32 link BROADCAST
"""


class Addresses(unittest.TestCase):
    def test_local_addresses_only(self):
        self.assertEqual(set(nodeview.FIB_LOCAL.findall(FIB)), {"10.98.4.2", "10.98.4.100"})


class FakeCluster:
    def __init__(self, work):
        self.work = work

    def nodes(self):
        return range(1, 3)

    def node_dir(self, i):
        return os.path.join(self.work, "n%d" % i)


class Crashes(unittest.TestCase):
    def test_new_lines_only_and_what_is_allowed(self):
        with tempfile.TemporaryDirectory() as work:
            c = FakeCluster(work)
            for i in c.nodes():
                os.makedirs(os.path.join(c.node_dir(i), "log-vigil"))
            log1 = os.path.join(c.node_dir(1), "log-vigil", "vigil.log")
            with open(log1, "w") as f:
                f.write('Dec 07 05:53:04 vigild[7] error: event=child-crashed child=vigil-cib '
                        'pid=9 how="killed by SIGKILL"\n')
            crashes = invariants.CrashLog(c)  # what was there before is not new
            with open(log1, "a") as f:
                f.write('Dec 07 05:54:04 vigild[7] error: event=child-crashed child=vigil-lrmd '
                        'pid=10 how="killed by SIGKILL"\n'
                        'Dec 07 05:54:05 vigild[7] error: event=child-crashed child=vigil-crmd '
                        'pid=11 how="killed by SIGSEGV (core dumped)"\n'
                        'Dec 07 05:54:06 vigild[7] error: event=child-kill child=vigil-crmd '
                        'pid=12 reason="still running 30000 ms after SIGTERM"\n')
            got = crashes.take()
            self.assertEqual([(n, k, d) for n, k, d, _how, _line in got],
                             [(1, "crashed", "vigil-lrmd"), (1, "crashed", "vigil-crmd"),
                              (1, "kill", "vigil-crmd")])
            self.assertEqual(crashes.take(), [])

            def everything(n, d, how):
                return True
            bad = invariants.unexpected_crashes(got, everything)
            # a segmentation fault and a stop escalation are never the test's doing
            self.assertEqual([x[2] for x in bad], ["vigil-crmd", "vigil-crmd"])
            self.assertEqual(len(invariants.unexpected_crashes(got, lambda n, d, h: False)), 3)


LOG = """\
Dec 07 12:01:02 vigil-crmd[81] info: event=exec rsc=Web op=monitor interval=0 key=3:1:7:u
Dec 07 12:01:03 vigil-crmd[81] info: event=exec rsc=Pulse op=monitor interval=5000 key=9:1:0:u
Dec 07 12:01:04 vigil-crmd[81] info: event=exec rsc=fence-node2 op=start interval=0 key=4:2:0:u
Dec 07 12:01:05 vigil-crmd[81] info: event=exec rsc=VIP op=stop interval=0 key=5:2:0:u
Dec 07 12:01:06 vigil-crmd[81] info: event=exec rsc=Web op=migrate_to interval=0 key=6:2:0:u
Dec 07 12:01:07 vigil-crmd[81] info: event=exec rsc=fence-node3 op=stop interval=0 key=7:2:0:u
Dec 07 12:01:08 vigil-crmd[81] info: event=result node=node1 op=VIP_start_0 rc=0 status=0
Dec 07 12:01:09 vigil-crmd[81] info: event=exec rsc=Pulse:1 op=promote interval=0 key=8:2:0:u
"""


class Activity(unittest.TestCase):
    def test_starts_stops_and_migrations_but_not_probes_or_monitors(self):
        self.assertEqual(cts_tests.resource_activity(LOG),
                         [("fence-node2", "start"), ("VIP", "stop"), ("Web", "migrate_to"),
                          ("fence-node3", "stop"), ("Pulse:1", "promote")])

    def test_only_starts_of_the_ignored_are_left_out(self):
        self.assertEqual(cts_tests.resource_activity(LOG, {"fence-node2", "fence-node3"}),
                         [("VIP", "stop"), ("Web", "migrate_to"), ("fence-node3", "stop"),
                          ("Pulse:1", "promote")])

    def test_nothing(self):
        self.assertEqual(cts_tests.resource_activity(LOG.splitlines()[0] + "\n"), [])


class RscDefaults(unittest.TestCase):
    def doc(self, sets):
        return ET.fromstring("<cib><configuration><crm_config/><rsc_defaults>%s</rsc_defaults>"
                             "<op_defaults><meta_attributes id='o'><nvpair id='o1' "
                             "name='is-managed' value='op'/></meta_attributes></op_defaults>"
                             "</configuration></cib>" % sets)

    def test_set_and_absent(self):
        doc = self.doc("<meta_attributes id='m'><nvpair id='m1' name='is-managed' "
                       "value='false'/></meta_attributes>")
        self.assertEqual(nodeview.rsc_default(doc, "is-managed"), "false")
        self.assertIsNone(nodeview.rsc_default(doc, "resource-stickiness"))

    def test_removed_is_none_and_op_defaults_do_not_count(self):
        self.assertIsNone(nodeview.rsc_default(self.doc("<meta_attributes id='m'/>"),
                                               "is-managed"))
        self.assertIsNone(nodeview.rsc_default(self.doc(""), "is-managed"))


if __name__ == "__main__":
    unittest.main()
