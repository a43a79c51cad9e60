// SPDX-License-Identifier: GPL-2.0-or-later
#include "vigil/cibclient/access.hpp"

namespace vigil::cibclient {

CibRequest CibAccess::make_request(CibOp op, std::string_view scope, std::string_view xml,
                                   const UpdateOptions& options) const {
  CibRequest r;
  r.op = op;
  r.scope = std::string(scope);
  r.payload = std::string(xml);
  r.expect_version = options.expect_version;
  r.allow_create = options.allow_create;
  r.force = options.force;
  r.client = client_name_;
  return r;
}

void CibAccess::query(std::string_view scope, ReplyHandler done) {
  execute(make_request(CibOp::kQuery, scope, {}, {}), std::move(done));
}

void CibAccess::create(std::string_view scope, std::string_view xml, ReplyHandler done,
                       UpdateOptions options) {
  execute(make_request(CibOp::kCreate, scope, xml, options), std::move(done));
}

void CibAccess::modify(std::string_view scope, std::string_view xml, ReplyHandler done,
                       UpdateOptions options) {
  execute(make_request(CibOp::kModify, scope, xml, options), std::move(done));
}

void CibAccess::replace(std::string_view scope, std::string_view xml, ReplyHandler done,
                        UpdateOptions options) {
  execute(make_request(CibOp::kReplace, scope, xml, options), std::move(done));
}

void CibAccess::remove(std::string_view xpath, ReplyHandler done, UpdateOptions options) {
  execute(make_request(CibOp::kDelete, xpath, {}, options), std::move(done));
}

}  // namespace vigil::cibclient
