// Helpers for the RV64 loader tests: build guest programs with the cross compiler, read files,
// capture command output.
#pragma once

#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

namespace strata::vm::rv64::test {

inline constexpr const char* kCrossGcc = "riscv64-linux-gnu-gcc";
inline constexpr const char* kReadelf = "riscv64-linux-gnu-readelf";
inline constexpr const char* kSysroot = "/usr/riscv64-linux-gnu";

inline std::string capture(const std::string& cmd) {
  std::string out;
  FILE* f = popen(cmd.c_str(), "r");
  if (!f) return out;
  std::array<char, 4096> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), f)) > 0) out.append(buf.data(), n);
  pclose(f);
  return out;
}

inline bool have_tool(const char* tool) {
  return std::system((std::string("command -v ") + tool + " >/dev/null 2>&1").c_str()) == 0;
}

// A scratch directory per test process, removed at exit.
struct ScratchDir {
  std::string path = "/tmp/strata_rv64_test_" + std::to_string(getpid());
  ScratchDir() { std::system(("mkdir -p " + path).c_str()); }
  ~ScratchDir() { std::system(("rm -rf " + path).c_str()); }
};

inline std::string scratch_dir() {
  static ScratchDir dir;
  return dir.path;
}

inline constexpr const char* kHelloC =
    "#include <stdio.h>\nint main(int c, char** v) { printf(\"hi %d\\n\", c); return 0; }\n";

// A libc-free program (write then exit_group) with data and bss: Debian 12's riscv64 libc has
// no rcrt1.o, so `-static-pie` with glibc fails to link; this links as a static-pie anyway.
inline constexpr const char* kFreestandingC = R"(
static long counter;
static const char msg[] = "hi\n";
long table[64];
void _start(void) {
  register long a0 asm("a0") = 1;
  register const char* a1 asm("a1") = msg;
  register long a2 asm("a2") = 3;
  register long a7 asm("a7") = 64;
  asm volatile("ecall" : "+r"(a0) : "r"(a1), "r"(a2), "r"(a7));
  counter += table[3];
  register long b0 asm("a0") = counter;
  register long b7 asm("a7") = 94;
  asm volatile("ecall" : : "r"(b0), "r"(b7));
  for (;;) {}
}
)";

// Compiles `source` (C) with `flags`; returns the output path, or "" on failure.
inline std::string build_c(const std::string& name, const std::string& flags,
                           const char* source = kHelloC) {
  std::string dir = scratch_dir();
  std::string src = dir + "/" + name + ".c";
  {
    std::ofstream f(src);
    f << source;
  }
  std::string out = dir + "/" + name;
  std::string cmd =
      std::string(kCrossGcc) + " -O2 " + flags + " -o " + out + " " + src + " >/dev/null 2>&1";
  return std::system(cmd.c_str()) == 0 ? out : "";
}

inline std::string build_hello(const std::string& name, const std::string& flags) {
  return build_c(name, flags);
}

}  // namespace strata::vm::rv64::test
