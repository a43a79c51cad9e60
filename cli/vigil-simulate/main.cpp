// SPDX-License-Identifier: GPL-2.0-or-later
// vigil-simulate: crm_simulate's options and output over Vigil's scheduler.
// A thin main: read the CIB, inject changes, schedule, print, execute.
#include <dirent.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>

#include "options.hpp"
#include "vigil/cib/cib.hpp"
#include "vigil/cib/validate.hpp"
#include "vigil/cibclient/client.hpp"
#include "vigil/common/time.hpp"
#include "vigil/common/xml.hpp"
#include "vigil/pengine/graph.hpp"
#include "vigil/pengine/output.hpp"
#include "vigil/pengine/simulate.hpp"
#include "vigil/pengine/working_set.hpp"
#include "vigil/picture/picture.hpp"
#include "vigil/transition/graph.hpp"
#include "vigil/transition/simulation.hpp"

using namespace vigil;

namespace {

// Exit codes of crm_simulate (CRM_EX_*).
constexpr int kExitOk = 0, kExitError = 1, kExitUsage = 64, kExitDataErr = 65, kExitNoInput = 66,
              kExitSoftware = 70, kExitCantCreate = 73, kExitConfig = 78, kExitNoSuch = 105;

// VIGIL_TIMING=1 prints how long each stage took (stderr), for benchmarks.
struct StageTimer {
  bool on = std::getenv("VIGIL_TIMING") != nullptr;
  std::chrono::steady_clock::time_point last = std::chrono::steady_clock::now();
  void mark(const char* stage) {
    if (!on) return;
    auto now = std::chrono::steady_clock::now();
    std::fprintf(stderr, "timing: %-10s %8.3f s\n", stage,
                 std::chrono::duration<double>(now - last).count());
    last = now;
  }
};

int fail(int code, const std::string& msg) {
  std::cerr << "vigil-simulate: " << msg << "\n";
  return code;
}

// A model of the document as it is now. The model points into nothing of
// the document, so it is read in place: a copy of a large CIB's tree would
// double the peak, and freeing it fragments the heap for the rest of the run.
Result<std::unique_ptr<cib::Cib>> model_of(const xmlDoc* doc) {
  return cib::Cib::from_tree(doc, "CIB");
}

// Whether the file holds anything but whitespace (looked at up to the first
// character that is not).
bool has_content(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  char c = 0;
  while (f.get(c)) {
    if (c != ' ' && c != '\t' && c != '\r' && c != '\n') return true;
  }
  return false;
}

bool write_file(const std::string& path, const std::string& text) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  if (!f) return false;
  f << text;
  return static_cast<bool>(f);
}

std::string doc_text(xmlDoc* doc) {
  return xml::to_string(doc, true) + "\n";
}

// Plain text mode (-s without --text-fancy): no headers and no bullets.
std::string plain(const std::string& fancy) {
  std::istringstream in(fancy);
  std::string line, out;
  while (std::getline(in, line)) {
    if (!line.empty() && line[0] != ' ' && line.back() == ':' &&
        line.find('\t') == std::string::npos) {
      continue;  // section header
    }
    size_t i = line.find_first_not_of(' ');
    if (i != std::string::npos && line.compare(i, 2, "* ") == 0) {
      std::string rest = line.substr(i + 2);
      if (rest == "Node List:" || rest == "Full List of Resources:" ||
          rest.rfind("Resource Group:", 0) == 0) {
        continue;
      }
      // Node lists lose their names ("Online", "OFFLINE", "RemoteOnline" ...).
      for (const char* list : {"Online: [", "OFFLINE: [", "RemoteOnline: [", "RemoteOFFLINE: [",
                               "GuestOnline: [", "GuestOFFLINE: ["}) {
        std::string_view name(list);
        if (rest.rfind(name, 0) == 0) {
          rest.erase(0, name.size() - 1);
          break;
        }
      }
      out += rest + "\n";
    } else {
      out += line + "\n";
    }
  }
  return out;
}

struct Run {
  simulate::Options opt;
  EpochSeconds now = 0;
  bool fancy = true;
  std::string out;  // stdout text
};

