// SPDX-License-Identifier: GPL-2.0-or-later
// XML encoding of vigil-stonithd's client protocol (see protocol.hpp).
// Every decoder checks the root element, each required attribute and each
// number; what it refuses says which element and attribute, and why.
#include "vigil/fencerd/protocol.hpp"

#include <utility>

#include "vigil/common/xml.hpp"
#include "vigil/fencing/messages.hpp"

namespace vigil::fencerd {

namespace {

Error invalid(const std::string& why) {
  return Error(ErrorCode::kInvalidInput, "fencer message: " + why);
}

// An attribute, left out when empty; values keep their tabs and newlines.
void put(std::string& out, const char* name, std::string_view value) {
  if (!value.empty()) xml::append_attr(out, name, value, xml::kEscapeWhitespace);
}

Result<std::string> required(const xmlNode* n, const char* name) {
  auto v = xml::attr(n, name);
  if (!v || v->empty()) {
    return invalid("<" + std::string(xml::name(n)) + "> needs attribute " + name);
  }
  return std::move(*v);
}

Result<Duration> duration_attr(const xmlNode* n, const char* name) {
  std::int64_t ms = 0;
  if (!xml::read_int_attr(n, name, &ms, 0)) {
    return invalid("<" + std::string(xml::name(n)) + "> attribute " + name + "='" +
                   xml::attr_or(n, name) + "' is not a non-negative integer");
  }
  return Duration(ms);
}

bool known_action(std::string_view action) {
  return action == "reboot" || action == "off" || action == "on";
}

Result<std::string> action_attr(const xmlNode* n) {
  std::string action = xml::attr_or(n, "action", "reboot");
  if (!known_action(action)) {
    return invalid("<" + std::string(xml::name(n)) + "> action '" + action +
                   "' is not reboot, off or on");
  }
  return action;
}

Result<xml::RootedDoc> parse(std::string_view payload, const char* root) {
  auto doc = xml::parse_rooted(payload, "fencer message", root);
  if (!doc) return doc.error();
  return doc;
}

// Requests: each kind names its element once.
struct CallWriter {
  std::string out;
  void operator()(const FenceCall& c) {
    out = "<fence";
    put(out, "target", c.target);
    put(out, "action", c.action);
    if (c.timeout.count() > 0) xml::append_attr(out, "timeout-ms", c.timeout.count());
    if (c.delay.count() > 0) xml::append_attr(out, "delay-ms", c.delay.count());
    put(out, "client", c.client);
    out += "/>";
  }
  void operator()(const ConfirmCall& c) {
    out = "<fence-confirm";
    put(out, "target", c.target);
    put(out, "client", c.client);
    out += "/>";
  }
  void operator()(const QueryCall& c) {
    out = "<fence-query";
    put(out, "target", c.target);
    put(out, "action", c.action);
    out += "/>";
  }
  void operator()(const MonitorCall& c) {
    out = "<fence-monitor";
    put(out, "device", c.device);
    if (c.timeout.count() > 0) xml::append_attr(out, "timeout-ms", c.timeout.count());
    out += "/>";
  }
  void operator()(const RegisterCall& c) {
    out = "<fence-register";
    put(out, "device", c.device);
    put(out, "agent", c.agent);
    out += ">";
    xml::append_params(out, c.params, xml::kEscapeWhitespace);
    out += "</fence-register>";
  }
  void operator()(const UnregisterCall& c) {
    out = "<fence-unregister";
    put(out, "device", c.device);
    out += "/>";
  }
  void operator()(const HistoryCall& c) {
    out = "<fence-history";
    put(out, "target", c.target);
    out += "/>";
  }
  void operator()(const HistoryCleanupCall& c) {
    out = "<fence-history-cleanup";
    put(out, "target", c.target);
    out += "/>";
  }
  void operator()(const DevicesCall&) { out = "<fence-devices/>"; }
  void operator()(const SubscribeCall&) { out = "<fence-subscribe/>"; }
};

Result<Call> read_fence(const xmlNode* n) {
  FenceCall c;
  auto target = required(n, "target");
  if (!target) return target.error();
  auto action = action_attr(n);
  if (!action) return action.error();
  auto timeout = duration_attr(n, "timeout-ms");
  if (!timeout) return timeout.error();
  auto delay = duration_attr(n, "delay-ms");
  if (!delay) return delay.error();
  c.target = std::move(*target);
  c.action = std::move(*action);
  c.timeout = *timeout;
  c.delay = *delay;
  c.client = xml::attr_or(n, "client");
  return Call(std::move(c));
}

// <fence-register device= agent=><param name= value=/>...</fence-register>
Result<Call> read_register(const xmlNode* n) {
  auto device = required(n, "device");
  auto agent = required(n, "agent");
  if (!device || !agent) return device ? agent.error() : device.error();
  RegisterCall c{std::move(*device), std::move(*agent)};
  for (const xmlNode* p : xml::children(n)) {
    if (!xml::is(p, "param")) {
      return invalid("<fence-register> holds <" + std::string(xml::name(p)) + ">, not <param>");
    }
    auto name = required(p, "name");
    if (!name) return name.error();
    auto value = xml::attr(p, "value");
    if (!value) return invalid("<param name=\"" + *name + "\"> has no value");
    if (!c.params.emplace(*name, std::move(*value)).second) {
      return invalid("<fence-register> names parameter '" + *name + "' twice");
    }
  }
  return Call(std::move(c));
}

Result<Call> read_call(const xmlNode* n) {
  const std::string_view name = xml::name(n);
  if (name == "fence") return read_fence(n);
  if (name == "fence-confirm") {
    auto target = required(n, "target");
    if (!target) return target.error();
    return Call(ConfirmCall{std::move(*target), xml::attr_or(n, "client")});
  }
  if (name == "fence-query") {
    auto target = required(n, "target");
    if (!target) return target.error();
    auto action = action_attr(n);
    if (!action) return action.error();
    return Call(QueryCall{std::move(*target), std::move(*action)});
  }
  if (name == "fence-monitor") {
    auto device = required(n, "device");
    if (!device) return device.error();
    auto timeout = duration_attr(n, "timeout-ms");
    if (!timeout) return timeout.error();
    return Call(MonitorCall{std::move(*device), *timeout});
  }
  if (name == "fence-register") return read_register(n);
  if (name == "fence-unregister") {
    auto device = required(n, "device");
    if (!device) return device.error();
    return Call(UnregisterCall{std::move(*device)});
  }
  if (name == "fence-history") return Call(HistoryCall{xml::attr_or(n, "target")});
  if (name == "fence-history-cleanup") return Call(HistoryCleanupCall{xml::attr_or(n, "target")});
  if (name == "fence-devices") return Call(DevicesCall{});
  if (name == "fence-subscribe") return Call(SubscribeCall{});
  return Error(ErrorCode::kUnsupported,
               "fencer message: unknown request <" + std::string(name) + ">");
}

// <devices><device id= [agent=]/>...</devices>
void write_devices(std::string& out, const std::vector<DeviceInfo>& devices) {
  out += "<devices>";
  for (const auto& d : devices) {
    out += "<device";
    put(out, "id", d.id);
    put(out, "agent", d.agent);
    out += "/>";
  }
  out += "</devices>";
}

Result<std::vector<DeviceInfo>> read_devices(std::string_view payload, bool need_agent) {
  auto doc = parse(payload, "devices");
  if (!doc) return doc.error();
  std::vector<DeviceInfo> out;
  for (const xmlNode* d : xml::children(doc->root)) {
    if (!xml::is(d, "device")) {
      return invalid("<devices> holds <" + std::string(xml::name(d)) + ">, not <device>");
    }
    auto id = required(d, "id");
    if (!id) return id.error();
    DeviceInfo info{std::move(*id), xml::attr_or(d, "agent")};
    if (need_agent && info.agent.empty()) return invalid("<device " + info.id + "> has no agent");
    out.push_back(std::move(info));
  }
  return out;
}

// The <entry> children of `n`, nothing else.
Result<std::vector<fencing::HistoryEntry>> read_entries(const xmlNode* n) {
  std::vector<fencing::HistoryEntry> out;
  for (const xmlNode* e : xml::children(n)) {
    if (!xml::is(e, "entry")) {
      return invalid("<" + std::string(xml::name(n)) + "> holds <" + std::string(xml::name(e)) +
                     ">, not <entry>");
    }
    auto entry = fencing::read_entry(e);
    if (!entry) return entry.error().with_context("fencer message");
    out.push_back(std::move(*entry));
  }
  return out;
}

}  // namespace

std::string encode_call(const Call& call) {
  CallWriter w;
  std::visit(w, call);
  return std::move(w.out);
}

Result<Call> decode_call(std::string_view payload) {
  auto doc = xml::parse_string(payload, "fencer request");
  if (!doc) return doc.error();
  const xmlNode* root = xmlDocGetRootElement(doc->get());
  if (root == nullptr) return invalid("empty request");
  return read_call(root);
}

std::string encode_ok() {
  return "<ok/>";
}

Status decode_ok(std::string_view payload) {
  auto doc = parse(payload, "ok");
  if (!doc) return doc.error();
  return ok_status();
}

std::string encode_fence_reply(const FenceReply& reply) {
  std::string out = "<fence-reply";
  put(out, "delegate", reply.delegate);
  put(out, "id", reply.id);
  out += "/>";
  return out;
}

Result<FenceReply> decode_fence_reply(std::string_view payload) {
  auto doc = parse(payload, "fence-reply");
  if (!doc) return doc.error();
  auto delegate = required(doc->root, "delegate");
  if (!delegate) return delegate.error();
  auto id = required(doc->root, "id");
  if (!id) return id.error();
  return FenceReply{std::move(*delegate), std::move(*id)};
}

std::string encode_device_ids(const std::vector<std::string>& ids) {
  std::vector<DeviceInfo> devices;
  devices.reserve(ids.size());
  for (const auto& id : ids) devices.push_back({id, {}});
  std::string out;
  write_devices(out, devices);
  return out;
}

Result<std::vector<std::string>> decode_device_ids(std::string_view payload) {
  auto devices = read_devices(payload, false);
  if (!devices) return devices.error();
  std::vector<std::string> ids;
  ids.reserve(devices->size());
  for (auto& d : *devices) ids.push_back(std::move(d.id));
  return ids;
}

std::string encode_devices(const std::vector<DeviceInfo>& devices) {
  std::string out;
  write_devices(out, devices);
  return out;
}

Result<std::vector<DeviceInfo>> decode_devices(std::string_view payload) {
  return read_devices(payload, true);
}

std::string encode_history(const std::vector<fencing::HistoryEntry>& entries) {
  std::string out = "<history>";
  for (const auto& e : entries) fencing::append_entry(out, e);
  out += "</history>";
  return out;
}

Result<std::vector<fencing::HistoryEntry>> decode_history(std::string_view payload) {
  auto doc = parse(payload, "history");
  if (!doc) return doc.error();
  return read_entries(doc->root);
}

std::string encode_event(const fencing::HistoryEntry& entry) {
  std::string out = "<fence-event>";
  fencing::append_entry(out, entry);
  out += "</fence-event>";
  return out;
}

Result<fencing::HistoryEntry> decode_event(std::string_view payload) {
  auto doc = parse(payload, "fence-event");
  if (!doc) return doc.error();
  auto entries = read_entries(doc->root);
  if (!entries) return entries.error();
  if (entries->size() != 1) return invalid("<fence-event> carries exactly one <entry>");
  return std::move(entries->front());
}

}  // namespace vigil::fencerd
