// SPDX-License-Identifier: GPL-2.0-or-later
// Server and Client over socketpairs and a socket in a temporary directory.
// Everything runs on one io_context in the test thread, in bounded loops.
#include "vigil/ipc/server.hpp"

#include <grp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/local/connect_pair.hpp>
#include <boost/asio/write.hpp>
#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "vigil/ipc/client.hpp"

using namespace vigil::ipc;
using vigil::Error;
using vigil::ErrorCode;
using vigil::Result;
using vigil::Status;
using Socket = boost::asio::local::stream_protocol::socket;
using namespace std::chrono_literals;

namespace {

// Runs the loop until `done()`; false after `limit` (no sleeping: the loop
// waits for I/O or timers).
template <typename Done>
bool run_until(boost::asio::io_context& io, Done done, std::chrono::milliseconds limit = 3000ms) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    if (io.stopped()) io.restart();
    io.run_one_until(deadline);
  }
  return true;
}

AccessPolicy allow_me() {
  return AccessPolicy().allow_uid(::getuid());
}

// A peer that speaks raw bytes, to send what a real client never would.
struct RawPeer {
  explicit RawPeer(boost::asio::io_context& io) : sock(io), decoder(kDefaultMaxPayload) {}
  Socket sock;
  FrameDecoder decoder;
  std::vector<Frame> frames;
  bool closed = false;
  std::array<char, 65536> buf{};

  void start_reading() {
    sock.async_read_some(boost::asio::buffer(buf),
                         [this](const boost::system::error_code& ec, std::size_t n) {
                           if (ec) {
                             closed = true;
                             return;
                           }
                           (void)decoder.feed(std::string_view(buf.data(), n), frames);
                           start_reading();
                         });
  }
  void write(std::string bytes) {
    auto data = std::make_shared<std::string>(std::move(bytes));
    boost::asio::async_write(sock, boost::asio::buffer(*data),
                             [data](const boost::system::error_code&, std::size_t) {});
  }
  bool has(FrameKind kind) const {
    for (const auto& f : frames) {
      if (f.kind == kind) return true;
    }
    return false;
  }
  const Frame* last(FrameKind kind) const {
    for (auto it = frames.rbegin(); it != frames.rend(); ++it) {
      if (it->kind == kind) return &*it;
    }
    return nullptr;
  }
};

// A server plus what it logged and the requests it holds unanswered.
struct Fixture {
  boost::asio::io_context io;
  std::vector<std::string> logs;
  std::vector<Responder> held;
  std::vector<Request> seen;
  std::unique_ptr<Server> server;

  explicit Fixture(ServerOptions options = {}, AccessPolicy policy = allow_me()) {
    options.name = "test";
    options.log = [this](vigil::LogLevel level, std::string_view line) {
      logs.push_back(std::string(to_string(level)) + ": " + std::string(line));
    };
    server = Server::create(
        io, std::move(policy),
        [this](Request r, Responder resp) { handle(std::move(r), std::move(resp)); },
        std::move(options));
  }

  // "echo:X" answers X, "hold" keeps the responder, "fail" fails with
  // kNotFound, "throw" throws, "drop" forgets to answer, "big:N" answers N bytes.
  void handle(Request r, Responder resp) {
    seen.push_back(r);
    const std::string& p = r.payload;
    if (p.rfind("echo:", 0) == 0) {
      resp.reply(p.substr(5));
    } else if (p == "hold") {
      held.push_back(std::move(resp));
    } else if (p == "fail") {
      resp.fail(Error(ErrorCode::kNotFound, "no such thing"));
    } else if (p == "throw") {
      throw std::runtime_error("handler bug");
    } else if (p.rfind("big:", 0) == 0) {
      resp.reply(std::string(std::stoul(p.substr(4)), 'b'));
    }  // "drop": the responder dies unanswered
  }

  bool logged(const std::string& needle) const {
    for (const auto& l : logs) {
      if (l.find(needle) != std::string::npos) return true;
    }
    return false;
  }

  // A raw peer on a socketpair, served by the server.
  std::unique_ptr<RawPeer> raw() {
    auto peer = std::make_unique<RawPeer>(io);
    Socket server_side(io);
    boost::asio::local::connect_pair(peer->sock, server_side);
    server->adopt(std::move(server_side));
    peer->start_reading();
    return peer;
  }

