// SPDX-License-Identifier: GPL-2.0-or-later
// make_seeds: writes the seed corpora of the binary and protocol targets
// (tests/fuzz/corpus/<target>/) from the real encoders, so the seeds are
// what the daemons really send. The CIB's replication messages are recorded
// from two CibNodes over the simulated network. Run by hand when a format
// changes (tests/fuzz/README.md); the output is committed.
//
//   build-asan/tests/fuzz/fuzz_make_seeds tests/fuzz/corpus
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "messages.hpp"
#include "vigil/cibd/replica.hpp"
#include "vigil/cibd/store.hpp"
#include "vigil/cluster/chunking.hpp"
#include "vigil/cluster/sim_network.hpp"
#include "vigil/cluster/sim_node.hpp"
#include "vigil/common/clock.hpp"
#include "vigil/common/xml.hpp"
#include "vigil/ipc/frame.hpp"
#include "vigil/log/log.hpp"
#include "vigil/lrmd/protocol.hpp"

using namespace vigil;
namespace fs = std::filesystem;

namespace {

fs::path g_out;

void put(const std::string& target, const std::string& name, const std::string& bytes) {
  const fs::path dir = g_out / target;
  fs::create_directories(dir);
  std::ofstream f(dir / name, std::ios::binary | std::ios::trunc);
  f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!f) {
    std::fprintf(stderr, "make_seeds: cannot write %s\n", (dir / name).c_str());
    std::exit(1);
  }
}

std::string byte(unsigned v) {
  return std::string(1, static_cast<char>(v));
}

// --- ipc_frame: [limit exponent][slice seed] stream
void ipc_seeds() {
  using ipc::FrameKind;
  const std::string request =
      R"(<cib-request op="modify" section="status" client="crmd"><status/></cib-request>)";
  const std::string prefix = byte(24) + byte(7);
  put("ipc_frame", "hello", prefix + ipc::encode_frame(FrameKind::kHello, 0, "vigil-cib"));
  put("ipc_frame", "request", prefix + ipc::encode_frame(FrameKind::kRequest, 1, request));
  put("ipc_frame", "session",
      prefix + ipc::encode_frame(FrameKind::kHello, 0, "vigil-lrmd") +
          ipc::encode_frame(FrameKind::kResponse, 1, "<lrmd-ok call-id=\"4\"/>") +
          ipc::encode_frame(FrameKind::kEvent, 0, "<lrmd-event/>") +
          ipc::encode_frame(FrameKind::kError, 2,
                            ipc::encode_error(Error(ErrorCode::kNotFound, "no such resource"))));
  put("ipc_frame", "refusal",
      prefix +
          ipc::encode_frame(FrameKind::kError, 0,
                            ipc::encode_error(Error(ErrorCode::kPermissionDenied, "uid 1000"))));
  // A limit of 16 bytes and a frame of 17: refused before the payload.
  put("ipc_frame", "oversized",
      byte(4) + byte(1) + ipc::encode_frame(FrameKind::kRequest, 3, std::string(17, 'x')));
  std::string truncated = ipc::encode_frame(FrameKind::kRequest, 5, request);
  truncated.resize(truncated.size() / 2);
  put("ipc_frame", "truncated", prefix + truncated);
}

// One monitor result, as the executor reports it (the executor protocol's
// events and, through event_from_result, the controller's <op>).
exec::OperationResult sample_result(const std::string& user_data) {
  return exec::OperationResult{.call_id = 9,
                               .rsc_id = "web:0",
                               .agent = {exec::AgentClass::kOcf, "heartbeat", "apache"},
                               .action = "monitor",
                               .interval = Duration{10000},
                               .timeout = Duration{20000},
                               .rc = exec::OcfRc::kNotRunning,
                               .status = exec::ExecStatus::kDone,
                               .exit_reason = "apache is not running",
                               .output = "stopped\n",
                               .error_output = "ocf-exit-reason:apache is not running\n",
                               .output_bytes = 8,
                               .error_output_bytes = 39,
                               .pid = 4242,
                               .exec_time = Duration{31},
                               .queue_time = Duration{0},
                               .run_at = 1700000000,
                               .rc_changed_at = 1700000000,
                               .user_data = user_data};
}

