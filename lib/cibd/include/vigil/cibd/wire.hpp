// SPDX-License-Identifier: GPL-2.0-or-later
// The XML that travels between vigil-cib and its clients, one element per
// frame payload (lib/cibd/README.md has examples):
//   request  <cib-request op="modify" section="status" expect-version="0:12"
//                         allow-create="true" client="crmd">PAYLOAD</cib-request>
//            (xpath="/cib/..." instead of section; op="subscribe" asks for
//            change events on this connection)
//   answer   <cib-result version="0:12:3">QUERY RESULT</cib-result>
//   event    <cib-event previous="0:12:3" current="0:13:0" config-changed="true"
//                       op="modify" origin="node1" client="crmd">DIFF</cib-event>
// Errors are the frame's kError (code + message).
#pragma once

#include <libxml/tree.h>

#include <string>
#include <string_view>

#include "vigil/cibd/types.hpp"
#include "vigil/common/result.hpp"

namespace vigil::cibd {

struct WireRequest {
  bool subscribe = false;  // op="subscribe"
  CibRequest request;
};

std::string encode_request(const CibRequest& request);
std::string encode_subscribe();
// Malformed XML, an unknown op or attribute value, a payload that is not
// one element: kInvalidInput.
Result<WireRequest> decode_request(std::string_view text);
// The same from a parsed <cib-request> element.
Result<CibRequest> request_from_node(const xmlNode* node);

std::string encode_reply(const CibReply& reply);
Result<CibReply> decode_reply(std::string_view text);

std::string encode_event(const CibChange& change);
Result<CibChange> decode_event(std::string_view text);

}  // namespace vigil::cibd