  // A Client on a socketpair, connected (hello received).
  std::unique_ptr<Client> client(ClientOptions options = {}) {
    auto c = std::make_unique<Client>(io, options);
    Socket mine(io), server_side(io);
    boost::asio::local::connect_pair(mine, server_side);
    server->adopt(std::move(server_side));
    std::optional<Status> connected;
    c->async_adopt(std::move(mine), [&](Status s) { connected = std::move(s); });
    REQUIRE(run_until(io, [&] { return connected.has_value(); }));
    REQUIRE(connected->ok());
    return c;
  }

  Result<std::string> call(Client& c, const std::string& payload) {
    return c.call(payload, 2000ms);
  }
};

// A private directory for socket files, removed with its content.
struct TempDir {
  std::filesystem::path path;
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "vigil-ipc-XXXXXX").string();
    REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
    path = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};

}  // namespace

TEST_CASE("ipc: requests are answered by id, pipelined, in any order") {
  Fixture fx;
  auto c = fx.client();
  CHECK(c->server_name() == "test");
  std::map<std::string, Result<std::string>> got;
  auto record = [&](const std::string& key) {
    return [&got, key](Result<std::string> r) { got.emplace(key, std::move(r)); };
  };
  c->async_call("hold", record("held"));
  c->async_call("echo:one", record("one"));
  c->async_call("echo:two", record("two"));
  REQUIRE(run_until(fx.io, [&] { return got.size() == 2 && fx.held.size() == 1; }));
  CHECK(got.at("one").value() == "one");
  CHECK(got.at("two").value() == "two");
  CHECK(c->pending() == 1);
  REQUIRE(fx.held[0].reply("late"));
  CHECK_FALSE(fx.held[0].reply("twice"));  // one answer per request
  REQUIRE(run_until(fx.io, [&] { return got.size() == 3; }));
  CHECK(got.at("held").value() == "late");
  // The handler saw who asked.
  REQUIRE(fx.seen.size() == 3);
  CHECK(fx.seen[0].peer.uid == ::getuid());
  CHECK(fx.seen[0].peer.pid == ::getpid());
  CHECK(fx.seen[0].id != fx.seen[1].id);
  CHECK(fx.server->connection_count() == 1);
}

TEST_CASE("ipc: handler failures reach the client as errors, never as a crash") {
  Fixture fx;
  auto c = fx.client();
  auto failed = fx.call(*c, "fail");
  REQUIRE_FALSE(failed);
  CHECK(failed.error().code() == ErrorCode::kNotFound);
  CHECK(failed.error().message() == "no such thing");

  auto thrown = fx.call(*c, "throw");
  REQUIRE_FALSE(thrown);
  CHECK(thrown.error().code() == ErrorCode::kInternal);
  CHECK(fx.logged("the handler failed: handler bug"));

  auto dropped = fx.call(*c, "drop");
  REQUIRE_FALSE(dropped);
  CHECK(dropped.error().message() == "the server dropped this request without an answer");

  CHECK(fx.call(*c, "echo:still here").value() == "still here");
}

TEST_CASE("ipc: complete() replies with a value or fails with an error, once") {
  Fixture fx;
  auto c = fx.client();
  std::map<std::string, Result<std::string>> got;
  c->async_call("hold", [&](Result<std::string> r) { got.emplace("value", std::move(r)); });
  c->async_call("hold", [&](Result<std::string> r) { got.emplace("error", std::move(r)); });
  REQUIRE(run_until(fx.io, [&] { return fx.held.size() == 2; }));
  CHECK(fx.held[0].complete(std::string("done")));
  CHECK(fx.held[1].complete(Error(ErrorCode::kFailed, "agent failed")));
  CHECK_FALSE(fx.held[1].complete(std::string("twice")));
  REQUIRE(run_until(fx.io, [&] { return got.size() == 2; }));
  CHECK(got.at("value").value() == "done");
  REQUIRE_FALSE(got.at("error"));
  CHECK(got.at("error").error().code() == ErrorCode::kFailed);
  CHECK(got.at("error").error().message() == "agent failed");
}

