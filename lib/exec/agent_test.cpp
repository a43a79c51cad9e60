// SPDX-License-Identifier: GPL-2.0-or-later
#include "vigil/exec/agent.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cerrno>

#include "test_support.hpp"

using namespace vigil;
using namespace vigil::exec;
using namespace std::chrono_literals;

namespace {

OperationRequest ocf_request(std::string action = "start") {
  OperationRequest r;
  r.rsc_id = "web";
  r.agent = {AgentClass::kOcf, "heartbeat", "apache"};
  r.action = std::move(action);
  r.timeout = 20s;
  return r;
}

bool has(const std::vector<std::string>& env, const std::string& entry) {
  return std::find(env.begin(), env.end(), entry) != env.end();
}

std::size_t count_prefix(const std::vector<std::string>& env, const std::string& prefix) {
  return static_cast<std::size_t>(std::count_if(
      env.begin(), env.end(), [&](const std::string& e) { return e.rfind(prefix, 0) == 0; }));
}

ProcessExit exited(int code, std::string out = {}, std::string err = {}) {
  ProcessExit e;
  e.code = code;
  e.out = std::move(out);
  e.err = std::move(err);
  return e;
}

}  // namespace

TEST_CASE("agent specs parse from class:provider:type") {
  auto ocf = parse_agent_spec("ocf:heartbeat:IPaddr2");
  REQUIRE(ocf);
  CHECK(ocf->cls == AgentClass::kOcf);
  CHECK(ocf->provider == "heartbeat");
  CHECK(ocf->type == "IPaddr2");
  CHECK(to_string(*ocf) == "ocf:heartbeat:IPaddr2");
  auto lsb = parse_agent_spec("LSB:apache2");
  REQUIRE(lsb);
  CHECK(lsb->cls == AgentClass::kLsb);
  CHECK(to_string(*lsb) == "lsb:apache2");
  auto sd = parse_agent_spec("systemd:nginx.service");
  REQUIRE(sd);
  CHECK(sd->type == "nginx.service");

  CHECK_FALSE(parse_agent_spec("apache"));
  CHECK_FALSE(parse_agent_spec("ocf:heartbeat"));
  CHECK_FALSE(parse_agent_spec("ocf:../..:passwd"));
  CHECK_FALSE(parse_agent_spec("lsb:../../bin/sh"));
  CHECK_FALSE(parse_agent_spec("frob:x"));
  CHECK_FALSE(parse_agent_spec("stonith:../fence_xvm"));
  auto stonith = parse_agent_spec("STONITH:fence_xvm");
  REQUIRE(stonith);
  CHECK(stonith->cls == AgentClass::kStonith);
  CHECK(stonith->type == "fence_xvm");
  CHECK(to_string(*stonith) == "stonith:fence_xvm");
  auto service = parse_agent_spec("service:apache2");
  REQUIRE(service);
  CHECK(service->cls == AgentClass::kService);
  CHECK(to_string(*service) == "service:apache2");
  auto nagios = parse_agent_spec("nagios:check_http");
  REQUIRE_FALSE(nagios);
  CHECK(nagios.error().code() == vigil::ErrorCode::kUnsupported);
}

TEST_CASE("stonith resources: meta-data is the fence agent's -o metadata, nothing else runs") {
  OperationRequest r;
  r.rsc_id = "fence1";
  r.agent = *parse_agent_spec("stonith:fence_ipmilan");
  r.action = "meta-data";
  AgentPaths paths;
  paths.fence_agent_dir = "/opt/fence";
  Plan plan = plan_operation(r, paths, {"PATH=/bin"}, 1024);
  REQUIRE(plan.command);
  CHECK(plan.command->path == "/opt/fence/fence_ipmilan");
  CHECK(plan.command->argv ==
        std::vector<std::string>{"/opt/fence/fence_ipmilan", "-o", "metadata"});
  CHECK(plan.command->input == std::optional<std::string>("action=metadata\n"));
  ProcessExit exit;
  exit.code = 0;
  CHECK(interpret_exit(r, exit).rc == OcfRc::kOk);
  exit.code = 1;
  CHECK(interpret_exit(r, exit).rc == OcfRc::kUnknownError);
  r.action = "start";  // the executor takes it to the fencer, never here
  plan = plan_operation(r, paths, {}, 1024);
  CHECK_FALSE(plan.command);
  CHECK(plan.immediate.rc == OcfRc::kUnimplementFeature);
}

