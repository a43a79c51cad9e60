// SPDX-License-Identifier: GPL-2.0-or-later
#include "vigil/exec/output_buffer.hpp"

#include <catch2/catch.hpp>
#include <string>

using vigil::exec::OutputBuffer;

TEST_CASE("output under the limit is kept whole") {
  OutputBuffer b(10);
  b.append("abc");
  b.append("defg");
  CHECK(b.text() == "abcdefg");
  CHECK(b.total() == 7);
  CHECK_FALSE(b.truncated());
  b.append("hij");
  CHECK(b.text() == "abcdefghij");
  CHECK_FALSE(b.truncated());
}

TEST_CASE("beyond the limit the head and the tail are kept") {
  OutputBuffer b(8);
  b.append("0123456789abcdef");
  CHECK(b.total() == 16);
  CHECK(b.dropped() == 8);
  CHECK(b.text() == "0123\n[... 8 bytes omitted ...]\ncdef");
}

TEST_CASE("the tail follows many small writes") {
  OutputBuffer b(6);
  std::string all;
  for (int i = 0; i < 1000; ++i) {
    const std::string chunk = std::to_string(i) + ",";
    all += chunk;
    b.append(chunk);
  }
  CHECK(b.total() == all.size());
  const std::string text = b.text();
  CHECK(text.substr(0, 3) == all.substr(0, 3));
  CHECK(text.substr(text.size() - 3) == all.substr(all.size() - 3));
  CHECK(text.find("bytes omitted") != std::string::npos);
}

TEST_CASE("mixed chunk sizes keep exactly the last bytes") {
  OutputBuffer b(100);
  std::string all;
  for (int i = 0; i < 300; ++i) {
    const std::string chunk(static_cast<std::size_t>(i % 37), static_cast<char>('a' + i % 26));
    all += chunk;
    b.append(chunk);
  }
  const std::string text = b.text();
  CHECK(text.substr(0, 50) == all.substr(0, 50));
  CHECK(text.substr(text.size() - 50) == all.substr(all.size() - 50));
  CHECK(b.dropped() == all.size() - 100);
}

TEST_CASE("a zero limit keeps nothing but counts") {
  OutputBuffer b(0);
  b.append("hello");
  CHECK(b.total() == 5);
  CHECK(b.dropped() == 5);
  CHECK(b.text() == "\n[... 5 bytes omitted ...]\n");
}
