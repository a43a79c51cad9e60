// SPDX-License-Identifier: GPL-2.0-or-later
#include "vigil/common/xml_guard.hpp"

#include <libxml/xmlerror.h>

namespace vigil::xml {

namespace {

// libxml2 calls the internalSubset handler as soon as "<!DOCTYPE name
// [ExternalID]" is read, before the internal subset's declarations and
// before any external subset could be loaded. The context is the handler's
// user data when the parser is made without one (every parser in Vigil).
void on_doctype(void* ctx, const xmlChar* /*name*/, const xmlChar* /*external_id*/,
                const xmlChar* /*system_id*/) {
  auto* ctxt = static_cast<xmlParserCtxt*>(ctx);
  ctxt->wellFormed = 0;
  xmlStopParser(ctxt);
}

void ignore_doctype(void* /*ctx*/, const xmlChar* /*name*/, const xmlChar* /*external_id*/,
                    const xmlChar* /*system_id*/) {}

// Every declaration an internal subset can hold ends the parse there.
void stop(void* ctx) {
  auto* ctxt = static_cast<xmlParserCtxt*>(ctx);
  ctxt->wellFormed = 0;
  xmlStopParser(ctxt);
}
void on_entity(void* ctx, const xmlChar*, int, const xmlChar*, const xmlChar*, xmlChar*) {
  stop(ctx);
}
void on_element(void* ctx, const xmlChar*, int, xmlElementContentPtr) {
  stop(ctx);
}
void on_attribute(void* ctx, const xmlChar*, const xmlChar*, int, int, const xmlChar*,
                  xmlEnumerationPtr tree) {
  xmlFreeEnumeration(tree);  // the handler owns it
  stop(ctx);
}
void on_notation(void* ctx, const xmlChar*, const xmlChar*, const xmlChar*) {
  stop(ctx);
}
void on_unparsed_entity(void* ctx, const xmlChar*, const xmlChar*, const xmlChar*, const xmlChar*) {
  stop(ctx);
}

void refuse_declarations(xmlSAXHandler* sax) {
  sax->externalSubset = nullptr;  // nothing outside the document is read
  sax->entityDecl = &on_entity;
  sax->attributeDecl = &on_attribute;
  sax->elementDecl = &on_element;
  sax->notationDecl = &on_notation;
  sax->unparsedEntityDecl = &on_unparsed_entity;
}

}  // namespace

void refuse_doctype(xmlSAXHandler* sax) {
  sax->internalSubset = &on_doctype;
  refuse_declarations(sax);  // unreachable after on_doctype; kept for safety
}

void refuse_dtd_declarations(xmlSAXHandler* sax) {
  sax->internalSubset = &ignore_doctype;
  refuse_declarations(sax);
}

bool doctype_refused(const xmlParserCtxt* ctxt) {
  return ctxt->intSubName != nullptr && ctxt->errNo == XML_ERR_USER_STOP;
}

}  // namespace vigil::xml
