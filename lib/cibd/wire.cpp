// SPDX-License-Identifier: GPL-2.0-or-later
#include "vigil/cibd/wire.hpp"

#include "vigil/common/xml.hpp"

namespace vigil::cibd {
namespace {

void add_attr(std::string& out, const char* name, std::string_view value) {
  out += ' ';
  out += name;
  out += "=\"";
  xml::append_escaped(out, value);
  out += '"';
}

// The single element child of `n` serialised, or "" when there is none;
// more than one is an error.
Result<std::string> single_child(const xmlNode* n, const char* what) {
  const std::vector<xmlNode*> kids = xml::children(n);
  if (kids.empty()) return std::string();
  if (kids.size() > 1) {
    return Error(ErrorCode::kInvalidInput, std::string(what) + " carries " +
                                               std::to_string(kids.size()) +
                                               " elements; exactly one is allowed");
  }
  return xml::to_string(kids.front(), false);
}

Result<bool> flag(const xmlNode* n, const char* name) {
  const std::optional<std::string> v = xml::attr(n, name);
  if (!v || *v == "false" || *v == "0") return false;
  if (*v == "true" || *v == "1") return true;
  return Error(ErrorCode::kInvalidInput,
               std::string("attribute ") + name + "=\"" + *v + "\" is not true or false");
}

}  // namespace

std::string encode_request(const CibRequest& r) {
  std::string out = "<cib-request";
  add_attr(out, "op", to_string(r.op));
  if (!r.scope.empty()) {
    add_attr(out, r.scope.front() == '/' ? "xpath" : "section", r.scope);
  }
  if (r.expect_version) add_attr(out, "expect-version", r.expect_version->to_string());
  if (r.allow_create) add_attr(out, "allow-create", "true");
  if (r.force) add_attr(out, "force", "true");
  if (!r.client.empty()) add_attr(out, "client", r.client);
  if (!r.user.empty()) add_attr(out, "user", r.user);
  if (r.payload.empty()) return out + "/>";
  out += '>';
  out += r.payload;
  return out + "</cib-request>";
}

std::string encode_subscribe() {
  return "<cib-request op=\"subscribe\"/>";
}

Result<CibRequest> request_from_node(const xmlNode* n) {
  if (!xml::is(n, "cib-request")) {
    return Error(ErrorCode::kInvalidInput,
                 "expected <cib-request>, got <" + std::string(xml::name(n)) + ">");
  }
  CibRequest r;
  auto op = parse_op(xml::attr_or(n, "op"));
  if (!op) return op.error();
  r.op = *op;
  const auto section = xml::attr(n, "section");
  const auto xpath = xml::attr(n, "xpath");
  if (section && xpath) {
    return Error(ErrorCode::kInvalidInput, "<cib-request> has both section and xpath");
  }
  if (xpath && (xpath->empty() || xpath->front() != '/')) {
    return Error(ErrorCode::kInvalidInput, "xpath must start with '/'");
  }
  if (section && !section->empty() && section->front() == '/') {
    return Error(ErrorCode::kInvalidInput, "section names do not start with '/' (use xpath)");
  }
  r.scope = section ? *section : xpath ? *xpath : std::string();
  if (auto ev = xml::attr(n, "expect-version")) {
    auto v = ConfigVersion::parse(*ev);
    if (!v) return v.error();
    r.expect_version = *v;
  }
  auto create = flag(n, "allow-create");
  if (!create) return create.error();
  r.allow_create = *create;
  auto force = flag(n, "force");
  if (!force) return force.error();
  r.force = *force;
  r.client = xml::attr_or(n, "client");
  r.user = xml::attr_or(n, "user");
  auto payload = single_child(n, "<cib-request>");
  if (!payload) return payload.error();
  r.payload = std::move(payload).value();
  return r;
}

Result<WireRequest> decode_request(std::string_view text) {
  auto doc = xml::parse_string(text, "request");
  if (!doc) return doc.error();
  const xmlNode* root = xmlDocGetRootElement(doc->get());
  WireRequest out;
  if (xml::is(root, "cib-request") && xml::attr_or(root, "op") == "subscribe") {
    out.subscribe = true;
    return out;
  }
  auto r = request_from_node(root);
  if (!r) return r.error();
  out.request = std::move(r).value();
  return out;
}

std::string encode_reply(const CibReply& reply) {
  std::string out = "<cib-result";
  add_attr(out, "version", reply.version.to_string());
  if (reply.xml.empty()) return out + "/>";
  return out + ">" + reply.xml + "</cib-result>";
}

Result<CibReply> decode_reply(std::string_view text) {
  auto doc = xml::parse_string(text, "answer");
  if (!doc) return doc.error();
  const xmlNode* root = xmlDocGetRootElement(doc->get());
  if (!xml::is(root, "cib-result")) {
    return Error(ErrorCode::kInvalidInput,
                 "expected <cib-result>, got <" + std::string(xml::name(root)) + ">");
  }
  CibReply reply;
  auto v = CibVersion::parse(xml::attr_or(root, "version"));
  if (!v) return v.error();
  reply.version = *v;
  auto body = single_child(root, "<cib-result>");
  if (!body) return body.error();
  reply.xml = std::move(body).value();
  return reply;
}

std::string encode_event(const CibChange& c) {
  std::string out = "<cib-event";
  add_attr(out, "previous", c.previous.to_string());
  add_attr(out, "current", c.current.to_string());
  add_attr(out, "config-changed", c.config_changed ? "true" : "false");
  add_attr(out, "op", to_string(c.op));
  add_attr(out, "origin", c.origin);
  add_attr(out, "client", c.client);
  if (c.diff.empty()) return out + "/>";
  return out + ">" + c.diff + "</cib-event>";
}

Result<CibChange> decode_event(std::string_view text) {
  auto doc = xml::parse_string(text, "event");
  if (!doc) return doc.error();
  const xmlNode* root = xmlDocGetRootElement(doc->get());
  if (!xml::is(root, "cib-event")) {
    return Error(ErrorCode::kInvalidInput,
                 "expected <cib-event>, got <" + std::string(xml::name(root)) + ">");
  }
  CibChange c;
  auto prev = CibVersion::parse(xml::attr_or(root, "previous"));
  if (!prev) return prev.error();
  auto cur = CibVersion::parse(xml::attr_or(root, "current"));
  if (!cur) return cur.error();
  auto op = parse_op(xml::attr_or(root, "op"));
  if (!op) return op.error();
  auto cc = flag(root, "config-changed");
  if (!cc) return cc.error();
  c.previous = *prev;
  c.current = *cur;
  c.op = *op;
  c.config_changed = *cc;
  c.origin = xml::attr_or(root, "origin");
  c.client = xml::attr_or(root, "client");
  auto body = single_child(root, "<cib-event>");
  if (!body) return body.error();
  c.diff = std::move(body).value();
  return c;
}

}  // namespace vigil::cibd
