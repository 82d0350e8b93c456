// The perf map lines a tier writes under STRATA_PERF_MAP (jit/perf_map.hpp): perf's format,
// appended, one whole line per function.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "jit/perf_map.hpp"

namespace strata::jit {
namespace {

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(PerfMap, PathIsTheOnePerfReadsForThePid) {
  EXPECT_EQ(perf_map_path(1234), "/tmp/perf-1234.map");
}

TEST(PerfMap, AppendsOneLinePerFunctionInPerfsFormat) {
  const std::string path = (std::filesystem::temp_directory_path() /
                            ("strata-perf-map-test-" + std::to_string(::getpid()) + ".map"))
                               .string();
  std::remove(path.c_str());
  const auto* a = reinterpret_cast<const void*>(uintptr_t{0x7f3a2c001040});
  const auto* b = reinterpret_cast<const void*>(uintptr_t{0x7f3a2c002000});
  ASSERT_TRUE(perf_map_append(path, a, 0x3e0, "rv64_105f2", "llvm"));
  ASSERT_TRUE(perf_map_append(path, b, 0x10, "main", "baseline"));
  EXPECT_EQ(slurp(path), "7f3a2c001040 3e0 rv64_105f2.llvm\n7f3a2c002000 10 main.baseline\n");
  std::remove(path.c_str());
}

TEST(PerfMap, AnUnwritableFileIsReportedNotFatal) {
  EXPECT_FALSE(perf_map_append("/nonexistent-dir/perf-1.map", this, 1, "f", "llvm"));
}

// STRATA_CODE_DUMP's file: the code's bytes, named by its hex address as the map line is.
TEST(PerfMap, CodeDumpWritesTheBytesUnderTheAddressesName) {
  const std::filesystem::path dir = std::filesystem::temp_directory_path() /
                                    ("strata-code-dump-test-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const unsigned char code[] = {0x55, 0x48, 0x89, 0xe5, 0x5d, 0xc3};
  ASSERT_TRUE(code_dump_write(dir.string(), code, sizeof code));
  char name[64];
  std::snprintf(name, sizeof name, "%jx.bin",
                static_cast<uintmax_t>(reinterpret_cast<uintptr_t>(code)));
  EXPECT_EQ(slurp((dir / name).string()),
            std::string(reinterpret_cast<const char*>(code), sizeof code));
  EXPECT_FALSE(code_dump_write("/nonexistent-dir", code, sizeof code));
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace strata::jit