Status compute_now(Run& r, const std::string& execution_date, bool print) {
  if (!r.opt.date.empty()) {
    auto t = parse_iso8601(r.opt.date);
    if (!t)
      return Error(ErrorCode::kInvalidInput,
                   "invalid date '" + r.opt.date + "' for --set-datetime");
    r.now = *t;
    if (print && !r.opt.quiet) r.out += "Setting effective cluster time: " + r.opt.date + "\n";
  } else if (!execution_date.empty()) {
    r.now = std::atoll(execution_date.c_str());
    if (print && !r.opt.quiet) {
      r.out += "Using the original execution date of: " + format_iso8601(r.now) + "\n";
    }
  } else {
    r.now = std::time(nullptr);
  }
  return ok_status();
}

int profile(const simulate::Options& opt) {
  DIR* d = opendir(opt.profile_dir.c_str());
  if (!d) return fail(kExitNoInput, "cannot open directory " + opt.profile_dir);
  std::vector<std::string> files;
  while (dirent* e = readdir(d)) {
    std::string n = e->d_name;
    if (n.size() > 4 && n.compare(n.size() - 4, 4, ".xml") == 0)
      files.push_back(opt.profile_dir + "/" + n);
  }
  closedir(d);
  std::sort(files.begin(), files.end());
  for (const auto& f : files) {
    auto start = std::chrono::steady_clock::now();
    for (long i = 0; i < std::max(1L, opt.repeat); ++i) {
      auto cib = cib::Cib::from_file(f);
      if (!cib) break;
      pengine::Options po;
      po.now = std::time(nullptr);
      pengine::WorkingSet ws(**cib, po);
      (void)pengine::schedule(ws);
    }
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("Testing %s ... %.2f secs\n", f.c_str(), secs);
  }
  return kExitOk;
}

// The whole CIB from the local vigil-cib (VIGIL_RUN_DIR/cib.sock).
Result<xml::DocPtr> query_live_cib() {
  boost::asio::io_context io;
  cibclient::CibClient client(io);
  client.set_client_name("vigil-simulate");
  const std::string path = cibclient::default_socket_path();
  if (auto st = client.connect(path); !st) {
    return Error(ErrorCode::kIo, "cannot reach vigil-cib at " + path + ": " + st.error().message() +
                                     " (is the cluster running on this node?)");
  }
  auto reply = client.query_sync("");
  if (!reply) return reply.error();
  return xml::parse_string(reply->xml, "the CIB from vigil-cib");
}

// A large CIB makes the scheduler allocate hundreds of megabytes in small
// pieces, and with 4 KiB pages every new page costs a fault: a quarter of the
// run at 64 nodes / 4000 resources. glibc backs its heap with transparent huge
// pages when the tunable glibc.malloc.hugetlb=1 is set at start-up, so a
// first start sets it and executes itself again. VIGIL_HUGEPAGES=0 turns
// this off; where exec fails, the run goes on with normal pages.
void prefer_huge_pages(char** argv) {
  if (const char* v = std::getenv("VIGIL_HUGEPAGES"); v && std::strcmp(v, "0") == 0) return;
  const char* tunables = std::getenv("GLIBC_TUNABLES");
  if (tunables && std::strstr(tunables, "glibc.malloc.hugetlb")) return;
  std::string set = "glibc.malloc.hugetlb=1";
  if (tunables && *tunables) set = std::string(tunables) + ":" + set;
  if (setenv("GLIBC_TUNABLES", set.c_str(), 1) != 0) return;
  execv("/proc/self/exe", argv);
  if (tunables) {
    setenv("GLIBC_TUNABLES", tunables, 1);
  } else {
    unsetenv("GLIBC_TUNABLES");
  }
}

}  // namespace

