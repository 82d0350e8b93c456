// Runs a riscv64 C program (cross-compiled at test time) through run_rv64 in one JitMode and
// collects what it did: the shared set-up of the runner tests.
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "jit/rv64/runner.hpp"
#include "tests/vm/rv64/rv64_test_util.hpp"

namespace strata::jit::rv64::test {

namespace t = vm::rv64::test;

inline std::string slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// `source` built as a static riscv64 program `name`, once per test process ("" when the cross
// compiler failed).
inline std::string program(const std::string& name, const char* source) {
  static std::map<std::string, std::string> built;
  auto [it, fresh] = built.try_emplace(name);
  if (fresh) it->second = t::build_c(name, "-static", source);
  return it->second;
}

// The address of `symbol` in the program at `path` (nm), or 0.
inline uint64_t symbol_address(const std::string& path, const std::string& symbol) {
  std::istringstream in(t::capture("riscv64-linux-gnu-nm " + path));
  std::string addr, kind, name;
  while (in >> addr >> kind >> name)
    if (name == symbol) return std::stoull(addr, nullptr, 16);
  return 0;
}

struct Outcome {
  GuestExit exit;
  std::string out;
  std::string diag;  // the guest's stderr and Strata's notes (and --stats)
};

// Runs `elf` with `args` in `mode` (stdin /dev/null, LANG=C, a 1 GiB guest space, units
// compiled after 4 executions).
inline Outcome run_program(JitMode mode, const std::string& elf,
                           const std::vector<std::string>& args = {}, bool stats = false) {
  Outcome o;
  EXPECT_FALSE(elf.empty()) << "the cross compiler failed";
  if (elf.empty()) return o;
  const std::string out_path = t::scratch_dir() + "/out.txt";
  const std::string diag_path = t::scratch_dir() + "/diag.txt";
  const int out = ::open(out_path.c_str(), O_RDWR | O_CREAT | O_TRUNC, 0600);
  const int diag = ::open(diag_path.c_str(), O_RDWR | O_CREAT | O_TRUNC, 0600);
  RunOptions opts;
  opts.jit = mode;
  opts.hot_threshold = 4;
  opts.guest_top = uint64_t{1} << 30;
  opts.stats = stats;
  opts.process.path = elf;
  opts.process.argv = {elf};
  opts.process.argv.insert(opts.process.argv.end(), args.begin(), args.end());
  opts.process.envp = {"LANG=C"};
  opts.process.stdin_fd = ::open("/dev/null", O_RDONLY);
  opts.process.stdout_fd = out;
  opts.process.stderr_fd = diag;
  opts.process.diag_fd = diag;
  auto r = run_rv64(opts);
  ::close(opts.process.stdin_fd);
  ::close(out);
  ::close(diag);
  EXPECT_TRUE(r.has_value()) << r.error().message;
  if (r) o.exit = *r;
  o.out = slurp(out_path);
  o.diag = slurp(diag_path);
  return o;
}

}  // namespace strata::jit::rv64::test
