// SPDX-License-Identifier: GPL-2.0-or-later
#include "vigil/cluster/totem_crypto.hpp"

#include <array>

#include "vigil/cluster/corosync_cmap.hpp"

namespace vigil::cluster {

namespace {

// The key's value, nullopt when absent, an error (naming the key) otherwise.
Result<std::optional<std::string>> optional_key(const CmapLookup& lookup, std::string_view key) {
  auto value = lookup(key);
  if (value) return std::optional<std::string>(std::move(*value));
  if (value.error().code() == ErrorCode::kNotFound) return std::optional<std::string>();
  return value.error().with_context("reading " + std::string(key));
}

}  // namespace

Result<TotemCrypto> read_totem_crypto(const CmapLookup& lookup) {
  constexpr std::array<std::string_view, 3> kKeys = {"totem.secauth", "totem.crypto_cipher",
                                                     "totem.crypto_hash"};
  std::array<std::optional<std::string>, 3> values;
  for (std::size_t i = 0; i < kKeys.size(); ++i) {
    auto value = optional_key(lookup, kKeys[i]);
    if (!value) return value.error();
    values[i] = std::move(*value);
  }
  const auto& [secauth, cipher, hash] = values;

  TotemCrypto crypto{"none", "none", ""};
  if (secauth == "on") crypto = {"aes256", "sha256", "totem.secauth"};
  if (cipher || hash) {
    if (cipher) crypto.cipher = *cipher;
    if (hash) crypto.hash = *hash;
    crypto.source = "totem.crypto_cipher, totem.crypto_hash";
  }
  return crypto;
}

std::optional<std::string> totem_crypto_warning(const TotemCrypto& crypto) {
  if (crypto.authenticated() && crypto.encrypted()) return std::nullopt;
  const std::string settings = "totem.crypto_cipher=" + crypto.cipher +
                               " totem.crypto_hash=" + crypto.hash +
                               (crypto.source.empty() ? " (not set: corosync's default)" : "");
  const std::string what = crypto.authenticated()
                               ? "cluster traffic is authenticated but not encrypted"
                               : "cluster traffic is neither authenticated nor encrypted: any "
                                 "host on the cluster network can join and forge messages";
  return "event=corosync-crypto-off setting=\"" + settings + "\" reason=\"" + what +
         "\" fix=\"set crypto_cipher and crypto_hash in corosync.conf's totem section, "
         "with an authkey on every node (corosync-keygen)\"";
}

Result<TotemCrypto> read_corosync_crypto(boost::asio::io_context& io) {
  auto cmap = CorosyncCmap::connect(io);
  if (!cmap) return cmap.error();
  const CorosyncCmap& map = **cmap;
  return read_totem_crypto([&map](std::string_view key) { return map.get(key); });
}

}  // namespace vigil::cluster
