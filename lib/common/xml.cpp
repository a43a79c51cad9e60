// SPDX-License-Identifier: GPL-2.0-or-later
#include "vigil/common/xml.hpp"

#include <libxml/parser.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlsave.h>

#include <algorithm>
#include <cstring>
#include <mutex>

#include "vigil/common/number.hpp"
#include "vigil/common/xml_compact.hpp"
#include "vigil/common/xml_guard.hpp"

namespace vigil::xml {

namespace {

using ErrorCollector = FirstXmlError;

// How much of a text a push parser is given at once (see PushParser::feed).
constexpr std::size_t kPushSlice = 16 << 10;

// A parser context for untrusted text (vigil/common/xml_guard.hpp).
xmlParserCtxtPtr new_guarded_parser(bool agent_metadata = false) {
  xmlParserCtxtPtr ctxt = xmlNewParserCtxt();
  if (ctxt && agent_metadata) {
    refuse_dtd_declarations(ctxt->sax);
  } else if (ctxt) {
    refuse_doctype(ctxt->sax);
  }
  return ctxt;
}

Result<DocPtr> finish(xmlParserCtxtPtr ctxt, xmlDoc* doc, ErrorCollector& errors,
                      const std::string& what) {
  const bool well_formed = ctxt->wellFormed;
  const bool doctype = doctype_refused(ctxt);
  xmlFreeParserCtxt(ctxt);
  DocPtr owned(doc);
  if (doctype) return Error(ErrorCode::kInvalidInput, what + ": " + std::string(kDoctypeRefused));
  if (!well_formed || !owned) {
    return Error(
        ErrorCode::kInvalidInput,
        what + ": malformed XML" + (errors.first.empty() ? "" : " (" + errors.first + ")"));
  }
  if (xmlDocGetRootElement(owned.get()) == nullptr) {
    return Error(ErrorCode::kInvalidInput, what + ": XML document has no root element");
  }
  return owned;
}

}  // namespace

void FirstXmlError::on_error(void* self, const xmlError* err) {
  auto* me = static_cast<FirstXmlError*>(self);
  if (!me->first.empty() || err == nullptr) return;
  std::string msg = err->message ? err->message : "unknown XML error";
  while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
  me->first = "line " + std::to_string(err->line) + ": " + msg;
  me->message = msg;
  me->line = err->line;
  me->column = err->int2;
}

void append_escaped(std::string& out, std::string_view s, unsigned extra) {
  const bool apostrophe = (extra & kEscapeApostrophe) != 0;
  const bool whitespace = (extra & kEscapeWhitespace) != 0;
  const bool cr = whitespace || (extra & kEscapeCarriageReturn) != 0;
  auto special = [&](char c) {
    return c == '&' || c == '<' || c == '>' || c == '"' || (apostrophe && c == '\'') ||
           (whitespace && (c == '\n' || c == '\t')) || (cr && c == '\r');
  };
  if (std::none_of(s.begin(), s.end(), special)) {
    out.append(s.data(), s.size());  // the common case: nothing to escape
    return;
  }
  for (char c : s) {
    if (!special(c)) {
      out += c;
      continue;
    }
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      case '\n':
        out += "&#10;";
        break;
      case '\r':
        out += "&#13;";
        break;
      default:  // '\t'
        out += "&#9;";
        break;
    }
  }
}

std::string escaped(std::string_view s, unsigned extra) {
  std::string out;
  append_escaped(out, s, extra);
  return out;
}

void append_attr(std::string& out, std::string_view name, std::string_view value, unsigned extra) {
  out += ' ';
  out += name;
  out += "=\"";
  append_escaped(out, value, extra);
  out += '"';
}

void append_attr(std::string& out, std::string_view name, std::int64_t value) {
  append_attr(out, name, std::to_string(value));
}

bool read_int_attr(const xmlNode* n, const char* name, std::int64_t* out, std::int64_t min) {
  const auto text = attr(n, name);
  if (!text) return true;
  const auto v = parse_int64(*text);
  if (!v || *v < min) return false;
  *out = *v;
  return true;
}

Result<RootedDoc> parse_rooted(std::string_view text, const std::string& what,
                               const char* root_name) {
  auto doc = parse_string(text, what);
  if (!doc) return doc.error();
  const xmlNode* root = xmlDocGetRootElement(doc->get());
  if (!root || !is(root, root_name)) {
    return Error(ErrorCode::kInvalidInput, what + ": root is not <" + std::string(root_name) + ">");
  }
  return RootedDoc{std::move(*doc), root};
}

