// SPDX-License-Identifier: GPL-2.0-or-later
// RAII and small helpers over libxml2. Nodes are non-owning views into a
// document that an XmlDoc owns.
#pragma once

#include <libxml/tree.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "vigil/common/result.hpp"

namespace vigil::xml {

struct DocFree {
  void operator()(xmlDoc* d) const { xmlFreeDoc(d); }
};
using DocPtr = std::unique_ptr<xmlDoc, DocFree>;

struct XmlCharFree {
  void operator()(xmlChar* p) const { xmlFree(p); }
};
using XmlCharPtr = std::unique_ptr<xmlChar, XmlCharFree>;

// Parses without network access or entity expansion; libxml2's own messages
// are collected into the Error (with line numbers), never printed.
Result<DocPtr> parse_file(const std::string& path);
Result<DocPtr> parse_string(std::string_view text, const std::string& what = "input");
// The same for a resource or fence agent's meta-data: a DOCTYPE naming an
// external DTD is let through (never loaded), an internal subset refused
// (vigil/common/xml_guard.hpp).
// Keeps the first error libxml2 reports to a structured error handler, as
// "line N: message" (pass &collector as the handler's context), and its
// parts (the message without its line break, line and column).
struct FirstXmlError {
  std::string first;
  std::string message;
  int line = 0;
  int column = 0;
  static void on_error(void* self, const xmlError* err);
};

// With `first_error`, a malformed document's first error is also given in
// parts there (pcs quotes libxml2's words, line and column).
Result<DocPtr> parse_agent_metadata(std::string_view text, const std::string& what,
                                    FirstXmlError* first_error = nullptr);

// Parses a document handed over in pieces, as parse_string does (same
// safeguards and errors), so its whole text is never held. A caller that
// reads the root's finished children as they come and frees them
// (take_finished) never holds the whole tree either.
class PushParser {
 public:
  // `what` names the text in errors; agent_metadata as parse_agent_metadata.
  explicit PushParser(std::string what, bool agent_metadata = false);
  ~PushParser();
  PushParser(const PushParser&) = delete;
  PushParser& operator=(const PushParser&) = delete;

  // Parses the next piece (nothing more once the text proved malformed).
  void feed(std::string_view piece);
  // The root element once its start tag has been read, else null.
  xmlNode* root() const;
  // Hands each child of the root that is complete (every one before the
  // last, which may still be growing) to `take`, then unlinks and frees it.
  // finish() returns the rest.
  template <class Fn>
  void take_finished(Fn&& take) {
    xmlNode* r = root();
    for (xmlNode* c = r ? r->children : nullptr; c && c != r->last;) {
      xmlNode* next = c->next;
      take(c);
      free_child(c);
      c = next;
    }
  }
  // Ends the text: the document (what is left of it), or what was wrong.
  Result<DocPtr> finish();
  // What libxml2 reported first (empty while the text is well formed).
  const FirstXmlError& errors() const { return errors_; }

 private:
  static void free_child(xmlNode* c);
  xmlParserCtxt* ctxt_ = nullptr;
  FirstXmlError errors_;
  std::string what_;
};

// Attribute value, or nullopt when absent.
std::optional<std::string> attr(const xmlNode* n, const char* name);
// Attribute value, or `fallback` when absent.
std::string attr_or(const xmlNode* n, const char* name, std::string_view fallback = {});
bool has_attr(const xmlNode* n, const char* name);
bool is(const xmlNode* n, const char* name);
std::string_view name(const xmlNode* n);

// Element children (optionally only those named `name`), in document order.
std::vector<xmlNode*> children(const xmlNode* n, const char* name = nullptr);
xmlNode* first_child(const xmlNode* n, const char* name);
// The first element below `n` (depth first, document order) whose id is `id`.
const xmlNode* find_by_id(const xmlNode* n, const std::string& id);

// Serialises a node (or a whole document) to text.
std::string to_string(const xmlNode* n, bool pretty = true);
std::string to_string(const xmlDoc* d, bool pretty = true);

// What append_escaped escapes beyond & < > ".
enum EscapeExtra : unsigned {
  kEscapeNone = 0,
  kEscapeApostrophe = 1u << 0,  // for single-quoted attributes
  // Tab, line feed and carriage return as character references, so that an
  // attribute value keeps them (a parser normalises them to spaces).
  kEscapeWhitespace = 1u << 1,
  // Carriage return only, for element text: a parser turns a raw one into a
  // line feed, and keeps line feeds and tabs.
  kEscapeCarriageReturn = 1u << 2,
};

// Appends `s` escaped for an XML attribute value (& < > ", plus `extra`).
// Graph XML leaves ' as is, as libxml2 does, so Pacemaker's output is
// matched byte for byte.
void append_escaped(std::string& out, std::string_view s, unsigned extra = kEscapeNone);
std::string escaped(std::string_view s, unsigned extra = kEscapeNone);

// Appends ` name="value"` to an element being written, the value escaped as
// append_escaped does.
void append_attr(std::string& out, std::string_view name, std::string_view value,
                 unsigned extra = kEscapeNone);
void append_attr(std::string& out, std::string_view name, std::int64_t value);

// Appends `<param name="..." value="..."/>` for each (name, value) of
// `params` (a map of strings): instance attributes in a message.
template <class Params>
void append_params(std::string& out, const Params& params, unsigned extra = kEscapeNone) {
  for (const auto& [name, value] : params) {
    out += "<param";
    append_attr(out, "name", name, extra);
    append_attr(out, "value", value, extra);
    out += "/>";
  }
}

// Reads integer attribute `name` (strict: vigil/common/number.hpp) into
// *out. Absent: *out is left as it is, and that is fine. False for a value
// that is not an integer or is below `min` (*out then unchanged too).
bool read_int_attr(const xmlNode* n, const char* name, std::int64_t* out,
                   std::int64_t min = INT64_MIN);

// A parsed document and its root element.
struct RootedDoc {
  DocPtr doc;
  const xmlNode* root = nullptr;
};
// parse_string, then the root must be <root_name>: else an kInvalidInput
// error "<what>: root is not <root_name>".
Result<RootedDoc> parse_rooted(std::string_view text, const std::string& what,
                               const char* root_name);

// Calls xmlInitParser() once; safe to call from every main.
void init();

}  // namespace vigil::xml
