// SPDX-License-Identifier: GPL-2.0-or-later
#include <arpa/inet.h>
#include <corosync/cmap.h>

#include <charconv>
#include <cstring>
#include <map>
#include <optional>

#include "corosync/cs_error.hpp"
#include "corosync/service.hpp"
#include "vigil/cluster/corosync_cmap.hpp"

namespace vigil::cluster {

using corosync::cs_failure;
using corosync::cs_retry;

namespace {

bool is_address(const std::string& text) {
  unsigned char buf[sizeof(in6_addr)];
  return inet_pton(AF_INET, text.c_str(), buf) == 1 || inet_pton(AF_INET6, text.c_str(), buf) == 1;
}

template <typename T>
std::optional<T> parse_number(std::string_view text) {
  T value{};
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

template <typename T>
std::string number_text(const char* data) {
  T v;
  std::memcpy(&v, data, sizeof v);
  return std::to_string(v);
}

// A cmap value as text: integers in decimal, strings without their NUL.
std::string value_text(const std::vector<char>& buf, std::size_t len, cmap_value_types_t type) {
  const char* d = buf.data();
  auto fits = [&](std::size_t n) { return len >= n; };
  switch (type) {
    case CMAP_VALUETYPE_INT8:
      return fits(1) ? number_text<std::int8_t>(d) : "";
    case CMAP_VALUETYPE_UINT8:
      return fits(1) ? number_text<std::uint8_t>(d) : "";
    case CMAP_VALUETYPE_INT16:
      return fits(2) ? number_text<std::int16_t>(d) : "";
    case CMAP_VALUETYPE_UINT16:
      return fits(2) ? number_text<std::uint16_t>(d) : "";
    case CMAP_VALUETYPE_INT32:
      return fits(4) ? number_text<std::int32_t>(d) : "";
    case CMAP_VALUETYPE_UINT32:
      return fits(4) ? number_text<std::uint32_t>(d) : "";
    case CMAP_VALUETYPE_INT64:
      return fits(8) ? number_text<std::int64_t>(d) : "";
    case CMAP_VALUETYPE_UINT64:
      return fits(8) ? number_text<std::uint64_t>(d) : "";
    case CMAP_VALUETYPE_FLOAT:
      return fits(sizeof(float)) ? number_text<float>(d) : "";
    case CMAP_VALUETYPE_DOUBLE:
      return fits(sizeof(double)) ? number_text<double>(d) : "";
    case CMAP_VALUETYPE_STRING:
      return std::string(d, strnlen(d, len));
    case CMAP_VALUETYPE_BINARY:
      return std::string(d, len);
  }
  return std::string(d, len);
}

}  // namespace

Result<NodeList> parse_nodelist(const std::vector<CmapEntry>& entries) {
  struct Partial {
    std::optional<std::string> nodeid, name, ring0_addr;
  };
  constexpr std::string_view kPrefix = "nodelist.node.";
  std::map<unsigned long, Partial> by_index;
  for (const CmapEntry& e : entries) {
    std::string_view key = e.key;
    if (key.substr(0, kPrefix.size()) != kPrefix) continue;
    key.remove_prefix(kPrefix.size());
    const auto dot = key.find('.');
    if (dot == std::string_view::npos) continue;
    const auto index = parse_number<unsigned long>(key.substr(0, dot));
    if (!index) continue;
    const std::string_view field = key.substr(dot + 1);
    Partial& p = by_index[*index];
    if (field == "nodeid") p.nodeid = e.value;
    if (field == "name") p.name = e.value;
    if (field == "ring0_addr") p.ring0_addr = e.value;
  }
  std::vector<NodeInfo> nodes;
  for (const auto& [index, p] : by_index) {
    const std::string where = "nodelist.node." + std::to_string(index);
    if (!p.nodeid) {
      return Error(ErrorCode::kInvalidInput,
                   where + " has no nodeid (corosync 3 needs one for every node)");
    }
    const auto id = parse_number<NodeId>(*p.nodeid);
    if (!id || *id == kNoNode) {
      return Error(ErrorCode::kInvalidInput,
                   where + ".nodeid is not a valid node id: '" + *p.nodeid + "'");
    }
    NodeInfo n;
    n.id = *id;
    n.addr = p.ring0_addr.value_or("");
    if (p.name && !p.name->empty()) {
      n.name = *p.name;
    } else if (!n.addr.empty() && !is_address(n.addr)) {
      n.name = n.addr;  // a host name in ring0_addr names the node
    }
    nodes.push_back(std::move(n));
  }
  auto list = NodeList::create(std::move(nodes));
  if (!list) return list.error().with_context("corosync nodelist");
  return list;
}

class CorosyncCmap::Impl final : public corosync::Service {
 public:
  explicit Impl(boost::asio::io_context& io) : Service(io, "cmap") {}
  ~Impl() override { close(); }

