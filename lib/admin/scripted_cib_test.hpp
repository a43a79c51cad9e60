// SPDX-License-Identifier: GPL-2.0-or-later
// Tests' running cluster: a LiveCib whose CIB is a string the test scripts,
// with a clock that only the command's waits advance (2 s per poll), and a
// hook run at each wait to change what the cluster shows.
#pragma once

#include <functional>
#include <string>

#include "vigil/admin/live_cib.hpp"
#include "vigil/common/xml.hpp"

namespace vigil::admin {

class ScriptedCib : public LiveCib {
 public:
  explicit ScriptedCib(std::string text) : text_(std::move(text)) {}
  Result<xml::DocPtr> read() override { return xml::parse_string(text_); }
  Status write_configuration(xmlDoc* doc) override {
    ++writes;
    text_ = xml::to_string(doc, false);
    return ok_status();
  }
  void sleep_seconds(int s) override {
    clock += s;
    ++sleeps;
    if (on_sleep) on_sleep(text_);
  }
  EpochSeconds now() override { return clock; }
  const std::string& text() const { return text_; }

  EpochSeconds clock = 1000;
  int sleeps = 0;
  int writes = 0;
  std::function<void(std::string&)> on_sleep;

 private:
  std::string text_;
};

}  // namespace vigil::admin
