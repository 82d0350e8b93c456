#include "objdump_support.hpp"

#include <sys/wait.h>
#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <sstream>

namespace strata::isa::rv64::test {

std::string run_shell(const std::string& command, int* status) {
  std::string out;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) {
    *status = -1;
    return out;
  }
  char buf[65536];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, pipe)) > 0) out.append(buf, n);
  const int rc = pclose(pipe);
  *status = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  return out;
}

std::string find_program(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path ? path : "/usr/bin:/bin");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    const std::filesystem::path candidate = std::filesystem::path(dir) / name;
    std::error_code ec;
    if (std::filesystem::is_regular_file(candidate, ec)) return candidate.string();
  }
  return {};
}

std::string normalize_objdump_text(const std::string& text) {
  std::string s = text;
  if (const size_t hash = s.find(" #"); hash != std::string::npos) s.erase(hash);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.pop_back();
  // "...,1e <.L4>" -> "...,0x1e"
  if (!s.empty() && s.back() == '>') {
    const size_t open = s.rfind(" <");
    if (open != std::string::npos) {
      size_t start = open;
      while (start > 0 && std::isxdigit(static_cast<unsigned char>(s[start - 1]))) --start;
      if (start < open) s = s.substr(0, start) + "0x" + s.substr(start, open - start);
    }
  }
  return s;
}

bool objdump_rejects(const std::string& text) {
  return text.rfind(".2byte", 0) == 0 || text.rfind(".4byte", 0) == 0 ||
         text.rfind(".insn", 0) == 0 || text.rfind(".word", 0) == 0 ||
         text.rfind(".short", 0) == 0 || text == "unimp";
}

std::vector<ObjdumpLine> parse_objdump(const std::string& output) {
  // "   1c:\t8082                \tret": address, colon, tab, one 16- or 32-bit hex value,
  // padding, tab, text. Parsed by hand: std::regex is too slow for a whole libc.
  std::vector<ObjdumpLine> lines;
  std::stringstream in(output);
  std::string line;
  auto is_hex = [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); };
  while (std::getline(in, line)) {
    size_t i = line.find_first_not_of(' ');
    const size_t colon = line.find(":\t");
    if (i == std::string::npos || colon == std::string::npos || colon == i) continue;
    if (!std::all_of(line.begin() + i, line.begin() + colon, is_hex)) continue;
    size_t h = colon + 2, e = h;
    while (e < line.size() && is_hex(line[e])) ++e;
    if ((e - h != 4 && e - h != 8) || e >= line.size() || line[e] != ' ') continue;
    const size_t tab = line.find('\t', e);
    if (tab == std::string::npos) continue;
    ObjdumpLine l;
    l.address = std::stoull(line.substr(i, colon - i), nullptr, 16);
    l.bits = static_cast<uint32_t>(std::stoul(line.substr(h, e - h), nullptr, 16));
    l.length = e - h == 4 ? 2 : 4;
    l.text = normalize_objdump_text(line.substr(tab + 1));
    lines.push_back(std::move(l));
  }
  return lines;
}

}  // namespace strata::isa::rv64::test
