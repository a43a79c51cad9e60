// SPDX-License-Identifier: GPL-2.0-or-later
#include "vigil/admin/cib_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "vigil/admin/cib_edit.hpp"
#include "vigil/cib/validate.hpp"

namespace vigil::admin {
namespace {

std::string dir_of(const std::string& path) {
  const auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

Status io_error(const std::string& what) {
  return Error(ErrorCode::kIo, what + ": " + std::strerror(errno));
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
  std::string tmp = dir_of(path) + "/.vigil-cib-XXXXXX";
  const int fd = mkstemp(tmp.data());
  if (fd < 0) return io_error("cannot create a temporary file in " + dir_of(path));
  // Keep the original file's permissions (mkstemp makes it 0600).
  struct stat st {};
  if (stat(path.c_str(), &st) == 0) {
    (void)fchmod(fd, st.st_mode & 07777);
  } else {
    // A new file gets the usual 0666 & ~umask, as pcs's plain open would.
    const mode_t mask = umask(0);
    umask(mask);
    (void)fchmod(fd, 0666 & ~mask);
  }
  const std::string& data = *text;
  std::size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      Status err = io_error("cannot write " + tmp);
      close(fd);
      unlink(tmp.c_str());
      return err;
    }
    done += static_cast<std::size_t>(n);
  }
  if (fsync(fd) != 0 || close(fd) != 0) {
    Status err = io_error("cannot sync " + tmp);
    unlink(tmp.c_str());
    return err;
  }
  if (rename(tmp.c_str(), path.c_str()) != 0) {
    Status err = io_error("cannot rename " + tmp + " to " + path);
    unlink(tmp.c_str());
    return err;
  }
  // Make the rename itself durable.
  const int dfd = open(dir_of(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    (void)fsync(dfd);
    close(dfd);
  }
  return ok_status();
}

}  // namespace vigil::admin
