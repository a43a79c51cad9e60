// SPDX-License-Identifier: GPL-2.0-or-later
#include "journal.hpp"

#include <catch2/catch.hpp>

#include "tree_hash.hpp"
#include "vigil/common/xml.hpp"

namespace vigil::cibd {
namespace {

constexpr const char* kDoc =
    R"(<cib a="1" b="2"><x id="1"/><x id="2"><y id="3" v="old"/></x><x id="4"/></cib>)";

xml::DocPtr parse() {
  auto d = xml::parse_string(kDoc);
  REQUIRE(d);
  return std::move(d).value();
}

xmlNode* find(xmlDoc* doc, const char* id) {
  for (xmlNode* n = xmlDocGetRootElement(doc)->children; n != nullptr; n = n->next) {
    if (xml::attr_or(n, "id") == id) return n;
    for (xmlNode* c = n->children; c != nullptr; c = c->next) {
      if (xml::attr_or(c, "id") == id) return c;
    }
  }
  return nullptr;
}

std::string text(xmlDoc* d) {
  return xml::to_string(d, false);
}

}  // namespace

TEST_CASE("rollback undoes every kind of change, last first, exactly") {
  auto doc = parse();
  const std::string before = text(doc.get());
  {
    Journal j(doc.get());
    xmlNode* root = xmlDocGetRootElement(doc.get());
    // Two adjacent siblings removed, one changed in place, one replaced,
    // one added, root attributes changed and added.
    j.remove(find(doc.get(), "1"));
    j.snapshot_attributes(find(doc.get(), "3"));
    xmlSetProp(find(doc.get(), "3"), BAD_CAST "v", BAD_CAST "new");
    j.remove(find(doc.get(), "2"));
    xmlNode* added = xmlNewChild(root, nullptr, BAD_CAST "z", nullptr);
    j.added(added);
    xmlNode* repl = xmlNewNode(nullptr, BAD_CAST "w");
    j.replace(find(doc.get(), "4"), repl);
    xmlSetProp(root, BAD_CAST "a", BAD_CAST "9");
    xmlSetProp(root, BAD_CAST "c", BAD_CAST "3");
    CHECK(text(doc.get()) != before);
    j.rollback();
  }
  CHECK(text(doc.get()) == before);
}

TEST_CASE("an attributes-only snapshot restores attributes exactly and keeps the children") {
  auto doc = parse();
  const std::string before = text(doc.get());
  xmlNode* x2 = find(doc.get(), "2");
  {
    Journal j(doc.get());
    j.snapshot_attributes(x2);
    xmlSetProp(x2, BAD_CAST "id", BAD_CAST "22");
    xmlSetProp(x2, BAD_CAST "extra", BAD_CAST "1");
    xmlNode* added = xmlNewChild(x2, nullptr, BAD_CAST "z", nullptr);
    j.added(added);
    const auto touched = j.touched();
    REQUIRE(touched.size() == 2);
    CHECK(touched[0] == x2);
    CHECK(touched[1] == added);
    CHECK(text(doc.get()) != before);
    j.rollback();
  }
  CHECK(text(doc.get()) == before);
  CHECK(find(doc.get(), "3") != nullptr);  // the child was never copied or moved
}

TEST_CASE("a journal destroyed without commit rolls back; commit keeps") {
  auto doc = parse();
  const std::string before = text(doc.get());
  {
    Journal j(doc.get());
    j.remove(find(doc.get(), "4"));
  }
  CHECK(text(doc.get()) == before);
  {
    Journal j(doc.get());
    j.remove(find(doc.get(), "4"));
    j.commit();
  }
  CHECK(text(doc.get()) ==
        R"(<cib a="1" b="2"><x id="1"/><x id="2"><y id="3" v="old"/></x></cib>)");
}

TEST_CASE("an attributes snapshot inside an added subtree is not kept (undo removes it whole)") {
  auto doc = parse();
  const std::string before = text(doc.get());
  {
    Journal j(doc.get());
    xmlNode* s = xmlNewChild(xmlDocGetRootElement(doc.get()), nullptr, BAD_CAST "s", nullptr);
    j.added(s);
    j.snapshot_attributes(s);
    xmlSetProp(s, BAD_CAST "k", BAD_CAST "v");
  }
  CHECK(text(doc.get()) == before);
}

TEST_CASE("the tree hash follows content, attribute order and text") {
  auto hash = [](const char* text) {
    auto d = xml::parse_string(text);
    REQUIRE(d);
    TreeHash h;
    h.element(xmlDocGetRootElement(d->get()));
    return h.hex();
  };
  CHECK(hash(R"(<a x="1"><b/></a>)") == hash(R"(<a x="1"><b/></a>)"));
  CHECK(hash(R"(<a x="1"><b/></a>)") != hash(R"(<a x="2"><b/></a>)"));
  CHECK(hash(R"(<a x="1" y="2"/>)") != hash(R"(<a y="2" x="1"/>)"));
  CHECK(hash(R"(<a><b/><c/></a>)") != hash(R"(<a><b><c/></b></a>)"));
  CHECK(hash(R"(<a>t</a>)") != hash(R"(<a>u</a>)"));
  CHECK(hash(R"(<a x="ab"/>)") != hash(R"(<a xa="b"/>)"));
}

}  // namespace vigil::cibd
