// SPDX-License-Identifier: GPL-2.0-or-later
#include "vigil/cluster/node_list.hpp"

#include <catch2/catch.hpp>

using namespace vigil::cluster;

TEST_CASE("NodeList: lookups both ways, sorted by id") {
  auto list = NodeList::create({{3, "node3", "10.0.0.3"}, {1, "node1", "10.0.0.1"}, {2, "", ""}});
  REQUIRE(list);
  CHECK(list->size() == 3);
  CHECK(list->nodes().front().id == 1);
  CHECK(list->nodes().back().id == 3);
  CHECK(list->name_of(3) == std::optional<std::string>("node3"));
  CHECK_FALSE(list->name_of(2).has_value());  // configured without a name
  CHECK_FALSE(list->name_of(9).has_value());
  CHECK(list->id_of("node1") == std::optional<NodeId>(1));
  CHECK_FALSE(list->id_of("").has_value());
  CHECK_FALSE(list->id_of("nodeX").has_value());
  CHECK(list->find(1)->addr == "10.0.0.1");
  CHECK(list->find(4) == nullptr);
}

TEST_CASE("NodeList: refuses id 0 and duplicates") {
  CHECK(NodeList::create({{0, "a", ""}}).error().message().find("id 0") != std::string::npos);
  CHECK(NodeList::create({{1, "a", ""}, {1, "b", ""}}).error().message().find("twice") !=
        std::string::npos);
  CHECK(NodeList::create({{1, "a", ""}, {2, "a", ""}}).error().message().find("'a'") !=
        std::string::npos);
  CHECK(NodeList::create({{1, "", ""}, {2, "", ""}}));  // unnamed nodes do not clash
  CHECK(NodeList::create({}));
}
