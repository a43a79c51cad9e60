// SPDX-License-Identifier: GPL-2.0-or-later
// TreeHash (private to lib/cibd): a hash of an element tree, fed straight
// from libxml2's nodes, without serialising them. 64-bit FNV-1a plus the
// byte count: it detects replicas that diverged (bugs, lost updates); it is
// not meant to resist anyone crafting collisions.
#pragma once

#include <libxml/tree.h>

#include <cstdint>
#include <string>

namespace vigil::cibd {

// The hash state after a whole element: what a parent mixes in for it.
struct TreeSum {
  std::uint64_t h = 0;
  std::uint64_t count = 0;
};

class TreeHash {
 public:
  // A whole element: its name, attributes in order, children, end.
  void element(const xmlNode* n);
  // The pieces, for callers that leave attributes out.
  void open(const xmlNode* n);
  void attribute(const xmlAttr* a);
  void children(const xmlNode* n);
  // A child that is not an element (text, CDATA, comment; others count nothing).
  void leaf(const xmlNode* c);
  void close() { byte('>'); }
  // A child element by its own sum (computed, or remembered, separately).
  void sum(const TreeSum& s);
  TreeSum value() const { return {h_, count_}; }

  std::string hex() const;

 private:
  void byte(unsigned char b) {
    h_ = (h_ ^ b) * 0x100000001b3ULL;
    ++count_;
  }
  void text(const xmlChar* p);

  std::uint64_t h_ = 0xcbf29ce484222325ULL;
  std::uint64_t count_ = 0;
};

}  // namespace vigil::cibd