TEST_CASE("requests that could escape a path or the environment are refused") {
  CHECK(validate_request(ocf_request()));
  auto r = ocf_request();
  r.action = "start; rm -rf /";
  CHECK_FALSE(validate_request(r));
  r = ocf_request();
  r.agent.type = "..";
  CHECK_FALSE(validate_request(r));
  r = ocf_request();
  r.agent.provider = "a/b";
  CHECK_FALSE(validate_request(r));
  r = ocf_request();
  r.agent.type = "-h";
  CHECK_FALSE(validate_request(r));
  r = ocf_request();
  r.rsc_id.clear();
  CHECK_FALSE(validate_request(r));
  r = ocf_request();
  r.params["a=b"] = "x";
  CHECK_FALSE(validate_request(r));
  r = ocf_request();
  r.params["a"] = std::string("x\0y", 3);
  CHECK_FALSE(validate_request(r));
  r = ocf_request();
  r.interval = -1ms;
  auto st = validate_request(r);
  REQUIRE_FALSE(st);
  CHECK(st.error().message().find("web start") != std::string::npos);
}

TEST_CASE("OCF agents get Pacemaker's environment") {
  auto r = ocf_request("monitor");
  r.interval = 30s;
  r.params = {{"configfile", "/etc/apache2/apache2.conf"},
              {"statusurl", "http://127.0.0.1/server-status?a=1&b=\"2\""},
              {"OCF_CHECK_LEVEL", "10"},
              {"CRM_meta_on_fail", "restart"}};
  AgentPaths paths;
  paths.ocf_root = "/opt/ocf";
  const std::vector<std::string> base = {"PATH=/bin", "HOME=/root", "OCF_ROOT=/wrong",
                                         "OCF_RESKEY_configfile=stale"};
  auto env = ocf_environment(r, paths, base);
  CHECK(has(env, "PATH=/bin"));
  CHECK(has(env, "HOME=/root"));
  CHECK(has(env, "OCF_ROOT=/opt/ocf"));
  CHECK(count_prefix(env, "OCF_ROOT=") == 1);
  CHECK(has(env, "OCF_RA_VERSION_MAJOR=1"));
  CHECK(has(env, "OCF_RA_VERSION_MINOR=1"));
  CHECK(has(env, "OCF_EXIT_REASON_PREFIX=ocf-exit-reason:"));
  CHECK(has(env, "OCF_RESOURCE_INSTANCE=web"));
  CHECK(has(env, "OCF_RESOURCE_TYPE=apache"));
  CHECK(has(env, "OCF_RESOURCE_PROVIDER=heartbeat"));
  CHECK(has(env, "OCF_RESKEY_configfile=/etc/apache2/apache2.conf"));
  CHECK(count_prefix(env, "OCF_RESKEY_configfile=") == 1);
  CHECK(has(env, "OCF_RESKEY_statusurl=http://127.0.0.1/server-status?a=1&b=\"2\""));
  CHECK(has(env, "OCF_CHECK_LEVEL=10"));  // not prefixed, as Pacemaker does
  CHECK(has(env, "OCF_RESKEY_CRM_meta_on_fail=restart"));
  CHECK(has(env, "OCF_RESKEY_CRM_meta_timeout=20000"));
  CHECK(has(env, "OCF_RESKEY_CRM_meta_interval=30000"));

  // The controller's own CRM_meta_timeout wins; one-shot ops get no interval.
  auto start = ocf_request("start");
  start.params["CRM_meta_timeout"] = "90000";
  env = ocf_environment(start, paths, {});
  CHECK(has(env, "OCF_RESKEY_CRM_meta_timeout=90000"));
  CHECK(count_prefix(env, "OCF_RESKEY_CRM_meta_timeout=") == 1);
  CHECK(count_prefix(env, "OCF_RESKEY_CRM_meta_interval=") == 0);
  CHECK(has(env, "PATH=/usr/sbin:/usr/bin:/sbin:/bin"));  // defaulted
}