void init() {
  static std::once_flag once;
  std::call_once(once, [] { xmlInitParser(); });
}

Result<DocPtr> parse_file(const std::string& path) {
  init();
  ErrorCollector errors;
  xmlParserCtxtPtr ctxt = new_guarded_parser();
  if (!ctxt) return Error(ErrorCode::kInternal, "cannot allocate XML parser");
  // Route structured errors to our collector instead of stderr.
  xmlSetStructuredErrorFunc(&errors,
                            [](void* c, xmlErrorPtr e) { ErrorCollector::on_error(c, e); });
  xmlDoc* doc = xmlCtxtReadFile(ctxt, path.c_str(), nullptr, kSafeParseOptions);
  xmlSetStructuredErrorFunc(nullptr, nullptr);
  return finish(ctxt, doc, errors, path);
}

namespace {

// A push parser context for untrusted text: the guards of every parser,
// plus `extra_options`.
xmlParserCtxtPtr new_push_parser(const std::string& what, bool agent_metadata, int extra_options) {
  init();
  xmlParserCtxtPtr ctxt = xmlCreatePushParserCtxt(nullptr, nullptr, nullptr, 0, what.c_str());
  if (!ctxt) return nullptr;
  if (agent_metadata) {
    refuse_dtd_declarations(ctxt->sax);
  } else {
    refuse_doctype(ctxt->sax);
  }
  xmlCtxtUseOptions(ctxt, kSafeParseOptions | extra_options);
  return ctxt;
}

void feed_push(xmlParserCtxtPtr ctxt, ErrorCollector& errors, std::string_view piece) {
  xmlSetStructuredErrorFunc(&errors,
                            [](void* c, xmlErrorPtr e) { ErrorCollector::on_error(c, e); });
  // In small slices: libxml2 2.9 moves the unread rest of its buffer down
  // each time it lets go of what it has read, every few hundred bytes, so
  // the cost of a chunk grows with its square (a 1 MB chunk moved about
  // 0.5 GB; a 40 MB graph took seconds).
  while (!piece.empty() && ctxt->instate != XML_PARSER_EOF) {
    const std::size_t n = std::min(piece.size(), kPushSlice);
    xmlParseChunk(ctxt, piece.data(), static_cast<int>(n), 0);
    piece.remove_prefix(n);
  }
  xmlSetStructuredErrorFunc(nullptr, nullptr);
}

// Ends the text and frees `ctxt`: the document, or what was wrong.
Result<DocPtr> end_push(xmlParserCtxtPtr ctxt, ErrorCollector& errors, const std::string& what) {
  xmlSetStructuredErrorFunc(&errors,
                            [](void* c, xmlErrorPtr e) { ErrorCollector::on_error(c, e); });
  if (ctxt->instate != XML_PARSER_EOF) xmlParseChunk(ctxt, nullptr, 0, 1);
  xmlSetStructuredErrorFunc(nullptr, nullptr);
  xmlDoc* doc = ctxt->myDoc;
  ctxt->myDoc = nullptr;
  return finish(ctxt, doc, errors, what);
}

Result<DocPtr> parse_memory(std::string_view text, const std::string& what, bool agent_metadata,
                            FirstXmlError* first_error = nullptr) {
  // Fed in pieces to a push parser, which lets go of what it has read:
  // libxml2 2.9.14 without XML_PARSE_HUGE refuses to look more than 10 MB
  // back into one memory buffer ("Huge input lookup"), so a large document
  // read at once fails after its first 10 MB where a long value follows.
  PushParser parser(what, agent_metadata);
  parser.feed(text);
  Result<DocPtr> doc = parser.finish();
  if (first_error == nullptr) return doc;
  *first_error = parser.errors();
  // The push parser words a truncated document otherwise than a whole read
  // does ("Extra content at the end..." for "Premature end of data..."): the
  // first error is taken from one whole read, with the same guards.
  if (!doc) {
    FirstXmlError whole;
    xmlParserCtxtPtr again = new_guarded_parser(agent_metadata);
    if (again) {
      xmlSetStructuredErrorFunc(&whole,
                                [](void* c, xmlErrorPtr e) { ErrorCollector::on_error(c, e); });
      xmlFreeDoc(xmlCtxtReadMemory(again, text.data(), static_cast<int>(text.size()), what.c_str(),
                                   nullptr, kSafeParseOptions));
      xmlSetStructuredErrorFunc(nullptr, nullptr);
      xmlFreeParserCtxt(again);
      if (!whole.message.empty()) *first_error = whole;
    }
  }
  return doc;
}

}  // namespace

