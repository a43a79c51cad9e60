// SPDX-License-Identifier: GPL-2.0-or-later
// Hostile XML for the tests of every input path: each document declares
// entities in a DOCTYPE and references them where the path reads text.
// Every parser in Vigil must refuse them all, before any expansion, with
// vigil::xml::kDoctypeRefused (vigil/common/xml_guard.hpp).
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace vigil::testing {

struct HostileXml {
  std::string name;
  std::string text;
};

// `document(ref)` is a message the path would accept, with `ref` placed
// where text is read (an attribute value or element content); `root` is its
// root element's name.
inline std::vector<HostileXml> hostile_documents(
    const std::string& root, const std::function<std::string(const std::string&)>& document) {
  std::vector<HostileXml> out;
  const std::string head = "<?xml version=\"1.0\"?>\n<!DOCTYPE " + root + " [\n";
  // Billion laughs: ten levels of ten references, 10^9 copies of "lol".
  std::string laughs = head + "  <!ENTITY lol0 \"lol\">\n";
  for (int i = 1; i <= 9; ++i) {
    std::string refs;
    for (int j = 0; j < 10; ++j) refs += "&lol" + std::to_string(i - 1) + ";";
    laughs += "  <!ENTITY lol" + std::to_string(i) + " \"" + refs + "\">\n";
  }
  out.push_back({"billion laughs", laughs + "]>\n" + document("&lol9;")});
  // Quadratic blow-up: one 100 kB entity referenced 20,000 times (2 GB).
  std::string refs;
  for (int i = 0; i < 20000; ++i) refs += "&big;";
  out.push_back({"quadratic blow-up", head + "  <!ENTITY big \"" + std::string(100000, 'A') +
                                          "\">\n]>\n" + document(refs)});
  // An external entity (a local file) and an external DTD over the network.
  out.push_back({"external entity",
                 head + "  <!ENTITY xxe SYSTEM \"file:///etc/passwd\">\n]>\n" + document("&xxe;")});
  out.push_back({"external DTD", "<?xml version=\"1.0\"?>\n<!DOCTYPE " + root +
                                     " SYSTEM \"http://127.0.0.1:9/evil.dtd\">\n" + document("x")});
  // Parameter entities inside the internal subset.
  out.push_back(
      {"parameter entities",
       head + "  <!ENTITY % p \"<!ENTITY q 'qqqqqqqq'>\">\n  %p;\n]>\n" + document("&q;")});
  return out;
}

}  // namespace vigil::testing
