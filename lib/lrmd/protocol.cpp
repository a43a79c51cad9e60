// SPDX-License-Identifier: GPL-2.0-or-later
// XML encoding of vigil-lrmd's messages (see protocol.hpp).
#include "vigil/lrmd/protocol.hpp"

#include <charconv>
#include <limits>

#include "vigil/common/xml.hpp"

namespace vigil::lrmd {

namespace {

Error invalid(std::string message) {
  return Error(ErrorCode::kInvalidInput, std::move(message));
}

std::string xml_safe(std::string_view s);

// Attribute values keep their tabs and line breaks (as character
// references: a parser would normalise them to spaces otherwise).
void append_attr_escaped(std::string& out, std::string_view value) {
  xml::append_escaped(out, xml_safe(value), xml::kEscapeWhitespace);
}

// <name a="v" ...
class Writer {
 public:
  explicit Writer(std::string& out) : out_(out) {}
  Writer& open(const char* name) {
    out_ += '<';
    out_ += name;
    return *this;
  }
  Writer& attr(const char* name, std::string_view value) {
    out_ += ' ';
    out_ += name;
    out_ += "=\"";
    append_attr_escaped(out_, value);
    out_ += '"';
    return *this;
  }
  Writer& attr(const char* name, std::int64_t value) { return attr(name, std::to_string(value)); }
  Writer& attr_nonempty(const char* name, std::string_view value) {
    if (!value.empty()) attr(name, value);
    return *this;
  }

 private:
  std::string& out_;
};

std::string text_of(const xmlNode* n) {
  xml::XmlCharPtr content(xmlNodeGetContent(n));
  return content ? std::string(reinterpret_cast<const char*>(content.get())) : std::string();
}

Result<std::int64_t> int_attr(const xmlNode* n, const char* name, std::int64_t fallback,
                              std::int64_t min = std::numeric_limits<std::int64_t>::min()) {
  auto v = xml::attr(n, name);
  if (!v) return fallback;
  std::int64_t out = 0;
  const char* first = v->data();
  const char* last = v->data() + v->size();
  auto [ptr, ec] = std::from_chars(first, last, out);
  if (ec != std::errc() || ptr != last || v->empty()) {
    return invalid(std::string(xml::name(n)) + ": attribute " + name + "='" + *v +
                   "' is not an integer");
  }
  if (out < min) {
    return invalid(std::string(xml::name(n)) + ": attribute " + name + "=" + *v +
                   " is out of range");
  }
  return out;
}

Result<std::string> required(const xmlNode* n, const char* name) {
  auto v = xml::attr(n, name);
  if (!v || v->empty()) {
    return invalid(std::string(xml::name(n)) + ": attribute " + name + " is missing");
  }
  return *v;
}

void write_agent(Writer& w, const exec::AgentSpec& agent) {
  w.attr("class", exec::to_string(agent.cls));
  if (agent.cls == exec::AgentClass::kOcf) w.attr("provider", agent.provider);
  w.attr("type", agent.type);
}

Result<exec::AgentSpec> read_agent(const xmlNode* n) {
  auto cls = required(n, "class");
  if (!cls) return cls.error();
  auto type = required(n, "type");
  if (!type) return type.error();
  std::string spec = *cls + ":";
  if (auto provider = xml::attr(n, "provider"); provider && !provider->empty()) {
    spec += *provider + ":";
  }
  spec += *type;
  auto parsed = exec::parse_agent_spec(spec);
  if (!parsed) return parsed.error().with_context(std::string(xml::name(n)));
  return parsed;
}

Result<exec::AgentClass> read_class(const xmlNode* n) {
  auto cls = required(n, "class");
  if (!cls) return cls.error();
  if (*cls == "ocf") return exec::AgentClass::kOcf;
  if (*cls == "lsb") return exec::AgentClass::kLsb;
  if (*cls == "systemd") return exec::AgentClass::kSystemd;
  if (*cls == "service") return exec::AgentClass::kService;
  if (*cls == "stonith") return exec::AgentClass::kStonith;
  return invalid(std::string(xml::name(n)) + ": unknown class '" + *cls + "'");
}

void write_params(std::string& out, const std::map<std::string, std::string>& params) {
  Writer w(out);
  for (const auto& [name, value] : params) {
    w.open("param").attr("name", name).attr("value", value);
    out += "/>";
  }
}

Result<std::map<std::string, std::string>> read_params(const xmlNode* n) {
  std::map<std::string, std::string> params;
  for (const xmlNode* p : xml::children(n)) {
    if (!xml::is(p, "param")) continue;
    auto name = required(p, "name");
    if (!name) return name.error();
    params[*name] = xml::attr_or(p, "value");
  }
  return params;
}

Result<xml::DocPtr> parse_root(std::string_view payload, const char* expected) {
  auto doc = xml::parse_string(payload, "lrmd message");
  if (!doc) return doc.error();
  const xmlNode* root = xmlDocGetRootElement(doc->get());
  if (root == nullptr) return invalid("lrmd message: empty document");
  if (expected != nullptr && !xml::is(root, expected)) {
    return invalid("lrmd message: expected <" + std::string(expected) + ">, got <" +
                   std::string(xml::name(root)) + ">");
  }
  return doc;
}

// What an agent printed may hold anything; XML 1.0 takes valid UTF-8
// without most control characters. Anything else becomes '?'. DEL (0x7f) is
// an XML character: the parser accepts it, so it travels as it is (a '?'
// would rename a parameter on its way back: lrmd_protocol_fuzz).
std::string xml_safe(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      out += c >= 0x20 || c == '\t' || c == '\n' || c == '\r' ? static_cast<char>(c) : '?';
      ++i;
      continue;
    }
    std::size_t len = c >= 0xf0 && c <= 0xf4 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 && c < 0xe0 ? 2 : 0;
    bool valid = len != 0 && i + len <= s.size();
    std::uint32_t cp = len == 4 ? c & 0x07u : len == 3 ? c & 0x0fu : c & 0x1fu;
    for (std::size_t k = 1; valid && k < len; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      valid = (cc & 0xc0) == 0x80;
      cp = (cp << 6) | (cc & 0x3fu);
    }
    if (valid) {
      valid = (len == 3 && cp >= 0x800 && (cp < 0xd800 || cp > 0xdfff) && cp != 0xfffe &&
               cp != 0xffff) ||
              (len == 4 && cp >= 0x10000 && cp <= 0x10ffff) || len == 2;
    }
    if (valid) {
      out.append(s.substr(i, len));
      i += len;
    } else {
      out += '?';
      ++i;
    }
  }
  return out;
}