TEST_CASE("ipc: a listening socket in a directory") {
  TempDir dir;
  const std::string path = (dir.path / "cib.sock").string();
  boost::asio::io_context io;
  std::vector<std::string> logs;
  ServerOptions options;
  options.log = [&](vigil::LogLevel, std::string_view l) { logs.emplace_back(l); };
  auto handler = [](Request r, Responder resp) { resp.reply("got " + r.payload); };

  // A stale socket file (its server died) is replaced.
  { boost::asio::local::stream_protocol::acceptor stale(io, path); }
  REQUIRE(std::filesystem::exists(path));
  auto server = Server::listen(io, path, allow_me(), handler, options);
  REQUIRE(server);
  CHECK((*server)->path() == path);
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0660);
  // Group haclient when it exists (root may always give it).
  if (struct group* g = ::getgrnam("haclient"); g != nullptr && ::geteuid() == 0) {
    CHECK(st.st_gid == g->gr_gid);
  }

  // A second server on the same path is refused: the first one answers.
  auto second = Server::listen(io, path, allow_me(), handler, options);
  REQUIRE_FALSE(second);
  CHECK(second.error().message() == "another server already listens on " + path);

  Client c(io);
  REQUIRE(c.connect(path));
  CHECK(c.connected());
  CHECK(c.call("x", 2000ms).value() == "got x");

  // Not a socket: left alone.
  const std::string plain = (dir.path / "plain").string();
  {
    std::FILE* f = std::fopen(plain.c_str(), "w");
    std::fclose(f);
  }
  CHECK(Server::listen(io, plain, allow_me(), handler, options)
            .error()
            .message()
            .find("not a socket") != std::string::npos);
  CHECK(Server::listen(io, std::string(200, 'x'), allow_me(), handler, options).error().code() ==
        ErrorCode::kInvalidInput);

  // Shutting down tells the client and removes the file.
  std::optional<Error> lost;
  c.set_disconnect_handler([&](const Error& e) { lost = e; });
  server->reset();
  CHECK_FALSE(std::filesystem::exists(path));
  REQUIRE(run_until(io, [&] { return lost.has_value(); }));
  CHECK(lost->code() == ErrorCode::kIo);
  CHECK_FALSE(c.connected());

  Client nobody(io);
  auto refused = nobody.connect(path);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().message().rfind("connect to " + path + ": ", 0) == 0);
}

TEST_CASE("ipc: a client outside the policy is refused with a logged reason") {
  Fixture fx({}, AccessPolicy().allow_uid(::getuid() + 4242));
  Client c(fx.io);
  Socket mine(fx.io), server_side(fx.io);
  boost::asio::local::connect_pair(mine, server_side);
  fx.server->adopt(std::move(server_side));
  std::optional<Status> connected;
  c.async_adopt(std::move(mine), [&](Status s) { connected = std::move(s); });
  REQUIRE(run_until(fx.io, [&] { return connected.has_value(); }));
  REQUIRE_FALSE(*connected);
  CHECK(connected->error().code() == ErrorCode::kIo);
  const std::string reason = "permission denied: uid " + std::to_string(::getuid()) +
                             " is not allowed (allowed: uid " + std::to_string(::getuid() + 4242) +
                             ")";
  CHECK(connected->error().message() == "the server refused the connection: " + reason);
  CHECK(fx.logged("warning: test ipc: connection 1 (pid " + std::to_string(::getpid())));
  CHECK(fx.logged("refused: " + reason));
  CHECK(fx.seen.empty());
  REQUIRE(run_until(fx.io, [&] { return fx.server->connection_count() == 0; }));

  // The same client through its primary group instead: let in.
  Fixture by_group({}, AccessPolicy().allow_gid(::getgid()));
  auto ok = by_group.client();
  CHECK(by_group.call(*ok, "echo:in").value() == "in");
}

