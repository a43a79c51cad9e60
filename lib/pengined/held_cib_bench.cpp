// SPDX-License-Identifier: GPL-2.0-or-later
// vigil-pengine-membench: the memory and time of vigil-pengine's held CIB
// (bench/pengine-held runs it). Two steps, so that the process measured
// holds nothing but what the scheduler holds:
//
//   vigil-pengine-membench prepare CIB N DIR
//       vigil-cib's master: reads CIB, writes DIR/whole.xml (the CIB as the
//       master has it) and DIR/diff-1.xml .. diff-N.xml, the <cib-diff>s of
//       N results recorded in the status (each a monitor result of one
//       resource on one node, as the DC records it).
//   vigil-pengine-membench run DIR STAGE [SAVE_DIR]
//       STAGE tree: the CIB parsed (HeldCib::parse) and validated as
//             vigil-pengine does,
//             nothing else; store: that tree as a cibd::Store (digest sums);
//             scheduler: a Scheduler given the whole CIB as the daemon is
//             (payload decoded, computed, input saved after the answer when
//             SAVE_DIR is given), then each diff as its own request.
//       Prints one "key value" line per figure: VmRSS / VmHWM (MB) and the
//       heap in use (mallinfo2, MB) after each step, CPU times in ms.
#include <malloc.h>

#include <cstdio>
#include <ctime>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "held_cib.hpp"
#include "vigil/cib/validate.hpp"
#include "vigil/cibd/store.hpp"
#include "vigil/cibd/wire.hpp"
#include "vigil/common/clock.hpp"
#include "vigil/common/xml.hpp"
#include "vigil/pengined/service.hpp"

using namespace vigil;

namespace {

std::string read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw std::runtime_error("cannot read " + path);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

void write_file(const std::string& path, const std::string& text) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f << text;
  if (!f) throw std::runtime_error("cannot write " + path);
}

long status_kb(const char* key) {
  std::ifstream f("/proc/self/status");
  std::string line;
  const std::string want = std::string(key) + ":";
  while (std::getline(f, line)) {
    if (line.rfind(want, 0) == 0) return std::stol(line.substr(want.size()));
  }
  return -1;
}

void report(const std::string& when) {
  const struct mallinfo2 mi = mallinfo2();
  std::printf("%s rss_mb %.0f hwm_mb %.0f heap_mb %.0f\n", when.c_str(),
              static_cast<double>(status_kb("VmRSS")) / 1024,
              static_cast<double>(status_kb("VmHWM")) / 1024,
              static_cast<double>(mi.uordblks + mi.hblkhd) / (1024.0 * 1024.0));
  std::fflush(stdout);
}

// Times are the process's CPU time (single-threaded), which a busy shared
// machine does not inflate as it does wall time.
struct CpuClock {
  using time_point = double;
  static double now() {
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
  }
};

double ms_since(double t0) {
  return CpuClock::now() - t0;
}

template <typename T>
T need(Result<T> r, const char* what) {
  if (!r) throw std::runtime_error(std::string(what) + ": " + r.error().message());
  return std::move(r).value();
}

// The node_states' ids and, for the first one, its lrm_resources' ids.
struct Targets {
  std::vector<std::string> nodes;
  std::vector<std::string> resources;
};

Targets targets(const xmlDoc* doc) {
  Targets t;
  const xmlNode* root = xmlDocGetRootElement(const_cast<xmlDoc*>(doc));
  const xmlNode* status = xml::first_child(root, "status");
  if (status == nullptr) throw std::runtime_error("the CIB has no status");
  for (const xmlNode* ns : xml::children(status, "node_state")) {
    t.nodes.push_back(xml::attr_or(ns, "id"));
    if (!t.resources.empty()) continue;
    const xmlNode* lrm = xml::first_child(ns, "lrm");
    const xmlNode* rscs = lrm ? xml::first_child(lrm, "lrm_resources") : nullptr;
    if (rscs == nullptr) continue;
    for (const xmlNode* r : xml::children(rscs, "lrm_resource")) {
      t.resources.push_back(xml::attr_or(r, "id"));
    }
  }
  if (t.nodes.empty() || t.resources.empty()) {
    throw std::runtime_error("the CIB has no node_state with a resource history");
  }
  return t;
}

std::string monitor_result(const std::string& node, const std::string& rsc, int call, int rc) {
  const std::string key = "1:7:" + std::to_string(rc) + ":00000001-0000-4000-8000-000000000001";
  return "<node_state id=\"" + node + "\"><lrm id=\"" + node +
         "\"><lrm_resources><lrm_resource id=\"" + rsc +
         "\" class=\"ocf\" provider=\"heartbeat\" type=\"Dummy\"><lrm_rsc_op id=\"" + rsc +
         "_monitor_10000\" operation_key=\"" + rsc +
         "_monitor_10000\" operation=\"monitor\" crm-debug-origin=\"do_update_resource\" "
         "crm_feature_set=\"3.16.1\" transition-key=\"" +
         key + "\" transition-magic=\"0:" + std::to_string(rc) + ";" + key +
         "\" exit-reason=\"\" call-id=\"" + std::to_string(call) + "\" rc-code=\"" +
         std::to_string(rc) +
         "\" op-status=\"0\" interval=\"10000\" last-rc-change=\"1784115000\" "
         "exec-time=\"12\" queue-time=\"0\" op-digest=\"f2317cad3d54cec5d7d7aa7d0bf35cf8\"/>"
         "</lrm_resource></lrm_resources></lrm></node_state>";
}