// --- controller_message: controller::encode of every type
void controller_seeds() {
  using controller::Message;
  using controller::MsgType;
  controller::OpEvent op = controller::event_from_result(sample_result(""));
  op.transition_key = "5:3:0:7c2f0e4e-0000-4000-8000-000000000001";
  op.digest = "f2317cad3d54cec5d7d7aa7d0bf35cf8";
  int n = 0;
  auto add = [&](const Message& m) {
    put("controller_message", std::to_string(n++) + "-" + controller::to_string(m.type),
        controller::encode(m));
  };
  Message history;
  history.type = MsgType::kHistory;
  history.fresh = true;
  history.ops = {op, op};
  history.ops[1].task = "start";
  history.ops[1].interval_ms = 0;
  add(history);
  Message result;
  result.type = MsgType::kResult;
  result.ops = {op};
  add(result);
  Message exec;
  exec.type = MsgType::kExec;
  exec.target = 2;
  exec.exec = {"web",
               "ocf",
               "heartbeat",
               "apache",
               "start",
               0,
               60000,
               0,
               "7:3:0:7c2f0e4e-0000-4000-8000-000000000001",
               "d41d8cd98f00b204e9800998ecf8427e",
               {{"configfile", "/etc/apache2/apache2.conf"}, {"CRM_meta_timeout", "60000"}}};
  add(exec);
  Message cancel = exec;
  cancel.type = MsgType::kCancel;
  cancel.exec.task = "monitor";
  cancel.exec.interval_ms = 10000;
  add(cancel);
  Message forget;
  forget.type = MsgType::kForget;
  forget.target = 3;
  forget.rsc = "web";
  add(forget);
  Message shutdown;
  shutdown.type = MsgType::kShutdown;
  shutdown.target = 1;
  add(shutdown);
  Message attr;
  attr.type = MsgType::kAttr;
  attr.target = 1;
  attr.name = "pingd";
  attr.value = "100";
  add(attr);
  attr.value.reset();
  add(attr);
  Message cleanup;
  cleanup.type = MsgType::kCleanup;
  cleanup.rsc = "web";
  cleanup.node = "node2";
  add(cleanup);
  Message rejoin;
  rejoin.type = MsgType::kRejoin;
  add(rejoin);
  Message joined;
  joined.type = MsgType::kJoined;
  joined.target = 2;
  add(joined);
}

// --- lrmd_protocol: [decoder selector] payload
void lrmd_seeds() {
  exec::OperationRequest op;
  op.rsc_id = "web:0";
  op.agent = {exec::AgentClass::kOcf, "heartbeat", "apache"};
  op.action = "monitor";
  op.interval = Duration{10000};
  op.timeout = Duration{20000};
  op.params = {{"configfile", "/etc/apache2/apache2.conf"}, {"CRM_meta_interval", "10000"}};
  op.user_data = "5:3:0:uuid\ndigest";
  op.report_every_result = true;
  const std::string req = byte(4);
  put("lrmd_protocol", "exec", req + lrmd::encode_request(op));
  put("lrmd_protocol", "cancel",
      req + lrmd::encode_request(lrmd::CancelRequest{"web:0", "monitor", Duration{10000}}));
  put("lrmd_protocol", "metadata",
      req + lrmd::encode_request(
                lrmd::MetadataRequest{{exec::AgentClass::kStonith, "", "fence_ipmilan"}}));
  put("lrmd_protocol", "list-agents",
      req + lrmd::encode_request(lrmd::ListAgentsRequest{exec::AgentClass::kOcf, "pacemaker"}));
  put("lrmd_protocol", "history", req + lrmd::encode_request(lrmd::HistoryRequest{"web:0"}));
  put("lrmd_protocol", "forget", req + lrmd::encode_request(lrmd::ForgetRequest{"web:0"}));
  put("lrmd_protocol", "subscribe", req + lrmd::encode_request(lrmd::SubscribeRequest{}));

  exec::OperationResult r = sample_result(op.user_data);
  put("lrmd_protocol", "event", byte(0) + lrmd::encode_event(r));
  lrmd::ResourceHistory h;
  h.rsc_id = "web:0";
  h.agent = op.agent;
  r.output.clear();
  r.error_output.clear();
  h.last_results = {r};
  h.recurring = {{"monitor", Duration{10000}, Duration{20000}, 9, op.user_data, op.params}};
  h.stop_params = std::map<std::string, std::string>{{"configfile", "/etc/apache2/apache2.conf"},
                                                     {"CRM_meta_timeout", "20000"}};
  put("lrmd_protocol", "history-reply", byte(1) + lrmd::encode_history_reply({h}));
  put("lrmd_protocol", "agents-reply",
      byte(2) + lrmd::encode_agents_reply({"heartbeat:apache", "pacemaker:Dummy"}));
  put("lrmd_protocol", "metadata-reply",
      byte(3) + lrmd::encode_metadata_reply("<resource-agent name=\"Dummy\"/>"));
  put("lrmd_protocol", "exec-reply", byte(3) + lrmd::encode_exec_reply(9));
}

