// The CLI's whole-file reader: bytes exact (NULs and all) for files of any size, files whose
// size the kernel does not report, and one-line errors for what cannot be read.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "tools/strata/file_bytes.hpp"

namespace strata::cli {
namespace {

namespace fs = std::filesystem;

class FileBytes : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("strata-file-bytes-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string write(const std::string& name, const std::string& bytes) {
    const std::string path = (dir_ / name).string();
    std::ofstream(path, std::ios::binary) << bytes;
    return path;
  }
  fs::path dir_;
};

TEST_F(FileBytes, ReadsEveryByteOfFilesOfAnySize) {
  std::string big(3 * 1024 * 1024 + 17, '\0');
  for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 131 + (i >> 12));
  for (const std::string& bytes : {std::string(), std::string("a\0b\n", 4), big}) {
    auto r = read_file(write("f.bin", bytes));
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->size(), bytes.size());
    EXPECT_TRUE(*r == bytes);
  }
}

TEST_F(FileBytes, ReadsFilesWithoutAKnownSizeToTheirEnd) {
  // /proc files report size 0; this one holds more than one 4 KiB read.
  auto r = read_file("/proc/self/maps");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_GT(r->size(), 0u);
  EXPECT_EQ(r->back(), '\n');
  EXPECT_NE(r->find("[stack]"), std::string::npos) << *r;
}

TEST_F(FileBytes, ErrorsSayWhatWentWrong) {
  auto missing = read_file((dir_ / "missing").string());
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().message,
            (dir_ / "missing").string() + ": cannot open: No such file or directory");
  auto directory = read_file(dir_.string());
  ASSERT_FALSE(directory);
  EXPECT_EQ(directory.error().message, dir_.string() + ": is a directory");
}

}  // namespace
}  // namespace strata::cli
