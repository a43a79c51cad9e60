// SPDX-License-Identifier: GPL-2.0-or-later
// Journal (private to lib/cibd): what an update did to a document in place,
// so that a refused update can be undone exactly (same nodes, same order,
// same root attributes). Undone on destruction unless committed.
#pragma once

#include <libxml/tree.h>

#include <string>
#include <utility>
#include <vector>

namespace vigil::cibd {

class Journal {
 public:
  explicit Journal(xmlDoc* doc);
  ~Journal();
  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;

  // `n`'s attributes are about to change: keep a copy of them alone (a
  // node_state with a thousand resources is not copied for one record;
  // nothing when `n` lies in a subtree this journal added: undo removes it
  // whole).
  void snapshot_attributes(xmlNode* n);
  // `n` was just linked into the document.
  void added(xmlNode* n);
  // Unlinks `n`, remembering where it was.
  void remove(xmlNode* n);
  // Puts `replacement` where `old` is.
  void replace(xmlNode* old, xmlNode* replacement);

  // The elements changed so far, each in itself or in its list of children
  // (for a removal: the parent), for checks and caches that need only look
  // at what an update touched. Before commit.
  std::vector<const xmlNode*> touched() const;
  // Subtrees taken out of the document (removed, replaced), which commit
  // frees.
  std::vector<const xmlNode*> detached() const;

  // Keeps the changes (frees what undo would have needed).
  void commit();
  // Undoes every change, last first, and restores the root's attributes.
  void rollback();

 private:
  // Nodes are found again by their path (child positions from the root)
  // rather than by pointer: undoing a later replacement swaps nodes back, and
  // undoing in reverse order restores the exact shape each path was taken
  // in, so paths stay valid where pointers would not.
  using Path = std::vector<std::size_t>;
  enum class Kind { kAttributes, kAdded, kRemoved, kReplaced };
  struct Entry {
    Kind kind;
    Path path;                 // the node (for kRemoved: its parent)
    std::size_t index = 0;     // kRemoved: its position under the parent
    xmlNode* other = nullptr;  // a childless copy (kAttributes), the removed
                               // node, or the replaced one
  };
  static Path path_of(const xmlNode* n);
  xmlNode* at(const Path& path) const;
  bool inside_added(const xmlNode* n) const;
  xmlDoc* doc_;
  std::vector<std::pair<std::string, std::string>> root_attrs_;
  std::vector<Entry> entries_;
  bool done_ = false;
};

}  // namespace vigil::cibd
