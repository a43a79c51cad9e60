// SPDX-License-Identifier: GPL-2.0-or-later
#include "corosync/cs_error.hpp"

#include <chrono>
#include <thread>

namespace vigil::cluster::corosync {

std::string cs_error_name(cs_error_t rc) {
  switch (rc) {
    case CS_OK:
      return "CS_OK";
    case CS_ERR_LIBRARY:
      return "CS_ERR_LIBRARY";
    case CS_ERR_VERSION:
      return "CS_ERR_VERSION";
    case CS_ERR_INIT:
      return "CS_ERR_INIT";
    case CS_ERR_TIMEOUT:
      return "CS_ERR_TIMEOUT";
    case CS_ERR_TRY_AGAIN:
      return "CS_ERR_TRY_AGAIN";
    case CS_ERR_INVALID_PARAM:
      return "CS_ERR_INVALID_PARAM";
    case CS_ERR_NO_MEMORY:
      return "CS_ERR_NO_MEMORY";
    case CS_ERR_BAD_HANDLE:
      return "CS_ERR_BAD_HANDLE";
    case CS_ERR_BUSY:
      return "CS_ERR_BUSY";
    case CS_ERR_ACCESS:
      return "CS_ERR_ACCESS";
    case CS_ERR_NOT_EXIST:
      return "CS_ERR_NOT_EXIST";
    case CS_ERR_NAME_TOO_LONG:
      return "CS_ERR_NAME_TOO_LONG";
    case CS_ERR_EXIST:
      return "CS_ERR_EXIST";
    case CS_ERR_NO_SPACE:
      return "CS_ERR_NO_SPACE";
    case CS_ERR_INTERRUPT:
      return "CS_ERR_INTERRUPT";
    case CS_ERR_NAME_NOT_FOUND:
      return "CS_ERR_NAME_NOT_FOUND";
    case CS_ERR_NO_RESOURCES:
      return "CS_ERR_NO_RESOURCES";
    case CS_ERR_NOT_SUPPORTED:
      return "CS_ERR_NOT_SUPPORTED";
    case CS_ERR_BAD_OPERATION:
      return "CS_ERR_BAD_OPERATION";
    case CS_ERR_FAILED_OPERATION:
      return "CS_ERR_FAILED_OPERATION";
    case CS_ERR_MESSAGE_ERROR:
      return "CS_ERR_MESSAGE_ERROR";
    case CS_ERR_QUEUE_FULL:
      return "CS_ERR_QUEUE_FULL";
    case CS_ERR_QUEUE_NOT_AVAILABLE:
      return "CS_ERR_QUEUE_NOT_AVAILABLE";
    case CS_ERR_BAD_FLAGS:
      return "CS_ERR_BAD_FLAGS";
    case CS_ERR_TOO_BIG:
      return "CS_ERR_TOO_BIG";
    case CS_ERR_NO_SECTIONS:
      return "CS_ERR_NO_SECTIONS";
    case CS_ERR_CONTEXT_NOT_FOUND:
      return "CS_ERR_CONTEXT_NOT_FOUND";
    case CS_ERR_TOO_MANY_GROUPS:
      return "CS_ERR_TOO_MANY_GROUPS";
    case CS_ERR_SECURITY:
      return "CS_ERR_SECURITY";
  }
  return "CS_ERR_" + std::to_string(static_cast<int>(rc));
}

Error cs_failure(std::string_view call, cs_error_t rc) {
  std::string message = std::string(call) + ": " + cs_error_name(rc);
  switch (rc) {
    case CS_ERR_LIBRARY:
      message += " (cannot reach corosync: is it running?)";
      break;
    case CS_ERR_BAD_HANDLE:
      message += " (the connection to corosync is gone)";
      break;
    case CS_ERR_ACCESS:
    case CS_ERR_SECURITY:
      message += " (corosync refused this user: run as root or allow it in uidgid.d)";
      break;
    case CS_ERR_TRY_AGAIN:
      message += " (corosync stayed busy)";
      break;
    default:
      break;
  }
  return Error(ErrorCode::kIo, std::move(message));
}

cs_error_t cs_retry(const std::function<cs_error_t()>& call) {
  cs_error_t rc = call();
  for (int attempt = 1; rc == CS_ERR_TRY_AGAIN && attempt <= 10; ++attempt) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20 * attempt));
    rc = call();
  }
  return rc;
}

}  // namespace vigil::cluster::corosync
