// SPDX-License-Identifier: GPL-2.0-or-later
// HeldCib: the CIB vigil-pengine scheduled last, kept between runs as a
// document (cibd::Store: version and digest) and its model (cib::Cib), so
// that the next run takes the CIB's changes instead of the whole text.
//
// A change is vigil-cib's <cib-diff> as replicas and subscribers get it
// (the request the master applied, the versions before and after, the
// digest after). It is re-applied as a replica does (no schema check: the
// master validated it) and the digest compared; then only what it touched
// is read into the model again: the root's attributes always (a handful),
// the node_states it touched, status/tickets when touched. A change outside
// the status section (or one whose reach cannot be told from its scope and
// payload) re-reads the model from the held document. The result is the
// model a whole read of the same CIB makes (held_cib_test.cpp compares the
// graphs).
//
// Between changes the node_states' resource histories (nearly all of a
// large CIB) are held as text, their digest sums frozen in the Store; a
// change makes the histories it can reach trees again before it is applied
// (all of them when its reach cannot be told), see held_cib.cpp.
//
// Anything that cannot be applied (a diff that does not follow the held
// version, a replacement of the whole CIB, a request that fails, a digest
// that differs, a model that cannot be read) drops what is held and is a
// kNotFound error saying why: the caller sends the whole CIB next.
#pragma once

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "vigil/cib/cib.hpp"
#include "vigil/cibd/store.hpp"
#include "vigil/cibd/types.hpp"
#include "vigil/common/result.hpp"

namespace vigil::pengined {

class HeldCib {
 public:
  // What the last adopt() or apply() re-read.
  struct Reread {
    int diffs = 0;
    int node_states = 0;      // node_states read again (all of them on a whole read)
    bool whole_model = true;  // the model was read from the whole document
  };

  // Parses a whole CIB as the held copy keeps it: as xml::parse_string does
  // (the same safeguards and errors), in libxml2's compact form (an
  // attribute value shorter than 16 bytes is stored inside its text node,
  // not in an allocation of its own: most of a CIB's history values).
  static Result<xml::DocPtr> parse(std::string_view text);

  // Holds this CIB (already checked by the caller); a document that makes no
  // model or has bad version attributes is refused and nothing is held.
  Status adopt(xml::DocPtr doc);
  // Applies `diffs` (texts of <cib-diff>) in order to the held CIB, which
  // must be at `base`. On failure nothing is held any more (kNotFound).
  Status apply(const cibd::CibVersion& base, std::span<const std::string> diffs);
  void drop();

  bool holds() const { return model_ != nullptr; }
  // Only while holds().
  cibd::CibVersion version() const { return store_->version(); }
  const std::string& digest() const { return store_->digest(); }
  const cib::Cib& model() const { return *model_; }
  // The held document; its node_states' <lrm> histories are kept as text
  // (one text node written out unescaped): text() is the whole CIB.
  const xmlDoc* doc() const { return store_->doc(); }
  std::string text() const { return store_->to_xml(false); }
  const Reread& last_reread() const { return reread_; }

 private:
  struct Touched;
  Status apply_one(const std::string& diff, Touched& touched);
  Status update_model(const Touched& touched);
  // Every node_state's resource history kept as text (see held_cib.cpp).
  Status keep_histories_as_text();
  // The histories a request can reach made trees again.
  Status make_reachable(const cibd::CibRequest& req);

  std::optional<cibd::Store> store_;
  std::unique_ptr<cib::Cib> model_;
  Reread reread_;
};

}  // namespace vigil::pengined