TEST_CASE("ipc: garbage is logged, answered and disconnected; others are unaffected") {
  Fixture fx;
  auto good = fx.client();
  auto raw = fx.raw();
  raw->write("GET / HTTP/1.1\r\nHost: vigil\r\n\r\n");
  REQUIRE(run_until(fx.io, [&] { return raw->closed; }));
  REQUIRE(raw->frames.size() == 2);
  CHECK(raw->frames[0].kind == FrameKind::kHello);
  CHECK(raw->frames[1].kind == FrameKind::kError);
  CHECK(raw->frames[1].id == 0);
  CHECK(decode_error(raw->frames[1].payload).message() == "not a Vigil IPC frame (bad magic)");
  CHECK(fx.logged("bad magic"));
  CHECK(fx.call(*good, "echo:fine").value() == "fine");
  CHECK(fx.server->connection_count() == 1);
}

TEST_CASE("ipc: an oversized frame is refused from its header") {
  ServerOptions o;
  o.max_payload = 1024;
  Fixture fx(o);
  auto raw = fx.raw();
  raw->write(encode_frame(FrameKind::kRequest, 1, std::string(1024, 'a')).replace(16, 5, "echo:"));
  REQUIRE(run_until(fx.io, [&] { return raw->has(FrameKind::kResponse); }));
  CHECK(raw->last(FrameKind::kResponse)->payload.size() == 1019);
  // 4 GiB announced, 5 bytes sent: refused at once, nothing waits for the rest.
  raw->write(encode_frame(FrameKind::kRequest, 2, "").replace(12, 4, "\xff\xff\xff\xff") + "hello");
  REQUIRE(run_until(fx.io, [&] { return raw->closed; }));
  CHECK(decode_error(raw->last(FrameKind::kError)->payload).message() ==
        "frame of 4294967295 bytes exceeds the limit of 1024");
  CHECK(fx.logged("exceeds the limit"));
  CHECK(fx.seen.size() == 1);
}

TEST_CASE("ipc: another protocol version is told which one the server speaks") {
  Fixture fx;
  auto raw = fx.raw();
  std::string f = encode_frame(FrameKind::kRequest, 1, "echo:x");
  f[4] = 7;
  raw->write(f);
  REQUIRE(run_until(fx.io, [&] { return raw->closed; }));
  CHECK(decode_error(raw->last(FrameKind::kError)->payload).message() ==
        "unsupported protocol version 7 (this side speaks 1)");
}

TEST_CASE("ipc: frames a client must not send are protocol errors") {
  for (const std::string& bad :
       {encode_frame(FrameKind::kResponse, 1, "x"), encode_frame(FrameKind::kHello, 0, ""),
        encode_frame(FrameKind::kRequest, 0, "echo:x"),
        encode_frame(FrameKind::kRequest, 5, "hold") +
            encode_frame(FrameKind::kRequest, 5, "hold")}) {
    Fixture fx;
    auto raw = fx.raw();
    raw->write(bad);
    REQUIRE(run_until(fx.io, [&] { return raw->closed; }));
    const Frame* e = raw->last(FrameKind::kError);
    REQUIRE(e != nullptr);
    CHECK(decode_error(e->payload).message().rfind("protocol error: ", 0) == 0);
    // A request held when the connection died can no longer be answered.
    for (auto& r : fx.held) CHECK_FALSE(r.reply("too late"));
  }
}

TEST_CASE("ipc: truncated frames: a client leaving or stalling mid-frame") {
  SECTION("the client closes after half a header") {
    Fixture fx;
    auto raw = fx.raw();
    raw->write(encode_frame(FrameKind::kRequest, 1, "echo:abc").substr(0, 9));
    REQUIRE(run_until(fx.io, [&] { return raw->has(FrameKind::kHello); }));
    raw->sock.shutdown(Socket::shutdown_send);
    REQUIRE(run_until(fx.io, [&] { return fx.server->connection_count() == 0; }));
    CHECK(fx.logged("truncated frame: the client left after 9 bytes of it"));
  }
  SECTION("the client stops sending in the middle of a payload") {
    ServerOptions o;
    o.frame_timeout = 50ms;
    Fixture fx(o);
    auto raw = fx.raw();
    raw->write(encode_frame(FrameKind::kRequest, 1, "echo:abcdef").substr(0, 20));
    REQUIRE(run_until(
        fx.io, [&] { return raw->closed; }, 2000ms));
    CHECK(decode_error(raw->last(FrameKind::kError)->payload).message() ==
          "truncated frame: incomplete after 50 ms");
    CHECK(fx.server->connection_count() == 0);
    CHECK(fx.seen.empty());
  }
}