std::string tail(const std::string& s) {
  return xml_safe(s.size() <= kEventOutputTail
                      ? std::string_view(s)
                      : std::string_view(s).substr(s.size() - kEventOutputTail));
}

void write_result_attrs(Writer& w, const exec::OperationResult& r) {
  w.attr("call-id", r.call_id)
      .attr("rsc", r.rsc_id)
      .attr("action", r.action)
      .attr("interval-ms", r.interval.count())
      .attr("timeout-ms", r.timeout.count())
      .attr("rc", static_cast<int>(r.rc))
      .attr("op-status", static_cast<int>(r.status))
      .attr_nonempty("exit-reason", xml_safe(r.exit_reason))
      .attr("exec-time-ms", r.exec_time.count())
      .attr("queue-time-ms", r.queue_time.count())
      .attr("last-run", r.run_at)
      .attr("last-rc-change", r.rc_changed_at)
      .attr("pid", r.pid)
      .attr("output-bytes", static_cast<std::int64_t>(r.output_bytes))
      .attr("error-output-bytes", static_cast<std::int64_t>(r.error_output_bytes))
      .attr_nonempty("user-data", r.user_data);
  write_agent(w, r.agent);
}

Result<exec::OperationResult> read_result(const xmlNode* n) {
  exec::OperationResult r;
  auto rsc = required(n, "rsc");
  if (!rsc) return rsc.error();
  r.rsc_id = *rsc;
  auto action = required(n, "action");
  if (!action) return action.error();
  r.action = *action;
  auto agent = read_agent(n);
  if (!agent) return agent.error();
  r.agent = *agent;
  struct IntField {
    const char* name;
    std::int64_t fallback;
    std::int64_t* out;
  };
  std::int64_t call_id = 0, interval = 0, timeout = 0, rc = 0, status = 0, exec_time = 0,
               queue_time = 0, pid = 0, out_bytes = 0, err_bytes = 0;
  const IntField fields[] = {
      {"call-id", 0, &call_id},
      {"interval-ms", 0, &interval},
      {"timeout-ms", 0, &timeout},
      {"rc", 0, &rc},
      {"op-status", 0, &status},
      {"exec-time-ms", 0, &exec_time},
      {"queue-time-ms", 0, &queue_time},
      {"last-run", 0, &r.run_at},
      {"last-rc-change", 0, &r.rc_changed_at},
      {"pid", 0, &pid},
      {"output-bytes", 0, &out_bytes},
      {"error-output-bytes", 0, &err_bytes},
  };
  for (const auto& f : fields) {
    auto v = int_attr(n, f.name, f.fallback);
    if (!v) return v.error();
    *f.out = *v;
  }
  if (call_id < 0 || call_id > std::numeric_limits<int>::max()) {
    return invalid("lrmd result: call-id out of range");
  }
  if (status < -1 || status > 7) return invalid("lrmd result: unknown op-status");
  if (rc < 0 || rc > 255) return invalid("lrmd result: rc out of range");
  r.call_id = static_cast<int>(call_id);
  r.interval = Duration(interval);
  r.timeout = Duration(timeout);
  r.rc = static_cast<exec::OcfRc>(rc);
  r.status = static_cast<exec::ExecStatus>(status);
  r.exec_time = Duration(exec_time);
  r.queue_time = Duration(queue_time);
  r.pid = static_cast<pid_t>(pid);
  r.output_bytes = static_cast<std::uint64_t>(out_bytes);
  r.error_output_bytes = static_cast<std::uint64_t>(err_bytes);
  r.exit_reason = xml::attr_or(n, "exit-reason");
  r.user_data = xml::attr_or(n, "user-data");
  for (const xmlNode* c : xml::children(n)) {
    if (xml::is(c, "output")) r.output = text_of(c);
    if (xml::is(c, "error-output")) r.error_output = text_of(c);
  }
  return r;
}

