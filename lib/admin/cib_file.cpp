// SPDX-License-Identifier: GPL-2.0-or-later
#include "vigil/admin/cib_file.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>

#include "vigil/admin/cib_edit.hpp"
#include "vigil/cib/validate.hpp"
#include "vigil/common/disk.hpp"

namespace vigil::admin {
namespace {

std::string dir_of(const std::string& path) {
  const auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

}  // namespace

Result<xml::DocPtr> load_cib_file(const std::string& path) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return xml::parse_string(kSkeletonCib, "skeleton CIB");
    return Error(ErrorCode::kIo, path + ": " + std::strerror(errno));
  }
  auto doc = xml::parse_file(path);
  if (!doc) return doc.error().with_context(path);
  const xmlNode* root = xmlDocGetRootElement(doc->get());
  if (root == nullptr || !xml::is(root, "cib")) {
    return Error(ErrorCode::kInvalidInput, path + ": not a CIB (the root element is not <cib>)");
  }
  return doc;
}

Result<std::string> finalize_cib(xmlDoc* doc, int extra_writes) {
  if (auto st = bump_epoch(doc, 1 + extra_writes); !st) return st.error();
  // No XML declaration, 2-space indentation, as pcs writes the file.
  std::string text = xml::to_string(xmlDocGetRootElement(doc), true) + "\n";
  // Validate the text about to be written, so errors carry its line numbers.
  auto written = xml::parse_string(text, "new CIB");
  if (!written) return written.error();
  if (auto st = cib::validate_cib(written->get()); !st) {
    return Error(ErrorCode::kInvalidInput, "Unable to update cib: " + st.error().message());
  }
  return text;
}

Status commit_cib_file(xmlDoc* doc, const std::string& path, int extra_writes) {
  auto text = finalize_cib(doc, extra_writes);
  if (!text) return text.error();
  // Keep the original file's permissions; a new file gets the usual
  // 0666 & ~umask, as pcs's plain open would.
  AtomicWrite how;
  struct stat st {};
  if (stat(path.c_str(), &st) == 0) {
    how.mode = st.st_mode & 07777;
  } else {
    const mode_t mask = umask(0);
    umask(mask);
    how.mode = 0666 & ~mask;
  }
  const std::string dir = dir_of(path);
  how.temp_prefix = dir + "/.vigil-cib-";
  if (Status s = write_file_atomically(real_disk(), path, *text, how); !s) return s;
  (void)real_disk().sync_dir(dir);  // best effort: makes the rename itself durable
  return ok_status();
}

}  // namespace vigil::admin