TEST_CASE("OCF agents find Vigil's agent tools first in PATH and as HA_SBIN_DIR") {
  AgentPaths paths;
  auto env = ocf_environment(ocf_request("start"), paths, {"PATH=/bin", "HA_SBIN_DIR=/usr/sbin"});
  CHECK(has(env, "PATH=/bin"));  // no tools directory: untouched
  CHECK(has(env, "HA_SBIN_DIR=/usr/sbin"));

  paths.tools_dir = "/usr/libexec/vigil/agent-tools";
  env = ocf_environment(ocf_request("start"), paths, {"PATH=/bin", "HA_SBIN_DIR=/usr/sbin"});
  CHECK(has(env, "PATH=/usr/libexec/vigil/agent-tools:/bin"));
  CHECK(count_prefix(env, "PATH=") == 1);
  CHECK(has(env, "HA_SBIN_DIR=/usr/libexec/vigil/agent-tools"));
  CHECK(count_prefix(env, "HA_SBIN_DIR=") == 1);
  env = ocf_environment(ocf_request("start"), paths, {});
  CHECK(has(env, "PATH=/usr/libexec/vigil/agent-tools:/usr/sbin:/usr/bin:/sbin:/bin"));
}

TEST_CASE("an OCF operation runs <root>/resource.d/<provider>/<type> <action>") {
  AgentPaths paths;
  Plan plan = plan_operation(ocf_request("migrate_to"), paths, {}, 1234);
  REQUIRE(plan.command);
  CHECK(plan.command->path == "/usr/lib/ocf/resource.d/heartbeat/apache");
  CHECK(plan.command->argv == std::vector<std::string>{plan.command->path, "migrate_to"});
  CHECK(plan.command->output_limit == 1234);
}

TEST_CASE("OCF results: exit codes, exit reasons, signals") {
  auto r = ocf_request("monitor");
  auto out = interpret_exit(r, exited(7));
  CHECK(out.rc == OcfRc::kNotRunning);
  CHECK(out.status == ExecStatus::kDone);
  out = interpret_exit(
      r, exited(1, "", "oops\nocf-exit-reason:first\nmore\nocf-exit-reason:disk full\n"));
  CHECK(out.rc == OcfRc::kUnknownError);
  CHECK(out.exit_reason == "disk full");
  out = interpret_exit(r, exited(42));
  CHECK(out.rc == OcfRc::kUnknownError);
  CHECK(out.status == ExecStatus::kDone);
  CHECK(out.exit_reason == "agent returned unexpected exit code 42");
  out = interpret_exit(r, exited(191));
  CHECK(out.rc == OcfRc::kDegradedPromoted);
  ProcessExit crash;
  crash.kind = ProcessExit::Kind::kSignaled;
  crash.code = SIGSEGV;
  out = interpret_exit(r, crash);
  CHECK(out.rc == OcfRc::kUnknownError);
  CHECK(out.status == ExecStatus::kError);
  CHECK(out.exit_reason == "monitor interrupted by SIGSEGV signal");
}

TEST_CASE("exit reasons: the last one, one line, at most 128 characters") {
  CHECK(parse_exit_reason("") == "");
  CHECK(parse_exit_reason("no reason here") == "");
  CHECK(parse_exit_reason("ocf-exit-reason:") == "");
  CHECK(parse_exit_reason("x ocf-exit-reason:a\nocf-exit-reason:b") == "b");
  CHECK(parse_exit_reason("ocf-exit-reason:" + std::string(300, 'r') + "\n").size() == 128);
}

