// SPDX-License-Identifier: GPL-2.0-or-later
#include "vigil/cib/validate.hpp"

#include <libxml/relaxng.h>
#include <libxml/xmlerror.h>

#include <algorithm>
#include <charconv>
#include <cstdarg>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "id_check.hpp"
#include "schema_hints.hpp"
#include "schema_loader.hpp"
#include "vigil/common/xml.hpp"

namespace vigil::cib {

namespace {

// --- RAII for libxml2's RelaxNG objects ------------------------------------

struct RngParserCtxtFree {
  void operator()(xmlRelaxNGParserCtxt* p) const { xmlRelaxNGFreeParserCtxt(p); }
};
struct RngSchemaFree {
  void operator()(xmlRelaxNG* p) const { xmlRelaxNGFree(p); }
};
struct RngValidCtxtFree {
  void operator()(xmlRelaxNGValidCtxt* p) const { xmlRelaxNGFreeValidCtxt(p); }
};
using RngParserCtxtPtr = std::unique_ptr<xmlRelaxNGParserCtxt, RngParserCtxtFree>;
using RngSchemaPtr = std::unique_ptr<xmlRelaxNG, RngSchemaFree>;
using RngValidCtxtPtr = std::unique_ptr<xmlRelaxNGValidCtxt, RngValidCtxtFree>;

// --- Error collection --------------------------------------------------------

// One message from libxml2. `node` is the element it is about, when known.
struct Diagnostic {
  int line = 0;
  const xmlNode* node = nullptr;
  std::string message;
};

std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

// Receives everything libxml2 reports while it is installed, so nothing
// reaches stderr.
struct DiagnosticSink {
  std::vector<Diagnostic> diagnostics;

  static void on_structured(void* ctx, xmlErrorPtr err) {
    if (ctx == nullptr || err == nullptr) return;
    Diagnostic d;
    d.line = err->line;
    if (err->node != nullptr) {
      const auto* node = static_cast<const xmlNode*>(err->node);
      if (node->type == XML_ELEMENT_NODE) d.node = node;
    }
    d.message = trimmed(err->message ? err->message : "unknown RelaxNG error");
    static_cast<DiagnosticSink*>(ctx)->diagnostics.push_back(std::move(d));
  }

  static void on_generic(void* ctx, const char* fmt, ...) {
    if (ctx == nullptr || fmt == nullptr) return;
    char buf[512];
    va_list args;
    va_start(args, fmt);
    std::vsnprintf(buf, sizeof buf, fmt, args);
    va_end(args);
    static_cast<DiagnosticSink*>(ctx)->diagnostics.push_back({0, nullptr, trimmed(buf)});
  }
};

// Points this thread's libxml2 error handlers at `sink` for its lifetime and
// puts the previous handlers back afterwards. Errors raised through a
// RelaxNG context go to the context's own handler; this catches the rest.
class ErrorRoute {
 public:
  explicit ErrorRoute(DiagnosticSink& sink)
      : structured_(xmlStructuredError),
        structured_ctx_(xmlStructuredErrorContext),
        generic_(xmlGenericError),
        generic_ctx_(xmlGenericErrorContext) {
    xmlSetStructuredErrorFunc(&sink, DiagnosticSink::on_structured);
    xmlSetGenericErrorFunc(&sink, DiagnosticSink::on_generic);
  }
  ~ErrorRoute() {
    xmlSetStructuredErrorFunc(structured_ctx_, structured_);
    xmlSetGenericErrorFunc(generic_ctx_, generic_);
  }
  ErrorRoute(const ErrorRoute&) = delete;
  ErrorRoute& operator=(const ErrorRoute&) = delete;