  Result<std::vector<CmapEntry>> read(std::string_view prefix);
  Result<std::string> get(std::string_view key);

  static void on_notify(cmap_handle_t, cmap_track_handle_t, std::int32_t, const char*,
                        cmap_notify_value, cmap_notify_value, void* user_data) {
    static_cast<Impl*>(user_data)->dirty_ = true;
  }

  cmap_handle_t handle_ = 0;
  bool initialized_ = false;
  bool tracking_ = false;
  cmap_track_handle_t track_ = 0;
  bool dirty_ = false;
  std::function<void(Result<NodeList>)> on_nodelist_;

 protected:
  cs_error_t dispatch_all() override { return cmap_dispatch(handle_, CS_DISPATCH_ALL); }
  void finalize() override {
    if (initialized_) {
      cmap_finalize(handle_);  // drops the tracks too
      initialized_ = false;
    }
  }
  // Many keys change in one reload: re-read once per dispatch.
  void after_dispatch() override {
    if (!dirty_) return;
    dirty_ = false;
    auto handler = on_nodelist_;
    if (!handler) return;
    auto entries = read("nodelist.");
    handler(entries ? parse_nodelist(*entries) : Result<NodeList>(entries.error()));
  }

 private:
  Status state_error() const {
    if (lost()) return *lost();
    return Error(ErrorCode::kIo, "cmap: the connection is closed");
  }
};

Result<std::string> CorosyncCmap::Impl::get(std::string_view key) {
  if (!usable()) return state_error().error();
  const std::string k(key);
  std::size_t len = 0;
  cmap_value_types_t type{};
  cs_error_t rc = cs_retry([&] { return cmap_get(handle_, k.c_str(), nullptr, &len, &type); });
  if (rc == CS_ERR_NOT_EXIST) return Error(ErrorCode::kNotFound, "cmap: no key '" + k + "'");
  if (rc != CS_OK) return cs_failure("cmap_get(" + k + ")", rc);
  std::vector<char> buf(len + 1, '\0');
  rc = cs_retry([&] { return cmap_get(handle_, k.c_str(), buf.data(), &len, &type); });
  if (rc == CS_ERR_NOT_EXIST) return Error(ErrorCode::kNotFound, "cmap: no key '" + k + "'");
  if (rc != CS_OK) return cs_failure("cmap_get(" + k + ")", rc);
  return value_text(buf, len, type);
}

Result<std::vector<CmapEntry>> CorosyncCmap::Impl::read(std::string_view prefix) {
  if (!usable()) return state_error().error();
  const std::string p(prefix);
  cmap_iter_handle_t iter = 0;
  cs_error_t rc = cs_retry([&] { return cmap_iter_init(handle_, p.c_str(), &iter); });
  if (rc != CS_OK) return cs_failure("cmap_iter_init(" + p + ")", rc);
  struct IterGuard {
    cmap_handle_t h;
    cmap_iter_handle_t it;
    ~IterGuard() { cmap_iter_finalize(h, it); }
  } guard{handle_, iter};

  std::vector<CmapEntry> out;
  char key[CMAP_KEYNAME_MAXLEN + 1];
  for (;;) {
    std::size_t len = 0;
    cmap_value_types_t type{};
    rc = cmap_iter_next(handle_, iter, key, &len, &type);
    if (rc == CS_ERR_NO_SECTIONS) break;
    if (rc != CS_OK) return cs_failure("cmap_iter_next(" + p + ")", rc);
    auto value = get(key);
    if (!value) {
      if (value.error().code() == ErrorCode::kNotFound) continue;  // deleted meanwhile
      return value.error();
    }
    out.push_back(CmapEntry{key, std::move(*value)});
  }
  return out;
}

// --- CorosyncCmap -------------------------------------------------------------

Result<std::unique_ptr<CorosyncCmap>> CorosyncCmap::connect(boost::asio::io_context& io) {
  auto impl = std::make_shared<Impl>(io);
  cs_error_t rc = cs_retry([&] { return cmap_initialize(&impl->handle_); });
  if (rc != CS_OK) return cs_failure("cmap_initialize", rc);
  impl->initialized_ = true;
  int fd = -1;
  rc = cmap_fd_get(impl->handle_, &fd);
  if (rc != CS_OK) return cs_failure("cmap_fd_get", rc);
  if (Status s = impl->watch(fd); !s) return s.error();
  return std::unique_ptr<CorosyncCmap>(new CorosyncCmap(std::move(impl)));
}

CorosyncCmap::~CorosyncCmap() {
  if (impl_) impl_->close();
}

Result<std::vector<CmapEntry>> CorosyncCmap::read(std::string_view prefix) const {
  return impl_->read(prefix);
}
Result<std::string> CorosyncCmap::get(std::string_view key) const {
  return impl_->get(key);
}

Result<NodeList> CorosyncCmap::read_node_list() const {
  auto entries = impl_->read("nodelist.");
  if (!entries) return entries.error();
  return parse_nodelist(*entries);
}

Result<NodeId> CorosyncCmap::local_node_id() const {
  if (auto pos = impl_->get("nodelist.local_node_pos")) {
    auto id = impl_->get("nodelist.node." + *pos + ".nodeid");
    if (!id) return id.error().with_context("this node's id");
    if (auto n = parse_number<NodeId>(*id); n && *n != kNoNode) return *n;
    return Error(ErrorCode::kInvalidInput, "nodelist.node." + *pos + ".nodeid is not a node id");
  } else if (pos.error().code() != ErrorCode::kNotFound) {
    return pos.error();
  }
  auto id = impl_->get("runtime.votequorum.this_node_id");
  if (!id) {
    return Error(ErrorCode::kNotFound,
                 "cmap: neither nodelist.local_node_pos nor runtime.votequorum.this_node_id is "
                 "set: this node is not in corosync's nodelist");
  }
  if (auto n = parse_number<NodeId>(*id); n && *n != kNoNode) return *n;
  return Error(ErrorCode::kInvalidInput, "runtime.votequorum.this_node_id is not a node id");
}

Status CorosyncCmap::watch_node_list(std::function<void(Result<NodeList>)> on_change) {
  if (!impl_->usable()) {
    if (impl_->lost()) return *impl_->lost();
    return Error(ErrorCode::kIo, "cmap: the connection is closed");
  }
  impl_->on_nodelist_ = std::move(on_change);
  if (impl_->tracking_) return ok_status();
  Impl* raw = impl_.get();
  const cs_error_t rc = cs_retry([&] {
    return cmap_track_add(
        raw->handle_, "nodelist.",
        CMAP_TRACK_ADD | CMAP_TRACK_DELETE | CMAP_TRACK_MODIFY | CMAP_TRACK_PREFIX,
        &Impl::on_notify, raw, &raw->track_);
  });
  if (rc != CS_OK) return cs_failure("cmap_track_add(nodelist.)", rc);
  impl_->tracking_ = true;
  return ok_status();
}

void CorosyncCmap::set_lost_handler(std::function<void(const Error&)> handler) {
  impl_->set_lost_handler(std::move(handler));
}

}  // namespace vigil::cluster
