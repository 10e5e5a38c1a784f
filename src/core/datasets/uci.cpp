// The UCI classification sets that Debian's weka package ships as ARFF files (in its
// documentation's examples/), as the source "uci": {"source": "uci", "name": "glass"}.
//
// scripts/setup extracts them from the package (apt-get download weka; dpkg -x) into
// /usr/local/share/nnfit/uci without installing weka or Java; an installed weka's
// /usr/share/doc/weka/examples is found too, and "path" names any other folder.
#include "nnfit/uci.hpp"

#include <filesystem>

#include "nnfit/error.hpp"
#include "nnfit/registry.hpp"

namespace nnfit {

namespace {

namespace fs = std::filesystem;

struct UciFiles {
  const char* name;
  const char* file;
  const char* test_file;  // "" when the set has no test file
  const char* about;
};

// Every classification set of weka 3.6.14's examples with at least 50 rows. Left out:
// contact-lenses (24 rows) and weather (14), too small to rank anything; supermarket (market
// baskets, not a benchmark); the Reuters sets (text); cpu (regression).
const UciFiles kSuite[] = {
    {"breast-cancer", "breast-cancer.arff", "", "recurrence after breast cancer surgery"},
    {"credit-g", "credit-g.arff", "", "German credit: good or bad risk"},
    {"diabetes", "diabetes.arff", "", "Pima Indians: signs of diabetes"},
    {"glass", "glass.arff", "", "type of glass from its oxide content"},
    {"ionosphere", "ionosphere.arff", "", "radar returns: good or bad"},
    {"iris", "iris.arff", "", "Fisher's iris species"},
    {"labor", "labor.arff", "", "Canadian labour contracts: good or bad"},
    {"segment", "segment-challenge.arff", "segment-test.arff", "outdoor image segments"},
    {"soybean", "soybean.arff", "", "soybean diseases"},
    {"unbalanced", "unbalanced.arff", "",
     "a two-class set with 1.4% positives (12 of 856): accuracy cannot tell arms apart there"},
    {"vote", "vote.arff", "", "1984 US House votes: party"},
};

const UciFiles* find_set(const std::string& name) {
  for (const auto& s : kSuite)
    if (name == s.name) return &s;
  return nullptr;
}

SourceLoader uci_source(SpecReader& spec) {
  const std::string name = spec.string("name", "");
  const std::string folder = spec.string("path", "");
  const UciFiles* set = find_set(name);
  if (!set)
    spec.diagnostics().error(spec.path_of("name"),
                             unknown_name_message("UCI data set", name, uci_names()));
  ArffOptions options;
  options.missing = spec.choice("missing", "impute", {"error", "zero", "drop_row", "impute"});
  if (!set) return [](Rng&) { return SourceData{}; };
  return [=](Rng&) {
    const std::string dir = folder.empty() ? uci_folder() : folder;
    if (dir.empty())
      throw DataError(
          "uci: the data sets are not installed: scripts/setup extracts them from "
          "Debian's weka package into " +
          std::string(kUciFolder) + " (or set data.path to a folder of ARFF files)");
    SourceData data;
    data.train = read_arff((fs::path(dir) / set->file).string(), options);
    if (*set->test_file) data.test = read_arff((fs::path(dir) / set->test_file).string(), options);
    return data;
  };
}

}  // namespace

std::string uci_folder() {
  for (const char* dir : {kUciFolder, "/usr/share/doc/weka/examples"})
    if (fs::exists(fs::path(dir) / "iris.arff")) return dir;
  return "";
}

std::vector<std::string> uci_names() {
  std::vector<std::string> names;
  for (const auto& s : kSuite) names.push_back(s.name);
  return names;
}

bool uci_has_test_file(const std::string& name) {
  const UciFiles* set = find_set(name);
  return set && *set->test_file;
}

std::vector<UciSet> uci_sets() {
  std::vector<UciSet> out;
  const std::string dir = uci_folder();
  for (const auto& s : kSuite) {
    UciSet u{s.name, s.about, 0, 0, 0, false};
    if (!dir.empty()) {
      try {
        ArffOptions o;
        o.missing = "impute";
        const Samples train = read_arff((fs::path(dir) / s.file).string(), o);
        u.rows = train.size();
        if (*s.test_file) u.rows += read_arff((fs::path(dir) / s.test_file).string(), o).size();
        u.features = train.x.cols();
        u.classes = static_cast<Index>(train.class_names.size());
        u.installed = true;
      } catch (const Error&) {
        // listed as not installed
      }
    }
    out.push_back(u);
  }
  return out;
}

namespace {

// A set without a test file of its own holds out kUciTestFraction (the suite's sets are
// compared on test accuracy).
EntryTraits uci_traits() {
  EntryTraits traits;
  traits.own_test_set = [](const json& spec) {
    const std::string name = spec_text(spec, "name");
    return !name.empty() && uci_has_test_file(name);
  };
  traits.default_test = kUciTestFraction;
  return traits;
}

}  // namespace

void add_uci_source(Registries& r) {
  r.sources.add_reader(
      "uci", "a UCI classification set from Debian's weka package (ARFF; `nnfit list` shows them)",
      {{"name",
        "one of: " +
            [] {
              std::string all;
              for (const auto& n : uci_names()) all += (all.empty() ? "" : ", ") + n;
              return all;
            }(),
        nullptr, "the data set", true},
       {"path", "path", "",
        "the folder of the ARFF files; \"\": where scripts/setup puts them (" +
            std::string(kUciFolder) + "), else an installed weka's examples",
        false, "\"\" (search)"},
       {"missing", "error | zero | drop_row | impute", "impute",
        "what '?' does (several sets have missing values); without data.test, a set with no "
        "test file of its own holds out a stratified 20% as its test set"}},
      [](SpecReader& spec) {
        return SourceRecipe{"uci", json::object(), uci_source(spec), ""};
      },
      uci_traits());
}

}  // namespace nnfit
