// Every native, called with hostile arguments (nulls, every kind of object, extreme integers
// and floats), must neither crash nor throw, must trap at most once, and must set its result
// whenever it does not trap — a program can reach any native with any values.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <unistd.h>
#include <filesystem>
#include <random>

#include "tests/stdlib/fake_context.hpp"
#include "vm/heap/map.hpp"

namespace strata::stdlib::test {
namespace {

std::vector<std::string_view> param_types(std::string_view sig) {
  std::vector<std::string_view> out;
  std::string_view params = sig.substr(1, sig.find(')') - 1);
  while (!params.empty()) {
    size_t comma = params.find(", ");
    out.push_back(params.substr(0, comma));
    params = comma == std::string_view::npos ? "" : params.substr(comma + 2);
  }
  return out;
}

bool is_object(vm::Object* o) {
  return o->kind >= vm::ObjKind::String && o->kind <= vm::ObjKind::Function;
}

class StdRobustness : public ::testing::Test {
 protected:
  void SetUp() override {
    // std.fs may create files named by the pool's strings: do it in a scratch directory. Stdin
    // is /dev/null so read_line returns at once.
    old_cwd_ = std::filesystem::current_path();
    dir_ = std::filesystem::temp_directory_path() / ("strata-robust-" + std::to_string(getpid()));
    std::filesystem::create_directories(dir_);
    std::filesystem::current_path(dir_);
    saved_stdin_ = ::dup(0);
    int null_fd = ::open("/dev/null", O_RDONLY);
    ::dup2(null_fd, 0);
    ::close(null_fd);
  }
  void TearDown() override {
    ::dup2(saved_stdin_, 0);
    ::close(saved_stdin_);
    std::filesystem::current_path(old_cwd_);
    std::filesystem::remove_all(dir_);
  }

  std::filesystem::path old_cwd_, dir_;
  int saved_stdin_ = -1;
};

TEST_F(StdRobustness, HostileArgumentsNeverCrash) {
  FakeContext cx;
  cx.argv = {"a"};
  // Refs of every kind; kept in a GC-scanned ref array so nothing is collected under us.
  vm::Array* pool = vm::new_array(vm::ObjKind::ArrayRef, 0);
  auto add = [&](vm::Object* o) {
    ASSERT_TRUE(vm::array_reserve(pool, pool->len + 1));
    static_cast<vm::Object**>(pool->data)[pool->len++] = o;
  };
  add(nullptr);
  add(vm::new_string(""));
  add(vm::new_string("abc"));
  add(vm::new_string("{}{{x"));
  add(vm::new_string("-12"));
  add(vm::new_string(std::string_view("a\0b", 3)));
  add(vm::new_array(vm::ObjKind::ArrayI64, 3));
  add(vm::new_array(vm::ObjKind::ArrayF64, 0));
  add(vm::new_array(vm::ObjKind::ArrayRef, 2));
  add(vm::new_array(vm::ObjKind::ArrayU8, 5));
  add(vm::map_object(vm::new_map(vm::MapKeyKind::String)));
  add(vm::map_object(vm::new_map(vm::MapKeyKind::Int)));
  add(vm::new_record(nullptr, 2));
  const int64_t ints[] = {0, 1, 2, 3, -1, -3, 255, 256, INT64_MIN, INT64_MAX, int64_t{1} << 62};
  const double floats[] = {0.0, -0.0, 1.5, -1e308, 1e308, 5e-324, NAN, -NAN, INFINITY, -INFINITY};

  std::mt19937_64 rng(2024);
  int calls = 0, traps = 0;
  for (const vm::NativeDef& d : natives()) {
    if (d.module == "std.time" && d.name == "sleep_ms") continue;  // would sleep for years
    auto types = param_types(d.signature);
    const bool has_result = d.signature.substr(d.signature.size() - 4) != "void";
    for (int round = 0; round < 300; ++round) {
      vm::Value args[8];
      for (size_t i = 0; i < types.size(); ++i) {
        if (types[i] == "i64")
          args[i] = I(ints[rng() % std::size(ints)]);
        else if (types[i] == "f64")
          args[i] = F(floats[rng() % std::size(floats)]);
        else
          args[i] = R(static_cast<vm::Object**>(pool->data)[rng() % pool->len]);
      }
      vm::Value result;
      result.bits = kGarbage;
      cx.trapped.reset();
      cx.traps = 0;
      d.fn(cx, args, &result);
      ++calls;
      ASSERT_LE(cx.traps, 1) << d.module << "." << d.name;
      if (cx.trapped) {
        ++traps;
        ASSERT_FALSE(cx.trapped->message.empty()) << d.module << "." << d.name;
        continue;
      }
      if (!has_result) continue;
      ASSERT_NE(result.bits, kGarbage) << d.module << "." << d.name << " set no result";
      if (d.signature.ends_with("ref") && result.r) {
        ASSERT_TRUE(is_object(result.r)) << d.name;
      }
    }
  }
  EXPECT_GT(calls, 30000);
  EXPECT_GT(traps, 1000);  // the hostile values do reach the checks
  // std.fs created files only here, and the pool's fds are closed.
  close_open_files();
}

}  // namespace
}  // namespace strata::stdlib::test
