// SPDX-License-Identifier: GPL-2.0-or-later
// `lifetime=DURATION` of `resource ban|move-with-constraint`: crm_resource
// --lifetime reads the duration with crm_time_parse_duration's lenient rules,
// adds it to the local clock and writes the constraint as a rule whose date
// expression ends then. The end is written in local time with its offset,
// as crm_time_as_string does.
#include <cctype>
#include <cstdio>
#include <ctime>

#include "resource_move.hpp"
#include "vigil/admin/cib_edit.hpp"
#include "vigil/common/xml.hpp"

namespace vigil::admin {
namespace {

// crm_time_parse_duration's integer reader: an optional 'T', then '-', '+'
// or ':' (or a '.'/',' fraction, which reads as 0), then up to 10 digits.
// Returns the characters used, 0 when no digit followed.
std::size_t read_amount(std::string_view s, std::int64_t& out) {
  std::size_t i = 0;
  out = 0;
  if (i < s.size() && s[i] == 'T') ++i;
  bool fraction = false, negative = false;
  if (i < s.size() && (s[i] == '.' || s[i] == ',')) {
    fraction = true;
    ++i;
  } else if (i < s.size() && s[i] == '-') {
    negative = true;
    ++i;
  } else if (i < s.size() && (s[i] == '+' || s[i] == ':')) {
    ++i;
  }
  std::size_t digits = 0;
  while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i])) != 0 &&
         (fraction || digits < 10)) {
    out = out * 10 + (s[i] - '0');
    ++i;
    ++digits;
  }
  if (fraction) out = 0;  // scaled by an upper bound of 0
  if (negative) out = -out;
  return digits > 0 ? i : 0;
}

int clamp_int(std::int64_t v) {
  // Pacemaker keeps amounts in an int: wrap as it would.
  return static_cast<int>(static_cast<std::uint32_t>(v));
}

// A CIB update's merge: the child with this tag and id gets the attributes
// (the others it has stay), else it is appended.
xmlNode* merge_child(xmlNode* parent, const char* tag,
                     const std::vector<std::pair<std::string, std::string>>& attrs) {
  for (xmlNode* c : xml::children(parent, tag)) {
    if (xml::attr_or(c, "id") != attrs.front().second) continue;
    for (const auto& [k, v] : attrs) xmlSetProp(c, BAD_CAST k.c_str(), BAD_CAST v.c_str());
    return c;
  }
  return append_element(parent, tag, attrs);
}

}  // namespace

std::optional<IsoDuration> parse_cli_lifetime(std::string_view text) {
  if (text.size() < 2 || text[0] != 'P' || std::isspace(static_cast<unsigned char>(text[1])) != 0) {
    return std::nullopt;
  }
  IsoDuration d;
  bool in_time = false;
  std::int64_t seconds = 0, days = 0;
  // Parsing stops at the end, a '/' (an interval's second half) or a space.
  for (std::size_t i = 1;
       i < text.size() && text[i] != '/' && std::isspace(static_cast<unsigned char>(text[i])) == 0;
       ++i) {
    if (text[i] == 'T') {
      in_time = true;
      continue;
    }
    std::int64_t n = 0;
    const std::size_t used = read_amount(text.substr(i), n);
    if (used == 0) return std::nullopt;
    i += used;
    if (i >= text.size()) return std::nullopt;  // an amount without a unit
    switch (text[i]) {
      case 'Y':
        d.years = clamp_int(n);
        break;
      case 'M':
        if (in_time) {
          seconds += n * 60;
        } else {
          d.months = clamp_int(n);
        }
        break;
      case 'W':
        days += n * 7;
        break;
      case 'D':
        days += n;
        break;
      case 'H':
        seconds += n * 3600;
        break;
      case 'S':
        seconds += n;
        break;
      default:
        return std::nullopt;
    }
  }
  // Even "PT" or "P0D" is a (zero) duration: Pacemaker marks it as one.
  d.days = clamp_int(days);
  d.seconds = seconds;
  return d;
}

std::string lifetime_end(EpochSeconds now, long utc_offset_s, const IsoDuration& d) {
  // The calendar arithmetic happens on the local wall clock, the offset kept.
  const CalendarFields f = calendar_fields(add_duration(now + utc_offset_s, d));
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%04d-%02d-%02d %02d:%02d:%02d", f.year, f.month, f.monthday,
                f.hour, f.minute, f.second);
  std::string out = buf;
  if (utc_offset_s == 0) return out + "Z";
  const long off = utc_offset_s < 0 ? -utc_offset_s : utc_offset_s;
  std::snprintf(buf, sizeof(buf), " %c%02ld:%02ld", utc_offset_s < 0 ? '-' : '+', off / 3600,
                off % 3600 / 60);
  return out + buf;
}

long local_utc_offset(EpochSeconds t) {
  const std::time_t tt = static_cast<std::time_t>(t);
  std::tm local{};
  if (localtime_r(&tt, &local) == nullptr) return 0;
  return local.tm_gmtoff;
}

Result<std::string> lifetime_end_for(const std::string& lifetime, EpochSeconds now) {
  auto d = parse_cli_lifetime(lifetime);
  if (!d) {
    return Error(ErrorCode::kInvalidInput,
                 "Invalid duration specified: " + lifetime +
                     "\nPlease refer to https://en.wikipedia.org/wiki/ISO_8601#Durations for "
                     "examples of valid durations");
  }
  return lifetime_end(now, local_utc_offset(now), *d);
}

Status put_timed_location(xmlDoc* doc, const TimedLocation& t) {
  xmlNode* cons = config_section(doc, "constraints", true);
  xmlNode* loc =
      merge_child(cons, "rsc_location", {{"id", t.id}, {"rsc", t.rsc}, {"role", t.role}});
  if (xmlHasProp(loc, BAD_CAST "node") != nullptr || xmlHasProp(loc, BAD_CAST "score") != nullptr) {
    // crm_resource would merge the rule into the plain constraint, which the
    // schema refuses; pcs then prints the whole rejected CIB.
    return Error(ErrorCode::kUnsupported,
                 "constraint '" + t.id +
                     "' exists without a lifetime; remove it first (vigil resource clear)");
  }
  xmlNode* rule =
      merge_child(loc, "rule", {{"id", t.rule_id}, {"score", t.score}, {"boolean-op", "and"}});
  merge_child(rule, "expression",
              {{"id", t.expr_id},
               {"attribute", "#uname"},
               {"operation", "eq"},
               {"value", t.node},
               {"type", "string"}});
  merge_child(rule, "date_expression", {{"id", t.date_id}, {"operation", "lt"}, {"end", t.end}});
  return ok_status();
}

}  // namespace vigil::admin