TEST_CASE("ipc: a client that vanishes mid-request costs nothing") {
  SECTION("before its answer is ready") {
    Fixture fx;
    auto raw = fx.raw();
    raw->write(encode_frame(FrameKind::kRequest, 1, "hold"));
    REQUIRE(run_until(fx.io, [&] { return fx.held.size() == 1; }));
    raw->sock.close();
    REQUIRE(run_until(fx.io, [&] { return fx.server->connection_count() == 0; }));
    CHECK_FALSE(fx.held[0].reply("nobody listens"));
    CHECK(fx.logged("the client left with 1 requests unanswered"));
  }
  SECTION("while its large answer is being written") {
    Fixture fx;
    auto raw = fx.raw();
    raw->write(encode_frame(FrameKind::kRequest, 1, "big:8000000"));
    REQUIRE(run_until(fx.io, [&] { return fx.seen.size() == 1; }));
    raw->sock.close();
    REQUIRE(run_until(fx.io, [&] { return fx.server->connection_count() == 0; }));
    CHECK(fx.logged("failed: "));  // reset seen by the read or the write
  }
  SECTION("that stopped receiving: the answer meets EPIPE, not SIGPIPE") {
    Fixture fx;
    auto raw = fx.raw();
    REQUIRE(run_until(fx.io, [&] { return raw->has(FrameKind::kHello); }));
    raw->sock.shutdown(Socket::shutdown_receive);
    raw->write(encode_frame(FrameKind::kRequest, 1, "big:100000"));
    REQUIRE(run_until(fx.io, [&] { return fx.server->connection_count() == 0; }));
    CHECK(fx.logged("write failed: Broken pipe"));
  }
  SECTION("a destroyed Client never hears back") {
    Fixture fx;
    auto c = fx.client();
    bool called = false;
    c->async_call("hold", [&](Result<std::string>) { called = true; });
    REQUIRE(run_until(fx.io, [&] { return fx.held.size() == 1; }));
    c.reset();
    REQUIRE(run_until(fx.io, [&] { return fx.server->connection_count() == 0; }));
    CHECK_FALSE(fx.held[0].reply("late"));
    fx.io.poll();
    CHECK_FALSE(called);
  }
  // After all this, the server still serves.
  Fixture fx;
  auto c = fx.client();
  CHECK(fx.call(*c, "echo:alive").value() == "alive");
}

TEST_CASE("ipc: in-flight requests are bounded; reading resumes as answers go out") {
  ServerOptions o;
  o.max_in_flight = 2;
  Fixture fx(o);
  auto c = fx.client();
  int answered = 0;
  for (int i = 0; i < 5; ++i)
    c->async_call("hold", [&](Result<std::string> r) { answered += r.ok(); });
  REQUIRE(run_until(fx.io, [&] { return fx.held.size() == 2; }));
  fx.io.poll();
  CHECK(fx.held.size() == 2);  // the other three wait, unread
  for (int round = 0; round < 5 && answered < 5; ++round) {
    std::vector<Responder> now = std::move(fx.held);
    fx.held.clear();
    for (auto& r : now) r.reply("ok");
    REQUIRE(run_until(fx.io, [&] { return !fx.held.empty() || answered == 5; }));
  }
  CHECK(answered == 5);
}

TEST_CASE("ipc: a client that does not read its answers is dropped") {
  ServerOptions o;
  o.max_write_queue = 1024 * 1024;
  Fixture fx(o);
  auto raw = fx.raw();
  raw->sock.cancel();  // stop reading on the client side
  std::string burst;
  for (std::uint32_t id = 1; id <= 64; ++id)
    burst += encode_frame(FrameKind::kRequest, id, "big:262144");
  raw->write(burst);
  REQUIRE(run_until(fx.io, [&] { return fx.server->connection_count() == 0; }));
  CHECK(fx.logged("the client does not read its answers"));
}

