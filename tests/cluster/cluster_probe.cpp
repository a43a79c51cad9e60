// SPDX-License-Identifier: GPL-2.0-or-later
// cluster_probe: lib/cluster's Corosync adapters on a real corosync, driven
// by the network-namespace tests (tests/cluster/test_corosync.py).
//
// It reads the node list from cmap, tracks membership and quorum, joins one
// CPG group and prints one JSON object per line on stdout for everything it
// sees:
//   {"event":"nodes","local":1,"nodes":[{"id":1,"name":"node1","addr":"..."}]}
//   {"event":"membership","ring":[1,8],"members":[..],"names":[..],"joined":[..],"left":[..],"quorate":b}
//   {"event":"quorum","quorate":true}
//   {"event":"view","group":"g","members":[[node,pid]..],"joined":[..],"left":[[node,pid,"reason"]..]}
//   {"event":"message","from":[node,pid],"payload":"..."}
//   {"event":"sent","payload":"..."}  {"event":"error","message":"..."}
//   {"event":"lost","message":"..."}
// Commands on stdin, one per line: "send TEXT" multicasts TEXT, "burst N PREFIX"
// multicasts PREFIX-0 .. PREFIX-(N-1) at once (N <= 10000), "big N SEED"
// multicasts one message of N bytes (N <= 64 MiB) generated from SEED, "state"
// prints the current membership, "quit" (or end of input) leaves the group and
// exits 0. Payloads longer than 1 KiB are printed as their size and FNV-1a
// hash: {"event":"message","from":[..],"size":N,"fnv":"<16 hex digits>"}.
// Exit codes: 0 after quit, 69 when corosync is unreachable or lost, 2 usage.
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "vigil/cluster/corosync_cmap.hpp"
#include "vigil/cluster/corosync_cpg.hpp"
#include "vigil/cluster/corosync_quorum.hpp"

namespace asio = boost::asio;
using namespace vigil::cluster;

namespace {

constexpr int kExitUnavailable = 69;
constexpr std::size_t kMaxBurst = 10000;
constexpr std::size_t kMaxLine = 64 * 1024;
constexpr std::size_t kMaxBig = 64 * 1024 * 1024;
constexpr std::size_t kPrintedPayload = 1024;

std::string json_string(std::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += '"';
  return out;
}

std::string id_array(const std::vector<NodeId>& ids) {
  std::string out = "[";
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (i != 0) out += ',';
    out += std::to_string(ids[i]);
  }
  return out + "]";
}

std::string member_json(const GroupMember& m) {
  return "[" + std::to_string(m.node) + "," + std::to_string(m.pid) + "]";
}

std::string fnv1a(std::string_view data) {
  std::uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : data) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

// The payload as JSON members: the text itself, or its size and hash when long.
std::string payload_json(std::string_view payload) {
  if (payload.size() <= kPrintedPayload) return "\"payload\":" + json_string(payload);
  return "\"size\":" + std::to_string(payload.size()) + ",\"fnv\":\"" + fnv1a(payload) + "\"";
}

bool parse_size(std::string_view text, std::size_t& out) {
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size() && !text.empty();
}

void emit(const std::string& line) {
  std::cout << line << '\n' << std::flush;
}

void emit_error(const std::string& message) {
  emit("{\"event\":\"error\",\"message\":" + json_string(message) + "}");
}

class Probe {
 public:
  Probe(asio::io_context& io, std::string group) : io_(io), group_(std::move(group)), in_(io) {}

  int start() {
    auto cmap = CorosyncCmap::connect(io_);
    if (!cmap) return fail(cmap.error().message());
    cmap_ = std::move(*cmap);
    auto nodes = cmap_->read_node_list();
    if (!nodes) return fail(nodes.error().message());
    auto local = cmap_->local_node_id();
    if (!local) return fail(local.error().message());
    print_nodes(*nodes, *local);

    auto quorum = CorosyncQuorum::connect(io_, *nodes, *local);
    if (!quorum) return fail(quorum.error().message());
    quorum_ = std::move(*quorum);
    quorum_->set_lost_handler([this](const vigil::Error& e) { lost(e); });
    quorum_->set_membership_handler([this](const MembershipChange& c) { print_membership(c); });
    quorum_->set_quorum_handler([](bool q) {
      emit(std::string("{\"event\":\"quorum\",\"quorate\":") + (q ? "true" : "false") + "}");
    });

    auto cpg = CorosyncCpg::connect(io_);
    if (!cpg) return fail(cpg.error().message());
    cpg_ = std::move(*cpg);
    cpg_->set_lost_handler([this](const vigil::Error& e) { lost(e); });
    MessagingHandlers handlers;
    handlers.on_message = [](const GroupMember& from, std::string_view payload) {
      emit("{\"event\":\"message\",\"from\":" + member_json(from) + "," + payload_json(payload) +
           "}");
    };
    handlers.on_view = [](const GroupView& v) { print_view(v); };
    cpg_->set_handlers(std::move(handlers));
    if (auto s = cpg_->join(group_); !s) return fail(s.error().message());

    in_.assign(::dup(STDIN_FILENO));
    read_command();
    return 0;
  }

  int exit_code() const { return exit_code_; }

 private:
  int fail(const std::string& message) {
    emit("{\"event\":\"lost\",\"message\":" + json_string(message) + "}");
    exit_code_ = kExitUnavailable;
    return kExitUnavailable;
  }

  void lost(const vigil::Error& e) {
    fail(e.message());
    io_.stop();
  }