 private:
  xmlStructuredErrorFunc structured_;
  void* structured_ctx_;
  xmlGenericErrorFunc generic_;
  void* generic_ctx_;
};

// --- Schema selection and compilation ----------------------------------------

// "line N: element 'x': what" for `node`, or just `what` without one.
std::string describe(const std::string& what, const xmlNode* node) {
  return node != nullptr ? detail::located(what, node) : what;
}

// Parses "X.Y" (both decimal) into the major number.
std::optional<int> major_version(std::string_view version) {
  auto dot = version.find('.');
  if (dot == std::string_view::npos || dot == 0 || dot + 1 == version.size()) return std::nullopt;
  int major = 0;
  int minor = 0;
  auto major_end = version.data() + dot;
  auto [p1, e1] = std::from_chars(version.data(), major_end, major);
  if (e1 != std::errc() || p1 != major_end) return std::nullopt;
  auto minor_end = version.data() + version.size();
  auto [p2, e2] = std::from_chars(major_end + 1, minor_end, minor);
  if (e2 != std::errc() || p2 != minor_end) return std::nullopt;
  return major;
}

Result<RngSchemaPtr> compile(std::string_view file) {
  auto doc = detail::load_schema(file);
  if (!doc) return doc.error();

  DiagnosticSink sink;
  RngSchemaPtr schema;
  {
    ErrorRoute route(sink);
    RngParserCtxtPtr parser(xmlRelaxNGNewDocParserCtxt(doc->get()));
    if (!parser) return Error(ErrorCode::kInternal, "cannot allocate a RelaxNG parser");
    xmlRelaxNGSetParserStructuredErrors(parser.get(), DiagnosticSink::on_structured, &sink);
    schema.reset(xmlRelaxNGParse(parser.get()));
  }
  if (!schema || !sink.diagnostics.empty()) {
    std::string why =
        sink.diagnostics.empty() ? "does not compile" : sink.diagnostics.front().message;
    return Error(ErrorCode::kInternal, "schema " + std::string(file) + ": " + why);
  }
  return schema;
}

// The grammars: a family's, narrowed for the versions whose Pacemaker
// schema accepts less than the family's union (see schemas/README.md).
enum class Grammar { kCurrent, kCurrentOldRoles, kLegacy, kLegacy10 };

// Each grammar is compiled once, on first use; a failure is remembered too.
const Result<RngSchemaPtr>& compiled(Grammar grammar) {
  switch (grammar) {
    case Grammar::kLegacy10: {
      static const Result<RngSchemaPtr> legacy10 = compile("cib-1.0.rng");
      return legacy10;
    }
    case Grammar::kLegacy: {
      static const Result<RngSchemaPtr> legacy = compile("cib-2.rng");
      return legacy;
    }
    case Grammar::kCurrentOldRoles: {
      static const Result<RngSchemaPtr> old_roles = compile("cib-3.0.rng");
      return old_roles;
    }
    case Grammar::kCurrent:
      break;
  }
  static const Result<RngSchemaPtr> current = compile("cib.rng");
  return current;
}

// "pacemaker-X.Y" as {X, Y}; nullopt for anything else (pacemaker-next, none).
std::optional<std::pair<int, int>> pacemaker_version(std::string_view v) {
  constexpr std::string_view kPrefix = "pacemaker-";
  if (v.substr(0, kPrefix.size()) != kPrefix) return std::nullopt;
  v.remove_prefix(kPrefix.size());
  const auto dot = v.find('.');
  if (dot == std::string_view::npos) return std::nullopt;
  int major = 0, minor = 0;
  auto [p1, e1] = std::from_chars(v.data(), v.data() + dot, major);
  auto [p2, e2] = std::from_chars(v.data() + dot + 1, v.data() + v.size(), minor);
  if (e1 != std::errc() || p1 != v.data() + dot || e2 != std::errc() || p2 != v.data() + v.size()) {
    return std::nullopt;
  }
  return std::pair{major, minor};
}

// The grammar for a document of `family` whose validate-with is `root`'s:
// Promoted and Unpromoted are roles from pacemaker-3.7 on, and pacemaker-1.0
// still requires each node's type.
Grammar grammar_of(SchemaFamily family, const xmlNode* root) {
  auto version = pacemaker_version(xml::attr_or(root, "validate-with"));
  if (family == SchemaFamily::kLegacy) {
    return version && *version < std::pair{1, 2} ? Grammar::kLegacy10 : Grammar::kLegacy;
  }
  if (version && version->first == 3 && version->second < 7) return Grammar::kCurrentOldRoles;
  return Grammar::kCurrent;
}

// --- Messages ------------------------------------------------------------------

// The first diagnostic that points at an element is the most specific one:
// libxml2 reports the innermost failure first and its consequences after.
Error to_error(const std::vector<Diagnostic>& diagnostics) {
  const Diagnostic* pick = nullptr;
  for (const Diagnostic& d : diagnostics) {
    if (d.node != nullptr) {
      pick = &d;
      break;
    }
  }
  if (pick == nullptr) {
    std::string msg =
        diagnostics.empty() ? "document does not match the schema" : diagnostics.front().message;
    return Error(ErrorCode::kInvalidInput, "schema violation: " + msg);
  }
  std::string msg = pick->message;
  std::string hint = detail::hint_for(pick->node);
  if (!hint.empty()) msg += "; hint: " + hint;
  return Error(ErrorCode::kInvalidInput, describe(msg, pick->node));
}

Status validate_against(xmlRelaxNG* schema, xmlDoc* doc) {
  DiagnosticSink sink;
  int rc = 0;
  {
    ErrorRoute route(sink);
    RngValidCtxtPtr ctxt(xmlRelaxNGNewValidCtxt(schema));
    if (!ctxt) return Error(ErrorCode::kInternal, "cannot allocate a RelaxNG validation context");
    xmlRelaxNGSetValidStructuredErrors(ctxt.get(), DiagnosticSink::on_structured, &sink);
    rc = xmlRelaxNGValidateDoc(ctxt.get(), doc);
  }
  if (rc == 0) return ok_status();
  if (rc < 0) return Error(ErrorCode::kInternal, "RelaxNG validation failed internally");
  return to_error(sink.diagnostics);
}

// Shows libxml2 only the children `first`..`last` of `parent` (none when
// `first` is null) until destroyed, by relinking the list's ends: nothing is
// moved or allocated, and the document is whole again afterwards.
class ChildWindow {
 public:
  ChildWindow(xmlNode* parent, xmlNode* first, xmlNode* last)
      : parent_(parent),
        children_(parent->children),
        last_child_(parent->last),
        first_(first),
        last_(last),
        before_(first ? first->prev : nullptr),
        after_(last ? last->next : nullptr) {
    parent->children = first;
    parent->last = last;
    if (first) first->prev = nullptr;
    if (last) last->next = nullptr;
  }
  ~ChildWindow() {
    if (first_) first_->prev = before_;
    if (last_) last_->next = after_;
    parent_->children = children_;
    parent_->last = last_child_;
  }
  ChildWindow(const ChildWindow&) = delete;
  ChildWindow& operator=(const ChildWindow&) = delete;