TEST_CASE("ipc: events reach the clients") {
  Fixture fx;
  auto a = fx.client();
  auto b = fx.client();
  std::vector<std::string> got_a, got_b;
  a->set_event_handler([&](std::string_view e) { got_a.emplace_back(e); });
  b->set_event_handler([&](std::string_view e) { got_b.emplace_back(e); });
  CHECK(fx.server->broadcast_event("cib changed") == 2);
  REQUIRE(run_until(fx.io, [&] { return got_a.size() == 1 && got_b.size() == 1; }));
  CHECK(got_a[0] == "cib changed");
  REQUIRE(fx.call(*b, "echo:x"));
  REQUIRE(fx.server->send_event(fx.seen.back().connection, "for b"));
  REQUIRE(run_until(fx.io, [&] { return got_b.size() == 2; }));
  CHECK(got_b[1] == "for b");
  CHECK(got_a.size() == 1);
}

TEST_CASE("ipc: a call times out; its late answer is ignored") {
  Fixture fx;
  auto c = fx.client();
  std::optional<Result<std::string>> r;
  c->async_call(
      "hold", [&](Result<std::string> x) { r = std::move(x); }, 30ms);
  REQUIRE(run_until(fx.io, [&] { return r.has_value(); }));
  REQUIRE_FALSE(*r);
  CHECK(r->error().message() == "no answer within 30 ms");
  REQUIRE(fx.held.size() == 1);
  CHECK(fx.held[0].reply("late"));
  CHECK(fx.call(*c, "echo:next").value() == "next");
  CHECK(c->connected());
  CHECK(fx.server->send_event(999, "x").error().code() == ErrorCode::kNotFound);
}

TEST_CASE("ipc: the client refuses what a broken server sends") {
  boost::asio::io_context io;
  SECTION("garbage instead of a hello") {
    Client c(io);
    Socket mine(io), theirs(io);
    boost::asio::local::connect_pair(mine, theirs);
    std::optional<Status> s;
    c.async_adopt(std::move(mine), [&](Status x) { s = std::move(x); });
    boost::asio::write(theirs, boost::asio::buffer(std::string("220 smtp.example ESMTP\r\n")));
    REQUIRE(run_until(io, [&] { return s.has_value(); }));
    REQUIRE_FALSE(*s);
    CHECK(s->error().message() == "bad frame from the server: not a Vigil IPC frame (bad magic)");
  }
  SECTION("silence") {
    ClientOptions o;
    o.connect_timeout = 30ms;
    Client c(io, o);
    Socket mine(io), theirs(io);
    boost::asio::local::connect_pair(mine, theirs);
    std::optional<Status> s;
    c.async_adopt(std::move(mine), [&](Status x) { s = std::move(x); });
    REQUIRE(run_until(io, [&] { return s.has_value(); }));
    CHECK(s->error().message() == "no hello from the server within 30 ms");
  }
  SECTION("an answer to a request never made, and oversized frames") {
    ClientOptions o;
    o.max_payload = 100;
    Client c(io, o);
    Socket mine(io), theirs(io);
    boost::asio::local::connect_pair(mine, theirs);
    std::optional<Status> s;
    c.async_adopt(std::move(mine), [&](Status x) { s = std::move(x); });
    boost::asio::write(theirs, boost::asio::buffer(encode_frame(FrameKind::kHello, 0, "fake")));
    REQUIRE(run_until(io, [&] { return s.has_value(); }));
    REQUIRE(*s);
    CHECK(c.call(std::string(101, 'x'), 100ms).error().code() == ErrorCode::kInvalidInput);
    std::optional<Error> lost;
    c.set_disconnect_handler([&](const Error& e) { lost = e; });
    boost::asio::write(theirs, boost::asio::buffer(encode_frame(FrameKind::kResponse, 77, "?")));
    REQUIRE(run_until(io, [&] { return lost.has_value(); }));
    CHECK(lost->message() == "protocol error: an answer to unknown request 77");
  }
}

TEST_CASE("ipc: connections beyond the limit are refused") {
  ServerOptions o;
  o.max_connections = 1;
  Fixture fx(o);
  auto first = fx.client();
  auto raw = fx.raw();
  REQUIRE(run_until(fx.io, [&] { return raw->closed; }));
  CHECK(decode_error(raw->last(FrameKind::kError)->payload).message() ==
        "too many connections (1)");
  CHECK(fx.logged("refused: too many connections (1)"));
  CHECK(fx.call(*first, "echo:first").value() == "first");
}
