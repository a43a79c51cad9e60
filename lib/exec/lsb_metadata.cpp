// SPDX-License-Identifier: GPL-2.0-or-later
#include "vigil/exec/lsb_metadata.hpp"

#include <cstdio>
#include <fstream>

#include "vigil/exec/agent.hpp"

namespace vigil::exec {

namespace {

// Pacemaker reads the script with fgets() into a 1024-byte buffer: a longer
// line comes in pieces, each seen as a line of its own.
constexpr std::size_t kLinePiece = 1023;

class PieceReader {
 public:
  explicit PieceReader(std::istream& in) : in_(in) {}
  // The next piece, with its '\n' when the line ends in it.
  bool next(std::string& piece) {
    if (pending_.empty()) {
      std::string line;
      if (!std::getline(in_, line)) {
        if (line.empty()) return false;
      } else if (!in_.eof()) {
        line += '\n';
      }
      if (line.empty()) return false;
      pending_ = std::move(line);
      offset_ = 0;
    }
    piece = pending_.substr(offset_, kLinePiece);
    offset_ += piece.size();
    if (offset_ >= pending_.size()) pending_.clear();
    return true;
  }

 private:
  std::istream& in_;
  std::string pending_;
  std::size_t offset_ = 0;
};

// Each field: its prefix in the script, its element in the meta-data.
constexpr std::pair<std::string_view, std::string_view> kFields[kLsbFieldCount] = {
    {"# Provides:", "Provides"},           {"# Required-Start:", "Required-Start"},
    {"# Required-Stop:", "Required-Stop"}, {"# Should-Start:", "Should-Start"},
    {"# Should-Stop:", "Should-Stop"},     {"# Default-Start:", "Default-Start"},
    {"# Default-Stop:", "Default-Stop"},   {"# Short-Description:", ""},
};

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

// libxml2's IS_CHAR: the characters XML 1.0 allows.
bool xml_char(unsigned v) {
  if (v < 0x100) return v == 0x9 || v == 0xA || v == 0xD || v >= 0x20;
  return (v <= 0xD7FF) || (v >= 0xE000 && v <= 0xFFFD) || (v >= 0x10000 && v <= 0x10FFFF);
}

// Length and value of the UTF-8 sequence at `s` (0: not valid UTF-8).
std::size_t utf8_sequence(std::string_view s, unsigned& value) {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
  std::size_t len = 0;
  if ((byte(0) & 0xE0) == 0xC0) {
    len = 2, value = byte(0) & 0x1F;
  } else if ((byte(0) & 0xF0) == 0xE0) {
    len = 3, value = byte(0) & 0x0F;
  } else if ((byte(0) & 0xF8) == 0xF0) {
    len = 4, value = byte(0) & 0x07;
  } else {
    return 0;
  }
  if (s.size() < len) return 0;
  for (std::size_t i = 1; i < len; ++i) {
    if ((byte(i) & 0xC0) != 0x80) return 0;
    value = (value << 6) | (byte(i) & 0x3F);
  }
  return len;
}

}  // namespace

std::string encode_xml_entities(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  char ref[16];
  for (std::size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == '\0') break;  // the C string ends here
    if (c == '<') {
      out += "&lt;";
    } else if (c == '>') {
      out += "&gt;";
    } else if (c == '&') {
      out += "&amp;";
    } else if ((c >= 0x20 && c < 0x80) || c == '\n' || c == '\t') {
      out += static_cast<char>(c);
    } else if (c >= 0x80) {
      unsigned value = 0;
      const std::size_t len = utf8_sequence(text.substr(i), value);
      if (len == 0 || !xml_char(value)) {
        std::snprintf(ref, sizeof ref, "&#%u;", static_cast<unsigned>(c));
        out += ref;
        ++i;
        continue;
      }
      std::snprintf(ref, sizeof ref, "&#x%X;", value);
      out += ref;
      i += len;
      continue;
    } else if (c == '\r') {
      out += "&#13;";
    }
    // Other control characters are dropped, as libxml2 does.
    ++i;
  }
  return out;
}

LsbHeader parse_lsb_header(std::istream& script) {
  LsbHeader h;
  constexpr std::string_view kDescription = "# Description:";
  PieceReader reader(script);
  std::string line;
  bool in_header = false;
  while (reader.next(line)) {
    if (starts_with(line, "### BEGIN INIT INFO")) {
      in_header = true;
      continue;
    }
    if (!in_header) continue;
    bool taken = false;
    for (std::size_t i = 0; i < kLsbFieldCount && !taken; ++i) {
      const std::string_view prefix = kFields[i].first;
      if (!h.fields[i] && starts_with(line, prefix)) {
        h.fields[i] = line.substr(prefix.size());
        taken = true;
      }
    }
    if (taken) continue;
    if (!h.description && starts_with(line, kDescription)) {
      std::string text = line.substr(kDescription.size());
      bool ended_by_other_line = false;
      line.clear();
      while (reader.next(line)) {
        if (starts_with(line, "#  ") || starts_with(line, "#\t")) {
          text += line.substr(1);
        } else {
          ended_by_other_line = true;
          break;
        }
      }
      h.description = std::move(text);
      if (!ended_by_other_line) continue;
      // The line that ended the description only gets the end checks below.
    }
    if (starts_with(line, "### END INIT INFO") || !starts_with(line, "#")) break;
  }
  return h;
}

std::string lsb_metadata_document(std::string_view type, const LsbHeader& h) {
  const std::string name(type);
  std::string xml;
  xml += "<?xml version='1.0'?>\n";
  xml += "<!DOCTYPE resource-agent SYSTEM 'ra-api-1.dtd'>\n";
  xml += "<resource-agent name='" + name + "' version='0.1'>\n";
  xml += "  <version>1.0</version>\n";
  xml += "  <longdesc lang='en'>\n";
  xml += h.description ? encode_xml_entities(*h.description) : name;
  xml += "  </longdesc>\n";
  xml += "  <shortdesc lang='en'>";
  const auto& shortdesc = h[LsbField::kShortDescription];
  xml += shortdesc ? encode_xml_entities(*shortdesc) : name;
  xml += "</shortdesc>\n";
  xml += "  <parameters>\n  </parameters>\n";
  xml += "  <actions>\n";
  xml += "    <action name='meta-data'    timeout='5' />\n";
  xml += "    <action name='start'        timeout='15' />\n";
  xml += "    <action name='stop'         timeout='15' />\n";
  xml += "    <action name='status'       timeout='15' />\n";
  xml += "    <action name='restart'      timeout='15' />\n";
  xml += "    <action name='force-reload' timeout='15' />\n";
  xml += "    <action name='monitor'      timeout='15' interval='15' />\n";
  xml += "  </actions>\n";
  xml += "  <special tag='LSB'>\n";
  for (std::size_t i = 0; i < kLsbFieldCount; ++i) {
    const std::string_view element = kFields[i].second;
    if (element.empty()) continue;
    xml += "    <" + std::string(element) + ">";
    if (h.fields[i]) xml += encode_xml_entities(*h.fields[i]);
    xml += "</" + std::string(element) + ">\n";
  }
  xml += "  </special>\n";
  xml += "</resource-agent>\n";
  return xml;
}

std::optional<std::string> lsb_metadata(const std::string& script_path, std::string_view type) {
  std::ifstream in(script_path, std::ios::binary);
  if (!in) return std::nullopt;
  return lsb_metadata_document(type, parse_lsb_header(in));
}

}  // namespace vigil::exec
