// Markdown and HTML renderings of a report (src/report/document.hpp).
#include "document.hpp"

#include <cmath>
#include <cstdio>
#include <optional>
#include <tuple>

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

// A link target as the HTML page should have it: another report's Markdown page becomes its
// HTML page (report.md -> report.html).
std::string html_target(std::string target) {
  if (target.ends_with(".md")) target.replace(target.size() - 3, 3, ".html");
  return target;
}

// A Markdown link [text](target) starting at text[i], as (text, target, length); none when
// what starts there is not one.
std::optional<std::tuple<std::string, std::string, std::size_t>> markdown_link(
    const std::string& text, std::size_t i) {
  if (text[i] != '[') return std::nullopt;
  const std::size_t close = text.find("](", i);
  if (close == std::string::npos || text.find_first_of("[]", i + 1) != close) return std::nullopt;
  const std::size_t end = text.find(')', close + 2);
  if (end == std::string::npos || text.find_first_of(" (", close + 2) < end) return std::nullopt;
  return std::make_tuple(text.substr(i + 1, close - i - 1), text.substr(close + 2, end - close - 2),
                         end - i + 1);
}

// `code` spans, **bold** and [links](target) to HTML; everything else escaped.
std::string inline_html(const std::string& text) {
  std::string out;
  bool code = false, bold = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (!code)
      if (const auto link = markdown_link(text, i)) {
        const auto& [label, target, length] = *link;
        out += "<a href=\"" + escape_xml(html_target(target)) + "\">" + escape_xml(label) + "</a>";
        i += length - 1;
        continue;
      }
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
        if (!b.summary.empty())
          s += "<details><summary>" + escape_xml(b.summary) + "</summary>\n\n";
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
        s += b.summary.empty() ? "\n" : "\n</details>\n\n";
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
      ".wide{overflow-x:auto;max-width:100%;margin:1em 0}\n"
      "table{border-collapse:collapse;font-size:13px}\n"
      "svg{max-width:100%;height:auto}\ndetails{margin:1em 0}\nsummary{cursor:pointer}\n"
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
        if (!b.summary.empty()) s += "<details><summary>" + inline_html(b.summary) + "</summary>\n";
        // In a box of its own that scrolls: a wide table never widens the page.
        s += "<div class=\"wide\"><table>\n";
        for (std::size_t r = 0; r < b.rows.size(); ++r) {
          s += "<tr>";
          for (const auto& cell : b.rows[r])
            s += (r == 0 ? "<th>" : "<td>") + inline_html(cell) + (r == 0 ? "</th>" : "</td>");
          s += "</tr>\n";
        }
        s += "</table></div>\n";
        if (!b.summary.empty()) s += "</details>\n";
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
