// SPDX-License-Identifier: GPL-2.0-or-later
// CIB schema validation: checks a parsed CIB against Vigil's RelaxNG schemas
// (schemas/*.rng, compiled into the library) and that configuration ids are
// unique. Run it before unpacking, so bad input is refused whole instead of
// half-applied.
#pragma once

#include <libxml/tree.h>

#include <optional>
#include <string_view>
#include <vector>

#include "vigil/cib/cib.hpp"
#include "vigil/cib/history_element.hpp"
#include "vigil/common/result.hpp"

namespace vigil::cib {

// The grammar a document's validate-with attribute selects.
enum class SchemaFamily {
  kNone,     // "none": validation is skipped, as Pacemaker does
  kLegacy,   // "pacemaker-1.x" and "pacemaker-2.x": schemas/cib-2.rng
  kCurrent,  // "pacemaker-3.x", "pacemaker-next" or no attribute: schemas/cib.rng
};

// Maps a validate-with value (nullopt when the attribute is absent) to a
// family. Fails with kUnsupported for the pre-1.0 schemas Pacemaker 2 no
// longer reads (pacemaker-0.6, pacemaker-0.7, transitional-0.6) and for
// versions newer than 3.x, and with kInvalidInput for anything else.
Result<SchemaFamily> schema_family(std::optional<std::string_view> validate_with);

// Validates `doc` against the schema its root's validate-with selects, then
// checks that no id is used twice in the configuration section (ids in the
// status section repeat by design and are not checked). On violation returns
// Error(kInvalidInput, "line N: element 'x': ...") for the first problem.
// The compiled schemas are built on first use and shared; concurrent calls
// on different documents are safe.
Status validate_cib(xmlDoc* doc);

// validate_cib's checks for a streaming read (Cib::from_file_streaming),
// on each node_state, history element and the rest of the document as the
// reader has them: the same document is refused with the same first error
// either way. The checks share state: use them for one read at a time.
Cib::StreamChecks schema_checks();

// What validate_cib checks of the status section, for a document that was
// valid before an update touching only `touched` (elements of its status
// section, or <status> itself): the records under each of them (a whole
// <node_state> or the whole section). Status updates are the frequent ones;
// the configuration they cannot change is not validated again.
Status validate_status_change(xmlDoc* doc, const std::vector<const xmlNode*>& touched);

}  // namespace vigil::cib