Result<exec::OperationRequest> read_exec(const xmlNode* n) {
  exec::OperationRequest op;
  auto rsc = required(n, "rsc");
  if (!rsc) return rsc.error();
  op.rsc_id = *rsc;
  auto action = required(n, "action");
  if (!action) return action.error();
  op.action = *action;
  auto agent = read_agent(n);
  if (!agent) return agent.error();
  op.agent = *agent;
  auto interval = int_attr(n, "interval-ms", 0, 0);
  if (!interval) return interval.error();
  auto timeout = int_attr(n, "timeout-ms", 0, 0);
  if (!timeout) return timeout.error();
  auto delay = int_attr(n, "start-delay-ms", 0, 0);
  if (!delay) return delay.error();
  op.interval = Duration(*interval);
  op.timeout = Duration(*timeout);
  op.start_delay = Duration(*delay);
  op.user_data = xml::attr_or(n, "user-data");
  op.report_every_result = xml::attr_or(n, "every-result") == "true";
  auto params = read_params(n);
  if (!params) return params.error();
  op.params = std::move(params).value();
  return op;
}

}  // namespace

std::string encode_request(const Request& request) {
  std::string out;
  Writer w(out);
  std::visit(
      [&](const auto& r) {
        using T = std::decay_t<decltype(r)>;
        if constexpr (std::is_same_v<T, exec::OperationRequest>) {
          w.open("lrmd-exec").attr("rsc", r.rsc_id).attr("action", r.action);
          write_agent(w, r.agent);
          if (r.interval.count() != 0) w.attr("interval-ms", r.interval.count());
          if (r.timeout.count() != 0) w.attr("timeout-ms", r.timeout.count());
          if (r.start_delay.count() != 0) w.attr("start-delay-ms", r.start_delay.count());
          w.attr_nonempty("user-data", r.user_data);
          if (r.report_every_result) w.attr("every-result", "true");
          out += ">";
          write_params(out, r.params);
          out += "</lrmd-exec>";
        } else if constexpr (std::is_same_v<T, CancelRequest>) {
          w.open("lrmd-cancel")
              .attr("rsc", r.rsc_id)
              .attr("action", r.action)
              .attr("interval-ms", r.interval.count());
          out += "/>";
        } else if constexpr (std::is_same_v<T, MetadataRequest>) {
          w.open("lrmd-metadata");
          write_agent(w, r.agent);
          out += "/>";
        } else if constexpr (std::is_same_v<T, ListAgentsRequest>) {
          w.open("lrmd-list-agents")
              .attr("class", exec::to_string(r.cls))
              .attr_nonempty("provider", r.provider);
          out += "/>";
        } else if constexpr (std::is_same_v<T, HistoryRequest>) {
          w.open("lrmd-history").attr_nonempty("rsc", r.rsc_id);
          out += "/>";
        } else if constexpr (std::is_same_v<T, ForgetRequest>) {
          w.open("lrmd-forget").attr("rsc", r.rsc_id);
          out += "/>";
        } else {
          out += "<lrmd-subscribe/>";
        }
      },
      request);
  return out;
}

