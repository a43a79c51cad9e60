// SPDX-License-Identifier: GPL-2.0-or-later
// The running cluster's CIB for `cluster status` and `cluster node remove`:
// read and edited through vigil-cib's socket on this node.
#include "vigil/admin/cluster_cib.hpp"

#include <boost/asio/io_context.hpp>
#include <ctime>

#include "vigil/admin/status_text.hpp"
#include "vigil/cibclient/client.hpp"
#include "vigil/common/xml.hpp"

namespace vigil::admin {

namespace {

// The XPath naming `n` by its id under `parent_path`; an element without a
// plain id is named by the node's name.
std::string path_of(const xmlNode* n, const std::string& parent_path, const std::string& name) {
  const std::string id = xml::attr_or(n, "id");
  const bool plain = !id.empty() && id.find('\'') == std::string::npos;
  return parent_path + "/" + std::string(xml::name(n)) + "[@" + (plain ? "id" : "uname") + "='" +
         (plain ? id : name) + "']";
}

// Removes the children of `parent` (a section) named `tag` whose uname is `name`.
void remove_in(xmlNode* parent, const char* tag, const std::string& parent_path,
               const std::string& name, std::vector<std::string>& removed) {
  if (parent == nullptr) return;
  for (xmlNode* n : xml::children(parent, tag)) {
    if (xml::attr_or(n, "uname") != name) continue;
    removed.push_back(path_of(n, parent_path, name));
    xmlUnlinkNode(n);
    xmlFreeNode(n);
  }
}

// The CIB vigil-cib holds now, over `client`'s new connection.
Result<xml::DocPtr> live_cib(cibclient::CibClient& client) {
  client.set_client_name("vigil");
  const std::string path = cibclient::default_socket_path();
  if (auto st = client.connect(path); !st) {
    return Error(ErrorCode::kIo, "cannot reach vigil-cib at " + path + ": " + st.error().message());
  }
  auto cib = client.query_sync("");
  if (!cib) return cib.error();
  return xml::parse_string(cib->xml, "the CIB from vigil-cib");
}

}  // namespace

std::vector<std::string> remove_node_entries(xmlDoc* doc, const std::string& name) {
  std::vector<std::string> removed;
  xmlNode* cib = doc ? xmlDocGetRootElement(doc) : nullptr;
  if (cib == nullptr || name.empty() || name.find('\'') != std::string::npos) return removed;
  xmlNode* config = xml::first_child(cib, "configuration");
  remove_in(config ? xml::first_child(config, "nodes") : nullptr, "node",
            "/cib/configuration/nodes", name, removed);
  remove_in(xml::first_child(cib, "status"), "node_state", "/cib/status", name, removed);
  return removed;
}

Result<std::string> live_monitor_text() {
  boost::asio::io_context io;
  cibclient::CibClient client(io);
  auto doc = live_cib(client);
  if (!doc) return doc.error();
  return monitor_status_text(doc->get(), std::time(nullptr), false);
}

Status live_remove_node_entries(const std::string& name) {
  boost::asio::io_context io;
  cibclient::CibClient client(io);
  auto doc = live_cib(client);
  if (!doc) return doc.error();
  for (const auto& xpath : remove_node_entries(doc->get(), name)) {
    if (auto done = client.remove_sync(xpath); !done) {
      return Error(ErrorCode::kFailed,
                   "Unable to remove " + xpath + " from the CIB: " + done.error().message());
    }
  }
  return ok_status();
}

}  // namespace vigil::admin