// --- chunk_reassembly: records [control][len lo][len hi][bytes]
std::string record(unsigned control, const std::string& bytes) {
  const std::size_t n = std::min<std::size_t>(bytes.size(), 0xffff);
  return byte(control) + byte(n & 0xff) + byte(n >> 8) + bytes.substr(0, n);
}

void chunk_seeds() {
  cluster::ChunkLimits limits;
  limits.compress_threshold = 64;
  limits.chunk_payload = 128;
  std::string cib = "<cib epoch=\"1\"><configuration><resources>";
  for (int i = 0; i < 40; ++i)
    cib += "<primitive id=\"r" + std::to_string(i) +
           "\" class=\"ocf\" provider=\"heartbeat\" type=\"Dummy\"/>";
  cib += "</resources></configuration><status/></cib>";
  put("chunk_reassembly", "send-whole", record(8, cib));
  put("chunk_reassembly", "send-swapped", record(8 | 0x10, cib));
  put("chunk_reassembly", "send-repeated-then-whole", record(8 | 0x20, cib) + record(8, cib));
  put("chunk_reassembly", "send-missing-view", record(8 | 0x30, cib) + record(4 | 8, cib));
  // A peer's chunks, delivered raw, interleaved with another peer's small message.
  auto chunks = cluster::split_message(cib, 7, limits);
  if (!chunks) std::exit(1);
  std::string peer;
  for (std::size_t i = 0; i < chunks->size(); ++i) {
    peer += record(1, (*chunks)[i]);
    if (i == 1) peer += record(2, "<crmd t=\"rejoin\"/>");
  }
  put("chunk_reassembly", "peer-chunks", peer);
  // A zlib bomb: a megabyte of zeros declared as 100 bytes.
  auto bomb = cluster::deflate_bytes(std::string(1 << 20, '\0'));
  if (!bomb) std::exit(1);
  auto frame = [](std::uint8_t encoding, std::uint64_t id, std::uint32_t index, std::uint32_t count,
                  std::uint64_t encoded, std::uint64_t size, const std::string& slice) {
    std::string h = std::string("\0VCK", 4) + byte(1) + byte(encoding) + byte(0) + byte(0);
    for (int i = 0; i < 8; ++i) h += byte((id >> (8 * i)) & 0xff);
    for (int i = 0; i < 4; ++i) h += byte((index >> (8 * i)) & 0xff);
    for (int i = 0; i < 4; ++i) h += byte((count >> (8 * i)) & 0xff);
    for (int i = 0; i < 8; ++i) h += byte((encoded >> (8 * i)) & 0xff);
    for (int i = 0; i < 8; ++i) h += byte((size >> (8 * i)) & 0xff);
    return h + slice;
  };
  put("chunk_reassembly", "zlib-bomb", record(0, frame(1, 1, 0, 1, bomb->size(), 100, *bomb)));
  // Sizes that lie: more encoded bytes than declared, a count of 2^32-1.
  put("chunk_reassembly", "lying-sizes",
      record(0, frame(0, 2, 0, 2, 4, 4, "abcdefgh")) +
          record(1, frame(0, 3, 0, 0xffffffffu, 0xffffffffffffull, 1ull << 40, "x")));
}

// --- cib_replica: [roles] then NUL-separated [control]message, recorded
// from two replicas over the simulated network.
class Recorder final : public cluster::Messaging {
 public:
  explicit Recorder(cluster::Messaging& inner) : inner_(inner) {}
  cluster::GroupMember self() const override { return inner_.self(); }
  Status send(std::string_view payload) override {
    sent.emplace_back(payload);
    return inner_.send(payload);
  }
  std::size_t max_message_size() const override { return inner_.max_message_size(); }
  Status leave() override { return inner_.leave(); }
  void set_handlers(cluster::MessagingHandlers h) override { inner_.set_handlers(std::move(h)); }
  Status join(std::string_view g) override { return inner_.join(g); }
  std::vector<std::string> sent;

