// SPDX-License-Identifier: GPL-2.0-or-later
// vigil-pengine's logic: one CIB in, one transition graph out, the input
// saved in its series (see service.hpp).
#include "vigil/pengined/service.hpp"

#include <charconv>
#include <limits>
#include <utility>

#include "held_cib.hpp"
#include "series.hpp"
#include "vigil/cib/cib.hpp"
#include "vigil/cib/validate.hpp"
#include "vigil/common/deferred.hpp"
#include "vigil/common/md5.hpp"
#include "vigil/common/xml.hpp"
#include "vigil/pengine/graph.hpp"
#include "vigil/pengine/summary.hpp"
#include "vigil/pengine/working_set.hpp"

namespace vigil::pengined {

namespace {

struct SeriesDef {
  const char* name;
  const char* option;
  int default_max;
};
// Pacemaker's defaults (schedulerd): errors unlimited, warnings 5000, inputs 4000.
constexpr SeriesDef kError{"pe-error", "pe-error-series-max", -1};
constexpr SeriesDef kWarn{"pe-warn", "pe-warn-series-max", 5000};
constexpr SeriesDef kInput{"pe-input", "pe-input-series-max", 4000};

Error invalid(std::string message) {
  return Error(ErrorCode::kInvalidInput, std::move(message));
}

// A cluster option as written (the first nvpair of that name in
// crm_config), rules not evaluated; none when the CIB made no model.
std::optional<std::string> cluster_option(const cib::Cib* cib, const char* name) {
  if (cib == nullptr) return std::nullopt;
  for (const auto& set : cib->crm_config) {
    for (const auto& [key, value] : set.pairs) {
      if (key == name) return value;
    }
  }
  return std::nullopt;
}

int series_max(const cib::Cib* cib, const SeriesDef& def) {
  auto v = cluster_option(cib, def.option);
  if (!v) return def.default_max;
  long long n = 0;
  auto [ptr, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
  if (ec != std::errc() || ptr != v->data() + v->size()) return def.default_max;
  if (n < -1) n = -1;  // Pacemaker: anything below -1 means unlimited too
  if (n > std::numeric_limits<int>::max()) n = std::numeric_limits<int>::max();
  return static_cast<int>(n);
}

Result<std::int64_t> int_attr(const xmlNode* n, const char* name) {
  auto v = xml::attr(n, name);
  if (!v) return Error(ErrorCode::kNotFound, std::string(name) + " missing");
  std::int64_t out = 0;
  auto [ptr, ec] = std::from_chars(v->data(), v->data() + v->size(), out);
  if (ec != std::errc() || ptr != v->data() + v->size() || v->empty()) {
    return invalid(std::string(xml::name(n)) + ": attribute " + name + "='" + *v +
                   "' is not an integer");
  }
  return out;
}

// Graphs travel as CDATA: no escaping, so a large graph does not grow on
// the way. A "]]>" inside is split across two sections.
void append_cdata(std::string& out, std::string_view text) {
  out += "<![CDATA[";
  std::size_t from = 0;
  for (;;) {
    const auto end = text.find("]]>", from);
    if (end == std::string_view::npos) break;
    out.append(text.substr(from, end + 2 - from));
    out += "]]><![CDATA[";
    from = end + 2;
  }
  out.append(text.substr(from));
  out += "]]>";
}

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

// The CIB text with its root's execution-date set to `now`, so that
// replaying the saved input decides at the same time. Only the root's start
// tag is touched: the rest is saved as it came.
std::string with_execution_date(std::string_view text, std::int64_t now) {
  // The root element: the first '<' that starts no declaration, comment or
  // processing instruction.
  std::size_t at = 0;
  for (;;) {
    at = text.find('<', at);
    if (at == std::string_view::npos || at + 1 >= text.size()) return std::string(text);
    const char c = text[at + 1];
    if (c != '?' && c != '!') break;
    const std::string_view end = text.compare(at, 4, "<!--") == 0 ? "-->" : ">";
    at = text.find(end, at);
    if (at == std::string_view::npos) return std::string(text);
  }
  // Its attributes, quotes respected, up to the tag's end.
  std::size_t end = at + 1;
  std::size_t old_begin = std::string_view::npos, old_end = 0;
  char quote = 0;
  for (; end < text.size(); ++end) {
    const char c = text[end];
    if (quote) {
      if (c == quote) quote = 0;
      continue;
    }
    if (c == '"' || c == '\'') {
      quote = c;
    } else if (c == '>' || (c == '/' && end + 1 < text.size() && text[end + 1] == '>')) {
      break;
    } else if (is_space(c) && text.compare(end + 1, 14, "execution-date") == 0) {
      // execution-date, blanks, '=', blanks, a quoted value
      std::size_t i = end + 15;
      while (i < text.size() && is_space(text[i])) ++i;
      if (i >= text.size() || text[i] != '=') continue;
      ++i;
      while (i < text.size() && is_space(text[i])) ++i;
      if (i >= text.size() || (text[i] != '"' && text[i] != '\'')) continue;
      const std::size_t close = text.find(text[i], i + 1);
      if (close == std::string_view::npos) return std::string(text);
      old_begin = end;
      old_end = close + 1;
      end = close;
    }
  }
  if (end >= text.size()) return std::string(text);
  const std::string attr = " execution-date=\"" + std::to_string(now) + "\"";
  std::string out;
  out.reserve(text.size() + attr.size() + 1);
  if (old_begin != std::string_view::npos) {
    out.append(text.substr(0, old_begin)).append(attr).append(text.substr(old_end));
  } else {
    out.append(text.substr(0, end)).append(attr).append(text.substr(end));
  }
  if (out.empty() || out.back() != '\n') out += '\n';
  return out;
}

std::string text_of(const xmlNode* n) {
  xml::XmlCharPtr content(xmlNodeGetContent(n));
  return content ? std::string(reinterpret_cast<const char*>(content.get())) : std::string();
}

}  // namespace

// Counted from the items crm_simulate's "Transition Summary" lines are
// printed from, never from the text.
SummaryCounts count_changes(const std::vector<pengine::SummaryItem>& items) {
  static constexpr std::pair<pengine::Change, int SummaryCounts::*> kCounters[] = {
      {pengine::Change::kStart, &SummaryCounts::start},
      {pengine::Change::kStop, &SummaryCounts::stop},
      {pengine::Change::kRestart, &SummaryCounts::restart},
      {pengine::Change::kMove, &SummaryCounts::move},
      {pengine::Change::kRecover, &SummaryCounts::recover},
      {pengine::Change::kPromote, &SummaryCounts::promote},
      {pengine::Change::kDemote, &SummaryCounts::demote},
      {pengine::Change::kMigrate, &SummaryCounts::migrate},
      {pengine::Change::kFence, &SummaryCounts::fence},
  };
  SummaryCounts c;
  for (const pengine::SummaryItem& item : items) {
    for (const auto& [change, counter] : kCounters) {
      if (item.change == change) ++(c.*counter);
    }
  }
  return c;
}

struct Scheduler::Impl {
  Impl(Clock& c, SchedulerOptions o, Disk& d) : clock(c), options(std::move(o)), disk(d) {}
  Clock& clock;
  SchedulerOptions options;
  Disk& disk;
  int transition_counter = 0;
  std::string last_digest;
  std::string last_name, last_path;
  HeldCib held;

