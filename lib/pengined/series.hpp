// SPDX-License-Identifier: GPL-2.0-or-later
// Numbered file series in the scheduler's directory (pe-input-N.xml ...),
// as Pacemaker keeps them: "<series>.last" holds the next number. Files go
// through a Disk (vigil/common/disk.hpp), so tests can fill it up.
#pragma once

#include <string>

#include "vigil/common/disk.hpp"
#include "vigil/common/result.hpp"

namespace vigil::pengined {

// The next number of `series` in `dir`: from "<series>.last" when it holds
// a number, else one past the highest "<series>-N.xml" present, else 0.
// Wrapped to 0 when `max` > 0 and the number reached it.
unsigned next_sequence(Disk& disk, const std::string& dir, const std::string& series, int max);

// Writes `text` to "<dir>/<series>-<seq>.xml" (through a temporary file and
// a rename, no fsync) and records seq + 1, wrapped at `max`, in
// "<series>.last" the same way. Returns the path written.
Result<std::string> save_in_series(Disk& disk, const std::string& dir, const std::string& series,
                                   unsigned seq, int max, const std::string& text);

}  // namespace vigil::pengined