 private:
  cluster::Messaging& inner_;
};

constexpr const char* kNewerCib =
    R"(<cib admin_epoch="0" epoch="5" num_updates="2" validate-with="pacemaker-3.9">)"
    R"(<configuration><crm_config/><nodes><node id="1" uname="node1"/></nodes><resources>)"
    R"(<primitive id="ip" class="ocf" provider="heartbeat" type="IPaddr2">)"
    R"(<instance_attributes id="ip-a"><nvpair id="ip-a-1" name="ip" value="192.0.2.10"/>)"
    R"(</instance_attributes></primitive></resources><constraints/></configuration>)"
    R"(<status/></cib>)";

void cib_seeds() {
  cluster::SimOptions so;
  so.seed = 1;
  so.trace = false;
  cluster::SimNetwork net(so);
  ManualClock clock;
  net.add_node(1, "node1");
  net.add_node(2, "node2");
  net.start_all();
  std::map<int, std::unique_ptr<cluster::SimCpg>> cpgs;
  std::map<int, std::unique_ptr<Recorder>> recorders;
  std::map<int, std::unique_ptr<cibd::CibNode>> nodes;
  for (int id : {1, 2}) {
    auto cpg = net.node(static_cast<cluster::NodeId>(id)).connect_cpg();
    if (!cpg) std::exit(1);
    cpgs[id] = std::move(cpg).value();
    recorders[id] = std::make_unique<Recorder>(*cpgs[id]);
    cibd::CibNodeOptions o;
    o.node_name = "node" + std::to_string(id);
    // Node 2 starts with a newer CIB: the sync sends it whole.
    auto store = id == 1 ? cibd::Store::empty() : cibd::Store::from_xml(kNewerCib);
    if (!store) std::exit(1);
    nodes[id] = std::make_unique<cibd::CibNode>(*recorders[id], clock, std::move(store).value(), o);
    if (!nodes[id]->start()) std::exit(1);
  }
  auto settle = [&] {
    for (int i = 0; i < 50; ++i) {
      net.run_until_idle(100'000);
      clock.advance(Duration{100});
    }
  };
  settle();
  auto submit = [&](int on, cibd::CibOp op, const char* scope, const char* payload) {
    cibd::CibRequest r;
    r.op = op;
    r.scope = scope;
    r.payload = payload;
    r.client = "cibadmin";
    nodes[on]->submit(std::move(r), [](Result<cibd::CibReply>) {});
    settle();
  };
  submit(2, cibd::CibOp::kCreate, "resources",
         R"(<primitive id="web" class="ocf" provider="heartbeat" type="apache"/>)");
  submit(
      1, cibd::CibOp::kModify, "crm_config",
      R"(<cluster_property_set id="cib-bootstrap-options"><nvpair id="o1" name="stonith-enabled" value="false"/></cluster_property_set>)");
  submit(2, cibd::CibOp::kCreate, "resources", "<primitive");  // refused by the master
  submit(2, cibd::CibOp::kDelete, "//primitive[@id='web']", "");
  // Node 1 is the master (lowest id). As the fuzzer's node, it is the
  // master with node 2's messages as the peer's; then the other way round.
  for (int self : {1, 2}) {
    const int peer = 3 - self;
    std::string all = byte(self == 1 ? 1 : 0);
    int n = 0;
    for (const std::string& m : recorders[peer]->sent) {
      const std::string one = byte(self == 1 ? 1 : 0) + byte(0) + m;
      put("cib_replica", (self == 1 ? "as-master-" : "as-replica-") + std::to_string(n++), one);
      all += std::string(1, '\0') + byte(0) + m;
    }
    put("cib_replica", self == 1 ? "as-master-all" : "as-replica-all", all);
  }
  for (auto& [id, node] : nodes) node->stop();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s CORPUS_DIR\n", argv[0]);
    return 2;
  }
  g_out = argv[1];
  xml::init();
  log::set_capture([](LogLevel, std::string_view) {});
  ipc_seeds();
  controller_seeds();
  lrmd_seeds();
  chunk_seeds();
  cib_seeds();
  return 0;
}
