// SPDX-License-Identifier: GPL-2.0-or-later
// The id rules Pacemaker's schemas express with xsd:ID and xsd:IDREF, done
// in code so the error can name the id: every configuration id is unique,
// and every reference (rsc, with-rsc, first, then, id-ref, template, ...)
// names an id that exists. Ids in the status section are not checked.
#pragma once

#include <libxml/tree.h>

#include <string>

#include "vigil/cib/history_element.hpp"
#include "vigil/common/result.hpp"

namespace vigil::cib::detail {

// "line N: element 'x': " for `n`, followed by `what`.
std::string located(const std::string& what, const xmlNode* n);

// Checks the ids under `configuration`; reports the first problem in
// document order.
Status check_ids(const xmlNode* configuration);

// Checks the status section's records (status_check.cpp).
Status check_status(const xmlNode* status);
// One child of <status> (a node_state, tickets, ...), as check_status does.
Status check_status_entry(const xmlNode* entry);
// One element of a resource history (under <lrm_resources>).
Status check_history_element(const HistoryElement& e);
// The smallest part of the status section around `n` (an element below
// <status>) that a change of `n` can make invalid: one resource's history,
// else the whole child of <status> it lies in.
Status check_status_part(const xmlNode* n);

}  // namespace vigil::cib::detail
