#include "nnfit/detail/reference.hpp"

#include <cstdio>

#include "nnfit/config.hpp"
#include "nnfit/registry.hpp"
#include "nnfit/uci.hpp"

namespace nnfit {

namespace {

std::string default_text(const FieldInfo& f) {
  const std::string d = describe_default(f);
  return d.size() >= 2 && d.front() == '`' ? d.substr(1, d.size() - 2) : d;
}

void text_fields(std::string& out, const std::vector<FieldInfo>& fields) {
  for (const auto& f : fields)
    out += "      " + f.name + " (" + f.type + ", " + default_text(f) + "): " + f.doc + "\n";
}

template <class Table>
void text_table(std::string& out, const char* title, const Table& table) {
  out += std::string(title) + ":\n";
  for (const auto& e : table.entries()) {
    std::string name = e.name;
    name.resize(std::max<std::size_t>(name.size(), 22), ' ');
    out += "  " + name + " " + e.summary + "\n";
    text_fields(out, e.fields);
  }
  out += "\n";
}

// A table cell: '|' would end it.
std::string cell(const std::string& text) {
  std::string out;
  for (const char c : text) out += c == '|' ? std::string("\\|") : std::string(1, c);
  return out;
}

std::string markdown_fields(const std::vector<FieldInfo>& fields) {
  std::string out;
  for (const auto& f : fields)
    out += (out.empty() ? "" : "; ") +
           ("`" + f.name + "` (" + f.type + ", " + describe_default(f) + "): " + f.doc);
  return cell(out);
}

template <class Table>
void markdown_table(std::string& out, const char* title, const char* note, const Table& table) {
  out += std::string("### ") + title + "\n\n";
  if (*note) out += std::string(note) + "\n\n";
  out += "| name | what it is | fields (type, default): meaning |\n|---|---|---|\n";
  for (const auto& e : table.entries())
    out += "| `" + e.name + "` | " + cell(e.summary) + " | " + markdown_fields(e.fields) + " |\n";
  out += "\n";
}

void markdown_keys(std::string& out, const char* title, const std::vector<FieldInfo>& fields) {
  out +=
      std::string("### ") + title + "\n\n| key | type | default | meaning |\n|---|---|---|---|\n";
  for (const auto& f : fields)
    out += "| `" + f.name + "` | " + cell(f.type) + " | " + cell(describe_default(f)) + " | " +
           cell(f.doc) + " |\n";
  out += "\n";
}

std::string metric_list() {
  std::string out;
  for (const auto& m : metric_names()) out += (out.empty() ? "" : ", ") + m;
  return out;
}

// The UCI suite with each set's size as installed (features after one-hot encoding), its
// majority-class rate and the Debian package it comes from.
void uci_table(std::string& out) {
  out +=
      "\nuci data sets ({\"source\": \"uci\", \"name\": ...}; scripts/setup extracts them "
      "into " +
      std::string(kUciRoot) + "; rows used: after the " + std::to_string(kUciMaxRows) +
      "-row cap, max_rows):\n";
  out += "  name               rows  used features classes majority  package          about\n";
  for (const auto& u : uci_sets()) {
    char line[400];
    if (u.installed)
      std::snprintf(line, sizeof line, "  %-16s %6lld %5lld %8lld %7lld %7.1f%%  %-16s %s\n",
                    u.name.c_str(), static_cast<long long>(u.rows),
                    static_cast<long long>(u.rows_used), static_cast<long long>(u.features),
                    static_cast<long long>(u.classes), 100 * u.majority, u.package.c_str(),
                    u.about.c_str());
    else
      std::snprintf(line, sizeof line, "  %-16s (not installed)%35s%-16s %s\n", u.name.c_str(), "",
                    u.package.c_str(), u.about.c_str());
    out += line;
  }
}

}  // namespace

std::string reference_text() {
  const auto& r = registry();
  std::string out;
  text_table(out, "layers (every activation is a layer too)", r.layers);
  text_table(out, "activations (also \"activation\" on a dense layer)", r.activations);
  text_table(out, "losses", r.losses);
  text_table(out, "optimizers", r.optimizers);
  text_table(out, "initializers (\"init\" on a dense layer; \"auto\" picks by activation)",
             r.initializers);
  text_table(out, "schedules", r.schedules);
  text_table(out, "data sources", r.sources);
  out += "data (every source):\n";
  text_fields(out, data_fields());
  out += "\ntrain:\n";
  text_fields(out, train_schema().fields());
  out += "\nmetrics (for train.stop_at and train.patience):\n  " + metric_list() + "\n";
  uci_table(out);
  return out;
}

std::string reference_markdown() {
  const auto& r = registry();
  std::string out = std::string(kReferenceBegin) + "\n\n";
  markdown_keys(out, "`data`: keys of every source", data_fields());
  markdown_table(out, "`data.source`", "Each source's own keys sit beside `source`.", r.sources);
  markdown_table(out, "Layers", "Every activation below is a layer too: `{\"type\": \"elu\"}`.",
                 r.layers);
  markdown_table(out, "Activations",
                 "As a layer of their own, or fused: `\"activation\"` on a dense layer.",
                 r.activations);
  markdown_table(out, "Initialisers", "", r.initializers);
  markdown_table(out, "`loss`", "", r.losses);
  markdown_table(out, "`optimizer`", "", r.optimizers);
  markdown_table(out, "`schedule`",
                 "The learning rate of each step is `optimizer.lr` times the schedule's factor.",
                 r.schedules);
  markdown_keys(out, "`train`", train_schema().fields());
  out += "Metrics (for `stop_at` and `patience`): " + metric_list() + ".\n\n";
  out += kReferenceEnd;
  out += "\n";
  return out;
}

}  // namespace nnfit
