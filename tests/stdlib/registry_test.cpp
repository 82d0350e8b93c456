// The registry as a whole: unique names, well-formed signatures, docs/STDLIB.md mentions every
// function, and the embedded .sasm modules import only natives that exist with their signature.
#include <gtest/gtest.h>

#include <fstream>
#include <optional>
#include <set>
#include <sstream>

#include "stdlib/stdlib.hpp"

namespace strata::stdlib {
namespace {

bool is_ident(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
}

// True if `word` occurs in `text` not as part of a longer identifier.
bool mentions(std::string_view text, std::string_view word) {
  for (size_t at = text.find(word); at != std::string_view::npos; at = text.find(word, at + 1)) {
    bool left = at == 0 || !is_ident(text[at - 1]);
    bool right = at + word.size() == text.size() || !is_ident(text[at + word.size()]);
    if (left && right) return true;
  }
  return false;
}

bool is_type(std::string_view t) {
  return t == "i64" || t == "f64" || t == "ref";
}

// "(T, T, ...) -> R" with T in i64/f64/ref and R also void. (Hand-parsed: std::regex trips
// GCC 12's -Wmaybe-uninitialized under the sanitizers.)
bool well_formed_sig(std::string_view s) {
  size_t close = s.find(')');
  if (s.empty() || s[0] != '(' || close == std::string_view::npos) return false;
  std::string_view params = s.substr(1, close - 1);
  while (!params.empty()) {
    size_t comma = params.find(", ");
    if (!is_type(params.substr(0, comma))) return false;
    params = comma == std::string_view::npos ? "" : params.substr(comma + 2);
    if (comma != std::string_view::npos && params.empty()) return false;
  }
  std::string_view rest = s.substr(close + 1);
  if (rest.substr(0, 4) != " -> ") return false;
  rest.remove_prefix(4);
  return is_type(rest) || rest == "void";
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  return s;
}

// `.import "MODULE" name(types) [-> type]`, comments stripped.
struct ImportLine {
  std::string module, name, signature;
};
std::optional<ImportLine> parse_import(std::string_view line) {
  line = trim(line.substr(0, line.find(';')));
  constexpr std::string_view kHead = ".import \"";
  if (line.substr(0, kHead.size()) != kHead) return std::nullopt;
  line.remove_prefix(kHead.size());
  size_t q = line.find('"'), open = line.find('('), close = line.find(')');
  if (q == std::string_view::npos || open == std::string_view::npos || close < open)
    return std::nullopt;
  ImportLine r;
  r.module = line.substr(0, q);
  r.name = trim(line.substr(q + 1, open - q - 1));
  std::string_view result = trim(line.substr(close + 1));
  if (result.substr(0, 2) == "->") result = trim(result.substr(2));
  r.signature = std::string(line.substr(open, close - open + 1)) + " -> " +
                std::string(result.empty() ? "void" : result);
  return r;
}

// The name of an exported `.func NAME(...) ... export`, comments stripped.
std::optional<std::string> parse_export(std::string_view line) {
  line = trim(line.substr(0, line.find(';')));
  if (line.substr(0, 6) != ".func " || line.size() < 7 || line.substr(line.size() - 7) != " export")
    return std::nullopt;
  line.remove_prefix(6);
  return std::string(trim(line.substr(0, line.find('('))));
}

// The section "## <module> ..." of docs/STDLIB.md, up to the next "## ".
std::string doc_section(const std::string& doc, std::string_view module) {
  size_t at = doc.find("## " + std::string(module));
  if (at == std::string::npos) return "";
  size_t end = doc.find("\n## ", at + 3);
  return doc.substr(at, end == std::string::npos ? std::string::npos : end - at);
}

std::string read_doc() {
  std::ifstream f(STRATA_SOURCE_DIR "/docs/STDLIB.md");
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

TEST(StdRegistry, NamesAreUniqueAndSignaturesWellFormed) {
  std::set<std::pair<std::string_view, std::string_view>> seen;
  ASSERT_GT(natives().size(), 100u);
  for (const vm::NativeDef& d : natives()) {
    EXPECT_TRUE(seen.insert({d.module, d.name}).second) << d.module << "." << d.name;
    EXPECT_TRUE(well_formed_sig(d.signature)) << d.module << "." << d.name << ": " << d.signature;
    EXPECT_NE(d.fn, nullptr);
    EXPECT_FALSE(d.doc.empty()) << d.name;
    EXPECT_EQ(find_native(d.module, d.name), &d);
  }
  EXPECT_EQ(find_native("std.io", "nope"), nullptr);
}

TEST(StdRegistry, DocsMentionEveryNative) {
  std::string doc = read_doc();
  ASSERT_FALSE(doc.empty());
  for (const vm::NativeDef& d : natives()) {
    std::string section = doc_section(doc, d.module);
    ASSERT_FALSE(section.empty()) << "no section for " << d.module;
    EXPECT_TRUE(mentions(section, d.name)) << d.module << "." << d.name << " is not documented";
  }
}

TEST(StdRegistry, SasmModulesAreEmbeddedAndImportRealNatives) {
  std::string doc = read_doc();
  ASSERT_EQ(sasm_modules().size(), 3u);
  for (const SasmModule& m : sasm_modules()) {
    ASSERT_EQ(sasm_source(m.name), m.source);
    EXPECT_NE(m.source.find(".module " + std::string(m.name) + "\n"), std::string_view::npos)
        << m.file;
    std::istringstream lines{std::string(m.source)};
    std::string line;
    int exports = 0, imports = 0;
    while (std::getline(lines, line)) {
      if (auto im = parse_import(line)) {
        ++imports;
        const vm::NativeDef* d = find_native(im->module, im->name);
        ASSERT_NE(d, nullptr) << m.file << ": " << line;
        EXPECT_EQ(d->signature, im->signature) << m.file << ": " << line;
      } else if (auto name = parse_export(line)) {
        ++exports;
        EXPECT_TRUE(mentions(doc_section(doc, m.name), *name))
            << m.name << "." << *name << " is not documented";
      }
    }
    EXPECT_GE(exports, 2) << m.file;
    EXPECT_GE(imports, 1) << m.file;
  }
  EXPECT_FALSE(sasm_source("std.io").has_value());
  EXPECT_FALSE(sasm_source("nope").has_value());
}

}  // namespace
}  // namespace strata::stdlib