Result<Request> decode_request(std::string_view payload) {
  auto doc = parse_root(payload, nullptr);
  if (!doc) return doc.error();
  const xmlNode* root = xmlDocGetRootElement(doc->get());
  if (xml::is(root, "lrmd-exec")) {
    auto op = read_exec(root);
    if (!op) return op.error();
    return Request(std::move(op).value());
  }
  if (xml::is(root, "lrmd-cancel")) {
    CancelRequest c;
    auto rsc = required(root, "rsc");
    if (!rsc) return rsc.error();
    auto action = required(root, "action");
    if (!action) return action.error();
    auto interval = int_attr(root, "interval-ms", 0, 0);
    if (!interval) return interval.error();
    c.rsc_id = *rsc;
    c.action = *action;
    c.interval = Duration(*interval);
    return Request(c);
  }
  if (xml::is(root, "lrmd-metadata")) {
    auto agent = read_agent(root);
    if (!agent) return agent.error();
    return Request(MetadataRequest{*agent});
  }
  if (xml::is(root, "lrmd-list-agents")) {
    auto cls = read_class(root);
    if (!cls) return cls.error();
    return Request(ListAgentsRequest{*cls, xml::attr_or(root, "provider")});
  }
  if (xml::is(root, "lrmd-history")) return Request(HistoryRequest{xml::attr_or(root, "rsc")});
  if (xml::is(root, "lrmd-forget")) {
    auto rsc = required(root, "rsc");
    if (!rsc) return rsc.error();
    return Request(ForgetRequest{*rsc});
  }
  if (xml::is(root, "lrmd-subscribe")) return Request(SubscribeRequest{});
  return Error(ErrorCode::kUnsupported,
               "lrmd: unknown request <" + std::string(xml::name(root)) + ">");
}

std::string encode_exec_reply(int call_id) {
  return "<lrmd-ok call-id=\"" + std::to_string(call_id) + "\"/>";
}

Result<int> decode_exec_reply(std::string_view payload) {
  auto doc = parse_root(payload, "lrmd-ok");
  if (!doc) return doc.error();
  auto id = int_attr(xmlDocGetRootElement(doc->get()), "call-id", -1, 1);
  if (!id) return id.error();
  if (*id < 1 || *id > std::numeric_limits<int>::max()) {
    return invalid("lrmd reply: call-id missing or out of range");
  }
  return static_cast<int>(*id);
}

std::string encode_ok() {
  return "<lrmd-ok/>";
}

Status decode_ok(std::string_view payload) {
  auto doc = parse_root(payload, "lrmd-ok");
  if (!doc) return doc.error();
  return ok_status();
}

std::string encode_metadata_reply(std::string_view metadata) {
  std::string out = "<lrmd-metadata-reply>";
  xml::append_escaped(out, xml_safe(metadata), xml::kEscapeCarriageReturn);
  out += "</lrmd-metadata-reply>";
  return out;
}

Result<std::string> decode_metadata_reply(std::string_view payload) {
  auto doc = parse_root(payload, "lrmd-metadata-reply");
  if (!doc) return doc.error();
  return text_of(xmlDocGetRootElement(doc->get()));
}

std::string encode_agents_reply(const std::vector<std::string>& agents) {
  std::string out = "<lrmd-agents>";
  Writer w(out);
  for (const auto& a : agents) {
    w.open("agent").attr("name", a);
    out += "/>";
  }
  out += "</lrmd-agents>";
  return out;
}

Result<std::vector<std::string>> decode_agents_reply(std::string_view payload) {
  auto doc = parse_root(payload, "lrmd-agents");
  if (!doc) return doc.error();
  std::vector<std::string> out;
  for (const xmlNode* a : xml::children(xmlDocGetRootElement(doc->get()), "agent")) {
    auto name = required(a, "name");
    if (!name) return name.error();
    out.push_back(*name);
  }
  return out;
}

