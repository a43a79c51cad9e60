// SPDX-License-Identifier: GPL-2.0-or-later
// libFuzzer target for the CIB reader and the scheduler behind it:
//
//   bytes -> xml::parse_string -> cib::validate_cib -> cib::Cib::from_doc
//         -> pengine::WorkingSet + pengine::schedule -> build_graph + graph_xml
//
// Every stage may refuse its input (an Error), but none may crash, leak or
// hang. Only documents that pass schema validation reach the model and the
// engine, as in vigil-simulate. Ownership is RAII throughout (DocPtr,
// unique_ptr<Cib>, WorkingSet on the stack), so an early return frees all.
//
// Built only with -DVIGIL_FUZZ=ON and clang; see tests/fuzz/CMakeLists.txt
// and bench/fuzz.sh.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <utility>

#include "vigil/cib/cib.hpp"
#include "vigil/cib/validate.hpp"
#include "vigil/common/xml.hpp"
#include "vigil/pengine/graph.hpp"
#include "vigil/pengine/working_set.hpp"

using namespace vigil;

namespace {

// "now" as vigil-simulate takes it without -t: the CIB's execution-date when
// it has one (so the fuzzer controls it), else a fixed 2023-01-01T00:00:00Z
// instead of the real clock, so that a crash replays the same way.
constexpr EpochSeconds kDefaultNow = 1672531200;

EpochSeconds now_of(const cib::Cib& cib) {
  if (cib.execution_date.empty()) return kDefaultNow;
  return std::strtoll(cib.execution_date.c_str(), nullptr, 10);  // saturates, no UB
}

// Inputs larger than this are not interesting for a reader and only slow
// the fuzzer down (libxml2 and the RelaxNG validator are linear, the
// scheduler is not).
constexpr std::size_t kMaxInput = 64 * 1024;

}  // namespace

extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
  xml::init();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > kMaxInput) return -1;  // reject: not added to the corpus
  std::string_view text(reinterpret_cast<const char*>(data), size);

  auto doc = xml::parse_string(text, "fuzz");
  if (!doc) return 0;
  if (auto st = cib::validate_cib(doc->get()); !st) return 0;

  auto cib = cib::Cib::from_doc(std::move(doc).value(), "fuzz");
  if (!cib) return 0;

  pengine::Options options;
  options.now = now_of(**cib);
  options.show_scores = true;  // also exercise the score-line formatting
  pengine::WorkingSet ws(**cib, options);
  if (auto st = pengine::schedule(ws); !st) return 0;

  pengine::Graph g = pengine::build_graph(ws);
  std::string xml_text = pengine::graph_xml(ws, g);
  // Keep the result observable so that nothing above is optimised away.
  volatile std::size_t sink = xml_text.size() + ws.score_lines.size();
  (void)sink;
  return 0;
}
