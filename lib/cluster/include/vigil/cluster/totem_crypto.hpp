// SPDX-License-Identifier: GPL-2.0-or-later
// Whether Corosync protects the cluster's traffic: totem.crypto_cipher and
// totem.crypto_hash (and, for configurations of corosync 2, totem.secauth)
// as corosync itself resolves them, and the warning vigild logs at start
// when they leave the traffic unauthenticated or unencrypted.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "vigil/common/result.hpp"

namespace boost::asio {
class io_context;
}

namespace vigil::cluster {

// One cmap key's value as text; ErrorCode::kNotFound when the key is absent
// (CorosyncCmap::get, or a map in a test).
using CmapLookup = std::function<Result<std::string>(std::string_view key)>;

struct TotemCrypto {
  std::string cipher;  // "none", "aes256", ...
  std::string hash;    // "none", "sha256", ...
  // Where the values come from, for the message: "totem.crypto_cipher,
  // totem.crypto_hash", "totem.secauth", or "" when nothing is set.
  std::string source;
  bool authenticated() const { return hash != "none"; }
  bool encrypted() const { return cipher != "none"; }
};

// Corosync 3's rule: nothing set means none/none; `secauth: on` means
// aes256/sha256; an explicit crypto_cipher or crypto_hash overrides either.
// A lookup failing other than kNotFound is returned with the key's name.
Result<TotemCrypto> read_totem_crypto(const CmapLookup& lookup);

// The warning line (vigil's key=value log style) when the traffic is not
// both authenticated and encrypted; nullopt when it is.
std::optional<std::string> totem_crypto_warning(const TotemCrypto& crypto);

// read_totem_crypto over a short-lived cmap connection to the local corosync.
Result<TotemCrypto> read_corosync_crypto(boost::asio::io_context& io);

}  // namespace vigil::cluster
