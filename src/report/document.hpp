// A report as a list of blocks (headings, paragraphs, tables, figures, code), rendered to
// Markdown and to one self-contained HTML page, so the two never disagree.
#pragma once

#include <string>
#include <vector>

namespace nnfit::report {

// Text for XML and HTML: & < > and " escaped.
std::string escape_xml(const std::string& text);

// A number for a table or a figure: printf's `format`, "-" when it is not finite.
std::string cell_number(double value, const char* format = "%.4g");

struct Block {
  enum class Kind { heading, paragraph, table, figure, code } kind;
  int level = 2;                               // heading
  std::string text;                            // heading, paragraph (with `code` spans), code
  std::vector<std::vector<std::string>> rows;  // table: rows[0] is the header
  std::string file, svg;                       // figure: relative path and content
  std::string summary;  // code, and a table when set: the collapsible section's title
};

class Document {
 public:
  void heading(std::string text, int level = 2) {
    blocks_.push_back({Block::Kind::heading, level, std::move(text), {}, {}, {}, {}});
  }
  void paragraph(std::string text) {
    blocks_.push_back({Block::Kind::paragraph, 0, std::move(text), {}, {}, {}, {}});
  }
  void table(std::vector<std::vector<std::string>> rows) {
    blocks_.push_back({Block::Kind::table, 0, {}, std::move(rows), {}, {}, {}});
  }
  // A table folded away under `summary` (HTML <details>, also in the Markdown).
  void collapsible_table(std::string summary, std::vector<std::vector<std::string>> rows) {
    blocks_.push_back({Block::Kind::table, 0, {}, std::move(rows), {}, {}, std::move(summary)});
  }
  void figure(std::string caption, std::string file, std::string svg) {
    blocks_.push_back(
        {Block::Kind::figure, 0, std::move(caption), {}, std::move(file), std::move(svg), {}});
  }
  void code(std::string summary, std::string text) {
    blocks_.push_back({Block::Kind::code, 0, std::move(text), {}, {}, {}, std::move(summary)});
  }

  std::string markdown() const;
  std::string html(const std::string& title) const;

 private:
  std::vector<Block> blocks_;
};

}  // namespace nnfit::report
