// SPDX-License-Identifier: GPL-2.0-or-later
// The working set's containers built for scale: the chunked store, the
// intrusive link lists and copy-on-write action meta. Their contracts are
// what the scheduler's loops rely on (stable addresses, links added during
// a walk not visited, one action's write never seen by another).
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "vigil/pengine/working_set.hpp"

using namespace vigil;
using namespace vigil::pengine;

namespace {

struct Counted {
  static inline int alive = 0;
  int value = 0;
  std::string text;
  Counted(int v, std::string t) : value(v), text(std::move(t)) { ++alive; }
  Counted(const Counted&) = delete;
  ~Counted() { --alive; }
};

std::string lookup_value(const AttrMap& m, const std::string& key) {
  auto it = m.find(key);
  return it == m.end() ? std::string("<none>") : it->second;
}

}  // namespace

TEST_CASE("StableStore keeps addresses across chunks and destroys what it built",
          "[pengine][containers]") {
  {
    StableStore<Counted, 4> store;
    std::vector<Counted*> seen;
    for (int i = 0; i < 11; ++i) {
      seen.push_back(&store.emplace_back(i, "item " + std::to_string(i)));
    }
    REQUIRE(store.size() == 11);
    CHECK(Counted::alive == 11);
    for (int i = 0; i < 11; ++i) {
      CHECK(&store[static_cast<size_t>(i)] == seen[static_cast<size_t>(i)]);
      CHECK(store[static_cast<size_t>(i)].value == i);
      CHECK(store[static_cast<size_t>(i)].text == "item " + std::to_string(i));
    }
    CHECK(&store.back() == seen.back());
  }
  CHECK(Counted::alive == 0);
}

TEST_CASE("LinkList walks newest first and skips links added during the walk",
          "[pengine][containers]") {
  Action a, b, c, d;
  a.id = 1;
  b.id = 2;
  c.id = 3;
  d.id = 4;
  StableStore<ActionLink, 2> links;
  LinkList list;
  CHECK(list.empty());
  for (Action* x : {&a, &b, &c}) list.push_front(&links.emplace_back(x, 0u, false));
  std::vector<int> order;
  for (ActionLink* l : list) {
    order.push_back(l->action->id);
    // A link prepended now lands before the walk's position.
    if (l->action == &b) list.push_front(&links.emplace_back(&d, 0u, false));
  }
  CHECK(order == std::vector<int>{3, 2, 1});
  CHECK(list.size() == 4);
  std::vector<int> now;
  for (ActionLink* l : list) now.push_back(l->action->id);
  CHECK(now == std::vector<int>{4, 3, 2, 1});

  // assign() re-threads a subset in a new order.
  std::vector<ActionLink*> snap(list.begin(), list.end());
  REQUIRE(snap.size() == 4);
  list.assign({snap[3], snap[1]});  // a, c
  std::vector<int> after;
  for (ActionLink* l : list) after.push_back(l->action->id);
  CHECK(after == std::vector<int>{1, 3});
  CHECK(list.size() == 2);
}

TEST_CASE("SharedAttrs: copies share until one of them writes", "[pengine][containers]") {
  SharedAttrs base;
  CHECK(base.empty());
  CHECK_FALSE(base.same_as(base));  // nothing held yet
  base["timeout"] = "20000";
  SharedAttrs copy = base;
  CHECK(copy.same_as(base));
  CHECK(lookup_value(copy, "timeout") == "20000");

  copy["op_target_rc"] = "7";
  CHECK_FALSE(copy.same_as(base));
  CHECK(base.size() == 1);
  CHECK(base.count("op_target_rc") == 0);
  CHECK(copy.size() == 2);

  SharedAttrs third = base;
  CHECK(third.erase("missing") == 0);
  CHECK(third.same_as(base));  // erasing nothing does not copy
  CHECK(third.erase("timeout") == 1);
  CHECK(third.empty());
  CHECK(lookup_value(base, "timeout") == "20000");

  auto [it, inserted] = base.emplace("interval", "0");
  CHECK(inserted);
  CHECK(it->second == "0");
  CHECK(copy.count("interval") == 0);
}