bool defines_stop_params(std::string_view action, Duration interval) {
  return interval.count() == 0 && (action == "start" || action == "monitor" || action == "reload" ||
                                   action == "reload-agent");
}

std::string encode_history_reply(const std::vector<ResourceHistory>& history) {
  std::string out = "<lrmd-history-reply>";
  Writer w(out);
  for (const auto& h : history) {
    w.open("lrmd-rsc").attr("id", h.rsc_id);
    write_agent(w, h.agent);
    out += ">";
    for (const auto& r : h.last_results) {
      w.open("last-result");
      write_result_attrs(w, r);
      out += "/>";
    }
    for (const auto& op : h.recurring) {
      w.open("recurring")
          .attr("action", op.action)
          .attr("interval-ms", op.interval.count())
          .attr("timeout-ms", op.timeout.count())
          .attr("call-id", op.call_id)
          .attr_nonempty("user-data", op.user_data);
      out += ">";
      write_params(out, op.params);
      out += "</recurring>";
    }
    if (h.stop_params) {
      out += "<stop-params>";
      write_params(out, *h.stop_params);
      out += "</stop-params>";
    }
    out += "</lrmd-rsc>";
  }
  out += "</lrmd-history-reply>";
  return out;
}

Result<std::vector<ResourceHistory>> decode_history_reply(std::string_view payload) {
  auto doc = parse_root(payload, "lrmd-history-reply");
  if (!doc) return doc.error();
  std::vector<ResourceHistory> out;
  for (const xmlNode* r : xml::children(xmlDocGetRootElement(doc->get()), "lrmd-rsc")) {
    ResourceHistory h;
    auto id = required(r, "id");
    if (!id) return id.error();
    h.rsc_id = *id;
    auto agent = read_agent(r);
    if (!agent) return agent.error();
    h.agent = *agent;
    for (const xmlNode* c : xml::children(r)) {
      if (xml::is(c, "last-result")) {
        auto res = read_result(c);
        if (!res) return res.error();
        h.last_results.push_back(std::move(res).value());
      } else if (xml::is(c, "recurring")) {
        RecurringOp op;
        auto action = required(c, "action");
        if (!action) return action.error();
        op.action = *action;
        auto interval = int_attr(c, "interval-ms", 0, 0);
        if (!interval) return interval.error();
        auto timeout = int_attr(c, "timeout-ms", 0, 0);
        if (!timeout) return timeout.error();
        auto call = int_attr(c, "call-id", 0, 0);
        if (!call) return call.error();
        // An int on both ends: a larger one would wrap into another call id.
        if (*call > std::numeric_limits<int>::max()) {
          return invalid("recurring: attribute call-id=" + std::to_string(*call) +
                         " is out of range");
        }
        op.interval = Duration(*interval);
        op.timeout = Duration(*timeout);
        op.call_id = static_cast<int>(*call);
        op.user_data = xml::attr_or(c, "user-data");
        auto params = read_params(c);
        if (!params) return params.error();
        op.params = std::move(params).value();
        h.recurring.push_back(std::move(op));
      } else if (xml::is(c, "stop-params")) {
        if (h.stop_params) return invalid("lrmd-rsc " + h.rsc_id + ": more than one <stop-params>");
        auto params = read_params(c);
        if (!params) return params.error();
        h.stop_params = std::move(params).value();
      }
    }
    out.push_back(std::move(h));
  }
  return out;
}

std::string encode_event(const exec::OperationResult& result) {
  std::string out;
  Writer w(out);
  w.open("lrmd-event");
  write_result_attrs(w, result);
  out += ">";
  // CR as a character reference: a parser turns a raw one into LF
  // (lrmd_protocol_fuzz: "\r" came back as "\n").
  if (!result.output.empty()) {
    out += "<output>";
    xml::append_escaped(out, tail(result.output), xml::kEscapeCarriageReturn);
    out += "</output>";
  }
  if (!result.error_output.empty()) {
    out += "<error-output>";
    xml::append_escaped(out, tail(result.error_output), xml::kEscapeCarriageReturn);
    out += "</error-output>";
  }
  out += "</lrmd-event>";
  return out;
}

Result<exec::OperationResult> decode_event(std::string_view payload) {
  auto doc = parse_root(payload, "lrmd-event");
  if (!doc) return doc.error();
  return read_result(xmlDocGetRootElement(doc->get()));
}

}  // namespace vigil::lrmd