int main(int argc, char** argv) {
  prefer_huge_pages(argv);
  xml::init();
  auto parsed = simulate::parse_options(argc, argv);
  if (!parsed) return fail(kExitUsage, parsed.error().message());
  Run r;
  r.opt = std::move(parsed).value();
  const auto& opt = r.opt;
  if (opt.help) {
    std::cout << simulate::usage_text();
    return kExitOk;
  }
  if (opt.version) {
    std::cout << "Vigil vigil-simulate 0.1.0 (crm_simulate 2.1.5 compatible)\n";
    return kExitOk;
  }
  if (opt.output_as != "text") {
    return fail(105, "Error creating output format " + opt.output_as + ": Unknown output format");
  }
  if (!opt.profile_dir.empty()) return profile(opt);
  r.fancy = opt.text_fancy || !(opt.show_scores || opt.show_utilization);

  StageTimer timer;
  // --- input
  xml::DocPtr doc;
  // The model, when it is made straight from the file (see below).
  std::unique_ptr<cib::Cib> streamed;
  // Nothing changes or writes the document, and nothing runs on it: the
  // model is all that is needed, and a file is then read as a stream instead
  // of a whole tree (a steady-state CIB is mostly history).
  const bool stream = !opt.xml_pipe && !opt.xml_file.empty() && !opt.injections.any() &&
                      !opt.simulate && opt.save_input.empty() && opt.save_output.empty() &&
                      !opt.in_place;
  if (opt.xml_pipe) {
    std::stringstream ss;
    ss << std::cin.rdbuf();
    auto d = xml::parse_string(ss.str(), "stdin");
    if (!d) return fail(kExitDataErr, d.error().message());
    doc = std::move(d).value();
  } else if (!opt.xml_file.empty()) {
    if (access(opt.xml_file.c_str(), R_OK) != 0) {
      return fail(kExitNoInput, "cannot read " + opt.xml_file + ": " + std::strerror(errno));
    }
    if (!has_content(opt.xml_file)) {
      return fail(kExitDataErr, opt.xml_file + ": file is empty, expected a CIB");
    }
    if (stream) {
      // Which failure is the configuration's (the rest are the file's).
      bool check_failed = false;
      cib::Cib::StreamChecks checks = cib::schema_checks();
      auto noting = [&](auto check) {
        return [&check_failed, check](const auto& part) {
          auto st = check(part);
          check_failed = check_failed || !st;
          return st;
        };
      };
      checks.history = noting(checks.history);
      checks.node_state = noting(checks.node_state);
      checks.document = [&, check = noting(checks.document)](xmlDoc* d) {
        timer.mark("parse");
        return check(d);
      };
      auto m = cib::Cib::from_file_streaming(opt.xml_file, checks);
      if (!m) return fail(check_failed ? kExitConfig : kExitDataErr, m.error().message());
      streamed = std::move(m).value();
    } else {
      // Straight from the file: no copy of its text in memory.
      auto d = xml::parse_file(opt.xml_file);
      if (!d) return fail(kExitDataErr, d.error().message());
      doc = std::move(d).value();
    }
  } else {
    // -L, or no input at all (crm_simulate's default too): the CIB of the
    // cluster this node runs, from vigil-cib. Nothing is written back.
    auto live = query_live_cib();
    if (!live) return fail(kExitNoInput, "CIB query failed: " + live.error().message());
    doc = std::move(live).value();
  }
  if (!streamed) {
    timer.mark("parse");
    if (auto st = cib::validate_cib(doc.get()); !st) {
      return fail(kExitConfig, st.error().message());
    }
  }
  timer.mark("validate");
  const std::string validate_with =
      streamed ? streamed->validate_with
               : xml::attr_or(xmlDocGetRootElement(doc.get()), "validate-with");
  if (validate_with == "none") {
    std::cerr << "Schema validation of configuration is disabled (enabling is encouraged and "
                 "prevents common misconfigurations)\n";
  }

  // --- current status (not computed at all when quiet)
  const std::string execution_date =
      streamed ? streamed->execution_date
               : xml::attr_or(xmlDocGetRootElement(doc.get()), "execution-date");
  if (auto st = compute_now(r, execution_date, true); !st) {
    return fail(kExitUsage, st.error().message());
  }
  std::string section;
  // The model of the document as read; it is scheduled too unless an
  // injection changes the document first.
  std::unique_ptr<cib::Cib> current;
  if (!opt.quiet) {
    if (!streamed) {
      auto first = model_of(doc.get());
      if (!first) return fail(kExitConfig, first.error().message());
      current = std::move(first).value();
    }
    pengine::Options po;
    po.now = r.now;
    pengine::WorkingSet ws(streamed ? *streamed : *current, po);
    if (auto st = pengine::unpack(ws); !st) return fail(kExitConfig, st.error().message());
    std::string banner = pengine::cluster_banner_text(ws, false);
    r.out += banner;
    if (!banner.empty()) r.out += "\n";
    section = "Current cluster status:\n" + pengine::cluster_status_text(ws, true);
    r.out += r.fancy ? section : plain(section);
  }
  bool printed = !opt.quiet;
  if (opt.injections.any()) {
    current.reset();  // the document changes
    auto lines = pengine::inject(doc.get(), opt.injections, std::time(nullptr));
    if (!lines) return fail(kExitDataErr, lines.error().message());
    if (!opt.quiet) {
      r.out += "\n";
      r.out += r.fancy ? *lines : plain(*lines);
    }
    // Even when quiet, crm_simulate counts injections (other than quorum
    // alone) as output, and puts a blank line between them and what follows.
    pengine::Injections besides_quorum = opt.injections;
    besides_quorum.quorum.clear();
    printed = !opt.quiet || besides_quorum.any();
  }
  if (!opt.save_input.empty() && !write_file(opt.save_input, doc_text(doc.get()))) {
    return fail(kExitCantCreate, "could not write " + opt.save_input);
  }

  bool process = opt.run || opt.simulate || opt.show_scores || opt.show_utilization ||
                 !opt.graph_file.empty() || !opt.dot_file.empty() || !opt.png_file.empty() ||
                 !opt.explain.empty();
  int rc = kExitOk;
  std::unique_ptr<cib::Cib> sched_cib;
  if (process) {
    // The document is only needed again to simulate or save it; otherwise
    // the model takes it over instead of a copy.
    bool doc_needed = opt.simulate || !opt.save_output.empty() || opt.in_place;
    if (streamed) {
      sched_cib = std::move(streamed);
    } else if (current) {
      sched_cib = std::move(current);
    } else {
      auto m = doc_needed ? model_of(doc.get()) : cib::Cib::from_doc(std::move(doc), "CIB");
      if (!m) return fail(kExitConfig, m.error().message());
      sched_cib = std::move(m).value();
    }
    pengine::Options po;
    po.now = r.now;
    po.show_scores = opt.show_scores;
    po.show_utilization = opt.show_utilization;
    po.sanitized = true;
    po.profile = timer.on;
    // Heap-allocated and released at the end on purpose: freeing hundreds of
    // thousands of actions one by one costs more than the exit itself.
    auto ws_owner = std::make_unique<pengine::WorkingSet>(*sched_cib, po);
    pengine::WorkingSet& ws = *ws_owner;
    timer.mark("model");
    if (auto st = pengine::schedule(ws); !st) return fail(kExitConfig, st.error().message());
    for (const auto& [stage, secs] : ws.stage_seconds) {
      std::fprintf(stderr, "timing:   %-10s %8.3f s\n", stage, secs);
    }
    timer.mark("schedule");
    if (opt.verbose > 0) {
      for (const auto& w : ws.warnings) std::cerr << "warning: " << w << "\n";
    }
    if (opt.show_scores || opt.show_utilization) {
      std::string scores;
      for (const auto& l : ws.score_lines) scores += (r.fancy ? "  * " : "") + l + "\n";
      if (r.fancy) {
        if (printed) r.out += "\n";
        r.out += std::string(!opt.show_utilization ? "Allocation Scores"
                             : !opt.show_scores    ? "Utilization Information"
                                                : "Allocation Scores and Utilization Information") +
                 ":\n" + scores;
      } else {
        if (printed) r.out += "\n";
        r.out += scores;
      }
      printed = true;
    }
    for (const auto& id : opt.explain) {
      if (!ws.find_rsc(id)) return fail(kExitNoSuch, "--explain: no resource named " + id);
      if (printed) r.out += "\n";
      r.out += pengine::explain_text(ws, id);
      printed = true;
    }
    pengine::Graph g = pengine::build_graph(ws);
    timer.mark("graph");
    // -S runs the graph through the controller's executor, which reads it
    // as the controller does, from its XML: handed over as it is written,
    // a block of synapses at a time, so neither the text nor its tree is
    // ever whole in memory.
    std::optional<transition::GraphParser> reader;
    if (opt.simulate) reader.emplace(transition::ParseOptions{.allow_stuck = true});
    if (!opt.graph_file.empty()) {
      std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(std::fopen(opt.graph_file.c_str(), "wb"),
                                                        &std::fclose);
      if (!f)
        return fail(kExitCantCreate,
                    "could not write " + opt.graph_file + ": " + std::strerror(errno));
      bool ok = true;
      pengine::write_graph_xml(ws, g, [&](std::string_view chunk) {
        ok = ok && std::fwrite(chunk.data(), 1, chunk.size(), f.get()) == chunk.size();
        if (reader) reader->feed(chunk);
      });
      ok = (std::fclose(f.release()) == 0) && ok;
      if (!ok) return fail(kExitCantCreate, "could not write " + opt.graph_file);
    } else if (reader) {
      pengine::write_graph_xml(ws, g, [&](std::string_view chunk) { reader->feed(chunk); });
    }
    timer.mark("write");
    if (!opt.dot_file.empty() &&
        !write_file(opt.dot_file, pengine::graph_dot(ws, opt.all_actions))) {
      return fail(kExitCantCreate, "could not write " + opt.dot_file);
    }
    if (!opt.png_file.empty()) {
      if (auto st = picture::render_png(pengine::graph_dot(ws, opt.all_actions), opt.png_file);
          !st) {
        return fail(kExitCantCreate, st.error().message());
      }
    }
    if (!opt.quiet) {
      if (printed) r.out += "\n";
      std::string ts = "Transition Summary:\n" + pengine::transition_summary_text(ws);
      r.out += r.fancy ? ts : plain(ts);
      printed = true;
    }
    if (opt.simulate) {
      // Through the controller's executor, as the cluster would run it; a
      // graph with an ordering cycle runs as far as it can.
      auto graph = reader->finish();
      if (!graph) return fail(kExitSoftware, "the scheduler's graph: " + graph.error().message());
      transition::SimulationOptions so;
      so.op_fail = opt.injections.op_fail;
      so.now = std::time(nullptr);
      for (const auto& rsc : ws.all_rscs) {
        so.resource_names.insert(rsc->id);
        if (!rsc->clone_name.empty()) so.resource_names.insert(rsc->clone_name);
      }
      // The scheduler's state has served (the graph is read, the summary
      // printed): its room goes to the results the simulation records and
      // to the revised status.
      g = {};
      ws_owner.reset();
      sched_cib.reset();
      timer.mark("reparse");
      auto sim = transition::simulate_transition(std::move(graph).value(), doc.get(), so);
      if (!sim) return fail(kExitSoftware, sim.error().message());
      timer.mark("execute");
      const std::string& log = sim->log;
      // crm_simulate separates the transition from scores it printed even
      // when quiet, which leaves a blank line after them.
      if (opt.quiet && printed) r.out += "\n";
      if (!opt.quiet) {
        r.out += r.fancy ? "\nExecuting Cluster Transition:\n" + log : "\n" + plain(log);
      }
      if (sim->terminated()) {
        // crm_simulate reports it on stderr, after what it printed so far.
        std::fwrite(r.out.data(), 1, r.out.size(), stdout);
        std::fflush(stdout);
        r.out.clear();
        std::cerr << "Transition failed: terminated\n"
                  << "An invalid transition was produced\n"
                  << std::flush;
        rc = kExitError;
      }
      if (!opt.quiet) {
        auto m2 = model_of(doc.get());
        if (!m2) return fail(kExitSoftware, m2.error().message());
        if (auto st = compute_now(
                r, xml::attr_or(xmlDocGetRootElement(doc.get()), "execution-date"), true);
            !st)
          return fail(kExitUsage, st.error().message());
        pengine::Options po2;
        po2.now = r.now;
        pengine::WorkingSet ws2(**m2, po2);
        if (auto st = pengine::unpack(ws2); !st) return fail(kExitConfig, st.error().message());
        std::string revised = "\nRevised Cluster Status:\n" + pengine::cluster_status_text(ws2);
        r.out += r.fancy ? revised : plain(revised);
      }
    }
    (void)ws_owner.release();
    (void)sched_cib.release();
  }
  std::fwrite(r.out.data(), 1, r.out.size(), stdout);
  std::fflush(stdout);
  if (doc && !opt.save_output.empty() && !write_file(opt.save_output, doc_text(doc.get()))) {
    return fail(kExitCantCreate, "could not write " + opt.save_output);
  }
  if (doc && opt.in_place && !opt.xml_file.empty() &&
      !write_file(opt.xml_file, doc_text(doc.get()))) {
    return fail(kExitCantCreate, "could not write " + opt.xml_file);
  }
  return rc;
}