  static void print_nodes(const NodeList& nodes, NodeId local) {
    std::string line = "{\"event\":\"nodes\",\"local\":" + std::to_string(local) + ",\"nodes\":[";
    bool first = true;
    for (const auto& n : nodes.nodes()) {
      if (!first) line += ',';
      first = false;
      line += "{\"id\":" + std::to_string(n.id) + ",\"name\":" + json_string(n.name) +
              ",\"addr\":" + json_string(n.addr) + "}";
    }
    emit(line + "]}");
  }

  void print_membership(const MembershipChange& c) const {
    std::string names = "[";
    for (std::size_t i = 0; i < c.members.size(); ++i) {
      if (i != 0) names += ',';
      names += json_string(quorum_->node_name(c.members[i]).value_or(""));
    }
    names += "]";
    emit("{\"event\":\"membership\",\"ring\":[" + std::to_string(c.ring.rep) + "," +
         std::to_string(c.ring.seq) + "],\"members\":" + id_array(c.members) + ",\"names\":" +
         names + ",\"joined\":" + id_array(c.joined) + ",\"left\":" + id_array(c.left) +
         ",\"quorate\":" + (quorum_->quorate() ? "true" : "false") + "}");
  }

  static void print_view(const GroupView& v) {
    std::string line = "{\"event\":\"view\",\"group\":" + json_string(v.group) + ",\"members\":[";
    for (std::size_t i = 0; i < v.members.size(); ++i) {
      if (i != 0) line += ',';
      line += member_json(v.members[i]);
    }
    line += "],\"joined\":[";
    for (std::size_t i = 0; i < v.joined.size(); ++i) {
      if (i != 0) line += ',';
      line += member_json(v.joined[i]);
    }
    line += "],\"left\":[";
    for (std::size_t i = 0; i < v.left.size(); ++i) {
      if (i != 0) line += ',';
      line += "[" + std::to_string(v.left[i].member.node) + "," +
              std::to_string(v.left[i].member.pid) + "," +
              json_string(to_string(v.left[i].reason)) + "]";
    }
    emit(line + "]}");
  }

  void send(std::string_view payload) {
    if (auto s = cpg_->send(payload); !s) {
      emit_error("send: " + s.error().message());
      return;
    }
    emit("{\"event\":\"sent\"," + payload_json(payload) + "}");
  }

  void read_command() {
    asio::async_read_until(in_, buf_, '\n', [this](boost::system::error_code ec, std::size_t n) {
      if (ec == asio::error::not_found) {  // the buffer filled up without a newline
        emit_error("command longer than 64 KiB ignored");
        buf_.consume(buf_.size());
        read_command();
        return;
      }
      if (ec) {  // end of input or a broken pipe: the test is gone
        quit();
        return;
      }
      std::string line(asio::buffers_begin(buf_.data()), asio::buffers_begin(buf_.data()) + n);
      buf_.consume(n);
      if (!line.empty() && line.back() == '\n') line.pop_back();
      if (!handle(line)) return;
      read_command();
    });
  }

  // False once the probe is leaving.
  bool handle(std::string_view line) {
    if (line == "quit") {
      quit();
      return false;
    }
    if (line == "state") {
      MembershipChange c;
      c.ring = quorum_->ring();
      c.members = quorum_->members();
      print_membership(c);
      return true;
    }
    if (line.rfind("send ", 0) == 0) {
      send(line.substr(5));
      return true;
    }
    if (line.rfind("big ", 0) == 0) {
      std::string_view rest = line.substr(4);
      const auto space = rest.find(' ');
      std::size_t size = 0;
      std::size_t seed = 0;
      if (space == rest.npos || !parse_size(rest.substr(0, space), size) ||
          !parse_size(rest.substr(space + 1), seed) || size > kMaxBig) {
        emit_error("usage: big N SEED (N <= 64 MiB)");
        return true;
      }
      std::string payload(size, '\0');
      std::uint32_t x = static_cast<std::uint32_t>(seed) * 2654435761u + 1u;
      for (auto& c : payload) {  // xorshift: incompressible, reproducible
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        c = static_cast<char>(x & 0xff);
      }
      send(payload);
      return true;
    }
    if (line.rfind("burst ", 0) == 0) {
      std::string_view rest = line.substr(6);
      const auto space = rest.find(' ');
      std::size_t count = 0;
      if (space == rest.npos || !parse_size(rest.substr(0, space), count) || count > kMaxBurst) {
        emit_error("usage: burst N PREFIX (N <= 10000)");
        return true;
      }
      const std::string prefix(rest.substr(space + 1));
      for (std::size_t i = 0; i < count; ++i) send(prefix + "-" + std::to_string(i));
      return true;
    }
    emit_error("unknown command: " + std::string(line));
    return true;
  }

  void quit() {
    if (cpg_) (void)cpg_->leave();
    io_.stop();
  }

  asio::io_context& io_;
  std::string group_;
  asio::posix::stream_descriptor in_;
  asio::streambuf buf_{kMaxLine + 1};
  std::unique_ptr<CorosyncCmap> cmap_;
  std::unique_ptr<CorosyncQuorum> quorum_;
  std::unique_ptr<CorosyncCpg> cpg_;
  int exit_code_ = 0;
};

}  // namespace

int main(int argc, char** argv) {
  std::string group = "vigil-probe";
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--group" && i + 1 < argc) {
      group = argv[++i];
    } else if (arg == "--help") {
      std::cout << "usage: cluster_probe [--group NAME]   (commands on stdin: send TEXT, burst N "
                   "PREFIX, state, quit)\n";
      return 0;
    } else {
      std::cerr << "cluster_probe: unknown argument '" << arg << "'\n";
      return 2;
    }
  }
  asio::io_context io;
  Probe probe(io, group);
  if (int rc = probe.start(); rc != 0) return rc;
  io.run();
  return probe.exit_code();
}
