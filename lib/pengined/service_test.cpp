// SPDX-License-Identifier: GPL-2.0-or-later
// vigil-pengine's service with the real scheduler on the repository's CIBs:
// graphs, saved inputs and their series, replay, bad input.
#include "vigil/pengined/service.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <random>
#include <sstream>

#include "series.hpp"
#include "vigil/common/mem_disk.hpp"
#include "vigil/common/xml.hpp"

using namespace vigil;
using namespace vigil::pengined;

namespace {

std::string read(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

bool exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

struct TempDir {
  std::string path;
  TempDir() {
    char tmpl[] = "/tmp/vigil-pengined-test-XXXXXX";
    const char* p = mkdtemp(tmpl);
    REQUIRE(p != nullptr);
    path = p;
  }
  ~TempDir() {
    const std::string cmd = "rm -rf '" + path + "'";
    (void)std::system(cmd.c_str());
  }
};

const std::string kWebCluster = std::string(VIGIL_SOURCE_DIR) + "/examples/web-cluster.xml";
const std::string kDateRule = std::string(VIGIL_SOURCE_DIR) + "/tests/scenarios/date-rule.xml";
constexpr std::int64_t kNow = 1784116800;  // 2026-07-15T12:00:00Z

// The CIB with one more cluster option.
std::string with_option(const std::string& cib, const std::string& name, const std::string& value) {
  const std::string anchor = "<cluster_property_set id=\"cib-bootstrap-options\">";
  auto pos = cib.find(anchor);
  REQUIRE(pos != std::string::npos);
  std::string out = cib;
  out.insert(pos + anchor.size(),
             "<nvpair id=\"opt-" + name + "\" name=\"" + name + "\" value=\"" + value + "\"/>");
  return out;
}

// The textbook cluster before anything ran: no operation history at all.
std::string fresh(const std::string& cib) {
  std::string out = cib;
  std::size_t from = 0;
  for (;;) {
    auto open = out.find("<lrm_resources>", from);
    if (open == std::string::npos) break;
    open += std::string("<lrm_resources>").size();
    auto close = out.find("</lrm_resources>", open);
    REQUIRE(close != std::string::npos);
    out.erase(open, close - open);
    from = open;
  }
  return out;
}

ComputeRequest request(std::string cib, std::optional<int> tid = 0) {
  ComputeRequest r;
  r.cib_xml = std::move(cib);
  r.transition_id = tid;
  r.now = kNow;
  return r;
}

}  // namespace

TEST_CASE("pengined: a CIB becomes a graph and its input is saved with the execution date") {
  TempDir dir;
  ManualClock clock;
  Scheduler scheduler(clock, {dir.path});
  auto r = scheduler.compute(request(fresh(read(kWebCluster)), 7));
  REQUIRE(r);
  CHECK(r->transition_id == 7);
  CHECK(r->graph_xml.find("<transition_graph") != std::string::npos);
  CHECK(r->graph_xml.find("transition_id=\"7\"") != std::string::npos);
  // Nothing ran yet: both resources of group myweb start, after a probe of
  // each on each node, and get their 30 s monitor.
  CHECK(r->summary.start == 2);
  CHECK(r->summary.stop == 0);
  CHECK(r->summary.actions >= 4 + 2 + 2);
  CHECK(r->input_name == "pe-input-0");
  CHECK(r->input_path == dir.path + "/pe-input-0.xml");
  CHECK(r->now == kNow);
  auto saved = xml::parse_file(r->input_path);
  REQUIRE(saved);
  CHECK(xml::attr_or(xmlDocGetRootElement(saved->get()), "execution-date") == std::to_string(kNow));
  CHECK(read(dir.path + "/pe-input.last") == "1");

  // Replaying the saved input (its execution date as "now") gives the same graph.
  ComputeRequest replay;
  replay.cib_xml = read(r->input_path);
  replay.transition_id = 7;
  replay.now = kNow;
  Scheduler other(clock, {});
  auto again = other.compute(replay);
  REQUIRE(again);
  CHECK(again->graph_xml == r->graph_xml);
  CHECK(again->input_name.empty());  // no directory: nothing saved

  // Everything already runs where it should: nothing to do.
  auto settled = scheduler.compute(request(read(kWebCluster)));
  REQUIRE(settled);
  CHECK(settled->summary.start == 0);
  CHECK(settled->summary.actions == 0);
}

TEST_CASE("pengined: the same input twice is saved once; a new one takes the next number") {
  TempDir dir;
  ManualClock clock;
  Scheduler scheduler(clock, {dir.path});
  const std::string cib = read(kWebCluster);
  auto a = scheduler.compute(request(cib));
  auto b = scheduler.compute(request(cib));
  REQUIRE(a);
  REQUIRE(b);
  CHECK(a->input_name == "pe-input-0");
  CHECK(b->input_name == "pe-input-0");
  CHECK_FALSE(exists(dir.path + "/pe-input-1.xml"));
  auto c = scheduler.compute(request(with_option(cib, "batch-limit", "5")));
  REQUIRE(c);
  CHECK(c->input_name == "pe-input-1");
}

TEST_CASE("pengined: pe-input-series-max wraps the numbers; 0 keeps nothing") {
  TempDir dir;
  ManualClock clock;
  Scheduler scheduler(clock, {dir.path});
  const std::string cib = with_option(read(kWebCluster), "pe-input-series-max", "2");
  std::vector<std::string> names;
  for (int i = 0; i < 3; ++i) {
    // Different inputs each time (a changing option), so each is saved.
    auto r = scheduler.compute(request(with_option(cib, "batch-limit", std::to_string(i + 1))));
    REQUIRE(r);
    names.push_back(r->input_name);
  }
  CHECK(names == std::vector<std::string>{"pe-input-0", "pe-input-1", "pe-input-0"});
  CHECK(read(dir.path + "/pe-input.last") == "1");

  TempDir none;
  Scheduler keeps_none(clock, {none.path});
  auto r = keeps_none.compute(request(with_option(read(kWebCluster), "pe-input-series-max", "0")));
  REQUIRE(r);
  CHECK(r->input_name.empty());
  CHECK_FALSE(exists(none.path + "/pe-input-0.xml"));
}

TEST_CASE("pengined: numbering continues after a restart") {
  TempDir dir;
  CHECK(next_sequence(real_disk(), dir.path, "pe-input", 4000) == 0);
  std::ofstream(dir.path + "/pe-input-5.xml") << "<cib/>";
  std::ofstream(dir.path + "/pe-input-12.xml") << "<cib/>";
  std::ofstream(dir.path + "/pe-input-x.xml") << "<cib/>";
  CHECK(next_sequence(real_disk(), dir.path, "pe-input", 4000) == 13);  // no .last: highest + 1
  CHECK(next_sequence(real_disk(), dir.path, "pe-input", 10) == 0);     // wrapped
  std::ofstream(dir.path + "/pe-input.last") << "3";
  CHECK(next_sequence(real_disk(), dir.path, "pe-input", 4000) == 3);  // .last wins
  ManualClock clock;
  Scheduler scheduler(clock, {dir.path});
  auto r = scheduler.compute(request(read(kWebCluster)));
  REQUIRE(r);
  CHECK(r->input_name == "pe-input-3");
}

TEST_CASE("pengined: transition ids count up unless the caller sets them") {
  ManualClock clock;
  Scheduler scheduler(clock, {});
  const std::string cib = read(kWebCluster);
  auto a = scheduler.compute(request(cib, std::nullopt));
  auto b = scheduler.compute(request(cib, std::nullopt));
  REQUIRE(a);
  REQUIRE(b);
  CHECK(a->transition_id == 1);
  CHECK(b->transition_id == 2);
  // A refused CIB takes no number.
  CHECK_FALSE(scheduler.compute(request("<cib", std::nullopt)));
  // Without "now", the clock's wall time is the execution date.
  ComputeRequest r;
  r.cib_xml = cib;
  auto c = scheduler.compute(r);
  REQUIRE(c);
  CHECK(c->transition_id == 3);
  CHECK(c->now == clock.wall_seconds());
}

TEST_CASE("pengined: recheck-by is the next time a date rule changes") {
  ManualClock clock;
  Scheduler scheduler(clock, {});
  auto r = scheduler.compute(request(read(kDateRule)));
  REQUIRE(r);
  // in_range ending 2026-08-31 stays true until the second after its end;
  // the gt rule (2027-01-01) changes later; date_spec sets nothing.
  CHECK(r->recheck_by == 1788134400 + 1);
}

TEST_CASE("pengined: bad input is refused; a CIB that parses is kept as pe-error") {
  TempDir dir;
  ManualClock clock;
  Scheduler scheduler(clock, {dir.path});
  auto garbage = scheduler.compute(request("this is not xml <"));
  REQUIRE_FALSE(garbage);
  CHECK(garbage.error().code() == ErrorCode::kInvalidInput);
  CHECK_FALSE(exists(dir.path + "/pe-error-0.xml"));

  auto not_cib = scheduler.compute(request("<html/>"));
  REQUIRE_FALSE(not_cib);
  CHECK(not_cib.error().message().find("<cib>") != std::string::npos);

  std::string invalid = read(kWebCluster);
  auto pos = invalid.find("<nodes>");
  REQUIRE(pos != std::string::npos);
  invalid.insert(pos, "<bogus-section/>");
  auto refused = scheduler.compute(request(invalid));
  REQUIRE_FALSE(refused);
  CHECK(refused.error().message().find("pe-error-0.xml") != std::string::npos);
  CHECK(exists(dir.path + "/pe-error-0.xml"));
  CHECK_FALSE(exists(dir.path + "/pe-input-0.xml"));

  // Still serving.
  auto fine = scheduler.compute(request(read(kWebCluster)));
  REQUIRE(fine);
  CHECK(fine->input_name == "pe-input-0");
}

TEST_CASE("pengined protocol: requests and answers survive encoding; junk is refused") {
  ComputeRequest r;
  r.cib_xml = "<cib a=\"&amp;\"><!-- ]]> --></cib>";
  r.transition_id = 3;
  r.now = 99;
  auto back = decode_compute_request(encode_compute_request(r));
  REQUIRE(back);
  CHECK(back->cib_xml == r.cib_xml);
  CHECK(back->transition_id == 3);
  CHECK(back->now == 99);

  ComputeResult res;
  res.graph_xml = "<transition_graph transition_id=\"3\"/>\n";
  res.transition_id = 3;
  res.input_name = "pe-input-4";
  res.input_path = "/var/lib/vigil/pengine/pe-input-4.xml";
  res.now = 99;
  res.recheck_by = 120;
  res.summary.start = 2;
  res.summary.actions = 5;
  res.warnings = {"watch <out>"};
  auto res_back = decode_compute_result(encode_compute_result(res));
  REQUIRE(res_back);
  CHECK(res_back->graph_xml == res.graph_xml);
  CHECK(res_back->input_name == "pe-input-4");
  CHECK(res_back->input_path == res.input_path);
  CHECK(res_back->recheck_by == 120);
  CHECK(res_back->summary.start == 2);
  CHECK(res_back->summary.actions == 5);
  CHECK(res_back->warnings == res.warnings);

  for (const char* junk :
       {"", "garbage", "<pengine-compute/>",
        "<pengine-compute transition-id=\"x\">&lt;cib/&gt;</pengine-compute>",
        "<pengine-compute now=\"-1\">&lt;cib/&gt;</pengine-compute>", "<other/>"}) {
    INFO(junk);
    CHECK_FALSE(decode_compute_request(junk));
  }
  ManualClock clock;
  Scheduler scheduler(clock, {});
  auto answer = scheduler.handle("<other/>");
  REQUIRE_FALSE(answer);
  CHECK(answer.error().code() == ErrorCode::kUnsupported);
}

TEST_CASE("pengined in-process adapter: answers later, like the socket") {
  ManualClock clock;
  Scheduler scheduler(clock, {});
  InProcessScheduler access(scheduler, clock);
  std::optional<Result<ComputeResult>> got;
  access.compute(request(fresh(read(kWebCluster))), [&](Result<ComputeResult> r) { got = r; });
  CHECK_FALSE(got.has_value());
  clock.run_due();
  REQUIRE(got.has_value());
  REQUIRE(*got);
  CHECK((*got)->summary.start == 2);
}

TEST_CASE("pengined: mutated requests are refused or scheduled, the scheduler keeps serving") {
  ManualClock clock;
  Scheduler scheduler(clock, {});
  ComputeRequest good = request(read(kWebCluster));
  const std::string payload = encode_compute_request(good);
  std::mt19937 rng(20261125);
  int refused = 0;
  for (int i = 0; i < 200; ++i) {
    std::string m = payload;
    for (int e = 0; e < 3; ++e) {
      const std::size_t pos = rng() % m.size();
      if (rng() % 2 == 0) {
        m[pos] = static_cast<char>(rng() % 256);
      } else {
        m.erase(pos, 1 + rng() % 16);
      }
    }
    auto answer = scheduler.handle(m);
    if (!answer) {
      ++refused;
      CHECK_FALSE(answer.error().message().empty());
    }
  }
  CHECK(refused > 0);
  auto fine = scheduler.compute(good);
  REQUIRE(fine);
  CHECK(fine->graph_xml.find("<transition_graph") != std::string::npos);
}

// Saved inputs when the disk fails (MemDisk): what the scheduler does today.
TEST_CASE("pengined: a full disk loses the input, not the graph; the number is used again") {
  MemDisk disk;
  REQUIRE(disk.make_dirs("/pe", 0750));
  ManualClock clock;
  Scheduler scheduler(clock, {"/pe"}, disk);
  const std::string cib = read(kWebCluster);
  disk.inject({MemDisk::Op::kAppend, "pe-input-0.xml", ENOSPC, 0, 1, 512});
  auto r = scheduler.compute(request(cib));
  REQUIRE(r);
  CHECK(r->graph_xml.find("<transition_graph") != std::string::npos);
  CHECK(r->input_name.empty());
  REQUIRE(r->warnings.size() == 1);
  CHECK(r->warnings[0].rfind("could not save the scheduler input: write /pe/pe-input-0.xml.tmp-",
                             0) == 0);
  CHECK(r->warnings[0].find("No space left on device") != std::string::npos);
  CHECK(disk.files().empty());  // no part of it, no .last
  // The same input again is saved now (it was not saved before), as number 0.
  auto again = scheduler.compute(request(cib));
  REQUIRE(again);
  CHECK(again->input_name == "pe-input-0");
  CHECK(disk.contents("/pe/pe-input.last") == "1");
}

TEST_CASE("pengined: killed between pe-input-N.xml and .last, the restarted scheduler reuses N") {
  MemDisk disk;
  REQUIRE(disk.make_dirs("/pe", 0750));
  ManualClock clock;
  const std::string cib = read(kWebCluster);
  {
    Scheduler scheduler(clock, {"/pe"}, disk);
    REQUIRE(scheduler.compute(request(cib))->input_name == "pe-input-0");
    disk.inject({MemDisk::Op::kRename, "pe-input.last", EIO, 0, 1, 0, true});
    auto r = scheduler.compute(request(with_option(cib, "batch-limit", "5")));
    REQUIRE(r);
    CHECK(r->input_name.empty());  // reported as not saved, though pe-input-1.xml was written
  }
  const auto written = disk.contents("/pe/pe-input-1.xml");
  REQUIRE(written);
  CHECK(written->find("batch-limit") != std::string::npos);

  SECTION("the machine stayed up: .last still says 1, and file 1 is overwritten") {
    disk.restart(false);
    Scheduler scheduler(clock, {"/pe"}, disk);
    auto r = scheduler.compute(request(with_option(cib, "batch-limit", "6")));
    REQUIRE(r);
    CHECK(r->input_name == "pe-input-1");
    CHECK(disk.contents("/pe/pe-input-1.xml")->find("\"6\"") != std::string::npos);
  }
  SECTION("power loss: inputs are never synced, so none survives and numbering restarts") {
    disk.restart(true);
    CHECK(disk.files().empty());
    Scheduler scheduler(clock, {"/pe"}, disk);
    CHECK(scheduler.compute(request(cib))->input_name == "pe-input-0");
  }
}

TEST_CASE("pengined: the saved input is the CIB as sent, its execution date set") {
  TempDir dir;
  ManualClock clock;
  Scheduler scheduler(clock, {dir.path});
  // An execution date already there (with blanks around '='), another
  // attribute whose value holds '>' and the name itself, and a comment first.
  std::string cib = fresh(read(kWebCluster));
  const auto root = cib.find("<cib ");
  REQUIRE(root != std::string::npos);
  cib.insert(root + 5, "execution-date = '12' cib-last-written=\"a > execution-date='3'\" ");
  cib.insert(root, "<!-- <cib not-this-one=\"1\"> -->\n");
  auto r = scheduler.compute(request(cib, 1));
  REQUIRE(r);
  const std::string saved_text = read(r->input_path);
  auto saved = xml::parse_string(saved_text, "saved");
  REQUIRE(saved);
  const xmlNode* saved_root = xmlDocGetRootElement(saved->get());
  CHECK(xml::attr_or(saved_root, "execution-date") == std::to_string(kNow));
  CHECK(xml::attr_or(saved_root, "cib-last-written") == "a > execution-date='3'");
  CHECK(saved_text.find("not-this-one") != std::string::npos);
  // Everything after the root's start tag is byte for byte what was sent.
  const auto tail = cib.substr(cib.find("<configuration"));
  CHECK(saved_text.substr(saved_text.size() - tail.size()) == tail);
  // Without an execution date, one is added.
  std::string plain = fresh(read(kWebCluster));
  auto r2 = scheduler.compute(request(with_option(plain, "stonith-timeout", "61s"), 2));
  REQUIRE(r2);
  auto saved2 = xml::parse_file(r2->input_path);
  REQUIRE(saved2);
  CHECK(xml::attr_or(xmlDocGetRootElement(saved2->get()), "execution-date") ==
        std::to_string(kNow));
}

TEST_CASE("pengined: with defer_save the input is named at once and written afterwards") {
  TempDir dir;
  ManualClock clock;
  SchedulerOptions options{dir.path};
  options.defer_save = true;
  Scheduler scheduler(clock, options);
  auto r = scheduler.compute(request(read(kWebCluster)));
  REQUIRE(r);
  CHECK(r->input_name == "pe-input-0");
  CHECK_FALSE(exists(r->input_path));
  REQUIRE(scheduler.write_pending_input());
  REQUIRE(exists(r->input_path));
  CHECK(read(dir.path + "/pe-input.last") == "1");
  CHECK(scheduler.write_pending_input());  // nothing pending: nothing to do
  // A run whose input was never written writes it first.
  auto changed = scheduler.compute(request(fresh(read(kWebCluster))));
  REQUIRE(changed);
  CHECK(changed->input_name == "pe-input-1");
  auto next = scheduler.compute(request(read(kWebCluster)));
  REQUIRE(next);
  CHECK(exists(changed->input_path));
  CHECK(next->input_name == "pe-input-2");
}
