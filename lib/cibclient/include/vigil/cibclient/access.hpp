// SPDX-License-Identifier: GPL-2.0-or-later
// CibAccess: what a component needs from the CIB service, with or without a
// socket in between. Implemented by CibClient (the socket client of
// vigil-cib, client.hpp) and by LocalCibAccess (local_access.hpp, direct
// calls into an in-process cibd::CibNode), so the controller runs unchanged
// in the daemon and in the whole-cluster simulation.
//
// Every call is asynchronous: `done` runs later from the owner's event loop
// (never inside the call itself), exactly once, unless the object is
// destroyed first (then never). Errors:
//  - ErrorCode::kInvalidInput: the request is malformed or the result would
//    not validate (the message is the validator's), an expect_version that
//    does not match ("CIB version is 0:13, expected 0:12"), a replace by an
//    older CIB without force;
//  - ErrorCode::kNotFound: the scope (section/xpath) matches nothing where
//    something is needed (query of a missing section, modify of a missing
//    element without allow_create);
//  - ErrorCode::kIo: the service cannot be reached, the connection was lost
//    or the call timed out; the update may or may not have been applied.
// An update that succeeded (Ok) is replicated: every cluster member that
// survives has it.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "vigil/cibd/types.hpp"
#include "vigil/common/result.hpp"

namespace vigil::cibclient {

using cibd::CibChange;
using cibd::CibOp;
using cibd::CibReply;
using cibd::CibRequest;
using cibd::CibVersion;
using cibd::ConfigVersion;

using ReplyHandler = std::function<void(Result<CibReply>)>;
using ChangeHandler = std::function<void(const CibChange&)>;
using SubscriptionId = std::uint64_t;

// Options shared by the update calls.
struct UpdateOptions {
  std::optional<ConfigVersion> expect_version;
  bool allow_create = false;  // modify only
  bool force = false;         // replace of the whole CIB only
};

class CibAccess {
 public:
  virtual ~CibAccess() = default;

  // Any operation. `request.client` is filled with client_name() when empty.
  virtual void execute(CibRequest request, ReplyHandler done) = 0;

  // Change notifications for every change applied to the CIB this access
  // reads from (local node). Returns an id for unsubscribe().
  virtual SubscriptionId subscribe(ChangeHandler handler) = 0;
  virtual void unsubscribe(SubscriptionId id) = 0;

  // Conveniences over execute(). `scope`: see cibd::CibRequest.
  void query(std::string_view scope, ReplyHandler done);
  void create(std::string_view scope, std::string_view xml, ReplyHandler done,
              UpdateOptions options = {});
  void modify(std::string_view scope, std::string_view xml, ReplyHandler done,
              UpdateOptions options = {});
  void replace(std::string_view scope, std::string_view xml, ReplyHandler done,
               UpdateOptions options = {});
  // Removes every element `xpath` (or a section name) matches.
  void remove(std::string_view xpath, ReplyHandler done, UpdateOptions options = {});

  // Put in requests' `client` field ("crmd", "vigil").
  void set_client_name(std::string name) { client_name_ = std::move(name); }
  const std::string& client_name() const { return client_name_; }

 protected:
  CibRequest make_request(CibOp op, std::string_view scope, std::string_view xml,
                          const UpdateOptions& options) const;

 private:
  std::string client_name_ = "vigil";
};

}  // namespace vigil::cibclient
