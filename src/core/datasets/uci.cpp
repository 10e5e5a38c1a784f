// The UCI suite, source "uci": {"source": "uci", "name": "glass"}. Classification sets from
// Debian's packages, each read in its own format:
//   weka              ARFF files (its documentation's examples/)
//   r-cran-mlbench    R data files (.rda), read with librdata
//   r-cran-kernlab    R data files (.rda)
//   python3-sklearn   scikit-learn's bundled CSV files (a first line of its own: rows,
//                     features, class names), digits gzip-compressed
// scripts/setup extracts them from the packages (apt-get download; dpkg-deb -x) into
// /usr/local/share/nnfit/<package folder> without installing R, Java or Python; installed
// packages' own folders are found too, and "path" names any other folder.
//
// Duplicates across packages are counted once, the weka ARFF version kept (it was the suite's
// first, and its files carry the UCI names): mlbench's Glass, Ionosphere,
// PimaIndiansDiabetes (weka's diabetes), HouseVotes84 (vote) and Soybean, and scikit-learn's
// iris. mlbench's BreastCancer is the Wisconsin (original) set, weka's breast-cancer the
// Ljubljana one, and scikit-learn's breast_cancer the Wisconsin diagnostic (WDBC): three sets.
#include "nnfit/uci.hpp"

#include <algorithm>
#include <climits>
#include <cmath>
#include <filesystem>
#include <map>
#include <sstream>

#include "datasets/decompress.hpp"
#include "nnfit/dataset.hpp"
#include "nnfit/detail/atomic_file.hpp"
#include "nnfit/error.hpp"
#include "nnfit/registry.hpp"

