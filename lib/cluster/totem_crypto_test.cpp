// SPDX-License-Identifier: GPL-2.0-or-later
#include "vigil/cluster/totem_crypto.hpp"

#include <catch2/catch.hpp>
#include <map>

using namespace vigil;
using namespace vigil::cluster;

namespace {

// A cmap of these keys; every other key is absent.
CmapLookup map_of(std::map<std::string, std::string> keys) {
  return [keys = std::move(keys)](std::string_view key) -> Result<std::string> {
    auto it = keys.find(std::string(key));
    if (it == keys.end()) return Error(ErrorCode::kNotFound, "no key '" + std::string(key) + "'");
    return it->second;
  };
}

TotemCrypto read(std::map<std::string, std::string> keys) {
  auto crypto = read_totem_crypto(map_of(std::move(keys)));
  REQUIRE(crypto);
  return *crypto;
}

}  // namespace

TEST_CASE("totem crypto: aes256/sha256 is on, no warning") {
  const auto crypto = read({{"totem.crypto_cipher", "aes256"}, {"totem.crypto_hash", "sha256"}});
  CHECK(crypto.cipher == "aes256");
  CHECK(crypto.hash == "sha256");
  CHECK(crypto.authenticated());
  CHECK(crypto.encrypted());
  CHECK_FALSE(totem_crypto_warning(crypto));
}

TEST_CASE("totem crypto: none/none warns, naming the settings") {
  const auto crypto = read({{"totem.crypto_cipher", "none"}, {"totem.crypto_hash", "none"}});
  const auto warning = totem_crypto_warning(crypto);
  REQUIRE(warning);
  CHECK(warning->find("totem.crypto_cipher=none totem.crypto_hash=none") != std::string::npos);
  CHECK(warning->find("neither authenticated nor encrypted") != std::string::npos);
  CHECK(warning->find("not set") == std::string::npos);
}

TEST_CASE("totem crypto: no key at all is corosync's default, none, and warns so") {
  const auto crypto = read({});
  CHECK(crypto.cipher == "none");
  CHECK(crypto.hash == "none");
  CHECK(crypto.source.empty());
  const auto warning = totem_crypto_warning(crypto);
  REQUIRE(warning);
  CHECK(warning->find("not set") != std::string::npos);
  CHECK(warning->find("neither authenticated nor encrypted") != std::string::npos);
}

TEST_CASE("totem crypto: a hash without a cipher is authenticated, not encrypted") {
  const auto crypto = read({{"totem.crypto_cipher", "none"}, {"totem.crypto_hash", "sha1"}});
  CHECK(crypto.authenticated());
  CHECK_FALSE(crypto.encrypted());
  const auto warning = totem_crypto_warning(crypto);
  REQUIRE(warning);
  CHECK(warning->find("authenticated but not encrypted") != std::string::npos);
}

TEST_CASE("totem crypto: corosync 2's secauth") {
  SECTION("on, alone: aes256/sha256") {
    const auto crypto = read({{"totem.secauth", "on"}});
    CHECK(crypto.cipher == "aes256");
    CHECK(crypto.hash == "sha256");
    CHECK(crypto.source == "totem.secauth");
    CHECK_FALSE(totem_crypto_warning(crypto));
  }
  SECTION("off: none") {
    CHECK(totem_crypto_warning(read({{"totem.secauth", "off"}})));
  }
  SECTION("on, but crypto_cipher none overrides the cipher") {
    const auto crypto = read({{"totem.secauth", "on"}, {"totem.crypto_cipher", "none"}});
    CHECK(crypto.cipher == "none");
    CHECK(crypto.hash == "sha256");
    CHECK(totem_crypto_warning(crypto));
  }
}

TEST_CASE("totem crypto: a failing lookup is an error naming the key, not a verdict") {
  const CmapLookup broken = [](std::string_view key) -> Result<std::string> {
    if (key == "totem.crypto_hash") return Error(ErrorCode::kIo, "cmap_get: CS_ERR_LIBRARY");
    return Error(ErrorCode::kNotFound, "absent");
  };
  const auto crypto = read_totem_crypto(broken);
  REQUIRE_FALSE(crypto);
  CHECK(crypto.error().code() == ErrorCode::kIo);
  CHECK(crypto.error().message().find("totem.crypto_hash") != std::string::npos);
}
