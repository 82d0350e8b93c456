// The example programs with an expected output (examples/bench/expected/): `NAME.txt` for
// examples/NAME.sasm run without arguments, `NAME.N.txt` for examples/bench/NAME.sasm run with N.
// Shared by every test that runs all of them (the examples test, the opt tier's CLI test).
#pragma once

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <ostream>
#include <regex>
#include <string>
#include <vector>

#include "tests/support/subprocess.hpp"

namespace strata::test {

struct ExampleCase {
  std::string name;     // test name
  std::string program;  // path of the .sasm
  std::vector<std::string> args;
  std::string expected_file;
};

// Keeps test listings readable (gtest would otherwise print the struct's bytes).
inline void PrintTo(const ExampleCase& c, std::ostream* os) {
  *os << c.name;
}

inline std::string slurp(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

inline std::vector<ExampleCase> example_cases() {
  std::vector<ExampleCase> cases;
  std::filesystem::path dir = source_path("examples/bench/expected");
  std::regex bench(R"(([a-z_]+)\.([0-9]+)\.txt)"), plain(R"(([a-z_]+)\.txt)");
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    std::string file = e.path().filename().string();
    std::smatch m;
    if (std::regex_match(file, m, bench))
      cases.push_back({m[1].str() + "_" + m[2].str(),
                       source_path("examples/bench/" + m[1].str() + ".sasm"),
                       {m[2].str()},
                       e.path().string()});
    else if (std::regex_match(file, m, plain))
      cases.push_back(
          {m[1].str(), source_path("examples/" + m[1].str() + ".sasm"), {}, e.path().string()});
  }
  std::sort(cases.begin(), cases.end(), [](auto& a, auto& b) { return a.name < b.name; });
  return cases;
}

}  // namespace strata::test