  // A save decided by compute() and carried out by write_pending(): the
  // input's text (empty: the held CIB, serialised when written).
  struct Pending {
    SeriesDef def;
    unsigned seq = 0;
    int max = 0;
    std::int64_t now = 0;
    std::string text;
  };
  std::optional<Pending> pending;

  // Names the input in its series, unless the series keeps nothing or the
  // input is the one saved last; fills name and path of the result and
  // leaves the writing to write_pending() (at once unless deferred).
  void save(std::string_view text, const cib::Cib* model, const std::string& digest,
            const SeriesDef& def, std::int64_t now, ComputeResult& out,
            std::vector<std::string>& log) {
    if (options.pe_dir.empty()) return;
    const int max = series_max(model, def);
    if (max == 0) {
      last_digest.clear();
      return;
    }
    if (digest == last_digest && !last_name.empty()) {
      out.input_name = last_name;
      out.input_path = last_path;
      return;
    }
    const unsigned seq = next_sequence(disk, options.pe_dir, def.name, max);
    pending = Pending{def, seq, max, now, std::string(text)};
    last_digest = digest;
    last_name = std::string(def.name) + "-" + std::to_string(seq);
    last_path = options.pe_dir + "/" + last_name + ".xml";
    out.input_name = last_name;
    out.input_path = last_path;
    if (!options.defer_save) {
      if (auto st = write_pending(); !st) {
        log.push_back(st.error().message());
        out.input_name.clear();
        out.input_path.clear();
      }
    }
  }

