// SPDX-License-Identifier: GPL-2.0-or-later
// Line wrapping as pcs does it on a terminal (Python's textwrap.wrap with
// its defaults: tabs expanded, whitespace read as spaces, breaks after
// hyphens inside words, long words cut), and the terminal width pcs reads.
#pragma once

#include <string>
#include <vector>

namespace vigil::admin {

// `text` as lines of at most `width` characters (code points of UTF-8),
// every line after the first indented by `subsequent_indent` spaces. No
// line for a text of whitespace only.
std::vector<std::string> pcs_wrap(const std::string& text, int width, int subsequent_indent);

// The width pcs wraps to when stdout or stderr is a terminal ($COLUMNS, else
// stdout's window size, else 80), at least 40; 0 when neither is a terminal:
// pcs wraps nothing then.
int pcs_terminal_width();

}  // namespace vigil::admin
