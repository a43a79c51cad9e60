// SPDX-License-Identifier: GPL-2.0-or-later
// crm_simulate's command line, parsed into plain values.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "vigil/common/result.hpp"
#include "vigil/pengine/simulate.hpp"

namespace vigil::simulate {

struct Options {
  std::string xml_file;
  bool live = false, xml_pipe = false;
  bool run = false, simulate = false, in_place = false;
  bool show_scores = false, show_utilization = false, show_attrs = false, show_failcounts = false;
  bool quiet = false, all_actions = false, text_fancy = false, show_pending = false;
  int verbose = 0;
  std::string graph_file, dot_file, png_file, save_input, save_output, profile_dir, date,
      output_as = "text";
  long repeat = 1;
  pengine::Injections injections;
  std::vector<std::string> explain;  // Vigil extension: --explain RSC
  bool version = false, help = false;
};

// Parses argv like crm_simulate (short options may be bundled: -sSQ).
// Errors carry crm_simulate's message; the exit code for them is 64.
Result<Options> parse_options(int argc, char** argv);
std::string usage_text();

}  // namespace vigil::simulate
