// SPDX-License-Identifier: GPL-2.0-or-later
// Store: one CIB document with its version, and cibadmin's operations on
// it. Every update is all-or-nothing: it is worked out on a copy of the
// document, validated (vigil::cib::validate_cib) and only then swapped in,
// so a refused update (bad XML, unknown target, schema violation, version
// mismatch) leaves the document exactly as it was.
//
// Versioning, as Pacemaker's: a change to anything outside <status> (and
// outside the root's non-configuration attributes: dc-uuid, have-quorum,
// cib-last-written, update-origin, update-client, update-user,
// crm_feature_set, no-quorum-panic) bumps epoch and resets num_updates to 0;
// any other change bumps num_updates; an update that changes nothing
// leaves the version alone. admin_epoch only changes when a client sets it
// (replace of the whole CIB). Clients never set epoch or num_updates through
// modify: those attributes of a payload's <cib> are ignored.
//
// Scopes (see cibd::CibRequest): empty = the whole CIB, a section name, or
// an XPath starting with '/'. Section names resolve to their element,
// created on demand by create/modify when missing.
//
// Delete removes every element the scope matches; matching nothing is not an
// error (the version does not move), as cibadmin -D does. Deleting <cib>,
// <configuration>, <status> or one of crm_config/nodes/resources/
// constraints is refused.
//
// The digest is a hash of the document's tree (64-bit FNV-1a over names,
// attributes and text, plus the byte count; no serialisation), without the
// version and volatile root attributes (admin_epoch, epoch,
// num_updates, cib-last-written, update-origin, update-client,
// update-user): replicas with the same content have the same digest
// whoever last wrote them (versions are compared on their own).
//
// Updates are carried out in place with an undo journal (a small change to
// a large CIB copies nothing but the subtree it changes); an update of <cib>
// itself works on a copy of the document.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "vigil/cibd/types.hpp"
#include "vigil/common/result.hpp"
#include "vigil/common/xml.hpp"

namespace vigil::cibd {
namespace acl {
struct Access;
}

// What an update records in the root's attributes (cib-last-written is
// formatted from wall_seconds like Pacemaker: "Wed Nov 25 17:35:32 2026").
struct UpdateMeta {
  std::string origin;  // update-origin: node name
  std::string client;  // update-client
  std::string user;    // update-user
  std::int64_t wall_seconds = 0;
};

struct UpdateOutcome {
  CibVersion previous;
  CibVersion current;
  bool changed = false;         // the document differs from before
  bool config_changed = false;  // epoch was bumped
};

class Journal;

// What Store::apply needs to take an update back after it succeeded: the
// master undoes an update whose write to disk failed (lib/cibd/commit.hpp).
// Dropping it keeps the update. Undo in reverse order of the updates.
class StoreUndo {
 public:
  StoreUndo();
  ~StoreUndo();
  StoreUndo(StoreUndo&&) noexcept;
  StoreUndo& operator=(StoreUndo&&) noexcept;
  // False when the update changed nothing (there is nothing to undo).
  bool active() const { return active_; }

 private:
  friend class Store;
  std::unique_ptr<Journal> journal_;  // an update in place
  xml::DocPtr old_doc_;               // an update of <cib> itself, worked on a copy
  CibVersion version_;
  std::string digest_;
  std::string config_digest_;
  bool active_ = false;
};

// The validate-with a new empty CIB gets (Pacemaker 2.1.5's newest schema).
inline constexpr const char* kDefaultSchema = "pacemaker-3.9";

class Store {
 public:
  // An empty CIB: validate-with pacemaker-3.9, admin_epoch 0, epoch 0,
  // num_updates 0, empty sections.
  static Store empty();
  // Takes a parsed document; refuses one that is not a <cib>, lacks or has
  // bad version attributes, or (when `validate`) does not validate.
  static Result<Store> from_doc(xml::DocPtr doc, bool validate = true);
  static Result<Store> from_xml(std::string_view text, bool validate = true);

  Store(Store&&) noexcept;
  Store& operator=(Store&&) noexcept;
  ~Store();
  Store clone() const;

  CibVersion version() const { return version_; }
  const std::string& digest() const { return digest_; }
  xmlDoc* doc() const { return doc_.get(); }
  std::string to_xml(bool pretty = false) const;

  // The element(s) the scope names, serialised; several matches of an XPath
  // come wrapped in <xpath-query>. kNotFound when nothing matches.
  Result<std::string> query(std::string_view scope) const;

  // create/modify/replace/delete (query is refused here). `validate` false
  // skips the schema check: only for replicas re-applying a change that the
  // master already validated (their digest check catches divergence).
  // `access` (the master, for a user the CIB's ACLs restrict): the update is
  // refused whole with acl::permission_denied() when it changes anything
  // the user may not write.
  Result<UpdateOutcome> apply(const CibRequest& request, const UpdateMeta& meta,
                              bool validate = true, const acl::Access* access = nullptr);
  // The same, keeping in `undo` what it takes to take the update back.
  Result<UpdateOutcome> apply(const CibRequest& request, const UpdateMeta& meta, bool validate,
                              StoreUndo& undo, const acl::Access* access = nullptr);
  // Takes back the update `undo` was filled by, which must be the newest
  // one not yet taken back: document, version and digest as before it.
  void undo(StoreUndo&& undo);

  // Sets the version attributes (a replica following the master's numbering).
  void set_version(CibVersion version);

  // Testing and resync: replace the document wholesale (no checks).
  void reset(xml::DocPtr doc);

  // For a caller that keeps an element's content elsewhere (lib/pengined
  // keeps resource histories as text): freeze(n) remembers n's sum as it is
  // now, and the digest takes that sum for n whatever its children become,
  // until thaw(n) (then n is hashed anew): the caller may replace n's
  // children (the element itself stays) and must put the same content back
  // before anything reaches into it. An update that changes n itself or removes it, a copy
  // of the document (an update of <cib> itself, clone(), reset(), undo())
  // forgets what is frozen: the digest is the content's again.
  void freeze(const xmlNode* n);
  void thaw(const xmlNode* n);

 private:
  Store(xml::DocPtr doc, CibVersion version);
  void refresh_digest();

  xml::DocPtr doc_;
  CibVersion version_;
  std::string digest_;
  // MD5 of the configuration part, to tell configuration changes from
  // status changes without serialising the old document again.
  std::string config_digest_;
  // The digest's sums of elements (hash, byte count) that did not change
  // since they were computed: after a small update only the path to the
  // change is hashed again, not the whole CIB. apply() drops the sums of
  // every element an update changes or frees; anything else drops them all.
  std::unordered_map<const xmlNode*, std::pair<std::uint64_t, std::uint64_t>> sums_;
  // Sums freeze() pinned (empty but for lib/pengined's held copy).
  std::unordered_map<const xmlNode*, std::pair<std::uint64_t, std::uint64_t>> frozen_;
};

// Store::query on any document (a copy filtered by ACLs).
Result<std::string> query_document(const xmlDoc* doc, std::string_view scope);
// The elements a request's scope names in `doc`: the root, a section (none
// when it is missing) or an XPath's matches; a bad XPath is kInvalidInput.
Result<std::vector<xmlNode*>> scope_elements(xmlDoc* doc, std::string_view scope);
// The digest of a document as Store computes it.
std::string cib_digest(const xmlDoc* doc);
// The version attributes of a <cib> (missing ones read as 0; malformed ones
// are kInvalidInput).
Result<CibVersion> read_version(const xmlDoc* doc);

}  // namespace vigil::cibd