  Status write_pending() {
    if (!pending) return ok_status();
    Pending p = std::move(*pending);
    pending.reset();
    const std::string text = p.text.empty() && held.holds() ? held.text() : std::move(p.text);
    auto path = save_in_series(disk, options.pe_dir, p.def.name, p.seq, p.max,
                               with_execution_date(text, p.now));
    if (!path) {
      last_digest.clear();
      last_name.clear();
      return Error(path.error().code(),
                   "could not save the scheduler input: " + path.error().message());
    }
    return ok_status();
  }

  // The whole CIB of a request, checked and held; the error is the
  // refusal, `parsed` tells whether it was a CIB worth saving.
  Status hold_whole(const std::string& text, bool& parsed) {
    held.drop();
    auto doc = HeldCib::parse(text);
    if (!doc) return doc.error();
    if (!xml::is(xmlDocGetRootElement(doc->get()), "cib")) {
      return invalid("the root element is not <cib>");
    }
    parsed = true;
    if (auto st = cib::validate_cib(doc->get()); !st) return st;
    return held.adopt(std::move(doc).value());
  }
};

Scheduler::Scheduler(Clock& clock, SchedulerOptions options, Disk& disk)
    : impl_(std::make_unique<Impl>(clock, std::move(options), disk)) {}

Scheduler::~Scheduler() = default;

Status Scheduler::write_pending_input() {
  return impl_->write_pending();
}

Result<ComputeResult> Scheduler::compute(const ComputeRequest& request) {
  Impl& d = *impl_;
  std::vector<std::string> save_log;
  // An input named by the last run and not written yet (a caller that
  // never called write_pending_input()).
  if (auto st = d.write_pending(); !st) save_log.push_back(st.error().message());
  ComputeResult out;
  out.now = request.now ? *request.now : d.clock.wall_seconds();

  // The CIB: the held one brought forward by the changes, or the whole
  // text, read as a tree and kept for the next run's changes.
  bool parsed = false;
  Status read = ok_status();
  if (request.base) {
    if (auto st = d.held.apply(*request.base, request.diffs); !st) return st.error();
    parsed = true;
  } else {
    read = d.hold_whole(request.cib_xml, parsed);
  }
  const cib::Cib* cib = d.held.holds() ? &d.held.model() : nullptr;
  // Inputs are the same when their content and version are.
  const std::string digest = d.held.holds() ? d.held.digest() + "@" + d.held.version().to_string()
                                            : md5_hex(request.cib_xml);
  // The held CIB is written from the tree; a whole CIB as it came.
  const std::string_view text = request.base ? std::string_view() : request.cib_xml;

  // A refused input is kept as pe-error-N (when it was XML at all), so the
  // refusal can be replayed.
  auto refuse = [&](const Error& e) -> Result<ComputeResult> {
    if (!parsed) return e.with_context("scheduler input");
    ComputeResult ignored;
    d.save(text, cib, digest, kError, out.now, ignored, save_log);
    std::string where =
        ignored.input_name.empty() ? "" : " (input saved as " + ignored.input_path + ")";
    return Error(e.code() == ErrorCode::kNotFound ? ErrorCode::kInvalidInput : e.code(),
                 "scheduler input: " + e.message() + where);
  };
  if (!read) return refuse(read.error());
  out.cib_version = d.held.version();
  const HeldCib::Reread& rr = d.held.last_reread();
  out.cib_read = rr.whole_model ? "whole"
                                : "diffs=" + std::to_string(rr.diffs) +
                                      " node_states=" + std::to_string(rr.node_states);
  pengine::Options po;
  po.now = out.now;
  pengine::WorkingSet ws(*cib, po);
  if (auto st = pengine::schedule(ws); !st) return refuse(st.error());
  pengine::Graph g = pengine::build_graph(ws);
  // Only a computed graph takes a number from the counter.
  out.transition_id = request.transition_id ? *request.transition_id : ++d.transition_counter;
  g.transition_id = out.transition_id;
  out.graph_xml = pengine::graph_xml(ws, g);
  out.recheck_by = ws.recheck_by;
  out.summary = count_changes(pengine::transition_summary(ws));
  out.summary.actions = static_cast<int>(g.synapses.size());
  out.warnings = ws.warnings;
  d.save(text, cib, digest, out.warnings.empty() ? kInput : kWarn, out.now, out, save_log);
  for (auto& line : save_log) out.warnings.push_back(std::move(line));
  return out;
}

Result<std::string> Scheduler::handle(std::string_view payload) {
  auto request = decode_compute_request(payload);
  if (!request) return request.error();
  auto result = compute(*request);
  if (!result) return result.error();
  return encode_compute_result(*result);
}

// A request is its head element, then (whole CIBs) a NUL byte and the CIB
// as it is: no escaping, no copy into a tree on the way in. The older form,
// the CIB as the element's text, is still read.
std::string encode_compute_request(const ComputeRequest& request) {
  std::string out = "<pengine-compute";
  if (request.transition_id)
    out += " transition-id=\"" + std::to_string(*request.transition_id) + "\"";
  if (request.now) out += " now=\"" + std::to_string(*request.now) + "\"";
  if (request.base) {
    out += " base=\"" + request.base->to_string() + "\">";
    for (const std::string& diff : request.diffs) out += diff;
    out += "</pengine-compute>";
    return out;
  }
  out += "/>";
  out.reserve(out.size() + 1 + request.cib_xml.size());
  out += '\0';
  out += request.cib_xml;
  return out;
}

Result<ComputeRequest> decode_compute_request(std::string_view payload) {
  const std::size_t nul = payload.find('\0');
  auto doc = xml::parse_string(payload.substr(0, nul), "pengine request");
  if (!doc) return doc.error();
  const xmlNode* root = xmlDocGetRootElement(doc->get());
  if (root == nullptr || !xml::is(root, "pengine-compute")) {
    return Error(ErrorCode::kUnsupported,
                 "pengine: unknown request <" +
                     std::string(root ? xml::name(root) : std::string_view("")) + ">");
  }
  ComputeRequest r;
  if (xml::has_attr(root, "transition-id")) {
    auto t = int_attr(root, "transition-id");
    if (!t) return t.error();
    if (*t < 0 || *t > std::numeric_limits<int>::max()) {
      return invalid("pengine-compute: transition-id out of range");
    }
    r.transition_id = static_cast<int>(*t);
  }
  if (xml::has_attr(root, "now")) {
    auto t = int_attr(root, "now");
    if (!t) return t.error();
    if (*t < 0) return invalid("pengine-compute: now is negative");
    r.now = *t;
  }
  if (auto base = xml::attr(root, "base")) {
    if (nul != std::string_view::npos) return invalid("pengine-compute: both base and a CIB");
    auto v = cibd::CibVersion::parse(*base);
    if (!v) return v.error().with_context("pengine-compute base");
    r.base = *v;
    for (const xmlNode* c : xml::children(root)) {
      if (!xml::is(c, "cib-diff")) {
        return invalid("pengine-compute: <" + std::string(xml::name(c)) + "> is not a <cib-diff>");
      }
      r.diffs.push_back(xml::to_string(c, false));
    }
    return r;
  }
  r.cib_xml = nul == std::string_view::npos ? text_of(root) : std::string(payload.substr(nul + 1));
  if (r.cib_xml.find_first_not_of(" \t\r\n") == std::string::npos) {
    return invalid("pengine-compute: no CIB in the request");
  }
  return r;
}

std::string encode_compute_result(const ComputeResult& r) {
  std::string out = "<pengine-graph transition-id=\"" + std::to_string(r.transition_id) + "\"";
  auto attr = [&](const char* name, std::string_view value) {
    out += " ";
    out += name;
    out += "=\"";
    xml::append_escaped(out, value);
    out += "\"";
  };
  attr("input", r.input_name);
  attr("input-path", r.input_path);
  attr("now", std::to_string(r.now));
  attr("recheck-by", std::to_string(r.recheck_by));
  if (r.cib_version) attr("cib-version", r.cib_version->to_string());
  if (!r.cib_read.empty()) attr("cib-read", r.cib_read);
  const std::pair<const char*, int> counts[] = {
      {"actions", r.summary.actions}, {"start", r.summary.start},   {"stop", r.summary.stop},
      {"restart", r.summary.restart}, {"move", r.summary.move},     {"recover", r.summary.recover},
      {"promote", r.summary.promote}, {"demote", r.summary.demote}, {"migrate", r.summary.migrate},
      {"fence", r.summary.fence}};
  for (const auto& [name, value] : counts) attr(name, std::to_string(value));
  out += ">";
  for (const auto& w : r.warnings) {
    out += "<warning>";
    xml::append_escaped(out, w);
    out += "</warning>";
  }
  out += "<graph>";
  append_cdata(out, r.graph_xml);
  out += "</graph></pengine-graph>";
  return out;
}

Result<ComputeResult> decode_compute_result(std::string_view payload) {
  auto doc = xml::parse_string(payload, "pengine reply");
  if (!doc) return doc.error();
  const xmlNode* root = xmlDocGetRootElement(doc->get());
  if (root == nullptr || !xml::is(root, "pengine-graph")) {
    return invalid("pengine reply: expected <pengine-graph>");
  }
  ComputeResult r;
  auto tid = int_attr(root, "transition-id");
  if (!tid) return tid.error();
  r.transition_id = static_cast<int>(*tid);
  r.input_name = xml::attr_or(root, "input");
  r.input_path = xml::attr_or(root, "input-path");
  auto now = int_attr(root, "now");
  if (!now) return now.error();
  r.now = *now;
  auto recheck = int_attr(root, "recheck-by");
  if (!recheck) return recheck.error();
  r.recheck_by = *recheck;
  if (auto v = xml::attr(root, "cib-version")) {
    auto version = cibd::CibVersion::parse(*v);
    if (!version) return version.error().with_context("pengine reply cib-version");
    r.cib_version = *version;
  }
  r.cib_read = xml::attr_or(root, "cib-read");
  const std::pair<const char*, int*> counts[] = {
      {"actions", &r.summary.actions}, {"start", &r.summary.start},
      {"stop", &r.summary.stop},       {"restart", &r.summary.restart},
      {"move", &r.summary.move},       {"recover", &r.summary.recover},
      {"promote", &r.summary.promote}, {"demote", &r.summary.demote},
      {"migrate", &r.summary.migrate}, {"fence", &r.summary.fence}};
  for (const auto& [name, field] : counts) {
    auto v = int_attr(root, name);
    if (!v) return v.error();
    *field = static_cast<int>(*v);
  }
  bool have_graph = false;
  for (const xmlNode* c : xml::children(root)) {
    if (xml::is(c, "warning")) r.warnings.push_back(text_of(c));
    if (xml::is(c, "graph")) {
      r.graph_xml = text_of(c);
      have_graph = true;
    }
  }
  if (!have_graph) return invalid("pengine reply: no <graph>");
  return r;
}

struct InProcessScheduler::State {
  State(Scheduler& s, Clock& c) : scheduler(s), deferred(c) {}
  Scheduler& scheduler;
  Deferred deferred;
};

InProcessScheduler::InProcessScheduler(Scheduler& scheduler, Clock& clock)
    : state_(std::make_shared<State>(scheduler, clock)) {}

InProcessScheduler::~InProcessScheduler() = default;

void InProcessScheduler::compute(ComputeRequest request,
                                 std::function<void(Result<ComputeResult>)> done) {
  auto result = state_->scheduler.compute(request);
  state_->deferred.post([done = std::move(done), result = std::move(result)] { done(result); });
}

}  // namespace vigil::pengined