TEST_CASE("spawn failures map as Pacemaker's services__handle_exec_error") {
  auto r = ocf_request();
  auto out = outcome_of_spawn_failure(r, ENOENT, "/x: No such file");
  CHECK(out.rc == OcfRc::kNotInstalled);
  CHECK(out.status == ExecStatus::kNotInstalled);
  CHECK(out.exit_reason == "/x: No such file");
  CHECK(outcome_of_spawn_failure(r, ENOEXEC, "").status == ExecStatus::kNotInstalled);
  out = outcome_of_spawn_failure(r, EACCES, "");
  CHECK(out.rc == OcfRc::kInsufficientPriv);
  CHECK(out.status == ExecStatus::kError);
  out = outcome_of_spawn_failure(r, EMFILE, "");
  CHECK(out.rc == OcfRc::kUnknownError);
  CHECK(out.status == ExecStatus::kError);
  r.timeout = 90s;
  out = outcome_of_timeout(r);
  CHECK(out.rc == OcfRc::kUnknownError);
  CHECK(out.status == ExecStatus::kTimeout);
  CHECK(out.exit_reason == "Resource agent did not complete within 1m30s");
}

TEST_CASE("durations read as Pacemaker prints them") {
  CHECK(readable_duration(0ms) == "0ms");
  CHECK(readable_duration(250ms) == "250ms");
  CHECK(readable_duration(20s) == "20s");
  CHECK(readable_duration(1500ms) == "1.5s");
  CHECK(readable_duration(3723004ms) == "1h2m3.004s");
  CHECK(readable_duration(2h) == "2h");
}

TEST_CASE("LSB: monitor runs status, no parameters, codes mapped") {
  OperationRequest r;
  r.rsc_id = "apache";
  r.agent = {AgentClass::kLsb, "", "apache2"};
  r.action = "monitor";
  r.params["ignored"] = "yes";
  AgentPaths paths;
  paths.lsb_dir = "/srv/init.d";
  Plan plan = plan_operation(r, paths, {"PATH=/bin"}, 100);
  REQUIRE(plan.command);
  CHECK(plan.command->argv == std::vector<std::string>{"/srv/init.d/apache2", "status"});
  CHECK(plan.command->env == std::vector<std::string>{"PATH=/bin"});
  CHECK(interpret_exit(r, exited(3)).rc == OcfRc::kNotRunning);
  CHECK(interpret_exit(r, exited(0)).rc == OcfRc::kOk);
  CHECK(interpret_exit(r, exited(4)).rc == OcfRc::kUnknownError);
  CHECK(interpret_exit(r, exited(4)).exit_reason.empty());
  r.action = "start";
  CHECK(interpret_exit(r, exited(6)).rc == OcfRc::kNotConfigured);
  CHECK(interpret_exit(r, exited(3)).rc == OcfRc::kUnimplementFeature);
  CHECK(interpret_exit(r, exited(9)).rc == OcfRc::kUnknownError);
}

TEST_CASE("LSB meta-data comes from the INIT INFO header") {
  testing::TempDir dir;
  const std::string script = dir / "webd";
  testing::write_file(script,
                      "#!/bin/sh\n"
                      "### BEGIN INIT INFO\n"
                      "# Provides:          webd\n"
                      "# Required-Start:    $network $remote_fs\n"
                      "# Required-Stop:     $network\n"
                      "# Default-Start:     2 3 4 5\n"
                      "# Default-Stop:      0 1 6\n"
                      "# Short-Description: Web <daemon> & co\n"
                      "# Description:       Serves pages\n"
                      "#                    on two lines.\n"
                      "### END INIT INFO\n"
                      "echo hi\n",
                      0755);
  auto xml = lsb_metadata(script, "webd");
  REQUIRE(xml);
  CHECK(xml->find("<resource-agent name='webd'") != std::string::npos);
  // Values keep their line's end, as Pacemaker's fgets() reads them.
  CHECK(xml->find("<shortdesc lang='en'> Web &lt;daemon&gt; &amp; co\n</shortdesc>") !=
        std::string::npos);
  CHECK(xml->find("Serves pages\n") != std::string::npos);
  CHECK(xml->find("on two lines.") != std::string::npos);
  CHECK(xml->find("<Required-Start>    $network $remote_fs\n</Required-Start>") !=
        std::string::npos);
  CHECK(xml->find("<Default-Stop>      0 1 6\n</Default-Stop>") != std::string::npos);
  CHECK(xml->find("<Should-Start></Should-Start>") != std::string::npos);
  CHECK_FALSE(lsb_metadata(dir / "missing", "missing"));

  OperationRequest r;
  r.rsc_id = "w";
  r.agent = {AgentClass::kLsb, "", "webd"};
  r.action = "meta-data";
  AgentPaths paths;
  paths.lsb_dir = dir.path();
  Plan plan = plan_operation(r, paths, {}, 100);
  CHECK_FALSE(plan.command);
  CHECK(plan.immediate.rc == OcfRc::kOk);
  CHECK(plan.immediate_output == *xml);
  r.agent.type = "missing";
  plan = plan_operation(r, paths, {}, 100);
  CHECK(plan.immediate.status == ExecStatus::kNotInstalled);
}