int prepare(const std::string& cib, int n, const std::string& dir) {
  cibd::Store master = need(cibd::Store::from_xml(read_file(cib)), "the CIB");
  write_file(dir + "/whole.xml", master.to_xml());
  const Targets t = targets(master.doc());
  std::int64_t written = 1784110000;
  for (int i = 0; i < n; ++i) {
    cibd::CibRequest req;
    req.op = cibd::CibOp::kModify;
    req.scope = "status";
    req.payload = monitor_result(t.nodes.front(), t.resources[i % t.resources.size()], 100000 + i,
                                 i % 2 == 0 ? 7 : 0);
    req.allow_create = true;
    req.client = "crmd";
    const cibd::CibVersion before = master.version();
    auto outcome = need(master.apply(req, {"node1", "crmd", "hacluster", ++written}), "a change");
    write_file(dir + "/diff-" + std::to_string(i + 1) + ".xml",
               "<cib-diff from=\"" + before.to_string() + "\" to=\"" + outcome.current.to_string() +
                   "\" digest=\"" + master.digest() + "\" written=\"" + std::to_string(written) +
                   "\" origin=\"node1\">" + cibd::encode_request(req) + "</cib-diff>");
  }
  write_file(dir + "/diffs", std::to_string(n) + "\n");
  return 0;
}

int run(const std::string& dir, const std::string& stage, const std::string& save_dir) {
  xml::init();
  report("start");
  const int n = std::stoi(read_file(dir + "/diffs"));
  std::vector<std::string> diffs;
  for (int i = 1; i <= n; ++i)
    diffs.push_back(read_file(dir + "/diff-" + std::to_string(i) + ".xml"));
  if (stage == "tree" || stage == "store") {
    std::string text = read_file(dir + "/whole.xml");
    report("text");
    auto t0 = CpuClock::now();
    xml::DocPtr doc = need(pengined::HeldCib::parse(text), "the CIB");
    std::printf("parse_ms %.0f\n", ms_since(t0));
    t0 = CpuClock::now();
    if (auto st = cib::validate_cib(doc.get()); !st) throw std::runtime_error(st.error().message());
    std::printf("validate_ms %.0f\n", ms_since(t0));
    text = std::string();
    report("tree");
    if (stage == "store") {
      t0 = CpuClock::now();
      cibd::Store store = need(cibd::Store::from_doc(std::move(doc), false), "the store");
      std::printf("store_ms %.0f\n", ms_since(t0));
      report("store");
    }
    return 0;
  }
  if (stage != "scheduler") throw std::runtime_error("unknown stage " + stage);
  ManualClock clock;
  pengined::Scheduler scheduler(clock, {save_dir, /*defer_save=*/true});
  cibd::CibVersion base;
  {
    pengined::ComputeRequest whole;
    whole.cib_xml = read_file(dir + "/whole.xml");
    whole.now = 1784116800;
    std::string payload = pengined::encode_compute_request(whole);
    whole = {};
    report("payload");
    const auto t0 = CpuClock::now();
    // As the daemon: the request's text freed once decoded, the decoded
    // request and the answer once answered, then the input saved.
    auto decoded = need(pengined::decode_compute_request(payload), "the request");
    std::string().swap(payload);
    auto result = need(scheduler.compute(decoded), "the whole CIB");
    std::printf("whole_ms %.0f actions %d cib_read %s\n", ms_since(t0), result.summary.actions,
                result.cib_read.c_str());
    report("computed");
    decoded = {};
    if (!result.cib_version) throw std::runtime_error("the scheduler holds no CIB");
    base = *result.cib_version;
    result = {};
    const auto t1 = CpuClock::now();
    if (auto st = scheduler.write_pending_input(); !st) {
      throw std::runtime_error(st.error().message());
    }
    std::printf("save_ms %.0f\n", ms_since(t1));
    const auto t2 = CpuClock::now();
    malloc_trim(0);  // as the daemon does after it answered and saved
    std::printf("trim_ms %.0f\n", ms_since(t2));
  }
  report("whole");
  std::vector<double> took, trims;
  for (int i = 0; i < n; ++i) {
    pengined::ComputeRequest req;
    req.base = base;
    req.diffs = {diffs[i]};
    req.now = 1784116800;
    std::string payload = pengined::encode_compute_request(req);
    const auto t0 = CpuClock::now();
    auto decoded = need(pengined::decode_compute_request(payload), "the request");
    auto result = need(scheduler.compute(decoded), "a diff");
    took.push_back(ms_since(t0));
    if (result.cib_read.rfind("diffs=1", 0) != 0) {
      throw std::runtime_error("a diff was read as " + result.cib_read);
    }
    base = *result.cib_version;
    if (auto st = scheduler.write_pending_input(); !st) {
      throw std::runtime_error(st.error().message());
    }
    const auto t2 = CpuClock::now();
    malloc_trim(0);
    trims.push_back(ms_since(t2));
  }
  std::printf("diff_ms");
  for (double t : took) std::printf(" %.0f", t);
  std::printf("\ntrim_ms");
  for (double t : trims) std::printf(" %.0f", t);
  std::printf("\n");
  report("diffs");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const std::vector<std::string> args(argv + 1, argv + argc);
    if (args.size() == 4 && args[0] == "prepare")
      return prepare(args[1], std::stoi(args[2]), args[3]);
    if ((args.size() == 3 || args.size() == 4) && args[0] == "run") {
      return run(args[1], args[2], args.size() == 4 ? args[3] : "");
    }
    std::cerr << "usage: vigil-pengine-membench prepare CIB N DIR\n"
                 "       vigil-pengine-membench run DIR tree|store|scheduler [SAVE_DIR]\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "vigil-pengine-membench: " << e.what() << "\n";
    return 1;
  }
}
