// Markdown and HTML renderings of a report (src/report/document.hpp).
#include "document.hpp"

#include <cmath>
#include <cstdio>

namespace nnfit::report {

std::string cell_number(double value, const char* format) {
  if (!std::isfinite(value)) return "-";
  char text[48];
  std::snprintf(text, sizeof text, format, value);
  return text;
}

std::string escape_xml(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

namespace {

// `code` spans and **bold** to HTML; everything else escaped.
std::string inline_html(const std::string& text) {
  std::string out;
  bool code = false, bold = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '`') {
      out += code ? "</code>" : "<code>";
      code = !code;
    } else if (!code && text.compare(i, 2, "**") == 0) {
      out += bold ? "</strong>" : "<strong>";
      bold = !bold;
      ++i;
    } else {
      out += escape_xml(std::string(1, text[i]));
    }
  }
  if (code) out += "</code>";
  if (bold) out += "</strong>";
  return out;
}

std::string md_cell(const std::string& text) {
  std::string out;
  for (char c : text) out += c == '|' ? std::string("\\|") : std::string(1, c);
  return out;
}

}  // namespace

std::string Document::markdown() const {
  std::string s;
  for (const auto& b : blocks_) {
    switch (b.kind) {
      case Block::Kind::heading:
        s += std::string(static_cast<std::size_t>(b.level), '#') + " " + b.text + "\n\n";
        break;
      case Block::Kind::paragraph:
        s += b.text + "\n\n";
        break;
      case Block::Kind::table:
        for (std::size_t r = 0; r < b.rows.size(); ++r) {
          s += "|";
          for (const auto& cell : b.rows[r]) s.append(" ").append(md_cell(cell)).append(" |");
          s += "\n";
          if (r == 0) {
            s += "|";
            for (std::size_t c = 0; c < b.rows[0].size(); ++c) s += c == 0 ? "---|" : "---:|";
            s += "\n";
          }
        }
        s += "\n";
        break;
      case Block::Kind::figure:
        s += "![" + b.text + "](" + b.file + ")\n\n";
        break;
      case Block::Kind::code:
        s += "<details><summary>" + escape_xml(b.summary) + "</summary>\n\n```\n" + b.text +
             (b.text.ends_with("\n") ? "" : "\n") + "```\n\n</details>\n\n";
        break;
    }
  }
  return s;
}

std::string Document::html(const std::string& title) const {
  std::string s =
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>" +
      escape_xml(title) +
      "</title>\n<style>\n"
      "body{font-family:Helvetica,Arial,sans-serif;max-width:1000px;margin:2em auto;padding:0 1em;"
      "color:#222;line-height:1.45}\n"
      "table{border-collapse:collapse;margin:1em 0;font-size:13px}\n"
      "th,td{border:1px solid #ccc;padding:4px 8px;text-align:right}\n"
      "th:first-child,td:first-child{text-align:left}\nth{background:#f3f3f3}\n"
      "code{background:#f3f3f3;padding:1px 3px}\npre{background:#f6f6f6;padding:8px;overflow:auto;"
      "font-size:12px}\nfigure{margin:1em 0}\nfigcaption{font-size:13px;color:#555}\n"
      "</style>\n</head>\n<body>\n";
  for (const auto& b : blocks_) {
    switch (b.kind) {
      case Block::Kind::heading:
        s += "<h" + std::to_string(b.level) + ">" + inline_html(b.text) + "</h" +
             std::to_string(b.level) + ">\n";
        break;
      case Block::Kind::paragraph:
        s += "<p>" + inline_html(b.text) + "</p>\n";
        break;
      case Block::Kind::table:
        s += "<table>\n";
        for (std::size_t r = 0; r < b.rows.size(); ++r) {
          s += "<tr>";
          for (const auto& cell : b.rows[r])
            s += (r == 0 ? "<th>" : "<td>") + inline_html(cell) + (r == 0 ? "</th>" : "</td>");
          s += "</tr>\n";
        }
        s += "</table>\n";
        break;
      case Block::Kind::figure:
        s += "<figure>\n" + b.svg + "<figcaption>" + inline_html(b.text) +
             "</figcaption>\n</figure>\n";
        break;
      case Block::Kind::code:
        s += "<details><summary>" + escape_xml(b.summary) + "</summary>\n<pre>" +
             escape_xml(b.text) + "</pre>\n</details>\n";
        break;
    }
  }
  return s + "</body>\n</html>\n";
}

}  // namespace nnfit::report
