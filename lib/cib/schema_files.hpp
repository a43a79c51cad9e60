// SPDX-License-Identifier: GPL-2.0-or-later
// The RelaxNG files of schemas/, compiled into the library by
// embed_schemas.cmake (which writes schema_files.cpp in the build tree), so
// validation never depends on where, or whether, Vigil is installed.
#pragma once

#include <span>
#include <string_view>

namespace vigil::cib::detail {

struct SchemaFile {
  std::string_view name;  // file name inside schemas/, e.g. "cib.rng"
  std::string_view text;  // the file's bytes, verbatim
};

// Every embedded file, sorted by name.
std::span<const SchemaFile> schema_files();

}  // namespace vigil::cib::detail