TEST_CASE("systemd units are driven through systemctl") {
  CHECK(systemd_unit_name("apache2") == "apache2.service");
  CHECK(systemd_unit_name("apache2.service") == "apache2.service");
  CHECK(systemd_unit_name("var-lib.mount") == "var-lib.mount");
  CHECK(systemd_unit_name("getty@") == "getty@vigil.service");
  CHECK(systemd_unit_name("getty@.service") == "getty@vigil.service");

  OperationRequest r;
  r.rsc_id = "web";
  r.agent = {AgentClass::kSystemd, "", "nginx"};
  AgentPaths paths;
  paths.systemctl = "/usr/bin/systemctl";
  r.action = "start";
  Plan plan = plan_operation(r, paths, {}, 100);
  REQUIRE(plan.command);
  CHECK(plan.command->argv ==
        std::vector<std::string>{"/usr/bin/systemctl", "start", "nginx.service"});
  CHECK(interpret_exit(r, exited(0)).rc == OcfRc::kOk);
  auto out = interpret_exit(r, exited(1, "", "Job for nginx.service failed.\nSee logs.\n"));
  CHECK(out.rc == OcfRc::kUnknownError);
  CHECK(out.exit_reason == "Job for nginx.service failed.");
  CHECK(interpret_exit(r, exited(5)).status == ExecStatus::kNotInstalled);
  r.action = "stop";
  CHECK(interpret_exit(r, exited(5)).rc == OcfRc::kOk);  // unknown unit: stopped

  r.action = "monitor";
  plan = plan_operation(r, paths, {}, 100);
  REQUIRE(plan.command);
  CHECK(plan.command->argv == std::vector<std::string>{"/usr/bin/systemctl", "show",
                                                       "--property=LoadState,ActiveState",
                                                       "nginx.service"});
  CHECK(interpret_exit(r, exited(0, "LoadState=loaded\nActiveState=active\n")).rc == OcfRc::kOk);
  CHECK(interpret_exit(r, exited(0, "LoadState=loaded\nActiveState=reloading\n")).rc == OcfRc::kOk);
  out = interpret_exit(r, exited(0, "LoadState=loaded\nActiveState=failed\n"));
  CHECK(out.rc == OcfRc::kNotRunning);
  CHECK(out.exit_reason == "failed");
  out = interpret_exit(r, exited(0, "ActiveState=activating\nLoadState=loaded\n"));
  CHECK(out.status == ExecStatus::kPending);
  out = interpret_exit(r, exited(0, "LoadState=not-found\nActiveState=inactive\n"));
  CHECK(out.rc == OcfRc::kNotInstalled);
  CHECK(out.status == ExecStatus::kNotInstalled);
  CHECK(interpret_exit(r, exited(0, "garbage")).status == ExecStatus::kError);
  CHECK(interpret_exit(r, exited(1)).status == ExecStatus::kError);

  r.action = "meta-data";
  plan = plan_operation(r, paths, {}, 100);
  CHECK_FALSE(plan.command);
  // Pacemaker names the agent as the CIB does, not the unit.
  CHECK(plan.immediate_output.find(
            "<shortdesc lang=\"en\">systemd unit file for nginx</shortdesc>") != std::string::npos);
  CHECK(plan.immediate_output.find("<resource-agent name=\"nginx\" ") != std::string::npos);
  r.action = "promote";
  plan = plan_operation(r, paths, {}, 100);
  CHECK_FALSE(plan.command);
  CHECK(plan.immediate.rc == OcfRc::kUnimplementFeature);
}
