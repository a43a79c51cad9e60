// SPDX-License-Identifier: GPL-2.0-or-later
// libFuzzer target for the messages controllers exchange over the
// "vigil-crmd" CPG group (lib/controller/messages.hpp): every payload a
// member delivers goes through controller::decode first, whoever sent it.
//
// Invariant (decode -> encode -> decode): a message that decodes encodes
// to a payload that decodes again to a message encoding to the same bytes,
// so what one controller sends is what the other reads.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_support.hpp"
#include "messages.hpp"
#include "vigil/common/xml.hpp"

using namespace vigil;

extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
  xml::init();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 64 * 1024) return -1;
  auto first = controller::decode(fuzz::as_text(data, size));
  if (!first) return 0;
  const std::string encoded = controller::encode(*first);
  auto second = controller::decode(encoded);
  if (!second) {
    std::fprintf(stderr, "re-encoded message refused: %s\n%s\n", second.error().message().c_str(),
                 encoded.c_str());
  }
  VIGIL_FUZZ_CHECK(second);
  VIGIL_FUZZ_CHECK(controller::encode(*second) == encoded);
  VIGIL_FUZZ_CHECK(second->type == first->type);
  return 0;
}
