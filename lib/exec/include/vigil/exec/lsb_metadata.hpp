// SPDX-License-Identifier: GPL-2.0-or-later
// The meta-data of an LSB init script, which has none of its own: Pacemaker
// (services__get_lsb_metadata, lib/services/services_lsb.c in 2.1.5) builds
// an OCF-like document from the script's "### BEGIN INIT INFO" comment
// block. vigil-lrmd answers meta-data calls with it and `vigil resource
// create|describe` reads it, so both see the same document crm_resource
// --show-metadata prints.
#pragma once

#include <array>
#include <cstddef>
#include <istream>
#include <optional>
#include <string>
#include <string_view>

namespace vigil::exec {

// The one-line fields of the header, in the order of the meta-data's
// <special tag='LSB'> elements.
enum class LsbField {
  kProvides,
  kRequiredStart,
  kRequiredStop,
  kShouldStart,
  kShouldStop,
  kDefaultStart,
  kDefaultStop,
  kShortDescription,
};
inline constexpr std::size_t kLsbFieldCount = 8;

// The header's fields as the script has them: the text after the field's
// prefix ("# Provides:") up to and including the line's end, unescaped;
// nullopt when the field is absent. The first occurrence counts.
struct LsbHeader {
  std::array<std::optional<std::string>, kLsbFieldCount> fields;
  // "# Description:" and its continuation lines ('#' then a tab or two
  // spaces), each without its '#'.
  std::optional<std::string> description;

  const std::optional<std::string>& operator[](LsbField f) const {
    return fields[static_cast<std::size_t>(f)];
  }
};

// Reads the header the way Pacemaker does: lines of at most 1023 bytes
// (longer ones are read in pieces), fields only after "### BEGIN INIT INFO",
// up to "### END INIT INFO" or the first line not starting with '#'. The
// line that ends a description is not read as a field.
LsbHeader parse_lsb_header(std::istream& script);

// The meta-data document of init script `type` with this header; absent
// descriptions default to the type, absent fields to empty elements.
std::string lsb_metadata_document(std::string_view type, const LsbHeader& header);

// Text escaped as libxml2's xmlEncodeEntitiesReentrant does without a
// document (what Pacemaker applies to header values): & < > and CR as
// entities, every non-ASCII character as a hexadecimal character reference,
// a byte that is not valid UTF-8 as a decimal one.
std::string encode_xml_entities(std::string_view text);

}  // namespace vigil::exec
