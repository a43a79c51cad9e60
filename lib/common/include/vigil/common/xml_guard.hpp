// SPDX-License-Identifier: GPL-2.0-or-later
// What every libxml2 parser in Vigil is built with, because every document
// it reads may come from outside (a socket, a peer, a file an administrator
// hands in): no network, no DTD loading, no entity substitution, libxml2's
// size limits left on (no XML_PARSE_HUGE), and no DOCTYPE at all. A CIB,
// a wire message or an agent's reply never needs a DTD, and refusing the
// DOCTYPE before its internal subset is read means no entity declaration
// (billion laughs, quadratic blow-up) is ever seen, let alone expanded.
#pragma once

#include <libxml/parser.h>

#include <string_view>

namespace vigil::xml {

// libxml2's parser options for untrusted text.
inline constexpr int kSafeParseOptions = XML_PARSE_NONET | XML_PARSE_NOBLANKS;

// The error every parser gives for a document with a DOCTYPE.
inline constexpr std::string_view kDoctypeRefused =
    "XML with a DTD or entity declarations is not accepted";

// Installs on `sax` a DOCTYPE handler that stops the parse where the
// DOCTYPE's name is read, before anything inside it; the handler marks the
// document not well-formed. Call before the parser context is created from
// `sax` (or on a context's own handler before parsing).
void refuse_doctype(xmlSAXHandler* sax);

// Agent meta-data is the one exception: resource agents print
// `<!DOCTYPE resource-agent SYSTEM "ra-api-1.dtd">`. This handler lets a
// DOCTYPE with an external id through (never loaded: no XML_PARSE_DTDLOAD)
// and stops the parse at the first declaration of an internal subset.
void refuse_dtd_declarations(xmlSAXHandler* sax);

// Whether the parse with `ctxt` (built with refuse_doctype or
// refuse_dtd_declarations) was stopped by them.
bool doctype_refused(const xmlParserCtxt* ctxt);

}  // namespace vigil::xml