 private:
  xmlNode *parent_, *children_, *last_child_, *first_, *last_, *before_, *after_;
};

// libxml2's RelaxNG engine keeps every state a long run of constraints
// leaves and compares each new one with all of them: the time grows with the
// square of their number (30,000 constraints: 2.8 s). The grammar checks a
// constraint on its own (references are id_check's), so a long list is
// validated in slices, with the nodes and resources sections shown empty.
constexpr size_t kConstraintSlice = 500;

Status validate_configuration(xmlRelaxNG* schema, xmlDoc* doc, const xmlNode* root) {
  xmlNode* configuration = nullptr;
  for (xmlNode* c = root->children; c; c = c->next) {
    if (xml::is(c, "configuration")) configuration = c;
  }
  xmlNode* constraints = nullptr;
  size_t count = 0;
  if (configuration) {
    for (xmlNode* c = configuration->children; c; c = c->next) {
      if (xml::is(c, "constraints")) constraints = c;
    }
  }
  if (constraints) {
    for (xmlNode* c = constraints->children; c; c = c->next) count += c->type == XML_ELEMENT_NODE;
  }
  if (count <= kConstraintSlice) return validate_against(schema, doc);
  {
    ChildWindow none(constraints, nullptr, nullptr);
    if (Status st = validate_against(schema, doc); !st) return st;
  }
  std::vector<std::unique_ptr<ChildWindow>> emptied;
  for (xmlNode* c = configuration->children; c; c = c->next) {
    if (xml::is(c, "nodes") || xml::is(c, "resources"))
      emptied.push_back(std::make_unique<ChildWindow>(c, nullptr, nullptr));
  }
  xmlNode* first = constraints->children;
  while (first) {
    xmlNode* last = first;
    size_t elements = last->type == XML_ELEMENT_NODE;
    while (last->next && (elements < kConstraintSlice || last->next->type != XML_ELEMENT_NODE)) {
      last = last->next;
      elements += last->type == XML_ELEMENT_NODE;
    }
    xmlNode* next = last->next;
    {
      ChildWindow slice(constraints, first, last);
      if (Status st = validate_against(schema, doc); !st) return st;
    }
    first = next;
  }
  return ok_status();
}

}  // namespace

Result<SchemaFamily> schema_family(std::optional<std::string_view> validate_with) {
  if (!validate_with) return SchemaFamily::kCurrent;
  std::string_view v = *validate_with;
  if (v == "none") return SchemaFamily::kNone;
  if (v == "pacemaker-next") return SchemaFamily::kCurrent;
  constexpr std::string_view kPrefix = "pacemaker-";
  if (v.substr(0, kPrefix.size()) == kPrefix) {
    if (auto major = major_version(v.substr(kPrefix.size()))) {
      if (*major == 1 || *major == 2) return SchemaFamily::kLegacy;
      if (*major == 3) return SchemaFamily::kCurrent;
      if (*major == 0) {
        return Error(ErrorCode::kUnsupported,
                     "validate-with '" + std::string(v) +
                         "' predates the schemas Pacemaker 2 reads; upgrade the CIB first");
      }
      return Error(ErrorCode::kUnsupported,
                   "validate-with '" + std::string(v) +
                       "' is newer than the pacemaker-3.x schemas Vigil knows");
    }
  }
  if (v == "transitional-0.6") {
    return Error(ErrorCode::kUnsupported,
                 "validate-with 'transitional-0.6' predates the schemas Pacemaker 2 reads; upgrade "
                 "the CIB first");
  }
  return Error(ErrorCode::kInvalidInput, "unknown validate-with value '" + std::string(v) + "'");
}

namespace {

// The family a document's root selects; errors name the root's line.
Result<SchemaFamily> family_of(const xmlDoc* doc, const xmlNode*& root) {
  root = doc ? xmlDocGetRootElement(doc) : nullptr;
  if (root == nullptr) return Error(ErrorCode::kInvalidInput, "document has no root element");
  auto validate_with = xml::attr(root, "validate-with");
  auto family =
      schema_family(validate_with ? std::optional<std::string_view>(*validate_with) : std::nullopt);
  if (!family) return Error(family.error().code(), describe(family.error().message(), root));
  return family;
}

}  // namespace

Status validate_cib(xmlDoc* doc) {
  const xmlNode* root = nullptr;
  auto family = family_of(doc, root);
  if (!family) return family.error();
  if (*family == SchemaFamily::kNone) return ok_status();

  const auto& schema = compiled(grammar_of(*family, root));
  if (!schema) return schema.error();
  // The status section is checked in code: libxml2's RelaxNG engine is slow
  // on its open content model (any attribute, typed known ones), and status
  // grows with every resource and node. The schema sees an empty status.
  xmlNode* status = nullptr;
  xmlNode* placeholder = nullptr;
  for (xmlNode* c = root->children; c; c = c->next) {
    if (xml::is(c, "status")) status = c;
  }
  if (status) {
    placeholder = xmlNewDocNode(doc, nullptr, BAD_CAST "status", nullptr);
    xmlReplaceNode(status, placeholder);
  }
  Status st = validate_configuration(schema->get(), doc, root);
  if (status) {
    xmlReplaceNode(placeholder, status);
    xmlFreeNode(placeholder);
  }
  if (!st) return st;
  if (status) {
    if (auto sst = detail::check_status(status); !sst) return sst;
  }

  // The schema guarantees a configuration element under a cib root.
  const xmlNode* configuration = xml::first_child(root, "configuration");
  return configuration ? detail::check_ids(configuration) : ok_status();
}

Cib::StreamChecks schema_checks() {
  // The document's family, read once: a large CIB has hundreds of thousands
  // of history entries, all of the same document.
  struct Family {
    const xmlDoc* doc = nullptr;
    std::optional<Result<SchemaFamily>> family;
  };
  auto cached = std::make_shared<Family>();
  // Whether the status checks apply to what `doc` holds (kNone: they do not).
  auto applies = [cached](const xmlDoc* doc) -> Result<bool> {
    if (!cached->family || cached->doc != doc) {
      const xmlNode* root = nullptr;
      cached->doc = doc;
      cached->family = family_of(doc, root);
    }
    if (!*cached->family) return cached->family->error();
    return **cached->family != SchemaFamily::kNone;
  };
  Cib::StreamChecks checks;
  checks.history = [applies](const HistoryElement& e) -> Status {
    auto yes = applies(e.node_state->doc);
    if (!yes) return yes.error();
    return *yes ? detail::check_history_element(e) : ok_status();
  };
  checks.node_state = [applies](const xmlNode* n) -> Status {
    auto yes = applies(n->doc);
    if (!yes) return yes.error();
    return *yes ? detail::check_status_entry(n) : ok_status();
  };
  checks.document = &validate_cib;
  return checks;
}

Status validate_status_change(xmlDoc* doc, const std::vector<const xmlNode*>& touched) {
  const xmlNode* root = nullptr;
  auto family = family_of(doc, root);
  if (!family) return family.error();
  if (*family == SchemaFamily::kNone) return ok_status();
  const xmlNode* status = xml::first_child(root, "status");
  if (status == nullptr) return ok_status();
  // Each touched element lies in <status> (an update scoped there): only
  // the part around it can have become invalid.
  for (const xmlNode* n : touched) {
    const xmlNode* p = n;
    while (p != nullptr && p != status && p != root) p = p->parent;
    if (p == nullptr || p == root) return validate_cib(doc);  // not in status after all
    if (n == status) return detail::check_status(status);
    if (auto st = detail::check_status_part(n); !st) return st;
  }
  return ok_status();
}

}  // namespace vigil::cib