namespace nnfit {

namespace {

namespace fs = std::filesystem;

enum class Format { arff, rdata, sklearn_csv };

struct SuiteSet {
  const char* name;
  Format format;
  const char* folder;  // below kUciRoot
  const char* file;
  const char* test_file;  // "" when the set has no test file
  const char* target;     // rdata: the class column (the object is the file's only data frame)
  const char* drop;       // rdata: a column left out ("" for none)
  const char* about;
};

// Every classification set of weka 3.6.14's examples with at least 50 rows (left out:
// contact-lenses, 24 rows, and weather, 14; supermarket, market baskets; the Reuters text
// sets; cpu, regression), and the classification sets of mlbench, kernlab and scikit-learn
// that weka does not have (left out: kernlab's reuters, text, and spirals, unlabelled;
// mlbench's regression sets BostonHousing, Ozone and Servo).
const SuiteSet kSuite[] = {
    {"breast-cancer", Format::arff, "uci", "breast-cancer.arff", "", "", "",
     "Ljubljana: recurrence after breast cancer surgery"},
    {"credit-g", Format::arff, "uci", "credit-g.arff", "", "", "",
     "German credit: good or bad risk"},
    {"diabetes", Format::arff, "uci", "diabetes.arff", "", "", "",
     "Pima Indians: signs of diabetes"},
    {"glass", Format::arff, "uci", "glass.arff", "", "", "",
     "type of glass from its oxide content"},
    {"ionosphere", Format::arff, "uci", "ionosphere.arff", "", "", "",
     "radar returns: good or bad"},
    {"iris", Format::arff, "uci", "iris.arff", "", "", "", "Fisher's iris species"},
    {"labor", Format::arff, "uci", "labor.arff", "", "", "",
     "Canadian labour contracts: good or bad"},
    {"segment", Format::arff, "uci", "segment-challenge.arff", "segment-test.arff", "", "",
     "outdoor image segments"},
    {"soybean", Format::arff, "uci", "soybean.arff", "", "", "", "soybean diseases"},
    {"unbalanced", Format::arff, "uci", "unbalanced.arff", "", "", "",
     "a two-class set with 1.4% positives (12 of 856)"},
    {"vote", Format::arff, "uci", "vote.arff", "", "", "", "1984 US House votes: party"},
    {"breast-wisconsin",
     Format::rdata,
     "mlbench",
     "BreastCancer.rda",
     "",
     "Class",
     {"Id"},
     "Wisconsin breast cancer (original): benign or malignant"},
    {"dna", Format::rdata, "mlbench", "DNA.rda", "", "Class", "",
     "primate splice junctions from 180 binary indicators"},
    {"letter", Format::rdata, "mlbench", "LetterRecognition.rda", "", "lettr", "",
     "letter images: which of 26 capitals"},
    {"satellite", Format::rdata, "mlbench", "Satellite.rda", "", "classes", "",
     "Landsat multi-spectral pixels: soil type"},
    {"shuttle", Format::rdata, "mlbench", "Shuttle.rda", "", "Class", "",
     "space shuttle radiator positions (78% one class)"},
    {"sonar", Format::rdata, "mlbench", "Sonar.rda", "", "Class", "",
     "sonar returns: rock or mine"},
    {"vehicle", Format::rdata, "mlbench", "Vehicle.rda", "", "Class", "",
     "vehicle silhouettes: which of 4 types"},
    {"vowel", Format::rdata, "mlbench", "Vowel.rda", "", "Class", "",
     "spoken British English vowels: which of 11"},
    {"zoo", Format::rdata, "mlbench", "Zoo.rda", "", "type", "", "animals: which of 7 classes"},
    {"income", Format::rdata, "kernlab", "income.rda", "", "INCOME", "",
     "household income band (9 ordered bands) from a marketing survey"},
    {"musk", Format::rdata, "kernlab", "musk.rda", "", "Class", "",
     "molecules: musk or not, from 166 shape features"},
    {"promoters", Format::rdata, "kernlab", "promotergene.rda", "", "Class", "",
     "E. coli promoter gene sequences: promoter or not"},
    {"spam", Format::rdata, "kernlab", "spam.rda", "", "type", "", "e-mail: spam or not"},
    {"ticdata", Format::rdata, "kernlab", "ticdata.rda", "", "CARAVAN", "",
     "CoIL 2000 insurance: caravan policy holder (6% yes)"},
    {"digits", Format::sklearn_csv, "sklearn", "digits.csv.gz", "", "", "",
     "8x8 handwritten digits (UCI optdigits' test part)"},
    {"wdbc", Format::sklearn_csv, "sklearn", "breast_cancer.csv", "", "", "",
     "Wisconsin diagnostic breast cancer: malignant or benign"},
    {"wine", Format::sklearn_csv, "sklearn", "wine_data.csv", "", "", "",
     "wines from three cultivars, from chemical analysis"},
};

const SuiteSet* find_set(const std::string& name) {
  for (const auto& s : kSuite)
    if (name == s.name) return &s;
  return nullptr;
}

// Where an installed Debian package keeps the files, when scripts/setup has not extracted them.
const char* installed_folder(const std::string& folder) {
  if (folder == "uci") return "/usr/share/doc/weka/examples";
  if (folder == "mlbench") return "/usr/lib/R/site-library/mlbench/data";
  if (folder == "kernlab") return "/usr/lib/R/site-library/kernlab/data";
  return "/usr/lib/python3/dist-packages/sklearn/datasets/data";
}

const char* package_of(const std::string& folder) {
  if (folder == "uci") return "weka";
  if (folder == "mlbench") return "r-cran-mlbench";
  if (folder == "kernlab") return "r-cran-kernlab";
  return "python3-sklearn";
}

// The folder holding `set`'s files, "" when neither place has them.
std::string folder_of(const SuiteSet& set) {
  for (const std::string& dir :
       {(fs::path(kUciRoot) / set.folder).string(), std::string(installed_folder(set.folder))})
    if (fs::exists(fs::path(dir) / set.file)) return dir;
  return "";
}

// scikit-learn's CSV files: a first line "rows,features,class names..." (digits has none),
// then rows of features and a class index.
Samples read_sklearn_csv(const std::string& path) {
  std::string text = decompress(read_file_bytes(path, "a CSV file"), path).bytes;
  std::vector<std::string> names;
  long rows = -1, features = -1;
  if (fs::path(path).filename() != "digits.csv.gz") {  // the only one without that line
    const std::size_t end = text.find('\n');
    std::istringstream meta(text.substr(0, end));
    std::string field;
    for (int i = 0; std::getline(meta, field, ','); ++i) {
      while (!field.empty() && (field.back() == '\r' || field.back() == ' ')) field.pop_back();
      if (i == 0)
        rows = std::atol(field.c_str());
      else if (i == 1)
        features = std::atol(field.c_str());
      else
        names.push_back(field);
    }
    text.erase(0, end == std::string::npos ? text.size() : end + 1);
  }
  CsvOptions options;
  options.header = false;
  Samples s = parse_csv(text, path, options);
  if ((rows >= 0 && s.size() != rows) || (features >= 0 && s.x.cols() != features))
    throw DataError(path + ": its first line promises " + std::to_string(rows) + " rows of " +
                    std::to_string(features) + " features; the file has " +
                    std::to_string(s.size()) + " of " + std::to_string(s.x.cols()));
  if (!names.empty()) {  // class indices (sorted as text: "0" < "1" < ... below 10) -> names
    for (auto& c : s.class_names) {
      const long index = std::atol(c.c_str());
      if (index < 0 || index >= static_cast<long>(names.size()))
        throw DataError(path + ": class " + c + " has no name in the first line");
      c = names[static_cast<std::size_t>(index)];
    }
  }
  return s;
}

Samples read_set(const SuiteSet& set, const std::string& dir, const char* file,
                 const std::string& missing) {
  const std::string path = (fs::path(dir) / file).string();
  if (set.format == Format::arff) {
    ArffOptions o;
    o.missing = missing;
    return read_arff(path, o);
  }
  if (set.format == Format::rdata) {
    RDataOptions o;
    o.target = set.target;
    if (*set.drop) o.drop = {set.drop};
    o.missing = missing;
    return read_rdata(path, o);
  }
  return read_sklearn_csv(path);
}

// A stratified sample of `limit` rows, drawn with a fixed seed so that every arm and seed of
// an experiment sees the same data set; every class keeps at least one row.
void cap_rows(Samples& s, Index limit) {
  if (limit <= 0 || s.size() <= limit || s.task != Task::classification) return;
  std::map<std::int32_t, std::vector<Index>> by_class;
  for (Index i = 0; i < s.size(); ++i) by_class[s.labels[static_cast<std::size_t>(i)]].push_back(i);
  Rng rng(0x5eed);
  std::vector<Index> kept;
  const double share = static_cast<double>(limit) / static_cast<double>(s.size());
  for (auto& [label, rows] : by_class) {
    rng.shuffle(rows.begin(), rows.end());
    const auto take = std::max<std::size_t>(
        1, static_cast<std::size_t>(std::llround(share * static_cast<double>(rows.size()))));
    kept.insert(kept.end(), rows.begin(), rows.begin() + static_cast<std::ptrdiff_t>(take));
  }
  std::sort(kept.begin(), kept.end());
  Matrix x(static_cast<Index>(kept.size()), s.x.cols());
  std::vector<std::int32_t> labels;
  for (std::size_t i = 0; i < kept.size(); ++i) {
    x.row(static_cast<Index>(i)) = s.x.row(kept[i]);
    labels.push_back(s.labels[static_cast<std::size_t>(kept[i])]);
  }
  s.x = std::move(x);
  s.labels = std::move(labels);
}

SourceLoader uci_source(SpecReader& spec) {
  const std::string name = spec.string("name", "");
  const std::string folder = spec.string("path", "");
  const SuiteSet* set = find_set(name);
  if (!set)
    spec.diagnostics().error(spec.path_of("name"),
                             unknown_name_message("UCI data set", name, uci_names()));
  const std::string missing =
      spec.choice("missing", "impute", {"error", "zero", "drop_row", "impute"});
  const long long max_rows = spec.integer("max_rows", kUciMaxRows, 0, INT32_MAX);
  if (!set) return [](Rng&) { return SourceData{}; };
  return [=](Rng&) {
    const std::string dir = folder.empty() ? folder_of(*set) : folder;
    if (dir.empty())
      throw DataError("uci: " + name +
                      " is not installed: scripts/setup extracts it from "
                      "Debian's " +
                      package_of(set->folder) + " package into " +
                      (fs::path(kUciRoot) / set->folder).string() +
                      " (or set data.path to the folder of " + set->file + ")");
    SourceData data;
    data.train = read_set(*set, dir, set->file, missing);
    cap_rows(data.train, static_cast<Index>(max_rows));
    if (*set->test_file) data.test = read_set(*set, dir, set->test_file, missing);
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
  const SuiteSet* set = find_set(name);
  return set && *set->test_file;
}

std::vector<UciSet> uci_sets() {
  std::vector<UciSet> out;
  for (const auto& s : kSuite) {
    UciSet u{s.name, s.about, package_of(s.folder), s.file};
    const std::string dir = folder_of(s);
    if (!dir.empty()) {
      try {
        Samples train = read_set(s, dir, s.file, "impute");
        const Index test_rows = *s.test_file ? read_set(s, dir, s.test_file, "impute").size() : 0;
        u.rows = train.size() + test_rows;
        u.features = train.x.cols();
        u.classes = static_cast<Index>(train.class_names.size());
        std::vector<Index> counts(static_cast<std::size_t>(u.classes), 0);
        for (const auto l : train.labels) ++counts[static_cast<std::size_t>(l)];
        u.majority = train.size()
                         ? static_cast<double>(*std::max_element(counts.begin(), counts.end())) /
                               static_cast<double>(train.size())
                         : 0;
        cap_rows(train, kUciMaxRows);
        u.rows_used = train.size() + test_rows;
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
      "uci",
      "a UCI classification set from Debian's packages (weka, r-cran-mlbench, r-cran-kernlab, "
      "python3-sklearn; `nnfit list` shows them)",
      {{"name",
        "one of: " +
            [] {
              std::string all;
              for (const auto& n : uci_names()) all += (all.empty() ? "" : ", ") + n;
              return all;
            }(),
        nullptr, "the data set", true},
       {"path", "path", "",
        "the folder of the set's file; \"\": where scripts/setup puts it (" +
            std::string(kUciRoot) + "/<package>), else the installed package's folder",
        false, "\"\" (search)"},
       {"missing", "error | zero | drop_row | impute", "impute",
        "what a missing value does (several sets have them); without data.test, a set with no "
        "test file of its own holds out a stratified 20% as its test set"},
       {"max_rows", "integer >= 0", kUciMaxRows,
        "a larger set is used through a stratified sample of this many rows (fixed seed: the "
        "same rows for every arm and seed); 0: all"}},
      [](SpecReader& spec) {
        return SourceRecipe{"uci", json::object(), uci_source(spec), ""};
      },
      uci_traits());
}

}  // namespace nnfit