PushParser::PushParser(std::string what, bool agent_metadata) : what_(std::move(what)) {
  ctxt_ = new_push_parser(what_, agent_metadata, 0);
}

PushParser::~PushParser() {
  if (!ctxt_) return;
  xmlFreeDoc(ctxt_->myDoc);
  ctxt_->myDoc = nullptr;
  xmlFreeParserCtxt(ctxt_);
}

void PushParser::feed(std::string_view piece) {
  if (ctxt_) feed_push(ctxt_, errors_, piece);
}

xmlNode* PushParser::root() const {
  return ctxt_ && ctxt_->myDoc ? xmlDocGetRootElement(ctxt_->myDoc) : nullptr;
}

void PushParser::free_child(xmlNode* c) {
  xmlUnlinkNode(c);
  xmlFreeNode(c);
}

Result<DocPtr> PushParser::finish() {
  if (!ctxt_) return Error(ErrorCode::kInternal, "cannot allocate XML parser");
  xmlParserCtxtPtr ctxt = ctxt_;
  ctxt_ = nullptr;
  return end_push(ctxt, errors_, what_);
}

Result<DocPtr> parse_string(std::string_view text, const std::string& what) {
  return parse_memory(text, what, false);
}

Result<DocPtr> parse_agent_metadata(std::string_view text, const std::string& what,
                                    FirstXmlError* first_error) {
  return parse_memory(text, what, true, first_error);
}

Result<DocPtr> parse_string_compact(std::string_view text, const std::string& what) {
  FirstXmlError errors;
  xmlParserCtxtPtr ctxt = new_push_parser(what, false, XML_PARSE_COMPACT);
  if (!ctxt) return Error(ErrorCode::kInternal, "cannot allocate XML parser");
  feed_push(ctxt, errors, text);
  return end_push(ctxt, errors, what);
}

std::optional<std::string> attr(const xmlNode* n, const char* name) {
  if (n == nullptr) return std::nullopt;
  for (xmlAttr* a = n->properties; a; a = a->next) {
    if (std::strcmp(reinterpret_cast<const char*>(a->name), name) == 0) {
      if (a->children && a->children->content) {
        return std::string(reinterpret_cast<const char*>(a->children->content));
      }
      return std::string();
    }
  }
  return std::nullopt;
}

std::string attr_or(const xmlNode* n, const char* name, std::string_view fallback) {
  auto v = attr(n, name);
  return v ? *v : std::string(fallback);
}

bool has_attr(const xmlNode* n, const char* name) {
  return attr(n, name).has_value();
}

bool is(const xmlNode* n, const char* nm) {
  return n && n->type == XML_ELEMENT_NODE &&
         std::strcmp(reinterpret_cast<const char*>(n->name), nm) == 0;
}

std::string_view name(const xmlNode* n) {
  return reinterpret_cast<const char*>(n->name);
}

std::vector<xmlNode*> children(const xmlNode* n, const char* nm) {
  std::vector<xmlNode*> out;
  if (!n) return out;
  for (xmlNode* c = n->children; c; c = c->next) {
    if (c->type != XML_ELEMENT_NODE) continue;
    if (nm && std::strcmp(reinterpret_cast<const char*>(c->name), nm) != 0) continue;
    out.push_back(c);
  }
  return out;
}

xmlNode* first_child(const xmlNode* n, const char* nm) {
  if (!n) return nullptr;
  for (xmlNode* c = n->children; c; c = c->next) {
    if (is(c, nm)) return c;
  }
  return nullptr;
}

const xmlNode* find_by_id(const xmlNode* n, const std::string& id) {
  for (const xmlNode* c = n ? n->children : nullptr; c; c = c->next) {
    if (c->type != XML_ELEMENT_NODE) continue;
    if (attr(c, "id") == id) return c;
    if (const xmlNode* found = find_by_id(c, id)) return found;
  }
  return nullptr;
}

std::string to_string(const xmlNode* n, bool pretty) {
  xmlBufferPtr buf = xmlBufferCreate();
  xmlNodeDump(buf, n->doc, const_cast<xmlNode*>(n), 0, pretty ? 1 : 0);
  std::string out(reinterpret_cast<const char*>(xmlBufferContent(buf)),
                  static_cast<size_t>(xmlBufferLength(buf)));
  xmlBufferFree(buf);
  return out;
}

std::string to_string(const xmlDoc* d, bool pretty) {
  return to_string(xmlDocGetRootElement(d), pretty);
}

}  // namespace vigil::xml
