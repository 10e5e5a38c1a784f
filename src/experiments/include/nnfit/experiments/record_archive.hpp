// A comparison's raw records in one committed file: `<output>/records.jsonl.gz`, one line per
// run record of every stage (evaluation, tuning rungs, extensions, fixed, each data set's), as
// {"path": "<relative record file>", "record": {...}}, sorted by path and gzip-compressed with
// a fixed header, so the same records give the same bytes.
//
// The per-run record files stay out of git (thousands of files); the archive goes in, so that
// anyone can redo the seed-by-seed pairing of a committed report. Running the same `nnfit
// compare` again restores every record the archive holds that is not on disk, and then
// reuses them as it reuses any record: the statistics and the report are regenerated from the
// records alone, without training (tests/test_compare.cpp checks it).
#pragma once

#include <string>

namespace nnfit {

inline constexpr const char* kRecordArchive = "records.jsonl.gz";

// Writes <output>/records.jsonl.gz from every record file below `output` (files named
// seed-<n>.json in a folder under a `runs` folder). Returns how many records it holds.
int write_record_archive(const std::string& output);

// Restores the records of <output>/records.jsonl.gz that are not on disk; returns how many.
// The archive is untrusted input: a path that is absolute, climbs out with "..", is not a
// record file under a `runs` folder, or a line that is not such an object, is a DataError
// naming the archive and the line; so is data beyond 4 GB decompressed or a damaged stream.
int restore_record_archive(const std::string& output);

}  // namespace nnfit
